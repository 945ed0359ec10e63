"""Check raw TOML tables and turn them into the model, collecting every problem.

Keys are read through the tables in `schema` (every key's problem is
reported); what involves several keys (the one way of saying when, rules,
reminders) is checked here, one problem per event. Each problem names the
file, the event (by id, or by position when the id is missing) and the field;
nothing is raised until every file has been read.

One failure convention: a check raises `schema.Invalid`, and the loop over
tables reports it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

from keydates import ids, relative, schema
from keydates.errors import InputError, Problem, did_you_mean, show
from keydates.load import Source
from keydates.model import Calendar, Event, Override, Relative, Timeline, Translation, last_day
from keydates.relative import weekdays_only
from keydates.recurrence import instance_problem, is_occurrence, make_rule, not_occurrences, occurrences, rule_notes, show_moment
from keydates.schema import Invalid
from keydates.when import add_duration, distinct_reminders, reminder_for

DEFAULT_TIMED_LENGTH = timedelta(hours=1)
OUTLOOK_TITLE_LIMIT = 255  # Outlook cuts SUMMARY at 255 UTF-16 units


def validate(sources: list[Source], language: str = "en") -> Timeline:
    """Turn every source into a Calendar; raise InputError listing all problems.

    `language` is the site's, for calendars that don't set their own. The
    timeline carries the warnings (problems that don't stop a build).
    """
    files = [_calendar(source, _Report(source.path), language) for source in sources]
    _place_relative(files)
    calendars, problems = [], []
    for file in files:
        problems.extend(file.report.problems)
        if file.calendar is not None and not file.report.errors:
            calendars.append(file.calendar)
    seen: dict[str, Path] = {}
    for calendar in calendars:
        if calendar.id in seen:
            problems.append(Problem(calendar.path, f"calendar id '{calendar.id}' is also used by {seen[calendar.id]}", field="[calendar] id"))
        seen.setdefault(calendar.id, calendar.path)
    problems += _duplicate_uids(calendars)
    if any(not p.warning for p in problems):
        raise InputError(problems)
    return Timeline(calendars, problems)


def _duplicate_uids(calendars: list[Calendar]) -> list[Problem]:
    """A UID names one event everywhere (all.ics holds every calendar)."""
    problems, owner = [], {}
    for calendar in calendars:
        for entry in calendar.entries:
            label = f"event '{entry.event.id}'"
            if entry.uid in owner:
                other = owner[entry.uid]
                problems.append(Problem(calendar.path, f"{entry.uid!r} is also the UID of {other}", label, "uid"))
            owner.setdefault(entry.uid, f"event '{entry.event.id}' in {calendar.path}")
    return problems


@dataclass
class _Report:
    """The problems of one file, as they are found."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    errors: int = 0  # counted as they come: recounting per event was quadratic

    def error(self, message: str, event: str | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(self.path, message, event, field))
        self.errors += 1

    def warn(self, message: str, event: str | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(self.path, message, event, field, warning=True))

    def read(self, table: schema.Table, raw: dict, label: str | None, prefix: str = "", hints: dict | None = None) -> dict | None:
        """`table.read`, with each problem reported against `label`.

        `hints` adds text to the problems of some keys (an id made from the title).
        """
        hints = hints or {}
        return table.read(raw, lambda key, message: self.error(message + hints.get(key, ""), label, prefix + key))


@dataclass(frozen=True)
class _Context:
    """What a calendar's events inherit from it."""

    calendar_id: str
    timezone: str
    remind: tuple[str, ...]
    language: str = "en"
    working: Callable[[date], bool] = weekdays_only  # for business days


@dataclass
class _Pending:
    """An event placed relative to another: read, to be dated once its anchor is."""

    raw: dict
    values: dict
    label: str
    context: _Context
    report: _Report

    @property
    def key(self) -> tuple[str, str]:
        return self.context.calendar_id, self.values["id"]

    @property
    def anchor(self) -> tuple[str, str]:
        calendar_id, event_id = self.values["relative_to"]
        return calendar_id or self.context.calendar_id, event_id


@dataclass
class _File:
    """One event file as validated: its calendar (None if it has errors) and what is still to place."""

    report: _Report
    calendar: Calendar | None = None
    calendar_id: str = ""
    fixed: list[Event] = field(default_factory=list)  # events with their own date
    pending: list[_Pending] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # ids of events with errors


# -- a file: [calendar], [[event]], [[holidays]] ------------------------------


def _calendar(source: Source, report: _Report, language: str) -> _File:
    """The calendar of one file, without the events placed relative to others
    (`_place_relative` adds them); its calendar is None when it has errors (all reported)."""
    file = _File(report, calendar_id=source.path.stem)
    data = source.data
    report.read(schema.TOP, data, None)
    meta = data.get("calendar")
    if not isinstance(meta, dict):
        report.error("missing [calendar] table (with at least name and timezone)" if meta is None else "must be a table", field="[calendar]")
        return file
    values = report.read(schema.CALENDAR, meta, None, prefix="[calendar] ", hints={"id": _id_hint(meta.get("id"), meta.get("name"), "name")})
    calendar_id = _id_from_file_name(source.path, report) if "id" not in meta else values and values["id"]
    # With a bad [calendar] table the events are still checked, against
    # what could be read of it, so that every problem is reported at once.
    own_language = (values["language"] if values else _or_none(schema.language, meta.get("language"))) or language
    file.calendar_id = calendar_id or source.path.stem
    context = _Context(
        file.calendar_id,
        values["timezone"] if values else _or_none(schema.zone_name, meta.get("timezone")) or "UTC",
        values["remind"] if values else _or_none(schema.reminder_phrases, meta.get("remind")) or (),
        language=own_language,
        working=_working_days(values, report) if values and values["country"] else weekdays_only,
    )
    if values and values["subdiv"] and not values["country"]:
        report.error("only goes with country", field="[calendar] subdiv")
    raw_events = data.get("event", [])
    if not isinstance(raw_events, list) or not all(isinstance(e, dict) for e in raw_events):
        report.error("must be a list of [[event]] tables", field="event")
        raw_events = []
    raw_holidays = data.get("holidays", [])
    if not raw_events and not raw_holidays:
        report.warn("no events in this calendar", field="event")
    events = _events(raw_events, context, report, file)
    holiday_events = _holidays(raw_holidays, context, report)
    _unique_holiday_ids(events, holiday_events, report)
    file.fixed = events + holiday_events
    if values is None or calendar_id is None:
        file.broken.update(event.id for event in file.fixed)  # not usable as anchors
        return file
    try:
        texts = _texts(values, ("name", "description"), own_language)
    except Invalid as e:
        report.error(str(e), field=f"[calendar] {e.field}")
        return file
    tags = {tag for event in file.fixed for tag in event.tags} | {tag for p in file.pending for tag in p.values["tags"]}
    file.calendar = Calendar(
        id=calendar_id, name=texts.pop("name"), timezone=values["timezone"], path=source.path,
        description=texts.pop("description"), refresh=values["refresh"], url=values["url"], color=values["color"],
        events=tuple(file.fixed), language=own_language, translations=texts.pop("translations"),
        named_by_file="id" not in meta, feed_tags=_feed_tags(values["feeds"], tags, report), rolling=values["window"],
    )  # fmt: skip
    return file


def _working_days(values: dict, report: _Report) -> Callable[[date], bool]:
    """The [calendar] country's working days, for business-day offsets."""
    from keydates.publicholidays import HolidaySourceError, working_days  # imports `holidays`: slow

    try:
        return working_days(values["country"], values["subdiv"])
    except HolidaySourceError as e:
        report.error(e.message.removeprefix(f"{e.field}: "), field=f"[calendar] {e.field}")
        return weekdays_only


def _feed_tags(chosen: tuple[str, ...] | None, used: set[str], report: _Report) -> tuple[str, ...] | None:
    """[calendar] feeds: tags its events carry."""
    if chosen is None:
        return None
    for tag in chosen:
        if tag not in used:
            report.error(f"{tag!r} is not a tag of any event here{did_you_mean(tag, sorted(used))}", field="[calendar] feeds")
    return chosen


EVENT_TEXTS = ("title", "description", "location")


def _texts(values: dict, keys: tuple[str, ...], language: str) -> dict:
    """The text of each key in `language`, and Translations for the other languages given.

    A key given as plain text says the same in every language.
    """
    result, others = {}, {}
    for key in keys:
        value = values[key]
        if not isinstance(value, dict):
            result[key] = value
            continue
        if language not in value:
            raise Invalid(f"has no text in the calendar's language {language!r} (it has {', '.join(value)}); add {language} = \"...\"", key)
        result[key] = value[language]
        for tag, text in value.items():
            if tag != language:
                others.setdefault(tag, {})[key] = text
    # Translation's fields: a calendar's name sits where an event's title does.
    fields = {"name": "title", "title": "title", "description": "description", "location": "location"}
    result["translations"] = tuple(
        Translation(tag, **{fields[key]: text for key, text in texts.items()}) for tag, texts in sorted(others.items())
    )
    return result


def _or_none(convert, value):
    """The converted value, or None if it is missing or wrong (reported elsewhere)."""
    try:
        return convert(value)
    except (Invalid, ValueError):
        return None


def _id_hint(raw_id: object, fallback: object, fallback_name: str = "title") -> str:
    """A suggestion made from the title for an id with nothing to transliterate
    (the id's own transliteration is suggested by schema.event_id)."""
    if not isinstance(raw_id, str) or ids.ID_RE.match(raw_id) or ids.slug(raw_id):
        return ""
    return ids.suggestion(raw_id, fallback, fallback_name)


def _id_from_file_name(path: Path, report: _Report) -> str | None:
    try:
        return schema.calendar_id(path.stem)
    except Invalid as e:
        report.error(f"the file name {path.name!r} does not make a calendar id ({e}); rename the file, or set id in [calendar]", field="[calendar] id")
        return None


def _unique_holiday_ids(events: list[Event], holiday_events: list[Event], report: _Report) -> None:
    """Holiday ids must not clash with the events' own (those are checked as they are read)."""
    ids = {event.id for event in events}
    for event in holiday_events:
        if event.id in ids:
            report.error(f"the holiday id '{event.id}' is also an event's id; set id in [[holidays]] or rename the event", field="holidays")
        ids.add(event.id)


# -- events --------------------------------------------------------------------


def _events(raw_events: list[dict], context: _Context, report: _Report, file: _File) -> list[Event]:
    """The events with a date of their own; those placed relative to
    another go to `file.pending`, the ids of those with errors to `file.broken`."""
    events, first_seen = [], {}
    for position, raw in enumerate(raw_events, start=1):
        raw_id = raw.get("id")
        label = f"event '{raw_id}'" if isinstance(raw_id, str) and raw_id else f"event #{position}"
        if isinstance(raw_id, str):
            if raw_id in first_seen:
                report.error(f"duplicate id (event #{first_seen[raw_id]} has it too)", label, "id")
            first_seen.setdefault(raw_id, position)
        errors = report.errors
        values = report.read(schema.EVENT, raw, label, hints={"id": _id_hint(raw_id, raw.get("title"))})
        try:
            if values is None:
                pass
            elif "relative_to" in raw:
                _check_relative(raw)
                file.pending.append(_Pending(raw, values, label, context, report))
            else:
                events.append(_event(raw, values, context))
                skipped = _skipped_months(events[-1])
                if skipped:
                    report.warn(skipped, label, "repeat")
        except Invalid as e:
            report.error(str(e), label, e.field)
        if report.errors > errors:
            if isinstance(raw_id, str):
                file.broken.add(raw_id)
            continue
        if "relative_to" not in raw and events[-1].repeat:
            for note in rule_notes(events[-1].repeat, events[-1].start):
                report.warn(note, label, "repeat")
        if not values["url"]:
            report.warn("no source url (where does this date come from?)", label, "url")
        titles = values["title"].values() if isinstance(values["title"], dict) else [values["title"]]
        if any(len(title.encode("utf-16-le")) // 2 > OUTLOOK_TITLE_LIMIT for title in titles):
            report.warn(f"title is longer than Outlook shows ({OUTLOOK_TITLE_LIMIT} characters); put details in description", label, "title")
    return events


def _event(raw: dict, values: dict, context: _Context) -> Event:
    """The event of one [[event]] table whose keys are each valid; Invalid otherwise."""
    start, end, tz, window = _span(raw, values, context.timezone)
    repeating = _recurrence(raw, values, start, end, tz)
    return _made(values, context, start, end, tz, window, tentative=bool(window), **repeating)


def _made(values: dict, context: _Context, start, end, tz, window, *, tentative: bool, **more) -> Event:
    """The Event of a table's values once its dates are known."""
    remind = values["remind"] if values["remind"] is not None else context.remind
    status = values["status"] or ("tentative" if tentative else "confirmed")  # a window is an expectation
    busy = values["busy"] if values["busy"] is not None else isinstance(start, datetime)  # timed: busy
    texts = _texts(values, EVENT_TEXTS, context.language)
    event = Event(
        id=values["id"], uid=values["uid"], previous_ids=values["previous_ids"], title=texts["title"], start=start, end=end,
        timezone=tz, window=window, description=texts["description"], location=texts["location"], url=values["url"],
        translations=texts["translations"], tags=values["tags"], status=status, busy=busy,
        color=values["color"], conference=values["conference"],
        reminders=_reminders(remind, start, bool(more.get("repeat"))), **more,
    )  # fmt: skip
    problem = instance_problem(event)
    if problem:
        raise Invalid(problem, "repeat")
    return event


def _span(raw: dict, values: dict, calendar_tz: str):
    """(start, end, timezone, window phrase) from the one way of saying when."""
    given = [key for key in schema.WHEN_KEYS if key in raw]
    if not given:
        raise Invalid("no date: give exactly one of date, start (with end or duration), when or relative_to (with offset)", "date")
    if len(given) > 1:
        raise Invalid(f"give only one way of saying when, not {' and '.join(given)}", given[1])
    for key in ("offset", "time"):
        if key in raw:
            raise Invalid(f"only goes with relative_to (this event uses {given[0]})", key)
    for key in ("end", "duration", "timezone"):
        if key in raw and "start" not in raw:
            raise Invalid(f"only goes with start (this event uses {given[0]})", key)
    if "end" in raw and "duration" in raw:
        raise Invalid("give end or duration, not both", "duration")
    if "date" in raw:
        return values["date"], values["date"] + timedelta(days=1), None, None
    if "when" in raw:
        window = values["when"]
        return window.first, window.last + timedelta(days=1), None, window.phrase
    if isinstance(values["start"], datetime):
        return _timed_span(raw, values, calendar_tz)
    return _all_day_span(raw, values)


def _all_day_span(raw: dict, values: dict):
    start = values["start"]
    if "timezone" in raw:
        raise Invalid("all-day events have no time zone; give start a time of day or drop timezone", "timezone")
    end = start + timedelta(days=1)
    if "end" in raw:
        last = values["end"]
        if isinstance(last, datetime):
            raise Invalid(f"{show(last)} has a time of day but start {start} has none; use a date for both or a time for both", "end")
        if last < start:
            raise Invalid(f"{last} is before start {start}", "end")
        end = last + timedelta(days=1)  # people write end inclusive; DTEND is exclusive (RFC 5545 3.6.1)
    elif "duration" in raw:
        length = values["duration"]
        if length % timedelta(days=1):
            raise Invalid(f"an all-day event lasts whole days, not {length}; use e.g. 'P3D' or give start a time", "duration")
        end = start + length
    return start, end, None, None


def _timed_span(raw: dict, values: dict, calendar_tz: str):
    start = values["start"]
    tz_name = values["timezone"] or calendar_tz
    if start.tzinfo is not None:
        if "timezone" in raw:
            raise Invalid("start has a UTC offset already; drop the offset or drop timezone", "timezone")
        tz_name = None  # a fixed offset: emitted in UTC
    else:
        start = _localize(start, tz_name, "start")
    if "end" in raw:
        end = values["end"]
        if not isinstance(end, datetime):
            raise Invalid(f"{end} has no time of day but start {show(start)} has one; use a time for both or a date for both", "end")
        if end.tzinfo is None and tz_name is None:
            raise Invalid(f"{show(end)} has no UTC offset but start has one; give both an offset or neither", "end")
        if end.tzinfo is None:
            end = _localize(end, tz_name, "end")
        if end < start:
            raise Invalid(f"{show(end)} is before start {show(start)}", "end")
        if end == start:  # a zero-length event: Outlook and calcurse refuse it
            raise Invalid(f"{show(end)} is the same instant as start; give a later end, or leave end out (one hour)", "end")
    else:
        end = add_duration(start, values["duration"] or DEFAULT_TIMED_LENGTH)
    return start, end, tz_name, None


# -- events placed relative to another -----------------------------------------


def _check_relative(raw: dict) -> None:
    """What may go with relative_to, before the anchor is known."""
    others = [key for key in schema.WHEN_KEYS if key in raw and key != "relative_to"]
    if others:
        raise Invalid(f"give only one way of saying when, not relative_to and {' and '.join(others)}", others[0])
    if "offset" not in raw:
        raise Invalid("goes with an offset, such as offset = \"+1d\", \"-2w\" or \"+3 business days\"", "offset")
    if "end" in raw:
        raise Invalid("a relative date takes its length from its anchor, or from time and duration: drop end", "end")
    for key in ("duration", "timezone"):
        if key in raw and "time" not in raw:
            raise Invalid("only goes with time (without it, the event takes its anchor's time and length)", key)
    for key in ("repeat", "until", "count", "except", "also", "override"):
        if key in raw:
            raise Invalid("an event placed relative to another cannot repeat", key)


def _place_relative(files: list[_File]) -> None:
    """Date every pending event from its anchor, anchors first, in any calendar.

    Missing anchors and cycles are reported on each event of the chain,
    naming all of it; events whose anchor has errors of its own are left
    out without another problem (the anchor's are reported).
    """
    events = {(file.calendar_id, event.id): event for file in files for event in file.fixed}
    pending = {p.key: p for file in files for p in file.pending}
    if not pending:
        return
    broken = {(file.calendar_id, event_id) for file in files for event_id in file.broken}
    order, problems = relative.placement_order({key: p.anchor for key, p in pending.items()}, set(events), broken)
    for key in order:
        item = pending[key]
        try:
            events[key] = _relative_event(item, events[item.anchor])
        except Invalid as e:
            item.report.error(str(e), item.label, e.field)
            continue
    for key, (chain, kind) in problems.items():
        item = pending[key]
        item.report.error(_chain_problem(chain, kind, key[0], files), item.label, "relative_to")
    for file in files:
        placed = [events[p.key] for p in file.pending if p.key in events]
        if file.calendar is not None and placed:
            file.calendar = replace(file.calendar, events=file.calendar.events + tuple(placed))


def _chain_problem(chain: list[tuple[str, str]], kind: str, calendar_id: str, files: list[_File]) -> str:
    """'a cycle: a -> b -> a', or 'b -> missing: there is no event 'missing' in this calendar'."""
    names = " -> ".join(event_id if calendar == calendar_id else f"{calendar}/{event_id}" for calendar, event_id in chain)
    if kind == "cycle":
        return f"{'a cycle' if chain[0] == chain[-1] else 'cannot be placed, its anchors make a cycle'}: {names}"
    missing_calendar, missing = chain[-1]
    ids = {file.calendar_id: [e.id for e in file.fixed] + [p.values["id"] for p in file.pending] for file in files}
    if missing_calendar not in ids:
        return f"{names}: there is no calendar '{missing_calendar}'{did_you_mean(missing_calendar, ids)}"
    where = "this calendar" if missing_calendar == calendar_id else f"calendar '{missing_calendar}'"
    return f"{names}: there is no event '{missing}' in {where}{did_you_mean(missing, ids[missing_calendar])}"


def _relative_event(item: _Pending, anchor: Event) -> Event:
    """The event `item` describes, placed from its anchor (docs/relative-dates.md)."""
    values, context = item.values, item.context
    offset = values["offset"]
    anchor_calendar, anchor_id = item.anchor
    if anchor.repeat:
        raise Invalid(f"'{anchor_id}' repeats; an event can be placed relative to one that does not", "relative_to")
    link = Relative(f"{anchor_calendar}/{anchor_id}", anchor.title, offset.amount, offset.unit)
    move = lambda day: relative.shift(day, offset, context.working)  # noqa: E731
    window = None
    tz = None
    if anchor.window:
        if values["time"] is not None:
            raise Invalid(f"'{anchor_id}' is a window (its day is not known), so a time cannot be given", "time")
        start, end = move(anchor.first_day), move(anchor.last_day) + timedelta(days=1)
        window = anchor.window  # the anchor's phrase; describe.window_label says "1 day after" it
    elif values["time"] is not None:
        base = anchor.first_day if offset.amount <= 0 or not anchor.all_day else anchor.last_day
        tz = values["timezone"] or context.timezone
        start = _localize(datetime.combine(move(base), values["time"]), tz, "time")
        end = add_duration(start, values["duration"] or DEFAULT_TIMED_LENGTH)
    elif not anchor.all_day:
        tz = anchor.timezone
        local = datetime.combine(move(anchor.start.date()), anchor.start.time())
        start = _localize(local, tz, "offset") if tz else local.replace(tzinfo=anchor.start.tzinfo)
        end = (start.astimezone(timezone.utc) + (anchor.end - anchor.start)).astimezone(start.tzinfo)
    elif offset.amount == 0:
        start, end = anchor.start, anchor.end
    else:
        # After a span counts from its last day, before it from its first.
        day = move(anchor.last_day if offset.amount > 0 else anchor.first_day)
        start, end = day, day + timedelta(days=1)
    schema.in_range(start.date() if isinstance(start, datetime) else start)
    schema.in_range(last_day(start, end))
    tentative = bool(window) or anchor.status == "tentative"
    return _made(values, context, start, end, tz, window, tentative=tentative, relative=link)


def _localize(local: datetime, tz_name: str, key: str) -> datetime:
    """Attach the zone; a wall time skipped by a clock change is Invalid."""
    zone = zoneinfo.ZoneInfo(tz_name)
    aware = local.replace(tzinfo=zone)
    round_trip = aware.astimezone(timezone.utc).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local:
        raise Invalid(f"{show(local)} does not exist in {tz_name} (the clocks skip that hour)", key)
    return aware


def _recurrence(raw: dict, values: dict, start, end, tz: str | None) -> dict:
    """The Event fields of repeating: repeat (RRULE value or None), exceptions
    (EXDATEs), additions (RDATEs) and overrides (changed occurrences)."""
    for key in ("until", "count", "except"):
        if key in raw and "repeat" not in raw:
            raise Invalid("only goes with repeat", key)
    if "override" in raw and "repeat" not in raw and "also" not in raw:
        raise Invalid("only goes with repeat or also", "override")
    if "when" in raw and ("repeat" in raw or "also" in raw):
        raise Invalid("a window cannot repeat; give a date or start", "repeat" if "repeat" in raw else "also")
    if "repeat" not in raw and "also" not in raw:
        return {}
    rule = None
    if "repeat" in raw:
        try:
            rule = make_rule(values["repeat"], start, tz, values["until"], values["count"])
        except ValueError as e:
            raise Invalid(str(e), "repeat") from None
    additions = _moments(values["also"], start, tz, "also")
    exceptions = _moments(values["except"], start, tz, "except")
    extra = [moment for moment in exceptions if moment not in additions]
    wrong = (not_occurrences(rule, start, tz, extra) if rule else extra) if extra else []
    if wrong:
        first = wrong[0].astimezone(start.tzinfo if tz is None else ZoneInfo(tz)) if isinstance(start, datetime) else wrong[0]
        raise Invalid(f"{show_moment(first, tz)} is not an occurrence of {rule or 'this event'}", "except")
    overrides = _overrides(raw.get("override", []), start, end, tz, rule, exceptions, additions)
    return {"repeat": rule, "exceptions": exceptions, "additions": additions, "overrides": overrides}


def _moment(moment, start, tz: str | None, key: str):
    """A date or time the same kind as start: a day of a timed event gets its time of day."""
    timed = isinstance(start, datetime)
    zone = (ZoneInfo(tz) if tz else start.tzinfo) if timed else None  # the start's own zone or offset
    if timed and not isinstance(moment, datetime):
        moment = datetime.combine(moment, start.astimezone(zone).time())  # that day's occurrence, local
    if not timed and isinstance(moment, datetime):
        raise Invalid(f"{show(moment)} has a time of day but the event is all-day; give the date", key)
    if timed and moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def _moments(days: tuple, start, tz: str | None, key: str) -> tuple:
    """EXDATEs or RDATEs: each the same kind as start, sorted, once each."""
    return tuple(sorted(set(_moment(moment, start, tz, key) for moment in days)))


def _overrides(tables, start, end, tz: str | None, rule: str | None, exceptions: tuple, additions: tuple) -> tuple[Override, ...]:
    """[[event.override]] tables: each changes one occurrence (RECURRENCE-ID)."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise Invalid("must be a list of [[event.override]] tables", "override")
    result: dict = {}
    for position, table in enumerate(tables, start=1):
        where = f"override #{position} "
        problems: list[tuple[str, str]] = []
        values = schema.OVERRIDE.read(table, lambda key, message: problems.append((key, message)))
        if values is None:
            raise Invalid(problems[0][1], where + problems[0][0])
        occurrence = _moment(values["occurrence"], start, tz, where + "occurrence")
        if occurrence in exceptions or not (occurrence in additions or (rule and is_occurrence(rule, start, tz, occurrence))):
            raise Invalid(f"{show(occurrence)} is not an occurrence of this event{' (it is in except)' if occurrence in exceptions else ''}", where + "occurrence")
        if occurrence in result:
            raise Invalid(f"{show(occurrence)} is changed by an override before this one", where + "occurrence")
        if "end" in table and "duration" in table:
            raise Invalid("give end or duration, not both", where + "duration")
        moved = _moment(values["start"], start, tz, where + "start") if values["start"] is not None else occurrence
        if values["end"] is not None:
            finish = _moment(values["end"], start, tz, where + "end")
            if not isinstance(start, datetime):
                finish += timedelta(days=1)  # written as the last day, as an event's end is
        elif values["duration"] is not None:
            finish = add_duration(moved, values["duration"]) if isinstance(moved, datetime) else moved + timedelta(days=values["duration"].days)
        elif isinstance(start, datetime):
            # exact: aware times in one zone subtract on the wall clock
            finish = (moved.astimezone(timezone.utc) + (end.astimezone(timezone.utc) - start.astimezone(timezone.utc))).astimezone(moved.tzinfo)
        else:
            finish = moved + (end - start)
        if finish < moved or (not isinstance(start, datetime) and finish <= moved):
            raise Invalid(f"{show(finish if isinstance(start, datetime) else finish - timedelta(days=1))} is before start {show(moved)}", where + "end")
        result[occurrence] = Override(occurrence, moved, finish, values["title"], values["description"], values["location"], values["status"])
    return tuple(result[key] for key in sorted(result))


MONTH_CHECK = 30  # occurrences looked at: a non-leap February comes within them


def _skipped_months(event: Event) -> str | None:
    """A warning for a monthly rule from the 29th-31st, which skips the months
    without that day (RFC 5545 3.3.10: invalid dates are ignored)."""
    if not event.repeat or event.first_day.day < 29:
        return None
    parts = dict(part.split("=", 1) for part in event.repeat.split(";"))
    if parts.get("FREQ") != "MONTHLY" or {"BYMONTHDAY", "BYDAY", "BYSETPOS", "BYYEARDAY", "BYWEEKNO"} & set(parts):
        return None
    interval = int(parts.get("INTERVAL", "1"))
    months = [start.year * 12 + start.month for start, _ in islice(occurrences(event), MONTH_CHECK)]
    if all(later - earlier == interval for earlier, later in zip(months, months[1:])):
        return None
    day = event.first_day.day
    rule = ";".join(f"{k}={v}" for k, v in parts.items())
    exact = f"{rule};BYMONTHDAY=-1" if day == 31 else f"{rule};BYMONTHDAY={','.join(str(d) for d in range(28, day + 1))};BYSETPOS=-1"
    meaning = "the last day of every month" if day == 31 else f"the {day}th, or the last day of shorter months,"
    return f"repeats on the {day}{'st' if day == 31 else 'th'} and so skips the months that have no such day; for {meaning} use repeat = \"{exact}\""


def _reminders(phrases: tuple[str, ...], start, repeats: bool = False) -> tuple:
    """Reminders, two merged only when they are the same instant."""
    try:
        return distinct_reminders([reminder_for(phrase, start) for phrase in phrases], start, repeats)
    except ValueError as e:
        raise Invalid(str(e), "remind") from None


# -- public holidays from the `holidays` package -------------------------------


def _holidays(tables, context: _Context, report: _Report) -> list[Event]:
    """Events for every [[holidays]] table."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        report.error("must be a list of [[holidays]] tables", field="holidays")
        return []
    events = []
    for position, table in enumerate(tables, start=1):
        label = f"[[holidays]] #{position}"
        values = report.read(schema.HOLIDAYS, table, label)
        if values is None:
            continue
        try:
            events += _holiday_events(values, context)
        except Invalid as e:
            report.error(str(e), label, e.field)
    return events


def _holiday_events(values: dict, context: _Context) -> list[Event]:
    from keydates.publicholidays import HolidaySourceError, holiday_blocks  # imports `holidays`: slow

    try:
        found = holiday_blocks(
            values["country"], values["years"], subdiv=values["subdiv"], language=values["language"],
            only=values["only"], blocks=values["blocks"],
        )  # fmt: skip
    except HolidaySourceError as e:
        raise Invalid(e.message.removeprefix(f"{e.field}: "), e.field) from None
    if values["id"] is not None:
        if len(found) != 1:
            raise Invalid(f"names a single holiday, but this table gives {len(found)}: narrow it with only", "id")
        found = [replace(found[0], id=values["id"])]
    where = values["country"].upper() + (f"-{values['subdiv']}" if values["subdiv"] else "")
    events = []
    for block in found:
        event = _holiday_event(block, where, values["blocks"], values["tags"])
        try:
            events.append(replace(event, reminders=_reminders(context.remind, event.start)))
        except Invalid as e:
            raise Invalid(f"holiday '{block.id}': {e}", e.field) from None
    return events


def _holiday_event(block, where: str, blocks: bool, extra_tags: tuple[str, ...]) -> Event:
    """A holiday block as an all-day, free event tagged `holiday`."""
    days = (block.last - block.first).days + 1
    lines = [f"Public holiday ({where}): {', '.join(block.names)}."]
    if blocks and days > 1:
        lines.append(f"{days} days off, {block.first:%a %d %b} to {block.last:%a %d %b %Y}, weekends and days off in lieu included.")
    lines.append("From the holidays package (github.com/vacanza/holidays).")
    tags = tuple(dict.fromkeys(("holiday", *extra_tags)))
    return Event(
        id=block.id, title=block.title, start=block.first, end=block.last + timedelta(days=1),
        description="\n".join(lines), tags=tags,
    )  # fmt: skip
