"""A CSV file (Google Calendar's or Outlook's columns, or any through --map) as a calendar to import."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

from keydates import ids, schema
from keydates.convert import NO_TITLE, Converted, Note, clean, one_line, reminder
from keydates.errors import InputError, Problem, did_you_mean

# keydates' fields and the columns Google Calendar's and Outlook's CSV use for them.
COLUMNS = {
    "title": ("Subject", "Title", "Name"),
    "date": ("Start Date", "Date", "Start"),
    "time": ("Start Time",),
    "end_date": ("End Date", "End"),
    "end_time": ("End Time",),
    "all_day": ("All Day Event", "All day event", "All Day"),
    "description": ("Description", "Notes"),
    "location": ("Location",),
    "tags": ("Categories", "Tags"),
    "url": ("URL", "Link"),
    "uid": ("UID",),
    "reminder": ("Reminder on/off",),
    "reminder_date": ("Reminder Date",),
    "reminder_time": ("Reminder Time",),
    "busy": ("Show time as",),
}
LOST_COLUMNS = ("Meeting Organizer", "Required Attendees", "Optional Attendees", "Meeting Resources", "Billing Information", "Mileage", "Priority", "Private", "Sensitivity")
TRUE = {"true", "yes", "1", "y", "x"}
_SLASHED = re.compile(r"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([AaPp][Mm])?$")


def read_csv(path: Path, data: bytes, columns: dict[str, str], zone: str | None, date_order: str | None) -> Converted:
    """One calendar from a CSV file with a header row (Google's or Outlook's columns, or mapped)."""
    text, encoding_note = _decode(path, data)
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if not header:
        raise InputError([Problem(path, "no header row: the first row must name the columns (Subject, Start Date, ...)")])
    chosen = _columns(path, header, columns)
    rows = list(reader)
    problems = []
    if "title" not in chosen or "date" not in chosen:
        missing = [f for f in ("title", "date") if f not in chosen]
        raise InputError([Problem(path, f"no column for {' and '.join(missing)}: name it with --map, e.g. --map title=Name,date=When (columns: {', '.join(header)})")])
    order = date_order or _date_order(path, [row.get(chosen[k], "") for row in rows for k in ("date", "end_date", "reminder_date") if k in chosen])
    item = Converted(path, {"name": path.stem.replace("-", " ").replace("_", " ").strip() or "Imported", "timezone": zone or "UTC"})
    if encoding_note:
        item.notes.append(Note("", encoding_note))
    taken: set[str] = set()
    for number, row in enumerate(rows, start=2):
        try:
            _row(item, row, chosen, order, zone, taken, number)
        except ValueError as e:
            problems.append(Problem(path, str(e), f"row {number}"))
    if problems:
        raise InputError(problems)
    return item


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        # Outlook on Windows writes CSV in the ANSI code page.
        return data.decode("cp1252", errors="replace"), "not UTF-8: read as Windows-1252 (Outlook's ANSI export)"


def _columns(path: Path, header: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """keydates field -> column name, from --map and the usual names."""
    folded = {name.strip().casefold(): name for name in header}
    chosen = {}
    problems = []
    for key, column in mapping.items():
        if key not in COLUMNS:
            problems.append(Problem(path, f"--map: {key!r} is not a field{did_you_mean(key, COLUMNS)}; fields: {', '.join(COLUMNS)}"))
        elif column.strip().casefold() not in folded:
            problems.append(Problem(path, f"--map: no column {column!r}{did_you_mean(column, header)}; columns: {', '.join(header)}"))
        else:
            chosen[key] = folded[column.strip().casefold()]
    if problems:
        raise InputError(problems)
    for key, names in COLUMNS.items():
        if key not in chosen:
            found = next((folded[n.casefold()] for n in names if n.casefold() in folded), None)
            if found and found not in chosen.values():
                chosen[key] = found
    return chosen


def _date_order(path: Path, values: list[str]) -> str:
    """Day-month or month-day, from the dates themselves; ambiguity is an error."""
    first, second, dotted = False, False, False
    for value in values:
        match = _SLASHED.match(value.strip())
        if not match or len(match[1]) == 4:
            continue
        dotted |= "." in value
        first |= int(match[1]) > 12
        second |= int(match[2]) > 12
    if dotted or (first and not second):
        return "dmy"
    if second and not first:
        return "mdy"
    if first and second:
        raise InputError([Problem(path, "the dates mix day/month and month/day: give --date-order dmy or mdy")])
    ambiguous = [v for v in values if (m := _SLASHED.match(v.strip())) and len(m[1]) < 4 and m[1] != m[2]]
    if ambiguous:
        raise InputError([Problem(path, f"dates like {ambiguous[0]!r} can be day/month or month/day: give --date-order dmy or mdy")])
    return "mdy"


def _parse_date(text: str, order: str) -> date:
    text = text.strip()
    try:
        return date.fromisoformat(text[:10]) if re.match(r"^\d{4}-\d\d-\d\d", text) else _slashed(text, order)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (expected 2026-02-19 or 2/19/2026)") from None


def _slashed(text: str, order: str) -> date:
    match = _SLASHED.match(text)
    if not match:
        raise ValueError
    a, b, c = (int(x) for x in match.groups())
    if len(match[1]) == 4:
        year, month, day = a, b, c
    else:
        month, day = (a, b) if order == "mdy" else (b, a)
        year = c + (2000 if c < 70 else 1900) if c < 100 else c
    return date(year, month, day)


def _parse_time(text: str) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time (expected 14:30 or 2:30 PM)")
    hour, minute, second = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    if match[4]:
        hour = hour % 12 + (12 if match[4].lower() == "pm" else 0)
    return time(hour, minute, second)


def _row(item: Converted, row: dict, chosen: dict, order: str, zone: str | None, taken: set[str], number: int) -> None:
    get = lambda key: (row.get(chosen[key]) or "").strip() if key in chosen else ""  # noqa: E731
    title = one_line(get("title")) or NO_TITLE
    raw_date = get("date")
    if not raw_date:
        raise ValueError(f"no date in column {chosen['date']!r}")
    table: dict = {}
    window = None
    try:
        window = schema.window(raw_date) if not re.search(r"\d+[/.-]\d+", raw_date) else None
    except schema.Invalid:
        window = None
    day = window.first if window else _parse_date(raw_date, order)
    table["id"] = ids.unique(ids.slug(title) or "event", taken, day.isoformat())
    item.events.append(table)
    item.comments.append([])
    index = len(item.events) - 1
    if get("uid"):
        table["uid"] = schema.given_uid(get("uid"))
    table["title"] = title
    if title == NO_TITLE:
        item.note(index, f"row {number} has no title: titled (no title)")
    start_time = get("time") or (raw_date[10:].strip(" T") if len(raw_date) > 10 and not window else "")
    all_day = get("all_day").lower() in TRUE if "all_day" in chosen and get("all_day") else not start_time
    end_raw = get("end_date")
    end_day = _parse_date(end_raw, order) if end_raw else None
    if window:
        table["when"] = window.phrase
    elif all_day:
        last = end_day or day
        end_time = get("end_time")
        if end_day and end_time and _parse_time(end_time) == time(0) and end_day > day:
            last = end_day - timedelta(days=1)  # Outlook: the end is midnight after the last day
        if last > day:
            table["start"], table["end"] = day, last
        else:
            table["date"] = day
    else:
        if zone is None:
            raise ValueError("has a time of day but CSV has no zone: give --timezone, e.g. --timezone Europe/Berlin")
        start = datetime.combine(day, _parse_time(start_time))
        table["start"] = start
        end_time = get("end_time")
        end = datetime.combine(end_day or day, _parse_time(end_time)) if end_time else start + timedelta(hours=1)
        if not end_time:
            item.note(index, "no end time: one hour long")
        table["end"] = max(end, start)
    for key in ("description", "location"):
        if get(key):
            table[key] = clean(get(key))
    if get("url"):
        try:
            table["url"] = schema.http_url(get("url"))
        except schema.Invalid:
            item.note(index, f"{get('url')!r} is not a web address: added to the description")
            table["description"] = (table.get("description", "") + f"\n\nLink: {get('url')}").strip()
    tags = [t.strip() for t in re.split(r"[;,]", get("tags")) if t.strip()]
    if tags:
        table["tags"] = list(dict.fromkeys(tags))
    if get("reminder").lower() in TRUE and get("reminder_date") and not window:
        at = datetime.combine(_parse_date(get("reminder_date"), order), _parse_time(get("reminder_time") or "0:00"))
        begin = table.get("start") if isinstance(table.get("start"), datetime) else datetime.combine(table.get("date") or table["start"], time())
        if at <= begin:
            table["remind"] = [reminder(begin - at)]
        else:
            item.note(index, "a reminder after the start: not carried over")
    if get("busy") and not window:
        busy = get("busy") not in ("0", "free", "Free")  # Outlook: 0 free, 1 tentative, 2 busy, 3 out of office
        if busy != (not all_day):
            table["busy"] = busy
    lost = [name for name in LOST_COLUMNS if (row.get(name) or "").strip() and (row.get(name) or "").strip().lower() not in ("false", "normal", "0")]
    used = set(chosen.values())
    lost += [name for name in row if name and name not in used and name not in LOST_COLUMNS and (row.get(name) or "").strip()]
    if lost:
        item.note(index, f"columns not carried over: {', '.join(lost)}")
