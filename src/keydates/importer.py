"""keydates import: files from elsewhere to new event files, every loss said.

fromics and fromcsv read the files (with the ecosystem: icalendar,
x-wr-timezone) into `convert.Converted` tables; here each is checked with
`validate` (events it refuses are left out, with the reason), its UIDs
against the calendars already in the folder, and its first instances
against the source's as recurring-ical-events expands both; then the
files are created, never over an existing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import tomli

from keydates import ical, ids, schema, stamps
from keydates.convert import FORMATS, Converted, Note, as_text, show, sort_key, to_toml
from keydates.errors import InputError, KeydatesError, Problem
from keydates.fromcsv import read_csv
from keydates.fromics import read_ics
from keydates.load import Source, Unreadable, read_bytes, read_sources
from keydates.validate import validate

COMPARED = 20  # instances compared per event, source and result
__all__ = ["FORMATS", "Result", "import_files"]


@dataclass(frozen=True)
class Result:
    """What `keydates import` wrote, and what it could not carry over."""

    files: dict[Path, int]  # written file -> events
    notes: list[Note]



def import_files(
    paths: list[Path], *, fmt: str | None = None, calendar_id: str | None = None, into: Path = Path("events"),
    columns: dict[str, str] | None = None, zone: str | None = None, date_order: str | None = None,
) -> Result:
    """Read every file, convert, check with validate and the instances, write new event files.

    With `calendar_id`, every file goes into that one calendar; otherwise
    each file gives a calendar named after it. Nothing is written if any
    file cannot be read or a target file exists.
    """
    converted = []
    for path in paths:
        kind = fmt or ("csv" if path.suffix.lower() == ".csv" else "ics")
        try:
            data = read_bytes(path)
        except Unreadable as e:
            raise InputError([Problem(path, str(e))]) from None
        converted.append(read_csv(path, data, columns or {}, zone, date_order) if kind == "csv" else read_ics(path, data))
    if calendar_id:
        converted = [_merged(converted, calendar_id)]
    existing = _existing(into)
    outputs: dict[Path, bytes] = {}
    counts: dict[Path, int] = {}
    notes: list[Note] = []
    taken = {c.id for c in existing.calendars} if existing else set()
    for item in converted:
        item.calendar_id = _calendar_id(item, taken, calendar_id)
        taken.add(item.calendar_id)
        text = _checked(item, into, existing)
        target = into / f"{item.calendar_id}.toml"
        outputs[target] = text.encode("utf-8")
        counts[target] = len(item.events)
        notes += [Note(f"{target}: {n.where}" if n.where else str(target), n.message) for n in item.notes]
    from keydates.build import create_files  # the one writer

    create_files(outputs)
    return Result(counts, notes)



def _merged(items: list[Converted], calendar_id: str) -> Converted:
    """Several files as the one calendar `--calendar` names."""
    first = items[0]
    merged = Converted(first.path, dict(first.calendar), source=first.source)
    taken: set[str] = set()
    for item in items:
        for table, comments in zip(item.events, item.comments):
            table["id"] = ids.unique(ids.slug(table["title"]) or "event", taken, _day_of(table))
            merged.events.append(table)
            merged.comments.append(comments)
        merged.notes += [Note(n.where, n.message) for n in item.notes]
    merged.sources = [item.source for item in items if item.source is not None]
    return merged


def _day_of(table: dict) -> str:
    value = table.get("date") or table.get("start")
    if value is None:
        return ""
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _calendar_id(item: Converted, taken: set[str], given: str | None) -> str:
    if given:
        try:
            result = schema.calendar_id(given)
        except schema.Invalid as e:
            raise KeydatesError(f"--calendar: {e}") from None
        if result in taken:
            raise KeydatesError(f"--calendar: a calendar '{result}' exists already; choose another id")
        return result
    base = ids.slug(item.calendar["name"]) or ids.slug(item.path.stem) or "imported"
    base = "imported-all" if base == "all" else base
    return ids.unique(base, taken)


def _existing(into: Path):
    """The calendars already in the target folder, for UID and id clashes."""
    if not into.is_dir() or not any(into.glob("*.toml")):
        return None
    try:
        return validate(read_sources([into], outside=True))
    except InputError:
        return None


def _checked(item: Converted, into: Path, existing) -> str:
    """The TOML text of `item`, after validate accepts it; events it refuses are left out, with the reason."""
    for _ in range(len(item.events) + 1):
        text = to_toml(item)
        path = into / f"{item.calendar_id}.toml"
        try:
            timeline = validate([Source(path, tomli.loads(text))])
        except InputError as e:
            refused = _refused(item, e.problems)
            if not refused:
                raise
            continue
        clashes = _clashes(item, timeline, existing)
        if clashes:
            continue
        _compare(item, timeline)
        return to_toml(item)
    raise KeydatesError(f"{item.path}: could not be converted")  # pragma: no cover - each round removes an event


def _refused(item: Converted, problems: list[Problem]) -> bool:
    """Leave out the events validate refused, noting why; False if a problem is not an event's."""
    labels = {f"event '{table['id']}'": index for index, table in enumerate(item.events)}
    bad = {}
    for problem in problems:
        if problem.warning:
            continue
        if problem.event not in labels:
            return False
        bad.setdefault(labels[problem.event], f"{problem.field}: {problem.message}" if problem.field else problem.message)
    for index in sorted(bad, reverse=True):
        table = item.events.pop(index)
        item.comments.pop(index)
        item.notes.append(Note(f"event {table['title']!r}", f"not carried over: {bad[index]}"))
    return bool(bad)


def _clashes(item: Converted, timeline, existing) -> bool:
    if existing is None:
        return False
    owners = {entry.uid: c for c in existing.calendars for entry in c.entries}
    ours = timeline.calendars[0].entries
    clash = [index for index, entry in enumerate(ours) if entry.uid in owners]
    for index in sorted(clash, reverse=True):
        table = item.events.pop(index)
        item.comments.pop(index)
        item.notes.append(Note(f"event {table['title']!r}", f"not carried over: its UID {ours[index].uid!r} is already used in {owners[ours[index].uid].path}"))
    return bool(clash)


def _compare(item: Converted, timeline) -> None:
    """Note every event whose first instances differ from the source's, as recurring-ical-events reads both."""
    sources = item.sources or ([item.source] if item.source is not None else [])
    if not sources:
        return
    calendar = timeline.calendars[0]
    stamped = stamps.plan([calendar], {}, datetime(2000, 1, 1, tzinfo=timezone.utc)).stamps
    built = icalendar.Calendar.from_ical(ical.render(calendar.feed(), stamped))
    by_uid = {str(table.get("uid")): table for table in item.events if table.get("uid")}
    for source in sources:
        for uid, table in by_uid.items():
            theirs = _instances(source, uid, item.calendar["timezone"])
            if not theirs:
                continue
            ours = _instances(built, uid, item.calendar["timezone"])
            if theirs != ours:
                index = item.events.index(table)
                first = next((i for i, (a, b) in enumerate(zip(theirs, ours)) if a != b), min(len(theirs), len(ours)))
                said = lambda xs: f"{show(xs[first][0])}-{show(xs[first][1])}" if first < len(xs) else "none"  # noqa: E731
                item.note(index, f"instance {first + 1} differs from the source: {said(theirs)} there, {said(ours)} here")


def _instances(calendar, uid: str, zone: str) -> list[tuple]:
    """The first instances of one UID, as comparable (start, end) pairs."""
    mini = icalendar.Calendar()
    for component in calendar.subcomponents:
        if component.name == "VTIMEZONE" or (component.name == "VEVENT" and str(component.get("UID")) == uid):
            mini.add_component(component)
    try:
        found = list(islice(recurring_ical_events.of(mini).all(), COMPARED))
    except Exception:  # noqa: BLE001 - the source may be beyond the library; say nothing rather than crash
        return []
    result = []
    for event in found:
        if as_text(event.get("STATUS")).upper() == "CANCELLED":
            continue  # clients hide it; keydates leaves it out (an EXDATE)
        start, end = event["DTSTART"].dt, event["DTEND"].dt if event.get("DTEND") is not None else event["DTSTART"].dt
        result.append((_instant(start, zone), _instant(end, zone)))
    return sorted(result, key=lambda pair: sort_key(pair[0]))


def _instant(value, zone: str):
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(timezone.utc)
