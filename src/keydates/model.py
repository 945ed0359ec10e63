"""The validated timeline: plain frozen dataclasses shared by every command.

No I/O and no icalendar types here: `validate` builds these, `ical`, `listing`
and the web page read them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, cached_property
from json.encoder import encode_basestring
from operator import attrgetter
from pathlib import Path

STATUSES = ("confirmed", "tentative", "cancelled")


@dataclass(frozen=True, slots=True)
class Reminder:
    """When to remind, before the event's start.

    Either a length, `days` nominal days (the same clock time that many days
    earlier, RFC 5545 3.3.6) and then `exact` more time; or, with `at`, a
    time of day on the wall clock of the event's zone, `days` days before
    the day it starts. "24h" and "1d" differ across a clock change, so a
    timedelta alone cannot say which is meant.
    """

    days: int = 0
    exact: timedelta = timedelta(0)
    at: time | None = None


@dataclass(frozen=True, slots=True)  # slots: a third less memory per event
class Event:
    """One key date.

    All-day events have `date` values for `start` and `end`; `end` is
    exclusive, as in RFC 5545 (a one-day event ends the next day). Timed events
    have aware datetimes; `timezone` names the IANA zone they are written in,
    or is None for a fixed UTC offset (they are then emitted in UTC).
    """

    id: str
    title: str
    start: date | datetime
    end: date | datetime
    timezone: str | None = None
    window: str | None = None  # the "mid-february 2026" phrase, for windows
    description: str = ""
    location: str = ""
    url: str = ""
    tags: tuple[str, ...] = ()
    status: str = "confirmed"
    busy: bool = False
    repeat: str | None = None  # an RRULE value, UNTIL already in its RFC 5545 form
    exceptions: tuple[date | datetime, ...] = ()  # EXDATEs, same kind as start
    reminders: tuple[Reminder, ...] = ()

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def last_day(self) -> date:
        """The last day the event touches (inclusive), for display."""
        if self.all_day:
            return self.end - timedelta(days=1)
        end = self.end - timedelta(microseconds=1) if self.end > self.start else self.end
        return end.date()

    def content_hash(self) -> str:
        """Hash of what the event says, for the lock file.

        Fields still at their default are left out, so adding a field to the
        format later does not change the hash of events that don't use it.
        """
        # The JSON of json.dumps(content, sort_keys=True, ensure_ascii=False,
        # default=_plain), written field by field: the encoder's call back to
        # _plain for every date took half the lock's time at 100,000 events.
        keys, defaults, values = _hash_fields()
        # Strings, half the values, are written without a look-up.
        members = [
            key + (encode_basestring(value) if type(value) is str else _HASH_WRITERS.get(type(value), _hash_json)(value))
            for key, default, value in zip(keys, defaults, values(self))
            if value != default
        ]
        text = "{" + ", ".join(members) + "}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _hash_json(value) -> str:
    """One value as content_hash's JSON encoder writes it."""
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, date):  # and datetime
        return encode_basestring(value.isoformat())
    if isinstance(value, tuple):
        return "[" + ", ".join(map(_hash_json, value)) + "]"
    return _HASH_JSON.encode(value)  # booleans, durations


def _hash_tuple(value: tuple) -> str:
    # Tags, the common tuple, hold only strings: no call per item.
    if all(type(item) is str for item in value):
        return "[" + ", ".join(map(encode_basestring, value)) + "]"
    return _hash_json(value)


# _hash_json's writer for each exact type an Event usually holds, looked up
# by type() rather than tried in turn with isinstance. ISO dates and times
# hold nothing JSON escapes.
_HASH_WRITERS: dict[type, Callable[[object], str]] = {
    date: lambda value: f'"{value.isoformat()}"',
    datetime: lambda value: f'"{value.isoformat()}"',
    tuple: _hash_tuple,
    bool: lambda value: "true" if value else "false",
}


@cache
def _hash_fields() -> tuple[tuple[str, ...], tuple[object, ...], Callable[[Event], tuple]]:
    """Event's field names in sorted order (as sort_keys writes them) as JSON
    keys ('"id": '), their defaults, and a getter of their values in that order."""
    pairs = sorted(_event_defaults())
    names = tuple(name for name, _ in pairs)
    keys = tuple(f"{encode_basestring(name)}: " for name in names)
    return keys, tuple(default for _, default in pairs), attrgetter(*names)


@cache
def _event_defaults() -> tuple[tuple[str, object], ...]:
    """(name, default) of Event's fields, looked up once rather than per event."""
    return tuple(
        (f.name, f.default if f.default is not dataclasses.MISSING else None)
        for f in dataclasses.fields(Event)
    )


def _plain(value) -> str:
    """JSON for the few non-JSON values an Event holds."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    if isinstance(value, Reminder):
        if value.at is None:  # as the trigger timedelta was written before Reminder
            return str((-timedelta(days=value.days) - value.exact).total_seconds())
        return f"{value.at:%H:%M} {value.days} days before"
    raise TypeError(type(value).__name__)


# What json.dumps(content, sort_keys=True, ensure_ascii=False, default=_plain)
# uses, made once: json.dumps with keyword arguments makes one per call.
_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=_plain)


@dataclass(frozen=True)
class Calendar:
    """One event file: its metadata and its events in file order."""

    id: str
    name: str
    timezone: str
    path: Path
    description: str = ""
    refresh: timedelta = timedelta(hours=6)
    url: str = ""
    events: tuple[Event, ...] = field(default=())

    def uid_of(self, event: Event) -> str:
        return uid(self.id, event.id)

    def feed(self) -> Feed:
        """This calendar as one published feed."""
        return Feed(self.id, self.name, self.description, self.refresh, self.url, self.entries)

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        """Its events as feed entries: the same objects in its feed and in all.ics,
        so each works out its UID once."""
        return tuple(Entry(self.id, event) for event in self.events)


def uid(calendar_id: str, event_id: str) -> str:
    """The event's UID: the same on every build, edit and machine."""
    return f"{event_id}.{calendar_id}@keydates"


@dataclass(frozen=True)
class Entry:
    """An event together with the calendar it belongs to."""

    calendar_id: str
    event: Event

    @cached_property  # asked for several times per feed
    def uid(self) -> str:
        return uid(self.calendar_id, self.event.id)


@dataclass(frozen=True)
class Feed:
    """What one .ics file publishes: a calendar, all of them, or a filtered view."""

    id: str
    name: str
    description: str
    refresh: timedelta
    url: str
    entries: tuple[Entry, ...]


def combined_feed(calendars: list[Calendar]) -> Feed:
    """The feed of every calendar at once (all.ics)."""
    if len(calendars) == 1:
        name, description = calendars[0].name, calendars[0].description
    else:
        name = "All key dates"
        description = "Every calendar: " + ", ".join(c.name for c in calendars)
    refresh = min((c.refresh for c in calendars), default=timedelta(hours=6))
    entries = tuple(entry for c in calendars for entry in c.entries)
    return Feed("all", name, description, refresh, "", entries)
