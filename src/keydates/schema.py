"""The keys of every TOML table, declared once: converter, required, default.

The known keys, the "did you mean" hints and the defaults all come from the
tables at the end of this file; `validate` reads raw TOML through them and
then checks what involves several keys at once. A converter takes the raw
TOML value and returns the model's value or raises `Invalid` saying what was
expected.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, cached_property
from typing import Any
from urllib.parse import urlsplit

import webcolors

from keydates.describe import language_tag
from keydates.errors import did_you_mean, show
from keydates.ids import ID_RE, suggestion
from keydates.model import STATUSES, Rolling
from keydates.relative import Offset, parse_offset
from keydates.when import parse_duration, parse_length, parse_reminder, parse_window

RESERVED_CALENDAR_IDS = {"all"}  # all.ics combines every calendar
# From the first full year of the Gregorian calendar (RFC 5545 3.3.4 uses
# it); far-off years made date arithmetic overflow and zones take seconds.
FIRST_YEAR, LAST_YEAR = 1583, 2999
LONGEST = timedelta(days=100 * 365)  # for durations; keeps ends within datetime's range


class Invalid(Exception):
    """A value is wrong; the message says what was expected.

    `field` names the key when the problem is not the key being read (a
    check across several keys), else the reader fills it in.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Key:
    """One key of a TOML table."""

    name: str
    convert: Callable[[Any], Any]
    required: bool = False
    default: Any = None


@dataclass(frozen=True)
class Table:
    """The keys one TOML table may have."""

    keys: tuple[Key, ...]

    @cached_property
    def by_name(self) -> dict[str, Key]:
        return {key.name: key for key in self.keys}

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(self.by_name)

    @cached_property
    def defaults(self) -> dict[str, Any]:
        return {key.name: key.default for key in self.keys}

    @cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(key.name for key in self.keys if key.required)

    def read(self, raw: dict, problem: Callable[[str, str], None]) -> dict[str, Any] | None:
        """Every key converted, defaults for those not given; None if anything was wrong.

        Each problem is passed to `problem(key, message)`: unknown keys with a
        hint, missing required keys, and every value its converter refused.
        """
        values = dict(self.defaults)
        ok = True
        by_name = self.by_name
        for name, value in raw.items():
            key = by_name.get(name)
            if key is None:
                problem(name, "unknown key" + did_you_mean(name, self.names))
                ok = False
                continue
            try:
                values[name] = key.convert(value)
            except (Invalid, ValueError) as e:
                problem(name, str(e))
                ok = False
        for name in self.required:
            if name not in raw:
                problem(name, "missing (required)")
                ok = False
        return values if ok else None


# -- converters: TOML value -> model value, or Invalid -----------------------

TYPE_NAMES = {
    str: "a string", bool: "true or false", list: "a list", dict: "a table",
    int: "an integer", float: "a number", date: "a date", datetime: "a date and time", time: "a time of day",
}  # fmt: skip
VALUE_NOUNS = {
    bool: "boolean", datetime: "a date and time", date: "a date", time: "a time of day", str: "string",
    int: "integer", float: "number", list: "a list", dict: "a table",
}  # fmt: skip


def describe_value(value) -> str:
    """Say what a TOML value is: "integer 5", "a table"."""
    for kind, noun in VALUE_NOUNS.items():
        if isinstance(value, kind):
            if kind in (bool, str, int, float):
                return f"{noun} {str(value).lower() if kind is bool else repr(value)}"
            return noun
    return type(value).__name__


def expect(value, kind):
    """The value if it is of `kind` (a bool is not an integer), else Invalid."""
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise Invalid(f"expected {TYPE_NAMES[kind]}, got {describe_value(value)}")
    return value


def text(value) -> str:
    """Text without spaces or tabs at its ends (libical, in Evolution, drops them)."""
    result = expect(value, str)
    if not result.strip():
        raise Invalid("must not be empty")
    no_controls(result)
    return result.strip(" \t")


# ASCII control characters other than tab and line breaks: iCalendar TEXT
# cannot hold them (RFC 5545 3.3.11, TSAFE-CHAR), escaped or not.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_controls(value: str) -> None:
    found = _CONTROL_RE.search(value)
    if found:
        raise Invalid(f"contains the control character U+{ord(found.group()):04X}, which calendars cannot hold")


def boolean(value) -> bool:
    return expect(value, bool)


def a_list(value) -> list:
    return expect(value, list)


def event_id(value) -> str:
    result = expect(value, str)
    if not ID_RE.match(result):
        raise Invalid(f"{result!r} is not a valid id: use lower-case letters, digits and single hyphens, like 'deepseek-v4'" + suggestion(result))
    return result


MAX_CALENDAR_ID = 100  # characters; it names files and folders (file names stop at 255 bytes)


def calendar_id(value) -> str:
    result = event_id(value)
    if len(result) > MAX_CALENDAR_ID:
        raise Invalid(f"{result[:20]!r}... is {len(result)} characters long: a calendar id is a file name, at most {MAX_CALENDAR_ID}")
    if result in RESERVED_CALENDAR_IDS:
        raise Invalid(f"{result!r} is reserved (all.ics combines every calendar)")
    return result


@cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def zone_name(value) -> str:
    name = expect(value, str)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone {name!r}{did_you_mean(name, _zone_names())}; use an IANA name like 'Asia/Shanghai'") from None
    return name


def positive_int(value) -> int:
    number = expect(value, int)
    if number < 1:
        raise Invalid(f"expected a whole number of at least 1, got {number}")
    return number


def reminder_phrases(value) -> tuple[str, ...]:
    """A list of reminder phrases, checked later against each event's start."""
    items = expect(value, list)
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise Invalid(f"expected a list of reminders like [\"1d\", \"09:00 the day before\"], got {items!r}")
    for item in items:
        parse_reminder(item)  # the form, before any event
    return tuple(items)


def positive_duration(value) -> timedelta:
    length = parse_duration(expect(value, str))
    if length <= timedelta(0):
        raise Invalid(f"{value!r} is not a positive duration")
    if length > LONGEST:
        raise Invalid(f"{value!r} is longer than {LONGEST.days // 365} years")
    return length


ROLLING_SIDES = ("past", "future")
LONGEST_WINDOW_YEARS = 100  # each side; keeps the window's days within the years keydates writes


def rolling_window(value) -> Rolling:
    """[calendar] window = { past = "90d", future = "2y" }: either side or both."""
    if not isinstance(value, dict):
        raise Invalid(f"expected a table such as {{ past = \"90d\", future = \"2y\" }}, got {describe_value(value)}")
    sides = {}
    for key, item in value.items():
        if key not in ROLLING_SIDES:
            raise Invalid(f"unknown key {key!r}{did_you_mean(key, ROLLING_SIDES)}: a window has past, future or both")
        try:
            length = parse_length(expect(item, str))
        except (Invalid, ValueError) as e:
            raise Invalid(f"{key}: {e}") from None
        days = length.amount * {"d": 1, "w": 7, "m": 31, "y": 366}[length.unit]
        if days > LONGEST_WINDOW_YEARS * 366:
            raise Invalid(f"{key}: {str(length)!r} is longer than {LONGEST_WINDOW_YEARS} years")
        sides[key] = length
    if not sides:
        raise Invalid("is empty: give past, future or both, such as { past = \"90d\", future = \"2y\" }")
    return Rolling(**sides)


def in_range(value: date) -> date:
    """Keep dates where calendar apps, zone data and date arithmetic all work."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise Invalid(f"{show(value)} is out of range: keydates takes years {FIRST_YEAR} to {LAST_YEAR}")
    return value


def window(value):
    result = parse_window(expect(value, str))
    in_range(result.first)
    return result


def day(value) -> date:
    if isinstance(value, str):
        value = _parse_iso(value)
    if isinstance(value, datetime):
        raise Invalid(f"{show(value)} has a time of day; date takes a day like 2026-02-06 (for a time, use start)")
    return in_range(expect(value, date))


def day_or_time(value) -> date | datetime:
    if isinstance(value, str):
        value = _parse_iso(value)
    if not isinstance(value, date):
        raise Invalid(f"expected a date (2026-02-06) or a date and time (2026-02-06T09:30:00), got {describe_value(value)}")
    return in_range(value)


def days_or_times(value) -> tuple[date | datetime, ...]:
    """One date (or date-time) or a list of them."""
    return tuple(day_or_time(item) for item in (value if isinstance(value, list) else [value]))


def _parse_iso(value: str) -> date | datetime:
    try:
        return datetime.fromisoformat(value) if "T" in value.upper() or " " in value.strip() else date.fromisoformat(value)
    except ValueError as e:
        raise Invalid(f"{value!r} is not a valid date ({e}); write it like 2026-02-06 or 2026-02-06T09:30:00") from None


# Addresses that urlsplit would accept, recognised without it: it and the
# whitespace scan were the slowest part of validating an event.
_PLAIN_URL_RE = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][!-~]*)?", re.ASCII)


# Control characters and line breaks: not in any URI (RFC 3986), nor in
# URL, SOURCE or DESCRIPTION without breaking the strict `ical` parser.
_URL_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def http_url(value) -> str:
    result = expect(value, str)
    if _PLAIN_URL_RE.fullmatch(result):
        return result
    control = _URL_CONTROL_RE.search(result)
    if control:
        raise Invalid(f"{result!r} contains U+{ord(control.group()):04X}, a control character or line break, which a web address cannot hold (RFC 3986); percent-encode it or remove it")
    parts = urlsplit(result)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in result):
        raise Invalid(f"{result!r} is not a web address (expected http:// or https://)")
    return result


def event_ids(value) -> tuple[str, ...]:
    items = expect(value, list)
    return tuple(dict.fromkeys(event_id(item) for item in items))


def anchor(value) -> tuple[str | None, str]:
    """An event to be placed relative to: 'event-id', or 'calendar-id/event-id' in another calendar."""
    result = expect(value, str)
    calendar, _, event = result.rpartition("/")
    for part in filter(None, (calendar, event)):
        if not ID_RE.match(part):
            raise Invalid(f"{result!r} is not an event id ('alibaba-quarterly-results') or a calendar id and an event id ('other-calendar/alibaba-quarterly-results')")
    if "/" in result and not calendar:
        raise Invalid(f"{result!r} has no calendar id before the '/'")
    return calendar or None, event


def offset(value) -> Offset:
    return parse_offset(expect(value, str))


_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def time_of_day(value) -> time:
    """A wall-clock time: TOML's 09:30:00, or "09:30"."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise Invalid("a time of day has no UTC offset; set timezone instead")
        return value
    text_value = expect(value, str)
    match = _TIME_RE.match(text_value.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59 or int(match[3] or 0) > 59:
        raise Invalid(f"{text_value!r} is not a time of day; write it like \"09:30\"")
    return time(int(match[1]), int(match[2]), int(match[3] or 0))


def base_url(value) -> str:
    """The public address of the output folder, ending in '/'."""
    result = expect(value, str)
    parts = urlsplit(result)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or any(c.isspace() for c in result):
        raise Invalid(f"{result!r} is not an http(s) address of a folder, such as https://example.org/calendars/")
    return result if result.endswith("/") else result + "/"


def given_uid(value) -> str:
    """A UID kept verbatim (RFC 5545 3.8.4.7): any text on one line."""
    result = expect(value, str)
    if not result.strip():
        raise Invalid("must not be empty")
    no_controls(result)
    if any(c in result for c in "\r\n\u2028\u2029\u0085"):
        raise Invalid("a UID is one line of text")
    if result != result.strip():
        raise Invalid(f"{result!r} has spaces at its ends, which calendar apps drop; remove them")
    if len(result.encode("utf-8")) > 1000:
        raise Invalid("is longer than 1,000 bytes")
    return result


def tags(value) -> tuple[str, ...]:
    items = expect(value, list)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise Invalid(f"expected a list of non-empty strings, got {describe_value(item)} in it")
        no_controls(item)
        if "," in item:
            # RFC 5545 allows an escaped comma in CATEGORIES, but icalendar,
            # the `ical` parser and calendar apps split the tag there.
            raise Invalid(f"{item!r}: a tag cannot contain a comma (calendar apps split tags at commas)")
    return tuple(dict.fromkeys(items))  # first appearance kept, in linear time


def status(value) -> str:
    result = expect(value, str).lower()
    if result not in STATUSES:
        raise Invalid(f"unknown status {value!r}: accepted values are {', '.join(STATUSES)}")
    return result


def language(value) -> str:
    """A language with a catalog, as a BCP 47 tag ('de', 'en-US')."""
    return language_tag(expect(value, str))


def texts(value) -> str | dict[str, str]:
    """Text, or a table of texts by language: { en = "...", de = "..." } (docs/languages.md)."""
    if not isinstance(value, dict):
        return text(value)
    if not value:
        raise Invalid('expected text, or a table of texts by language like { en = "...", de = "..." }')
    result = {}
    for key, item in value.items():
        try:
            tag = language_tag(key)
        except ValueError as e:
            raise Invalid(f"language {e}") from None
        if tag in result:
            raise Invalid(f"{key!r} names the language {tag!r} a second time")
        result[tag] = text(item)
    return result


_HEX_RE = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", re.ASCII)


def color(value) -> str:
    """A CSS3 color name (RFC 7986 COLOR takes only these) or #rrggbb; kept as a lower-case name or #rrggbb."""
    value = text(value).strip()
    if _HEX_RE.fullmatch(value):
        return webcolors.normalize_hex(value)
    try:
        webcolors.name_to_hex(value)
    except ValueError:
        hint = did_you_mean(value, webcolors.names("css3"), fold_case=True)
        raise Invalid(f"{value!r} is not a color{hint}: give a CSS3 color name such as 'steelblue', or #rrggbb") from None
    return value.lower()


def named_color(value) -> str:
    """An event's color: a CSS3 color name, or a #rrggbb that is one, for RFC 7986 COLOR (no client reads a hex on an event)."""
    value = color(value)
    if not value.startswith("#"):
        return value
    try:
        return webcolors.hex_to_name(value, spec="css3")
    except ValueError:
        raise Invalid(
            f"{value!r} is not a CSS3 color, and an event's color is written as RFC 7986 COLOR, which takes only their names; "
            f"the nearest is {nearest_color(value)!r} (a calendar's color may be any #rrggbb)"
        ) from None


def nearest_color(hex_value: str) -> str:
    """The CSS3 color name nearest to #rrggbb (for a message; never chosen silently)."""
    red, green, blue = webcolors.hex_to_rgb(hex_value)
    return min(webcolors.names("css3"), key=lambda name: sum((a - b) ** 2 for a, b in zip(webcolors.name_to_rgb(name), (red, green, blue))))


def years(value) -> list:
    """A year or a list of them (each checked against the holiday source)."""
    return [value] if isinstance(value, int) and not isinstance(value, bool) else expect(value, list)


# -- the tables --------------------------------------------------------------

TOP = Table((
    Key("calendar", lambda value: value),  # checked by validate: it needs the file's name
    Key("event", lambda value: value),
    Key("holidays", lambda value: value),
))  # fmt: skip

CALENDAR = Table((
    Key("id", calendar_id),  # default: from the file name
    Key("name", texts, required=True),
    Key("description", texts, default=""),
    Key("timezone", zone_name, required=True),
    Key("refresh", positive_duration, default=timedelta(hours=6)),
    Key("url", http_url, default=""),
    Key("color", color, default=""),  # COLOR (names only) and X-APPLE-CALENDAR-COLOR (docs/clients.md)
    Key("window", rolling_window),  # default: the feed keeps every event
    Key("remind", reminder_phrases, default=()),
    Key("feeds", tags),  # tags with a feed of their own; default: every tag
    Key("language", language),  # default: the site's (compile.Settings.language)
    Key("country", text),  # whose public holidays business days skip (default: weekends only)
    Key("subdiv", text),
))  # fmt: skip

# The ways of saying when; an event gives exactly one.
WHEN_KEYS = ("date", "start", "when", "relative_to")

EVENT = Table((
    Key("id", event_id, required=True),
    Key("uid", given_uid),  # default: made from the calendar and event ids
    Key("previous_ids", event_ids, default=()),  # ids it had before, oldest first
    Key("title", texts, required=True),
    Key("date", day),
    Key("start", day_or_time),
    Key("end", day_or_time),
    Key("duration", positive_duration),
    Key("when", window),
    Key("relative_to", anchor),
    Key("offset", offset),
    Key("time", time_of_day),
    Key("timezone", zone_name),
    Key("description", texts, default=""),
    Key("location", texts, default=""),
    Key("url", http_url, default=""),
    Key("color", named_color, default=""),  # RFC 7986 COLOR
    Key("conference", http_url, default=""),  # RFC 7986 CONFERENCE, and in DESCRIPTION for Google
    Key("tags", tags, default=()),
    Key("status", status),  # default: tentative for windows, else confirmed
    Key("busy", boolean),  # default: busy when timed, free when all-day
    Key("repeat", text),
    Key("until", day_or_time),
    Key("count", positive_int),
    Key("except", days_or_times, default=()),
    Key("also", days_or_times, default=()),  # occurrences besides the rule's (RDATE)
    Key("override", lambda value: value, default=()),  # [[event.override]]: checked by validate
    Key("remind", reminder_phrases),  # default: the calendar's
))  # fmt: skip

# [[event.override]]: one occurrence of a repeating event changed (RECURRENCE-ID).
OVERRIDE = Table((
    Key("occurrence", day_or_time, required=True),  # its start as the rule gives it
    Key("start", day_or_time),  # default: the occurrence's
    Key("end", day_or_time),  # the last day for all-day events; default: as long as the series' events
    Key("duration", positive_duration),
    Key("title", text),
    Key("description", text),
    Key("location", text),
    Key("status", status),
))  # fmt: skip

# The site file, keydates.toml: one [site] table for now; other features add
# their own tables to SITE_TOP and keys to SITE.
SITE_TOP = Table((
    Key("site", lambda value: value),
))  # fmt: skip

SITE = Table((
    Key("base_url", base_url),  # default: none (the page then offers downloads only)
    Key("title", text, default=""),  # default: the calendar's name, or "Key dates"
    Key("events", text, default="events"),  # folders: relative to the site file's folder
    Key("output", text, default="dist"),
    Key("language", language, default="en"),
))  # fmt: skip

HOLIDAYS = Table((
    Key("country", text, required=True),
    Key("subdiv", text),
    Key("years", years, required=True),
    Key("language", text),
    Key("only", a_list, default=()),
    Key("blocks", boolean, default=False),
    Key("id", event_id),
    Key("tags", tags, default=()),
))  # fmt: skip
