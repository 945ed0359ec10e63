"""The lock file: what each event looked like when it was last published.

RFC 5545 wants DTSTAMP, LAST-MODIFIED and SEQUENCE to move only when an event
changes, but a build must not read the clock into its output. So, like a
package manager's lock, `keydates.lock` beside the event files remembers per
event a hash of its content, its SEQUENCE and its timestamps; it is committed
with the events so a fresh clone builds byte-identical feeds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache, lru_cache
from json.encoder import encode_basestring
from operator import attrgetter
from pathlib import Path

from keydates.errors import InputError, Problem
from keydates.model import Calendar, Event, Stamp

LOCK_NAME = "keydates.lock"
LOCK_VERSION = 1
LAST_STAMP_YEAR = 2999  # stamps are written with four-digit years
_PLAIN_RE = re.compile(r"[a-z0-9-]*", re.ASCII)
_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


@dataclass(frozen=True)
class LockUpdate:
    """A lock file's current and wanted text, and which events changed."""

    path: Path
    old: str | None
    new: str
    changed: tuple[str, ...]  # "calendar/event" names, for messages


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


def plan(calendars: list[Calendar], texts: Mapping[Path, str | None], now: datetime) -> tuple[dict[str, Stamp], list[LockUpdate]]:
    """Work out every event's stamp, and the lock files' new text.

    `texts` holds each lock file's current text (None: there is none yet).
    Returns stamps keyed by UID, and one LockUpdate per lock file involved.
    Entries of calendars not being built are kept as they are.
    """
    stamps: dict[str, Stamp] = {}
    updates = []
    by_folder: dict[Path, list[Calendar]] = {}
    for calendar in calendars:
        by_folder.setdefault(calendar.path.parent, []).append(calendar)
    for folder, folder_calendars in by_folder.items():
        path = folder / LOCK_NAME
        old_text = texts.get(path)
        entries = parse(path, old_text)
        known = set(entries)
        changed = []
        for calendar in folder_calendars:
            old_events = entries.get(calendar.id, {})
            new_events = {}
            for entry in calendar.entries:
                event = entry.event
                content = content_hash(event)
                old = old_events.get(event.id)
                if old is None:
                    stamp = Stamp(content, 0, now, now)
                elif old.hash != content:
                    stamp = Stamp(content, old.sequence + 1, old.created, max(now, old.modified))
                else:
                    stamp = old
                if stamp is not old:  # new or changed (cheaper than comparing fields)
                    changed.append(f"{calendar.id}/{event.id}")
                new_events[event.id] = stamp
                stamps[entry.uid] = stamp
            removed = set(old_events) - set(new_events)
            changed.extend(f"{calendar.id}/{event_id} (removed)" for event_id in sorted(removed))
            entries[calendar.id] = new_events
        # Nothing changed: the entries are the old ones, so is the text (and a
        # large lock need not be written out again to find that out).
        unchanged = old_text is not None and not changed and all(c.id in known for c in folder_calendars)
        updates.append(LockUpdate(path, old_text, old_text if unchanged else _dump(entries), tuple(changed)))
    return stamps, updates


def parse(path: Path, text: str | None) -> dict[str, dict[str, Stamp]]:
    """The entries of a lock file's text: calendar id -> event id -> Stamp."""
    if text is None:
        return {}
    try:
        data = json.loads(text)
        return {
            calendar_id: {
                event_id: Stamp(
                    item["hash"],
                    int(item["sequence"]),
                    _parse_time(item["created"]),
                    _parse_time(item["modified"]),
                )
                for event_id, item in events.items()
            }
            for calendar_id, events in data["calendars"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        message = f"the lock file is damaged ({type(e).__name__}: {e}); restore it from git, or delete it to start SEQUENCE and timestamps afresh"
        raise InputError([Problem(path, message)]) from None


def _dump(entries: dict[str, dict[str, Stamp]]) -> str:
    """The lock file's text: what json.dumps(data, indent=2) gives, written by hand.

    json.dumps with indent falls back to its pure-Python encoder, which took
    2.6 s for 100,000 events; this takes a tenth of that. The tests compare
    both on random entries.
    """
    out = ['{\n  "version": ', str(LOCK_VERSION), ',\n  "calendars": ']
    if not entries:
        out.append("{}")
    calendar_sep = "{\n    "
    for calendar_id, events in sorted(entries.items()):
        out += [calendar_sep, _json(calendar_id), ": "]
        calendar_sep = ",\n    "
        if not events:
            out.append("{}")
            continue
        event_sep = "{\n      "
        for event_id, stamp in sorted(events.items()):
            out += [
                event_sep, _json(event_id), ': {\n        "hash": ', _json(stamp.hash),
                ',\n        "sequence": ', str(stamp.sequence),
                ',\n        "created": "', _format_time(stamp.created),
                '",\n        "modified": "', _format_time(stamp.modified), '"\n      }',
            ]  # fmt: skip
            event_sep = ",\n      "
        out.append("\n    }")
    if entries:
        out.append("\n  }")
    out.append("\n}\n")
    return "".join(out)


def _json(text: str) -> str:
    if _PLAIN_RE.fullmatch(text):
        return f'"{text}"'  # ids and hashes: nothing to escape
    return json.dumps(text, ensure_ascii=False)


def _format_time(moment: datetime) -> str:
    # Cached on the UTC time: see ical._utc for why not on `moment` itself.
    return _utc_text(moment.astimezone(timezone.utc))


@lru_cache(maxsize=1024)  # a build stamps many events with the same few times
def _utc_text(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")[:19] + "Z"


@lru_cache(maxsize=1024)  # a lock holds the same few times many times over
def _parse_time(text: str) -> datetime:
    # fromisoformat is ten times faster than strptime; the pattern keeps the
    # format as strict as strptime's was.
    if not isinstance(text, str) or not _TIME_RE.fullmatch(text):
        raise ValueError(f"time data {text!r} does not match format '%Y-%m-%dT%H:%M:%SZ'")
    return datetime.fromisoformat(text)


# -- the content hash ---------------------------------------------------------


def content_hash(event: Event) -> str:
    """Hash of what the event says.

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
def _hash_fields() -> tuple[tuple[str, ...], tuple[object, ...], Callable[[Event], tuple]]:
    """Event's field names in sorted order (as sort_keys writes them) as JSON
    keys ('"id": '), their defaults, and a getter of their values in that order."""
    pairs = sorted(event_defaults())
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
    raise TypeError(type(value).__name__)


# What json.dumps(content, sort_keys=True, ensure_ascii=False, default=plain_json)
# uses, made once: json.dumps with keyword arguments makes one per call.
_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=plain_json)
