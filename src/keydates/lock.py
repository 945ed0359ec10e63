"""The lock file: what each event looked like when it was last published.

RFC 5545 wants DTSTAMP, LAST-MODIFIED and SEQUENCE to move only when an event
changes, but a build must not read the clock into its output. So, like a
package manager's lock, `keydates.lock` beside the event files remembers per
event a hash of its content, its SEQUENCE and its timestamps; it is committed
with the events so a fresh clone builds byte-identical feeds.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from keydates.errors import InputError, Problem
from keydates.model import Calendar

LOCK_NAME = "keydates.lock"
LOCK_VERSION = 1
_PLAIN_RE = re.compile(r"[a-z0-9-]*", re.ASCII)
_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


@dataclass(frozen=True)
class Stamp:
    """When an event was first and last published, and how often it changed."""

    hash: str
    sequence: int
    created: datetime
    modified: datetime


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
    if epoch is not None:
        try:
            return datetime.fromtimestamp(int(epoch), timezone.utc)
        except ValueError:
            raise InputError([Problem("SOURCE_DATE_EPOCH", f"{epoch!r} is not a number of seconds")]) from None
    return datetime.now(timezone.utc).replace(microsecond=0)


def plan(calendars: list[Calendar], now: datetime) -> tuple[dict[str, Stamp], list[LockUpdate]]:
    """Work out every event's stamp, and the lock files that need rewriting.

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
        old_text, entries = _read(path)
        known = set(entries)
        changed = []
        for calendar in folder_calendars:
            old_events = entries.get(calendar.id, {})
            new_events = {}
            for event in calendar.events:
                content = event.content_hash()
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
                stamps[calendar.uid_of(event)] = stamp
            removed = set(old_events) - set(new_events)
            changed.extend(f"{calendar.id}/{event_id} (removed)" for event_id in sorted(removed))
            entries[calendar.id] = new_events
        # Nothing changed: the entries are the old ones, so is the text (and a
        # large lock need not be written out again to find that out).
        unchanged = old_text is not None and not changed and all(c.id in known for c in folder_calendars)
        updates.append(LockUpdate(path, old_text, old_text if unchanged else _dump(entries), tuple(changed)))
    return stamps, updates


def _read(path: Path) -> tuple[str | None, dict[str, dict[str, Stamp]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, {}
    except (OSError, UnicodeDecodeError) as e:
        raise InputError([Problem(path, f"cannot read the lock file: {e}")]) from None
    try:
        data = json.loads(text)
        entries = {
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
    return text, entries


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
