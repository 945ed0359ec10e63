"""Check raw TOML tables and turn them into the model, collecting every problem.

Each problem names the file, the event (by id, or by position when the id is
missing) and the field; nothing is raised until every file has been read.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from datetime import date, datetime, timedelta, timezone
from dataclasses import replace
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from keydates.errors import InputError, Problem
from keydates.load import Source
from keydates.model import STATUSES, Calendar, Event
from keydates.recurrence import instance_problem, is_occurrence, make_rule, rule_notes, show_moment
from keydates.when import add_duration, distinct_reminders, parse_duration, parse_reminder, parse_window, reminder_for

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_CALENDAR_IDS = {"all"}  # all.ics combines every calendar
MAX_CALENDAR_ID = 100  # characters; it names files and folders (file names stop at 255 bytes)
TOP_KEYS = ("calendar", "event", "holidays")
HOLIDAY_KEYS = ("country", "subdiv", "years", "language", "only", "blocks", "id", "tags")
CALENDAR_KEYS = ("id", "name", "description", "timezone", "refresh", "url", "remind")
EVENT_KEYS = (
    "id", "title", "date", "start", "end", "duration", "when", "timezone",
    "description", "location", "url", "tags", "status", "busy",
    "repeat", "until", "count", "except", "remind",
)  # fmt: skip
WHEN_KEYS = ("date", "start", "when")
DEFAULT_TIMED_LENGTH = timedelta(hours=1)
# From the first full year of the Gregorian calendar (RFC 5545 3.3.4 uses
# it); far-off years made date arithmetic overflow and zones take seconds.
FIRST_YEAR, LAST_YEAR = 1583, 2999
LONGEST = timedelta(days=100 * 365)  # for durations; keeps ends within datetime's range
OUTLOOK_TITLE_LIMIT = 255  # Outlook cuts SUMMARY at 255 UTF-16 units

TYPE_NAMES = {
    str: "a string", bool: "true or false", list: "a list", dict: "a table",
    int: "an integer", float: "a number", date: "a date", datetime: "a date and time",
}  # fmt: skip


class InvalidValue(Exception):
    """A value is wrong; the message says what was expected."""


def validate(sources: list[Source]) -> tuple[list[Calendar], list[Problem]]:
    """Turn every source into a Calendar; raise InputError listing all problems.

    Returns the calendars and the warnings (problems that don't stop a build).
    """
    calendars, problems = [], []
    for source in sources:
        checker = _FileChecker(source.path)
        calendar = checker.calendar(source.data)
        problems.extend(checker.problems)
        if calendar is not None:
            calendars.append(calendar)
    seen: dict[str, Path] = {}
    for calendar in calendars:
        if calendar.id in seen:
            problems.append(Problem(calendar.path, f"calendar id '{calendar.id}' is also used by {seen[calendar.id]}", field="[calendar] id"))
        seen.setdefault(calendar.id, calendar.path)
    errors = [p for p in problems if not p.warning]
    if errors:
        raise InputError(problems)
    return calendars, problems


class _FileChecker:
    """Validate one file; problems accumulate in self.problems."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        self.errors = 0  # counted as they come: a count over problems per event was quadratic
        self.default_remind: tuple[str, ...] = ()  # the calendar's `remind`

    def error(self, message: str, event: str | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(self.path, message, event, field))
        self.errors += 1

    def warn(self, message: str, event: str | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(self.path, message, event, field, warning=True))

    def unknown_keys(self, table: dict, known: tuple[str, ...], event: str | None, prefix: str = "") -> None:
        for key in table:
            if key not in known:
                self.error(f"unknown key{_did_you_mean(key, known)}", event, prefix + key)

    # -- the calendar table -------------------------------------------------

    def calendar(self, data: dict) -> Calendar | None:
        self.unknown_keys(data, TOP_KEYS, None)
        meta = data.get("calendar")
        if not isinstance(meta, dict):
            self.error("missing [calendar] table (with at least name and timezone)" if meta is None else "must be a table", field="[calendar]")
            return None
        self.unknown_keys(meta, CALENDAR_KEYS, None, prefix="[calendar] ")
        fields = _Fields(self, meta, None, prefix="[calendar] ")
        calendar_id = fields.get("id", _calendar_id)
        if calendar_id is None and "id" not in meta:
            calendar_id = self._id_from_file_name()
        name = fields.get("name", _text, required=True)
        tz = fields.get("timezone", _zone_name, required=True)
        description = fields.get("description", _text) or ""
        refresh = fields.get("refresh", _positive_duration) or timedelta(hours=6)
        url = fields.get("url", _http_url) or ""
        self.default_remind = fields.get("remind", _reminder_phrases) or ()

        raw_events = data.get("event", [])
        if not isinstance(raw_events, list) or not all(isinstance(e, dict) for e in raw_events):
            self.error("must be a list of [[event]] tables", field="event")
            raw_events = []
        if not raw_events and not data.get("holidays"):
            self.warn("no events in this calendar", field="event")
        events = self.events(raw_events, tz)
        holiday_events = self.holidays(data.get("holidays", []))
        if events is not None and holiday_events is not None:
            events = self.merge_holidays(events, holiday_events)
        if calendar_id is None or name is None or tz is None or events is None or holiday_events is None:
            return None
        return Calendar(calendar_id, name, tz, self.path, description, refresh, url, tuple(events))

    # -- public holidays from the `holidays` package -------------------------

    def holidays(self, tables) -> list[Event] | None:
        """Events for every [[holidays]] table; None after reporting a problem."""
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            self.error("must be a list of [[holidays]] tables", field="holidays")
            return None
        events, ok = [], True
        for position, table in enumerate(tables, start=1):
            found = self.holiday_table(table, f"[[holidays]] #{position}")
            if found is None:
                ok = False
            else:
                events.extend(found)
        return events if ok else None

    def holiday_table(self, table: dict, label: str) -> list[Event] | None:
        from keydates.publicholidays import HolidaySourceError, holiday_blocks  # imports `holidays`: slow

        errors_before = self.errors
        self.unknown_keys(table, HOLIDAY_KEYS, label)
        fields = _Fields(self, table, label)
        country = fields.get("country", _text, required=True)
        years = fields.get("years", lambda v: v if isinstance(v, int) else _expect(v, list), required=True)
        subdiv = fields.get("subdiv", _text)
        language = fields.get("language", _text)
        only = fields.get("only", lambda v: v, expected_type=list) or ()
        blocks = bool(fields.get("blocks", _bool))
        event_id = fields.get("id", _event_id)
        extra_tags = fields.get("tags", _tags) or ()
        if self.errors > errors_before:
            return None
        years = [years] if isinstance(years, int) else years
        try:
            found = holiday_blocks(country, years, subdiv=subdiv, language=language, only=only, blocks=blocks)
        except HolidaySourceError as e:
            self.error(e.message.removeprefix(f"{e.field}: "), label, e.field)
            return None
        if event_id is not None:
            if len(found) != 1:
                self.error(f"names a single holiday, but this table gives {len(found)}: narrow it with only", label, "id")
                return None
            found = [replace(found[0], id=event_id)]
        where = country.upper() + (f"-{subdiv}" if subdiv else "")
        events = []
        for block in found:
            event = _holiday_event(block, where, blocks, extra_tags)
            reminders = self.reminders({}, fields, f"holiday '{block.id}'", event.start)
            events.append(replace(event, reminders=reminders or ()))
        return events

    def merge_holidays(self, events: list[Event], holiday_events: list[Event]) -> list[Event]:
        ids = {event.id for event in events}
        for event in holiday_events:
            if event.id in ids:
                self.error(f"the holiday id '{event.id}' is also an event's id; set id in [[holidays]] or rename the event", field="holidays")
            ids.add(event.id)
        return events + holiday_events

    def _id_from_file_name(self) -> str | None:
        stem = self.path.stem
        try:
            return _calendar_id(stem)
        except InvalidValue as e:
            self.error(f"the file name gives calendar id {stem!r}, which {e}; rename the file or set [calendar] id", field="[calendar] id")
            return None

    # -- events --------------------------------------------------------------

    def events(self, raw_events: list[dict], calendar_tz: str | None) -> list[Event] | None:
        events, first_seen = [], {}
        ok = True
        for position, raw in enumerate(raw_events, start=1):
            raw_id = raw.get("id")
            label = f"event '{raw_id}'" if isinstance(raw_id, str) and raw_id else f"event #{position}"
            if isinstance(raw_id, str) and raw_id in first_seen:
                self.error(f"duplicate id (event #{first_seen[raw_id]} has it too)", label, "id")
                ok = False
            elif isinstance(raw_id, str):
                first_seen[raw_id] = position
            errors_before = self.errors
            event = self.event(raw, label, calendar_tz)
            if event is None or self.errors > errors_before:
                ok = False
            else:
                events.append(event)
        return events if ok else None

    def event(self, raw: dict, label: str, calendar_tz: str | None) -> Event | None:
        self.unknown_keys(raw, EVENT_KEYS, label)
        fields = _Fields(self, raw, label)
        event_id = fields.get("id", _event_id, required=True)
        # Spaces and tabs around a text are dropped: libical (Evolution) drops them.
        title = _trimmed(fields.get("title", _text, required=True))
        description = _trimmed(fields.get("description", _text)) or ""
        location = _trimmed(fields.get("location", _text)) or ""
        url = fields.get("url", _http_url) or ""
        tags = fields.get("tags", _tags) or ()
        status = fields.get("status", _status)
        busy = fields.get("busy", _bool)
        span = self.span(raw, fields, label, calendar_tz)
        if event_id is None or title is None or span is None:
            return None
        start, end, tz, window = span
        repeat, exceptions = self.recurrence(raw, fields, label, start, tz)
        reminders = self.reminders(raw, fields, label, start, bool(repeat))
        if repeat is False or reminders is None:
            return None
        if window and status is None:
            status = "tentative"  # a window is an expectation, not a fixed date
        if busy is None:
            busy = isinstance(start, datetime)  # timed: busy; all-day: free
        if not url and "url" not in raw:
            self.warn("no source url (where does this date come from?)", label, "url")
        if len(title.encode("utf-16-le")) // 2 > OUTLOOK_TITLE_LIMIT:
            self.warn(f"title is longer than Outlook shows ({OUTLOOK_TITLE_LIMIT} characters); put details in description", label, "title")
        event = Event(
            event_id, title, start, end, tz, window, description, location, url,
            tags, status or "confirmed", busy, repeat, exceptions, reminders,
        )  # fmt: skip
        problem = instance_problem(event)
        if problem:
            self.error(problem, label, "repeat")
            return None
        return event

    def recurrence(self, raw: dict, fields: _Fields, label: str, start, tz: str | None):
        """(RRULE value or None, EXDATEs); (False, ()) after reporting a problem."""
        for key in ("until", "count", "except"):
            if key in raw and "repeat" not in raw:
                self.error("only goes with repeat", label, key)
                return False, ()
        if "repeat" not in raw:
            return None, ()
        if "when" in raw:
            self.error("a window cannot repeat; give a date or start", label, "repeat")
            return False, ()
        until = fields.get("until", _day_or_time) if "until" in raw else None
        count = fields.get("count", _positive_int) if "count" in raw else None
        if ("until" in raw and until is None) or ("count" in raw and count is None):
            return False, ()
        text = fields.get("repeat", _text)
        if text is None:
            return False, ()
        try:
            rule = make_rule(text, start, tz, until, count)
        except ValueError as e:
            self.error(str(e), label, "repeat")
            return False, ()
        for note in rule_notes(rule, start):
            self.warn(note, label, "repeat")
        exceptions = fields.get("except", lambda value: self.exceptions(value, start, tz, rule))
        if "except" in raw and exceptions is None:
            return False, ()
        return rule, exceptions or ()

    def exceptions(self, value, start, tz: str | None, rule: str) -> tuple:
        """EXDATEs: each the same kind as start and an occurrence of the rule."""
        items = value if isinstance(value, list) else [value]
        timed = isinstance(start, datetime)
        zone = (ZoneInfo(tz) if tz else start.tzinfo) if timed else None  # the start's own zone or offset
        result = []
        for item in items:
            day = _day_or_time(item)
            if timed and not isinstance(day, datetime):
                day = datetime.combine(day, start.astimezone(zone).time())  # that day's occurrence, local
            if not timed and isinstance(day, datetime):
                raise InvalidValue(f"{_show(day)} has a time of day but the event is all-day; give the date")
            if timed and day.tzinfo is None:
                day = day.replace(tzinfo=zone)
            if not is_occurrence(rule, start, tz, day):
                raise InvalidValue(f"{show_moment(day.astimezone(zone) if timed else day, tz)} is not an occurrence of {rule}")
            result.append(day)
        return tuple(sorted(set(result)))

    def reminders(self, raw: dict, fields: _Fields, label: str, start, repeats: bool = False) -> tuple | None:
        """Reminders; the calendar's `remind` applies when the event has none."""
        phrases = fields.get("remind", _reminder_phrases) if "remind" in raw else self.default_remind
        if phrases is None:
            return None
        triggers = []
        for phrase in phrases:
            try:
                triggers.append(reminder_for(phrase, start))
            except ValueError as e:
                self.error(str(e), label, "remind")
                return None
        return distinct_reminders(triggers, start, repeats)

    def span(self, raw: dict, fields: _Fields, label: str, calendar_tz: str | None):
        """Work out (start, end, timezone, window phrase) from the one way of saying when."""
        given = [key for key in WHEN_KEYS if key in raw]
        if not given:
            self.error("no date: give exactly one of date, start (with end or duration) or when", label, "date")
            return None
        if len(given) > 1:
            self.error(f"give only one way of saying when, not {' and '.join(given)}", label, given[1])
            return None
        for key in ("end", "duration", "timezone"):
            if key in raw and "start" not in raw:
                self.error(f"only goes with start (this event uses {given[0]})", label, key)
                return None
        if "end" in raw and "duration" in raw:
            self.error("give end or duration, not both", label, "duration")
            return None

        if given == ["date"]:
            day = fields.get("date", _day)
            return None if day is None else (day, day + timedelta(days=1), None, None)
        if given == ["when"]:
            window = fields.get("when", _window, expected_type=str)
            return None if window is None else (window.first, window.last + timedelta(days=1), None, window.phrase)

        start = fields.get("start", _day_or_time)
        if start is None:
            return None
        if not isinstance(start, datetime):
            return self.all_day_span(start, raw, fields, label)
        return self.timed_span(start, raw, fields, label, calendar_tz)

    def all_day_span(self, start: date, raw: dict, fields: _Fields, label: str):
        if "timezone" in raw:
            self.error("all-day events have no time zone; give start a time of day or drop timezone", label, "timezone")
            return None
        end = start + timedelta(days=1)
        if "end" in raw:
            last = fields.get("end", _day_or_time)
            if last is None:
                return None
            if isinstance(last, datetime):
                self.error(f"{_show(last)} has a time of day but start {start} has none; use a date for both or a time for both", label, "end")
                return None
            if last < start:
                self.error(f"{last} is before start {start}", label, "end")
                return None
            end = last + timedelta(days=1)  # people write end inclusive; DTEND is exclusive (RFC 5545 3.6.1)
        elif "duration" in raw:
            length = fields.get("duration", _positive_duration)
            if length is None:
                return None
            if length % timedelta(days=1):
                self.error(f"an all-day event lasts whole days, not {length}; use e.g. 'P3D' or give start a time", label, "duration")
                return None
            end = start + length
        return start, end, None, None

    def timed_span(self, start: datetime, raw: dict, fields: _Fields, label: str, calendar_tz: str | None):
        tz_name = fields.get("timezone", _zone_name) if "timezone" in raw else calendar_tz
        if "timezone" in raw and tz_name is None:
            return None
        if start.tzinfo is not None and "timezone" in raw:
            self.error("start has a UTC offset already; drop the offset or drop timezone", label, "timezone")
            return None
        if start.tzinfo is None:
            if tz_name is None:
                return None  # the calendar's zone is wrong; reported already
            start = self.localize(start, tz_name, label, "start")
            if start is None:
                return None
        else:
            tz_name = None  # a fixed offset: emitted in UTC
        if "end" in raw:
            end = fields.get("end", _day_or_time)
            if end is None:
                return None
            if not isinstance(end, datetime):
                self.error(f"{end} has no time of day but start {_show(start)} has one; use a time for both or a date for both", label, "end")
                return None
            if end.tzinfo is None and tz_name is None:
                self.error(f"{_show(end)} has no UTC offset but start has one; give both an offset or neither", label, "end")
                return None
            if end.tzinfo is None:
                end = self.localize(end, tz_name, label, "end")
                if end is None:
                    return None
            if end < start:
                self.error(f"{_show(end)} is before start {_show(start)}", label, "end")
                return None
            if end == start:  # a zero-length event: Outlook and calcurse refuse it
                self.error(f"{_show(end)} is the same instant as start; give a later end, or leave end out (one hour)", label, "end")
                return None
        elif "duration" in raw:
            length = fields.get("duration", _positive_duration)
            if length is None:
                return None
            end = add_duration(start, length)
        else:
            end = add_duration(start, DEFAULT_TIMED_LENGTH)
        return start, end, tz_name, None

    def localize(self, local: datetime, tz_name: str, label: str, field: str) -> datetime | None:
        """Attach the zone; a wall time skipped by a clock change is an error."""
        zone = zoneinfo.ZoneInfo(tz_name)
        aware = local.replace(tzinfo=zone)
        round_trip = aware.astimezone(timezone.utc).astimezone(zone)
        if round_trip.replace(tzinfo=None) != local:
            self.error(f"{_show(local)} does not exist in {tz_name} (the clocks skip that hour)", label, field)
            return None
        return aware


def _holiday_event(block, where: str, blocks: bool, extra_tags: tuple[str, ...]) -> Event:
    """A holiday block as an all-day, free event tagged `holiday`."""
    days = (block.last - block.first).days + 1
    lines = [f"Public holiday ({where}): {', '.join(block.names)}."]
    if blocks and days > 1:
        lines.append(f"{days} days off, {block.first:%a %d %b} to {block.last:%a %d %b %Y}, weekends and days off in lieu included.")
    lines.append("From the holidays package (github.com/vacanza/holidays).")
    tags = tuple(dict.fromkeys(("holiday", *extra_tags)))
    return Event(block.id, block.title, block.first, block.last + timedelta(days=1), description="\n".join(lines), tags=tags)


class _Fields:
    """Read typed fields of one table, reporting problems against it."""

    def __init__(self, checker: _FileChecker, table: dict, label: str | None, prefix: str = ""):
        self.checker, self.table, self.label, self.prefix = checker, table, label, prefix

    def get(self, key, convert, required=False, expected_type=None):
        if key not in self.table:
            if required:
                self.checker.error("missing (required)", self.label, self.prefix + key)
            return None
        value = self.table[key]
        if expected_type is not None and not isinstance(value, expected_type):
            self.checker.error(f"expected {TYPE_NAMES[expected_type]}, got {_describe(value)}", self.label, self.prefix + key)
            return None
        try:
            return convert(value)
        except (InvalidValue, ValueError) as e:
            self.checker.error(str(e), self.label, self.prefix + key)
            return None


# -- converters: value -> model value, or InvalidValue saying what was expected


def _expect(value, kind):
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise InvalidValue(f"expected {TYPE_NAMES[kind]}, got {_describe(value)}")
    return value


def _text(value) -> str:
    text = _expect(value, str)
    if not text.strip():
        raise InvalidValue("must not be empty")
    _no_controls(text)
    return text


def _trimmed(text: str | None) -> str | None:
    return None if text is None else text.strip(" \t")


# ASCII control characters other than tab and line breaks: iCalendar TEXT
# cannot hold them (RFC 5545 3.3.11, TSAFE-CHAR), escaped or not.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_controls(text: str) -> None:
    found = _CONTROL_RE.search(text)
    if found:
        raise InvalidValue(f"contains the control character U+{ord(found.group()):04X}, which calendars cannot hold")


def _bool(value) -> bool:
    return _expect(value, bool)


def _event_id(value) -> str:
    text = _expect(value, str)
    if not ID_RE.match(text):
        raise InvalidValue(f"{text!r} is not a valid id: use lower-case letters, digits and single hyphens, like 'deepseek-v4'")
    return text


def _calendar_id(value) -> str:
    text = _event_id(value)
    if len(text) > MAX_CALENDAR_ID:
        raise InvalidValue(f"{text[:20]!r}... is {len(text)} characters long: a calendar id is a file name, at most {MAX_CALENDAR_ID}")
    if text in RESERVED_CALENDAR_IDS:
        raise InvalidValue(f"{text!r} is reserved (all.ics combines every calendar)")
    return text


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _zone_name(value) -> str:
    name = _expect(value, str)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(f"unknown time zone {name!r}{_did_you_mean(name, sorted(_zone_names()))}; use an IANA name like 'Asia/Shanghai'") from None
    return name


def _positive_int(value) -> int:
    number = _expect(value, int)
    if number < 1:
        raise InvalidValue(f"expected a whole number of at least 1, got {number}")
    return number


def _reminder_phrases(value) -> tuple[str, ...]:
    """A list of reminder phrases, checked later against each event's start."""
    items = _expect(value, list)
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise InvalidValue(f"expected a list of reminders like [\"1d\", \"09:00 the day before\"], got {items!r}")
    for item in items:
        parse_reminder(item)  # the form, before any event
    return tuple(items)


def _positive_duration(value) -> timedelta:
    length = parse_duration(_expect(value, str))
    if length <= timedelta(0):
        raise InvalidValue(f"{value!r} is not a positive duration")
    if length > LONGEST:
        raise InvalidValue(f"{value!r} is longer than {LONGEST.days // 365} years")
    return length


def _in_range(value: date) -> date:
    """Keep dates where calendar apps, zone data and date arithmetic all work."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidValue(f"{_show(value)} is out of range: keydates takes years {FIRST_YEAR} to {LAST_YEAR}")
    return value


def _window(value):
    window = parse_window(value)
    _in_range(window.first)
    return window


def _day(value) -> date:
    if isinstance(value, str):
        value = _parse_iso(value)
    if isinstance(value, datetime):
        raise InvalidValue(f"{_show(value)} has a time of day; date takes a day like 2026-02-06 (for a time, use start)")
    return _in_range(_expect(value, date))


def _day_or_time(value) -> date | datetime:
    if isinstance(value, str):
        value = _parse_iso(value)
    if not isinstance(value, date):
        raise InvalidValue(f"expected a date (2026-02-06) or a date and time (2026-02-06T09:30:00), got {_describe(value)}")
    return _in_range(value)


def _parse_iso(text: str) -> date | datetime:
    try:
        return datetime.fromisoformat(text) if "T" in text.upper() or " " in text.strip() else date.fromisoformat(text)
    except ValueError as e:
        raise InvalidValue(f"{text!r} is not a valid date ({e}); write it like 2026-02-06 or 2026-02-06T09:30:00") from None


# Control characters and line breaks: not in any URI (RFC 3986), nor in
# URL, SOURCE or DESCRIPTION without breaking the strict `ical` parser.
_URL_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

# Addresses that urlsplit would accept, recognised without it: it and the
# whitespace scan were the slowest part of validating an event.
_PLAIN_URL_RE = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][!-~]*)?", re.ASCII)


def _http_url(value) -> str:
    text = _expect(value, str)
    if _PLAIN_URL_RE.fullmatch(text):
        return text
    control = _URL_CONTROL_RE.search(text)
    if control:
        raise InvalidValue(f"{text!r} contains U+{ord(control.group()):04X}, a control character or line break, which a web address cannot hold (RFC 3986); percent-encode it or remove it")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise InvalidValue(f"{text!r} is not a web address (expected http:// or https://)")
    return text


def _tags(value) -> tuple[str, ...]:
    items = _expect(value, list)
    tags = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InvalidValue(f"expected a list of non-empty strings, got {_describe(item)} in it")
        _no_controls(item)
        if "," in item:
            # RFC 5545 allows an escaped comma in CATEGORIES, but icalendar,
            # the `ical` parser and calendar apps split the tag there.
            raise InvalidValue(f"{item!r}: a tag cannot contain a comma (calendar apps split tags at commas)")
        if item not in tags:
            tags.append(item)
    return tuple(tags)


def _status(value) -> str:
    text = _expect(value, str).lower()
    if text not in STATUSES:
        raise InvalidValue(f"unknown status {value!r}: accepted values are {', '.join(STATUSES)}")
    return text


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


VALUE_NOUNS = {
    bool: "boolean", datetime: "a date and time", date: "a date", str: "string",
    int: "integer", float: "number", list: "a list", dict: "a table",
}  # fmt: skip


def _describe(value) -> str:
    """Say what a TOML value is: "integer 5", "a table"."""
    for kind, noun in VALUE_NOUNS.items():
        if isinstance(value, kind):
            if kind in (bool, str, int, float):
                return f"{noun} {str(value).lower() if kind is bool else repr(value)}"
            return noun
    return type(value).__name__


def _show(value: date) -> str:
    return value.isoformat() if not isinstance(value, datetime) else value.replace(tzinfo=None).isoformat(timespec="minutes")
