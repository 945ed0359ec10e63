"""SEQUENCE, CREATED and LAST-MODIFIED for every event, and the lock files' new content.

The rule subscribers depend on (RFC 5545 3.8.7.4): for one UID the stamps
never go back. Each event continues from the newest record of its UID, in
the lock, in what `keydates serve` published beyond it (keydates.lock.served),
or in a tombstone left when it was removed. An unchanged event keeps its
stamps; a changed, cancelled or re-added one gets SEQUENCE + 1 and the build's
time. Identity is the source's to decide: when a calendar or an event looks
renamed (its content reappears under a new id), the build stops and says how
to keep the old UID rather than changing it silently.

Pure: the lock files' texts come in, their new texts go out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from keydates.errors import InputError, Problem, plural
from keydates.lock import (
    KEPT_BUILDS, LOCK_NAME, LOCK_VERSION, SERVED_NAME, CalendarRecord, LockData, Record,
    content_hash, dump, legacy_hash, merge, parse, summary,
)  # fmt: skip
from keydates.load import FolderState
from keydates.model import KEPT_ITEMS, Calendar, ChangeEntry, ChangeItem, Stamp

RENAME_SHARE = 0.5  # a new calendar holding this share of a vanished one's events is taken for it renamed


@dataclass(frozen=True)
class LockUpdate:
    """A lock file's current and new text, and what changed."""

    path: Path
    old: str | None
    new: str
    served_path: Path
    served: str | None  # the served file's current text
    changed: tuple[str, ...]  # "calendar/event" names, for messages

    @property
    def stale(self) -> bool:
        return self.old != self.new


@dataclass
class Plan:
    """The outcome of stamping a build."""

    stamps: dict[str, Stamp] = field(default_factory=dict)  # by UID
    locks: list[LockUpdate] = field(default_factory=list)
    changes: list[ChangeItem] = field(default_factory=list)  # this build's, in order
    removed_calendars: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    entries: list[ChangeEntry] = field(default_factory=list)  # every folder's change log
    removals: dict[str, datetime] = field(default_factory=dict)  # newest tombstone's removal time, by calendar id


def plan(calendars: list[Calendar], folders: Mapping[Path, FolderState], now: datetime) -> Plan:
    """Stamp every event of `calendars`; `folders` gives each of their folders' state.

    Raises InputError for a damaged lock or for an identity that would change
    without the source saying so.
    """
    result = Plan()
    problems: list[Problem] = []
    by_folder: dict[Path, list[Calendar]] = {}
    for calendar in calendars:
        by_folder.setdefault(calendar.path.parent, []).append(calendar)
    damaged = []
    for folder, folder_calendars in by_folder.items():
        state = folders.get(folder, FolderState())
        try:
            base = merge(parse(folder / LOCK_NAME, state.lock), parse(folder / SERVED_NAME, state.served))
        except InputError as e:
            damaged += e.problems
            continue
        _Folder(folder, state, base, now, result, problems).stamp(folder_calendars)
    if damaged or problems:
        raise InputError(damaged + problems)
    return result


class _Folder:
    """Stamping the calendars of one folder against its lock."""

    def __init__(self, folder: Path, state: FolderState, base: LockData, now: datetime, result: Plan, problems: list[Problem]):
        self.folder, self.state, self.base, self.now = folder, state, base, now
        self.result, self.problems = result, problems
        self.known = {record.uid: record for record in base.records()}
        self.items: list[ChangeItem] = []
        self.changed_names: list[str] = []
        self.dirty = base.version != LOCK_VERSION or state.served is not None

    def stamp(self, calendars: list[Calendar]) -> None:
        base, now = self.base, self.now
        current = {entry.uid for calendar in calendars for entry in calendar.entries}
        built = {calendar.id for calendar in calendars}
        new_calendars: dict[str, CalendarRecord] = {}
        removed = {uid: record for uid, record in base.removed.items() if uid not in current}
        vanished_by_calendar: dict[str, list[Record]] = {}
        for calendar in calendars:
            old = base.calendars.get(calendar.id)
            events = {entry.uid: self._event(calendar, entry) for entry in calendar.entries}
            new_calendars[calendar.id] = CalendarRecord(calendar.id, calendar.path.name, events)
            if old is None or old.file != calendar.path.name:
                self.dirty = True
            if old is None and calendar.named_by_file:
                self.result.warnings.append(Problem(
                    calendar.path, f"calendar id '{calendar.id}' comes from the file name; add id = \"{calendar.id}\" "
                    "to [calendar] so that renaming the file keeps its feed address and UIDs", field="[calendar] id", warning=True,
                ))  # fmt: skip
            gone = [record for uid, record in (old.events.items() if old else ()) if uid not in current]
            vanished_by_calendar[calendar.id] = gone
            for record in gone:
                removed[record.uid] = self._tombstone(record)
        # Calendars of this folder not being built: kept, unless their file is gone.
        for calendar_id, old in base.calendars.items():
            if calendar_id in built:
                continue
            events = {uid: record for uid, record in old.events.items() if uid not in current}
            if old.file is not None and self.state.files is not None and old.file not in self.state.files:
                vanished_by_calendar[calendar_id] = list(events.values())
                for record in events.values():
                    removed[record.uid] = self._tombstone(record)
                self.result.removed_calendars.append(calendar_id)
                self.dirty = True
                continue
            new_calendars[calendar_id] = CalendarRecord(calendar_id, old.file, events)
        self._check_renames(calendars, vanished_by_calendar)
        entries = list(base.changes)
        if self.items:
            entries.append(ChangeEntry(now, tuple(self.items[:KEPT_ITEMS]), max(0, len(self.items) - KEPT_ITEMS)))
            self.dirty = True
        lock = LockData(new_calendars, removed, tuple(entries[-KEPT_BUILDS:]))
        for record in removed.values():  # a removal is a change too: "Last update" on the page
            newest = self.result.removals.get(record.calendar)
            if newest is None or record.removed > newest:
                self.result.removals[record.calendar] = record.removed
        path = self.folder / LOCK_NAME
        new_text = dump(lock) if self.dirty or self.state.lock is None else self.state.lock
        self.result.locks.append(LockUpdate(path, self.state.lock, new_text, self.folder / SERVED_NAME, self.state.served, tuple(self.changed_names)))
        self.result.changes += self.items
        self.result.entries += lock.changes

    def _event(self, calendar: Calendar, entry) -> Record:
        event, uid, now = entry.event, entry.uid, self.now
        content = content_hash(event)
        previous = self.known.get(uid)
        kind = None
        if previous is None:
            stamp, kind = Stamp(content, 0, now, now), "added"
        elif previous.removed is not None:
            stamp, kind = self._next(previous, content), "restored"
        elif (legacy_hash(event) if previous.legacy else content) == previous.stamp.hash:
            if not previous.legacy and previous.calendar == calendar.id and previous.id == event.id:
                self.result.stamps[uid] = previous.stamp
                return previous  # unchanged: the record as it is (the common case, kept cheap)
            stamp = Stamp(content, previous.stamp.sequence, previous.stamp.created, previous.stamp.modified)
            self.dirty = True  # rehashed from a version 1 lock, or moved: stamps kept
        else:
            stamp = self._next(previous, content)
            was_cancelled = previous.summary is not None and previous.summary.status == "cancelled"
            kind = "cancelled" if event.status == "cancelled" and not was_cancelled else "changed"
        self.result.stamps[uid] = stamp
        record = Record(uid, calendar.id, event.id, stamp, summary(event))
        if kind:
            self.items.append(ChangeItem(kind, uid, calendar.id, event.id, stamp.sequence, previous.summary if previous else None, record.summary))
            self.changed_names.append(f"{calendar.id}/{event.id}" + (" (new)" if kind == "added" else ""))
        return record

    def _next(self, previous: Record, content: str) -> Stamp:
        old = previous.stamp
        return Stamp(content, old.sequence + 1, old.created, max(self.now, old.modified, previous.removed or old.modified))

    def _tombstone(self, record: Record) -> Record:
        self.items.append(ChangeItem("removed", record.uid, record.calendar, record.id, record.stamp.sequence, record.summary, None))
        self.changed_names.append(f"{record.calendar}/{record.id} (removed)")
        self.dirty = True
        return Record(record.uid, record.calendar, record.id, record.stamp, record.summary, max(self.now, record.stamp.modified), record.legacy)

    def _check_renames(self, calendars: list[Calendar], vanished: dict[str, list[Record]]) -> None:
        """Stop where content reappears under a new identity that the source did not ask for."""
        added = {item.uid for item in self.items if item.kind == "added"}
        gone_hashes = {record.stamp.hash: record for records in vanished.values() for record in records if not record.legacy}
        for calendar in calendars:
            if calendar.id not in self.base.calendars and calendar.named_by_file:
                self._check_calendar_rename(calendar, vanished)
            for entry in calendar.entries:
                if entry.uid not in added or entry.event.uid:
                    continue
                record = gone_hashes.get(self.result.stamps[entry.uid].hash)
                if record is None or record.calendar != calendar.id:
                    continue
                self.problems.append(Problem(
                    calendar.path,
                    f"has the content of event '{record.id}', published before as UID {record.uid!r} and now gone; if you renamed it, "
                    f"add previous_ids = [\"{record.id}\"] to keep its UID (subscribers then see it updated, not deleted and added again); "
                    f"if it is a new event, give it uid = {entry.uid!r}",
                    f"event '{entry.event.id}'", "id",
                ))  # fmt: skip

    def _check_calendar_rename(self, calendar: Calendar, vanished: dict[str, list[Record]]) -> None:
        hashes = {content_hash(event) for event in calendar.events}
        for calendar_id, records in vanished.items():
            old = self.base.calendars.get(calendar_id)
            if old is None or not records or calendar_id == calendar.id:
                continue
            shared = sum(record.stamp.hash in hashes for record in records)
            if shared and shared >= RENAME_SHARE * len(records):
                self.problems.append(Problem(
                    calendar.path,
                    f"this calendar holds {plural(shared, 'event')} of calendar '{calendar_id}', published before from "
                    f"{old.file or 'another file'}, which is gone; to keep its feed address and UIDs (a rename), add id = \"{calendar_id}\" "
                    f"to [calendar]; to publish it as a new calendar, add id = \"{calendar.id}\"",
                    field="[calendar] id",
                ))  # fmt: skip

