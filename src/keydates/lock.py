"""The lock file: what each event looked like when it was last published.

RFC 5545 wants DTSTAMP, LAST-MODIFIED and SEQUENCE to move only when an event
changes, but a build must not read the clock into its output. So, like a
package manager's lock, `keydates.lock` beside the event files remembers per
UID a hash of the event's content, its SEQUENCE and its timestamps, and a
short summary (title, dates, status) that change messages quote; removed
events stay as tombstones so that a re-added one continues its SEQUENCE; and
the last builds' changes, for the change feed. It is committed with the
events so a fresh clone builds byte-identical feeds.

The lock is input like any other: `parse` checks every value strictly and
reports each problem with the event it belongs to. Each entry carries a
`check`, a checksum of its stamps, so that a hand edit (a SEQUENCE lowered, a
LAST-MODIFIED set back) is noticed rather than published.

Version 1 locks (keyed by event id, no summaries) are read and rewritten as
version 2 on the next build without changing any stamp.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache, lru_cache
from json.encoder import encode_basestring
from operator import attrgetter
from pathlib import Path

from keydates.errors import InputError, Problem
from keydates.load import LOCK_NAME, SERVED_NAME  # noqa: F401 (the lock's file names, re-exported)
from keydates.model import CHANGE_KINDS, ChangeEntry, ChangeItem, Event, Reminder, Stamp, Summary, uid

LOCK_VERSION = 2
KNOWN_VERSIONS = (1, 2)
MAX_SEQUENCE = 2**31 - 1  # SEQUENCE is an INTEGER (RFC 5545 3.3.8)
LAST_STAMP_YEAR = 2999  # stamps are written with four-digit years
KEPT_BUILDS = 50  # builds whose changes the lock remembers, for the change feed
_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)
_HASH_RE = re.compile(r"[0-9a-f]{16}", re.ASCII)
_CHECK_RE = re.compile(r"[0-9a-f]{12}", re.ASCII)
_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)


@dataclass(frozen=True)
class Record:
    """One published event (or a tombstone, when `removed` is set)."""

    uid: str
    calendar: str
    id: str
    stamp: Stamp
    summary: Summary | None  # None: read from a version 1 lock
    removed: datetime | None = None
    legacy: bool = False  # from a version 1 lock: stamp.hash is legacy_hash()

    def newer_than(self, other: Record | None) -> bool:
        """Whether this record's stamps come after `other`'s (a tombstone after its event)."""
        if other is None:
            return True
        mine = (self.stamp.sequence, self.stamp.modified, self.removed is not None, self.removed or self.stamp.modified)
        theirs = (other.stamp.sequence, other.stamp.modified, other.removed is not None, other.removed or other.stamp.modified)
        return mine > theirs


@dataclass(frozen=True)
class CalendarRecord:
    """A calendar as last published: the file it came from and its events by UID."""

    id: str
    file: str | None  # the event file's name; None: read from a version 1 lock
    events: dict[str, Record]


@dataclass(frozen=True)
class LockData:
    """A lock file's content."""

    calendars: dict[str, CalendarRecord] = field(default_factory=dict)
    removed: dict[str, Record] = field(default_factory=dict)  # tombstones by UID
    changes: tuple[ChangeEntry, ...] = ()  # oldest first
    version: int = LOCK_VERSION

    def records(self) -> Iterable[Record]:
        """Every live record, then every tombstone."""
        for calendar in self.calendars.values():
            yield from calendar.events.values()
        yield from self.removed.values()


def now_utc() -> datetime:
    """The time given to new or changed events: SOURCE_DATE_EPOCH if set, else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return datetime.now(timezone.utc).replace(microsecond=0)
    try:
        moment = datetime.fromtimestamp(int(epoch), timezone.utc)
    except (ValueError, OverflowError, OSError):
        moment = None
    if moment is None or not 1970 <= moment.year <= LAST_STAMP_YEAR:
        message = f"{epoch!r} is not a time keydates can use: give whole seconds since 1970-01-01 UTC (such as 1770000000), before the year {LAST_STAMP_YEAR + 1}"
        raise InputError([Problem("SOURCE_DATE_EPOCH", message)]) from None
    return moment


def now_source() -> str:
    """Where now_utc's time comes from, for the build's output."""
    return "from SOURCE_DATE_EPOCH" if os.environ.get("SOURCE_DATE_EPOCH") is not None else "today in UTC, as SOURCE_DATE_EPOCH is not set"


def summary(event: Event) -> Summary:
    """What the lock keeps of an event for change messages."""
    return Summary(event.title, event.start.isoformat(), event.end.isoformat(), event.status, event.window, event.timezone)


def merge(first: LockData, second: LockData) -> LockData:
    """Both locks' knowledge, the newer record per UID (the lock and what serve published)."""
    best: dict[str, Record] = {}
    for record in [*first.records(), *second.records()]:
        if record.newer_than(best.get(record.uid)):
            best[record.uid] = record
    files = {c.id: c.file for c in second.calendars.values()} | {c.id: c.file for c in first.calendars.values() if c.file}
    calendars: dict[str, CalendarRecord] = {cid: CalendarRecord(cid, file, {}) for cid, file in files.items()}
    removed = {}
    for record in best.values():
        if record.removed is not None:
            removed[record.uid] = record
        else:
            calendars.setdefault(record.calendar, CalendarRecord(record.calendar, None, {})).events[record.uid] = record
    changes = {entry.key: entry for entry in (*first.changes, *second.changes)}
    ordered = sorted(changes.values(), key=lambda entry: (entry.at, entry.key))[-KEPT_BUILDS:]
    return LockData(calendars, removed, tuple(ordered))


# -- reading -------------------------------------------------------------------


class _Checker:
    """Strict reading of a lock file's JSON, collecting every problem."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, message: str, where: str | None = None, key: str | None = None) -> None:
        if len(self.problems) < 100:  # a wholly damaged lock need not list every entry
            self.problems.append(Problem(self.path, message, where, key))

    def table(self, value, where: str | None, key: str | None) -> dict:
        if not isinstance(value, dict):
            self.problem(f"expected a JSON object, got {_kind(value)}", where, key)
            return {}
        return value

    def string(self, value, where, key, pattern: re.Pattern | None = None, what: str = "") -> str | None:
        if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)):
            self.problem(f"expected {what or 'a string'}, got {_show_json(value)}", where, key)
            return None
        return value

    def sequence(self, value, where) -> int | None:
        if type(value) is not int or not 0 <= value <= MAX_SEQUENCE:
            self.problem(f"expected a whole number from 0 to {MAX_SEQUENCE}, got {_show_json(value)}", where, "sequence")
            return None
        return value

    def time(self, value, where, key) -> datetime | None:
        text = self.string(value, where, key, _TIME_RE, "a UTC time like 2026-02-02T02:40:00Z")
        if text is None:
            return None
        try:
            return _parse_time(text)
        except ValueError:
            self.problem(f"{text!r} is not a valid time", where, key)
            return None

    def keys(self, table: dict, allowed: tuple[str, ...], required: tuple[str, ...], where) -> None:
        for key in table:
            if key not in allowed:
                self.problem("unknown key in the lock file (made by a newer keydates?)", where, key)
        for key in required:
            if key not in table:
                self.problem("missing", where, key)


_RECORD_KEYS = ("id", "hash", "sequence", "created", "modified", "title", "start", "end", "status", "window", "timezone", "check")
_TOMBSTONE_KEYS = (*_RECORD_KEYS, "calendar", "removed")
_REQUIRED_RECORD_KEYS = ("id", "hash", "sequence", "created", "modified", "title", "start", "end", "status", "check")


def parse(path: Path, text: str | None) -> LockData:
    """The content of a lock file's text (None: no lock yet); InputError listing every problem."""
    if text is None:
        return LockData()
    damaged = "the lock file is damaged ({}); restore it from git (git checkout {})"
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError([Problem(path, damaged.format("nested too deeply", path))]) from None
    except ValueError as e:
        raise InputError([Problem(path, damaged.format(f"not JSON: {e}", path))]) from None
    checker = _Checker(path)
    data = checker.table(data, None, None)
    version = data.get("version")
    if version not in KNOWN_VERSIONS or type(version) is not int:
        known = " and ".join(map(str, KNOWN_VERSIONS))
        checker.problem(f"version {_show_json(version)} is not one this keydates reads ({known}); was it written by a newer keydates?", None, "version")
        raise InputError(checker.problems)
    lock = _parse_v1(checker, data) if version == 1 else _parse_v2(checker, data)
    if checker.problems:
        raise InputError(checker.problems)
    return lock


def _parse_v1(checker: _Checker, data: dict) -> LockData:
    checker.keys(data, ("version", "calendars"), ("calendars",), None)
    calendars = {}
    for calendar_id, events in checker.table(data.get("calendars"), None, "calendars").items():
        records = {}
        for event_id, item in checker.table(events, f"calendar '{calendar_id}'", None).items():
            where = f"event '{event_id}' in calendar '{calendar_id}'"
            item = checker.table(item, where, None)
            checker.keys(item, ("hash", "sequence", "created", "modified"), ("hash", "sequence", "created", "modified"), where)
            stamp = _stamp(checker, item, where)
            if stamp is not None:
                event_uid = uid(calendar_id, event_id)
                records[event_uid] = Record(event_uid, calendar_id, event_id, stamp, None, legacy=True)
        calendars[calendar_id] = CalendarRecord(calendar_id, None, records)
    return LockData(calendars, version=1)


def _parse_v2(checker: _Checker, data: dict) -> LockData:
    checker.keys(data, ("version", "calendars", "removed", "changes"), ("calendars",), None)
    calendars = {}
    for calendar_id, table in checker.table(data.get("calendars"), None, "calendars").items():
        where = f"calendar '{calendar_id}'"
        table = checker.table(table, where, None)
        checker.keys(table, ("file", "events"), ("events",), where)
        file = table.get("file")
        if file is not None:
            file = checker.string(file, where, "file")
        records = {}
        for event_uid, item in checker.table(table.get("events"), where, "events").items():
            record = _record(checker, event_uid, calendar_id, item, tombstone=False)
            if record is not None:
                records[event_uid] = record
        calendars[calendar_id] = CalendarRecord(calendar_id, file, records)
    removed = {}
    for event_uid, item in checker.table(data.get("removed", {}), None, "removed").items():
        record = _record(checker, event_uid, None, item, tombstone=True)
        if record is not None:
            removed[event_uid] = record
    changes = tuple(entry for entry in map(lambda e: _change_entry(checker, e), _list(checker, data.get("changes", []), "changes")) if entry)
    return LockData(calendars, removed, changes)


_PLAIN_KEYS = frozenset(_REQUIRED_RECORD_KEYS)
_WINDOW_KEYS = _PLAIN_KEYS | {"window"}
_ZONE_KEYS = _PLAIN_KEYS | {"timezone"}
_MAX_HASH = "f" * 16


def _record(checker: _Checker, event_uid: str, calendar_id: str | None, item, tombstone: bool) -> Record | None:
    """One entry of the lock; the common, well-formed one is read on a short path."""
    if not tombstone and type(item) is dict and item.keys() in (_PLAIN_KEYS, _ZONE_KEYS, _WINDOW_KEYS):
        record = _plain_record(event_uid, calendar_id, item)
        if record is not None:
            return record
    return _checked_record(checker, event_uid, calendar_id, item, tombstone)


def _plain_record(event_uid: str, calendar_id: str, item: dict) -> Record | None:
    """The record if every value is plainly right, else None (the checker then says what is wrong)."""
    sequence, content, created, modified = item["sequence"], item["hash"], item["created"], item["modified"]
    title, start, end, status, event_id = item["title"], item["start"], item["end"], item["status"], item["id"]
    window, zone = item.get("window"), item.get("timezone")
    if not (
        type(sequence) is int and 0 <= sequence <= MAX_SEQUENCE and type(content) is str and len(content) == 16
        and type(created) is str and type(modified) is str and type(title) is str and type(start) is str
        and type(end) is str and type(status) is str and type(event_id) is str and type(item["check"]) is str
        and (window is None or type(window) is str) and (zone is None or type(zone) is str)
        and _HASH_RE.fullmatch(content) and _ID_RE.fullmatch(event_id)
    ):  # fmt: skip
        return None
    try:
        created_at, modified_at = _checked_time(created), _checked_time(modified)
    except ValueError:
        return None
    if created_at > modified_at:
        return None
    if item["check"] != _check_text(event_uid, content, sequence, created, modified):
        return None
    stamp = Stamp(content, sequence, created_at, modified_at)
    return Record(event_uid, calendar_id, event_id, stamp, Summary(title, start, end, status, window, zone))


def _checked_record(checker: _Checker, event_uid: str, calendar_id: str | None, item, tombstone: bool) -> Record | None:
    where = f"event {event_uid!r}" + (f" in calendar '{calendar_id}'" if calendar_id else " (removed)")
    item = checker.table(item, where, None)
    checker.keys(item, _TOMBSTONE_KEYS if tombstone else _RECORD_KEYS, _REQUIRED_RECORD_KEYS + (("calendar", "removed") if tombstone else ()), where)
    errors = len(checker.problems)
    event_id = checker.string(item.get("id"), where, "id", _ID_RE, "an event id")
    if tombstone:
        calendar_id = checker.string(item.get("calendar"), where, "calendar", _ID_RE, "a calendar id")
    stamp = _stamp(checker, item, where)
    removed = checker.time(item.get("removed"), where, "removed") if tombstone else None
    info = _summary(checker, item, where)
    check = checker.string(item.get("check"), where, "check", _CHECK_RE, "a 12-digit checksum")
    if stamp is not None and check is not None and check != _check(event_uid, stamp):
        checker.problem(
            "its stamps do not match their checksum: the lock was edited by hand; restore it from git "
            f"(git checkout {checker.path}), as keydates would otherwise publish stamps it did not make", where, "check",
        )  # fmt: skip
    if stamp is not None and removed is not None and removed < stamp.modified:
        checker.problem(f"removed {format_time(removed)} is before modified {format_time(stamp.modified)}", where, "removed")
    if len(checker.problems) > errors:
        return None
    return Record(event_uid, calendar_id, event_id, stamp, info, removed)


def _stamp(checker: _Checker, item: dict, where: str) -> Stamp | None:
    content = checker.string(item.get("hash"), where, "hash", _HASH_RE, "a 16-digit hash")
    sequence = checker.sequence(item.get("sequence"), where)
    created = checker.time(item.get("created"), where, "created")
    modified = checker.time(item.get("modified"), where, "modified")
    if created and modified and created > modified:
        checker.problem(f"created {format_time(created)} is after modified {format_time(modified)}", where, "created")
        return None
    if None in (content, sequence, created, modified):
        return None
    return Stamp(content, sequence, created, modified)


def _summary(checker: _Checker, item: dict, where: str) -> Summary | None:
    values = {key: checker.string(item.get(key), where, key) for key in ("title", "start", "end", "status")}
    optional = {key: checker.string(item[key], where, key) for key in ("window", "timezone") if key in item}
    if None in values.values() or None in optional.values():
        return None
    return Summary(**values, **optional)


def _list(checker: _Checker, value, key: str) -> list:
    if not isinstance(value, list):
        checker.problem(f"expected a JSON list, got {_kind(value)}", None, key)
        return []
    return value


def _change_entry(checker: _Checker, value) -> ChangeEntry | None:
    where = "a change entry"
    table = checker.table(value, where, "changes")
    checker.keys(table, ("at", "items", "more"), ("at", "items"), where)
    at = checker.time(table.get("at"), where, "at")
    more = table.get("more", 0)
    if type(more) is not int or more < 0:
        checker.problem(f"expected a whole number, got {_show_json(more)}", where, "more")
    items = []
    for raw in _list(checker, table.get("items"), "items"):
        raw = checker.table(raw, where, "items")
        checker.keys(raw, ("kind", "uid", "calendar", "id", "sequence", "old", "new"), ("kind", "uid", "calendar", "id", "sequence"), where)
        kind = raw.get("kind")
        if kind not in CHANGE_KINDS:
            checker.problem(f"kind {_show_json(kind)} is not one of {', '.join(CHANGE_KINDS)}", where, "kind")
        old, new = (_summary(checker, checker.table(raw[k], where, k), where) if raw.get(k) is not None else None for k in ("old", "new"))
        text = {k: checker.string(raw.get(k), where, k) for k in ("uid", "calendar", "id")}
        sequence = checker.sequence(raw.get("sequence"), where)
        if kind in CHANGE_KINDS and None not in text.values() and sequence is not None:
            items.append(ChangeItem(kind, text["uid"], text["calendar"], text["id"], sequence, old, new))
    return ChangeEntry(at, tuple(items), more) if at else None


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(type(value), "a number")


def _show_json(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (str, int, float, bool, type(None))) else _kind(value)
    return text if len(text) < 60 else text[:57] + "..."


# -- writing -------------------------------------------------------------------


def dump(lock: LockData) -> str:
    """The lock file's text: one line per event, so git diffs and merges stay readable.

    Each line is written by json.dumps's C encoder; json.dumps with indent
    uses the pure-Python one, ten times slower at 100,000 events.
    """
    out = ['{\n  "version": ', str(LOCK_VERSION), ',\n  "calendars": {']
    calendars = sorted(lock.calendars.items())
    for number, (calendar_id, calendar) in enumerate(calendars):
        out += ["\n    ", _json(calendar_id), ": {"]
        if calendar.file is not None:
            out += ['\n      "file": ', _json(calendar.file), ","]
        out.append('\n      "events": {')
        events = sorted(calendar.events.items())
        for index, (event_uid, record) in enumerate(events):
            out += ["\n        ", _json(event_uid), ": ", _json(_record_json(record)), "," if index < len(events) - 1 else "\n      "]
        out.append("}\n    }" + ("," if number < len(calendars) - 1 else "\n  "))
    out.append('},\n  "removed": {')
    removed = sorted(lock.removed.items())
    for index, (event_uid, record) in enumerate(removed):
        item = {"calendar": record.calendar, **_record_json(record), "removed": format_time(record.removed)}
        out += ["\n    ", _json(event_uid), ": ", _json(item), "," if index < len(removed) - 1 else "\n  "]
    out.append('},\n  "changes": [')
    for index, entry in enumerate(lock.changes):
        out += ["\n    ", _json(_entry_json(entry)), "," if index < len(lock.changes) - 1 else "\n  "]
    out.append("]\n}\n")
    return "".join(out)


def _record_json(record: Record) -> dict:
    stamp = record.stamp
    item = {
        "id": record.id, "hash": stamp.hash, "sequence": stamp.sequence,
        "created": format_time(stamp.created), "modified": format_time(stamp.modified),
    }  # fmt: skip
    item.update(_summary_json(record.summary))
    item["check"] = _check(record.uid, stamp)
    return item


def _summary_json(info: Summary | None) -> dict:
    if info is None:
        return {}
    item = {"title": info.title, "start": info.start, "end": info.end, "status": info.status}
    if info.window is not None:
        item["window"] = info.window
    if info.timezone is not None:
        item["timezone"] = info.timezone
    return item


def _entry_json(entry: ChangeEntry) -> dict:
    items = [
        {
            "kind": i.kind, "uid": i.uid, "calendar": i.calendar, "id": i.id, "sequence": i.sequence,
            "old": _summary_json(i.old) or None, "new": _summary_json(i.new) or None,
        }  # fmt: skip
        for i in entry.items
    ]
    return {"at": format_time(entry.at), "items": items, "more": entry.more}


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json(value) -> str:
    return _ENCODER.encode(value)


def _check(event_uid: str, stamp: Stamp) -> str:
    """A checksum of an entry's stamps, so that hand edits are noticed."""
    return _check_text(event_uid, stamp.hash, stamp.sequence, format_time(stamp.created), format_time(stamp.modified))


def _check_text(event_uid: str, content: str, sequence: int, created: str, modified: str) -> str:
    text = f"{event_uid}\0{content}\0{sequence}\0{created}\0{modified}"
    return _sha256(text.encode("utf-8")).hexdigest()[:12]


_sha256 = hashlib.sha256


def format_time(moment: datetime) -> str:
    """A stamp as the lock writes it: 2026-02-02T02:40:00Z."""
    # Cached on the UTC time: see ical._utc for why not on `moment` itself.
    return _utc_text(moment.astimezone(timezone.utc))


@lru_cache(maxsize=1024)  # a build stamps many events with the same few times
def _utc_text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")[:19] + "Z"


@lru_cache(maxsize=4096)  # a lock holds the same few times many times over
def _checked_time(text: str) -> datetime:
    """A stamp's time, strictly in the lock's form; ValueError otherwise."""
    if not _TIME_RE.fullmatch(text):
        raise ValueError(text)
    return _parse_time(text)


@lru_cache(maxsize=1024)
def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if not 1970 <= moment.year <= LAST_STAMP_YEAR:
        raise ValueError(text)
    return moment


# -- the content hash ---------------------------------------------------------

# An event's identity (its id and UID) is not part of its content: renaming
# an id while keeping its UID (previous_ids) changes nothing for subscribers,
# and an event that reappears under another id is recognised by its content.
IDENTITY_FIELDS = frozenset({"id", "uid", "previous_ids"})


def content_hash(event: Event) -> str:
    """Hash of what the event says, leaving out its identity."""
    return _hash(event, _hash_fields(IDENTITY_FIELDS))


def legacy_hash(event: Event) -> str:
    """The hash of version 1 locks, which included the event's id."""
    return _hash(event, _hash_fields(frozenset()))


def _hash(event: Event, fields) -> str:
    # Fields still at their default are left out, so adding a field to the
    # format later does not change the hash of events that don't use it. The
    # JSON of json.dumps(content, sort_keys=True, ensure_ascii=False,
    # default=plain_json), written field by field: the encoder's call back for
    # every date took half the lock's time at 100,000 events.
    keys, defaults, values = fields
    # Strings, half the values, are written without a look-up.
    members = [
        key + (encode_basestring(value) if type(value) is str else _HASH_WRITERS.get(type(value), _hash_json)(value))
        for key, default, value in zip(keys, defaults, values(event))
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
def _hash_fields(left_out: frozenset[str]) -> tuple[tuple[str, ...], tuple[object, ...], Callable[[Event], tuple]]:
    """Event's field names in sorted order (as sort_keys writes them) as JSON
    keys ('"id": '), their defaults, and a getter of their values in that order."""
    pairs = sorted(pair for pair in event_defaults() if pair[0] not in left_out)
    names = tuple(name for name, _ in pairs)
    keys = tuple(f"{encode_basestring(name)}: " for name in names)
    return keys, tuple(default for _, default in pairs), attrgetter(*names)


@cache
def event_defaults() -> tuple[tuple[str, object], ...]:
    """(name, default) of Event's fields, looked up once rather than per event."""
    return tuple(
        (f.name, f.default if f.default is not dataclasses.MISSING else None)
        for f in dataclasses.fields(Event)
    )


def plain_json(value) -> str:
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


# What json.dumps(content, sort_keys=True, ensure_ascii=False, default=plain_json)
# uses, made once: json.dumps with keyword arguments makes one per call.
_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=plain_json)
