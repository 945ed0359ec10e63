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
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from keydates import schema
from keydates.errors import InputError, Problem, did_you_mean, show
from keydates.load import Source
from keydates.model import Calendar, Event, Timeline, Translation
from keydates.recurrence import instance_problem, make_rule, not_occurrences, rule_notes, show_moment
from keydates.schema import Invalid
from keydates.when import add_duration, distinct_reminders, reminder_for

DEFAULT_TIMED_LENGTH = timedelta(hours=1)
OUTLOOK_TITLE_LIMIT = 255  # Outlook cuts SUMMARY at 255 UTF-16 units


def validate(sources: list[Source], language: str = "en") -> Timeline:
    """Turn every source into a Calendar; raise InputError listing all problems.

    `language` is the site's, for calendars that don't set their own. The
    timeline carries the warnings (problems that don't stop a build).
    """
    calendars, problems = [], []
    for source in sources:
        report = _Report(source.path)
        calendar = _calendar(source, report, language)
        problems.extend(report.problems)
        if calendar is not None and not report.errors:
            calendars.append(calendar)
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

    def read(self, table: schema.Table, raw: dict, label: str | None, prefix: str = "") -> dict | None:
        """`table.read`, with each problem reported against `label`."""
        return table.read(raw, lambda key, message: self.error(message, label, prefix + key))


@dataclass(frozen=True)
class _Context:
    """What a calendar's events inherit from it."""

    timezone: str
    remind: tuple[str, ...]
    language: str = "en"


# -- a file: [calendar], [[event]], [[holidays]] ------------------------------


def _calendar(source: Source, report: _Report, language: str) -> Calendar | None:
    """The calendar of one file; None when it has errors (all reported)."""
    data = source.data
    report.read(schema.TOP, data, None)
    meta = data.get("calendar")
    if not isinstance(meta, dict):
        report.error("missing [calendar] table (with at least name and timezone)" if meta is None else "must be a table", field="[calendar]")
        return None
    values = report.read(schema.CALENDAR, meta, None, prefix="[calendar] ")
    calendar_id = _id_from_file_name(source.path, report) if "id" not in meta else values and values["id"]
    # With a bad [calendar] table the events are still checked, against
    # what could be read of it, so that every problem is reported at once.
    own_language = (values["language"] if values else _or_none(schema.language, meta.get("language"))) or language
    context = _Context(
        values["timezone"] if values else _or_none(schema.zone_name, meta.get("timezone")) or "UTC",
        values["remind"] if values else _or_none(schema.reminder_phrases, meta.get("remind")) or (),
        own_language,
    )
    raw_events = data.get("event", [])
    if not isinstance(raw_events, list) or not all(isinstance(e, dict) for e in raw_events):
        report.error("must be a list of [[event]] tables", field="event")
        raw_events = []
    raw_holidays = data.get("holidays", [])
    if not raw_events and not raw_holidays:
        report.warn("no events in this calendar", field="event")
    events = _events(raw_events, context, report)
    holiday_events = _holidays(raw_holidays, context, report)
    _unique_holiday_ids(events, holiday_events, report)
    if values is None or calendar_id is None:
        return None
    try:
        texts = _texts(values, ("name", "description"), own_language)
    except Invalid as e:
        report.error(str(e), field=f"[calendar] {e.field}")
        return None
    return Calendar(
        id=calendar_id, name=texts.pop("name"), timezone=values["timezone"], path=source.path,
        description=texts.pop("description"), refresh=values["refresh"], url=values["url"],
        events=tuple(events + holiday_events), language=own_language, translations=texts.pop("translations"),
        named_by_file="id" not in meta, feed_tags=_feed_tags(values["feeds"], events + holiday_events, report),
    )  # fmt: skip


def _feed_tags(chosen: tuple[str, ...] | None, events: list[Event], report: _Report) -> tuple[str, ...] | None:
    """[calendar] feeds: tags its events carry."""
    if chosen is None:
        return None
    used = {tag for event in events for tag in event.tags}
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


def _events(raw_events: list[dict], context: _Context, report: _Report) -> list[Event]:
    events, first_seen = [], {}
    for position, raw in enumerate(raw_events, start=1):
        raw_id = raw.get("id")
        label = f"event '{raw_id}'" if isinstance(raw_id, str) and raw_id else f"event #{position}"
        if isinstance(raw_id, str):
            if raw_id in first_seen:
                report.error(f"duplicate id (event #{first_seen[raw_id]} has it too)", label, "id")
            first_seen.setdefault(raw_id, position)
        values = report.read(schema.EVENT, raw, label)
        if values is None:
            continue
        try:
            events.append(_event(raw, values, context))
        except Invalid as e:
            report.error(str(e), label, e.field)
            continue
        for note in rule_notes(events[-1].repeat, events[-1].start) if events[-1].repeat else ():
            report.warn(note, label, "repeat")
        if not values["url"]:
            report.warn("no source url (where does this date come from?)", label, "url")
        if len(events[-1].title.encode("utf-16-le")) // 2 > OUTLOOK_TITLE_LIMIT:
            report.warn(f"title is longer than Outlook shows ({OUTLOOK_TITLE_LIMIT} characters); put details in description", label, "title")
    return events


def _event(raw: dict, values: dict, context: _Context) -> Event:
    """The event of one [[event]] table whose keys are each valid; Invalid otherwise."""
    start, end, tz, window = _span(raw, values, context.timezone)
    repeat, exceptions = _recurrence(raw, values, start, tz)
    remind = values["remind"] if values["remind"] is not None else context.remind
    status = values["status"] or ("tentative" if window else "confirmed")  # a window is an expectation
    busy = values["busy"] if values["busy"] is not None else isinstance(start, datetime)  # timed: busy
    texts = _texts(values, EVENT_TEXTS, context.language)
    event = Event(
        id=values["id"], uid=values["uid"], previous_ids=values["previous_ids"], title=texts["title"], start=start, end=end,
        timezone=tz, window=window, description=texts["description"], location=texts["location"], url=values["url"],
        translations=texts["translations"], tags=values["tags"], status=status, busy=busy, repeat=repeat,
        exceptions=exceptions, reminders=_reminders(remind, start, bool(repeat)),
    )  # fmt: skip
    problem = instance_problem(event)
    if problem:
        raise Invalid(problem, "repeat")
    return event


def _span(raw: dict, values: dict, calendar_tz: str):
    """(start, end, timezone, window phrase) from the one way of saying when."""
    given = [key for key in schema.WHEN_KEYS if key in raw]
    if not given:
        raise Invalid("no date: give exactly one of date, start (with end or duration) or when", "date")
    if len(given) > 1:
        raise Invalid(f"give only one way of saying when, not {' and '.join(given)}", given[1])
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


def _localize(local: datetime, tz_name: str, key: str) -> datetime:
    """Attach the zone; a wall time skipped by a clock change is Invalid."""
    zone = zoneinfo.ZoneInfo(tz_name)
    aware = local.replace(tzinfo=zone)
    round_trip = aware.astimezone(timezone.utc).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local:
        raise Invalid(f"{show(local)} does not exist in {tz_name} (the clocks skip that hour)", key)
    return aware


def _recurrence(raw: dict, values: dict, start, tz: str | None) -> tuple[str | None, tuple]:
    """(RRULE value or None, EXDATEs)."""
    for key in ("until", "count", "except"):
        if key in raw and "repeat" not in raw:
            raise Invalid("only goes with repeat", key)
    if "repeat" not in raw:
        return None, ()
    if "when" in raw:
        raise Invalid("a window cannot repeat; give a date or start", "repeat")
    try:
        rule = make_rule(values["repeat"], start, tz, values["until"], values["count"])
    except ValueError as e:
        raise Invalid(str(e), "repeat") from None
    return rule, _exceptions(values["except"], start, tz, rule)


def _exceptions(days: tuple, start, tz: str | None, rule: str) -> tuple:
    """EXDATEs: each the same kind as start and an occurrence of the rule."""
    timed = isinstance(start, datetime)
    zone = (ZoneInfo(tz) if tz else start.tzinfo) if timed else None  # the start's own zone or offset
    result = []
    for moment in days:
        if timed and not isinstance(moment, datetime):
            moment = datetime.combine(moment, start.astimezone(zone).time())  # that day's occurrence, local
        if not timed and isinstance(moment, datetime):
            raise Invalid(f"{show(moment)} has a time of day but the event is all-day; give the date", "except")
        if timed and moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        result.append(moment)
    wrong = not_occurrences(rule, start, tz, result)
    if wrong:
        first = wrong[0].astimezone(zone) if timed else wrong[0]
        raise Invalid(f"{show_moment(first, tz)} is not an occurrence of {rule}", "except")
    return tuple(sorted(set(result)))


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
