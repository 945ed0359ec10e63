"""The validated timeline: plain frozen dataclasses shared by every stage.

No I/O and no library types here: `validate` builds these, `lock` stamps
them, `ical`, `page`, `listing` and `web` read them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from keydates.errors import Problem

STATUSES = ("confirmed", "tentative", "cancelled")
CHANGE_KINDS = ("added", "changed", "cancelled", "restored", "removed")
KEPT_ITEMS = 100  # changes remembered per build; the rest are counted


class Translation(NamedTuple):
    """An event's (or a calendar's) text in another language; "" falls back to the default text.

    A tuple of strings, so that the lock's content hash writes it as it
    writes every other tuple (and events without translations keep theirs).
    """

    language: str
    title: str = ""  # a calendar's name
    description: str = ""
    location: str = ""


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


class Relative(NamedTuple):
    """Where an event placed relative to another comes from, for the wording.

    A tuple, so the lock's content hash covers it like any other field: a
    renamed or moved anchor changes its dependents.
    """

    anchor: str  # "calendar-id/event-id"
    title: str  # the anchor's title
    amount: int  # negative: before the anchor
    unit: str  # "days", "weeks" or "business days"


class Override(NamedTuple):
    """One occurrence of a repeating event changed (RFC 5545 RECURRENCE-ID).

    `occurrence` is the start the rule gives it; None fields keep the series'.
    """

    occurrence: date | datetime
    start: date | datetime
    end: date | datetime
    title: str | None = None
    description: str | None = None
    location: str | None = None
    status: str | None = None


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
    uid: str | None = None  # a UID given in the file (an imported one), kept verbatim
    previous_ids: tuple[str, ...] = ()  # ids it had before, oldest first: the oldest gives its UID
    translations: tuple[Translation, ...] = ()  # its text in other languages, by language

    def in_language(self, tag: str) -> Event:
        """The event with its text in language `tag`, where it has one."""
        for t in self.translations:
            if t.language == tag:
                return replace(
                    self, title=t.title or self.title, description=t.description or self.description,
                    location=t.location or self.location, translations=(),
                )  # fmt: skip
        return replace(self, translations=())
    relative: Relative | None = None  # set when placed relative to another event
    additions: tuple[date | datetime, ...] = ()  # RDATEs: starts besides the rule's, same kind as start
    overrides: tuple[Override, ...] = ()  # changed occurrences, by their original start
    color: str = ""  # a CSS3 color name (RFC 7986 COLOR)
    conference: str = ""  # an http(s) address to join it (RFC 7986 CONFERENCE)

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def first_day(self) -> date:
        """The day the event starts, on its own wall clock."""
        return self.start if not isinstance(self.start, datetime) else self.start.date()

    @property
    def last_day(self) -> date:
        """The last day the event touches (inclusive), for display."""
        return last_day(self.start, self.end)


def last_day(start: date | datetime, end: date | datetime) -> date:
    """The last day a span [start, end) touches, inclusive."""
    if not isinstance(start, datetime):
        return end - timedelta(days=1)
    return (end - timedelta(microseconds=1) if end > start else end).date()


def order_key(start: date | datetime, uid: str) -> tuple:
    """The one order of events and occurrences: by day on their own wall clock,
    all-day before timed, then by instant, then UID (unique, so keys never tie)."""
    if isinstance(start, datetime):
        return start.date(), 1, start.astimezone(timezone.utc), uid
    return start, 0, None, uid


@dataclass(frozen=True)
class Stamp:
    """When an event was first and last published, and how often it changed.

    `hash` is the content hash the lock file keeps (lock.content_hash).
    """

    hash: str
    sequence: int
    created: datetime
    modified: datetime


@dataclass(frozen=True)
class Summary:
    """What a change message says of an event: its title, dates and status."""

    title: str
    start: str  # ISO 8601: a date, or a date-time with its UTC offset
    end: str  # exclusive, as in the model
    status: str
    window: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class ChangeItem:
    """One event's change in one build."""

    kind: str  # one of CHANGE_KINDS
    uid: str
    calendar: str
    id: str
    sequence: int
    old: Summary | None
    new: Summary | None


@dataclass(frozen=True)
class ChangeEntry:
    """What one build changed (the change feed gets one entry per build)."""

    at: datetime
    items: tuple[ChangeItem, ...]
    more: int = 0  # changes beyond KEPT_ITEMS, counted only

    @property
    def key(self) -> str:
        """A stable identity for the entry: from its time and its changes."""
        text = self.at.astimezone(timezone.utc).isoformat() + "".join(f"|{i.kind}|{i.uid}|{i.sequence}" for i in self.items) + f"|{self.more}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# The units of a rolling window's lengths ("90d", "12w", "6m", "2y").
LENGTH_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


class Length(NamedTuple):
    """A length of calendar time: months and years keep the day of the month (the 31st becomes the month's last day)."""

    amount: int
    unit: str  # a key of LENGTH_UNITS

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


class Rolling(NamedTuple):
    """[calendar] window: the calendar's feed keeps the events touching the days from
    `past` before to `future` after the build's date; None: no bound on that side."""

    past: Length | None = None
    future: Length | None = None


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
    named_by_file: bool = False  # no [calendar] id: the id comes from the file name
    feed_tags: tuple[str, ...] | None = None  # tags with a feed of their own; None: every tag
    language: str = "en"  # a BCP 47 tag with a catalog (describe.language_tag)
    translations: tuple[Translation, ...] = ()  # name and description in other languages
    color: str = ""  # a CSS3 color name or #rrggbb (schema.color)
    rolling: Rolling | None = None  # [calendar] window; all.ics keeps every event

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """Its own language first, then every other one its texts come in."""
        others = {t.language for t in self.translations} | {t.language for e in self.events for t in e.translations}
        return (self.language, *sorted(others - {self.language}))

    def in_language(self, tag: str) -> Calendar:
        """The calendar as its feed in language `tag` publishes it (same ids, so same UIDs)."""
        own = next((t for t in self.translations if t.language == tag), Translation(tag))
        return replace(
            self, name=own.title or self.name, description=own.description or self.description, url="",
            language=tag, translations=(), events=tuple(event.in_language(tag) for event in self.events),
        )  # fmt: skip

    def feed(self) -> Feed:
        """This calendar as one published feed."""
        return Feed(self.id, self.name, self.description, self.refresh, self.url, self.entries, self.language, self.color)

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        """Its events as feed entries: the same objects in its feed and in all.ics,
        so each works out its UID once."""
        return tuple(Entry(self.id, event, self.language) for event in self.events)


@dataclass(frozen=True)
class Timeline:
    """Validated calendars and the warnings found on the way."""

    calendars: list[Calendar]
    warnings: list[Problem] = field(default_factory=list)

    @property
    def event_count(self) -> int:
        return sum(len(c.events) for c in self.calendars)


def uid(calendar_id: str, event_id: str) -> str:
    """The event's UID: the same on every build, edit and machine."""
    return f"{event_id}.{calendar_id}@keydates"


@dataclass(frozen=True)
class Entry:
    """An event together with the calendar it belongs to."""

    calendar_id: str
    event: Event
    language: str = "en"  # its calendar's: the language its generated text is in

    @cached_property  # asked for several times per feed
    def uid(self) -> str:
        event = self.event
        return event.uid or uid(self.calendar_id, event.previous_ids[0] if event.previous_ids else event.id)

    @property
    def order(self) -> tuple:
        return order_key(self.event.start, self.uid)


@dataclass(frozen=True)
class Feed:
    """What one .ics file publishes: a calendar, all of them, or a filtered view."""

    id: str
    name: str
    description: str
    refresh: timedelta
    url: str
    entries: tuple[Entry, ...]
    language: str = "en"  # of its own words (name, tag-feed wording); each entry has its own
    color: str = ""  # its calendar's (schema.color); all.ics of several calendars has none


def combined_feed(calendars: list[Calendar], language: str = "en") -> Feed:
    """The feed of every calendar at once (all.ics)."""
    if len(calendars) == 1:
        name, description = calendars[0].name, calendars[0].description
    else:
        name = "All key dates"
        description = "Every calendar: " + ", ".join(c.name for c in calendars)
    refresh = min((c.refresh for c in calendars), default=timedelta(hours=6))
    entries = tuple(entry for c in calendars for entry in c.entries)
    color = ""
    if len(calendars) == 1:
        language, color = calendars[0].language, calendars[0].color
    return Feed("all", name, description, refresh, "", entries, language, color)
