"""The timeline in the terminal: rows for `keydates list` as table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta, timezone

from keydates.model import Calendar, Entry

FORMATS = ("table", "json", "csv")
FIELDS = (
    "calendar", "id", "uid", "title", "start", "end", "all_day", "timezone",
    "when", "status", "tags", "url", "location", "description",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One occurrence on the timeline."""

    entry: Entry

    @property
    def event(self):
        return self.entry.event

    def as_dict(self) -> dict:
        """Stable machine-readable fields (the --format json schema)."""
        event = self.event
        return {
            "calendar": self.entry.calendar_id,
            "id": event.id,
            "uid": self.entry.uid,
            "title": event.title,
            "start": event.start.isoformat(),
            # all-day: the last day, inclusive, as written in event files
            "end": (event.last_day if event.all_day else event.end).isoformat(),
            "all_day": event.all_day,
            "timezone": event.timezone,
            "when": event.window,
            "status": event.status,
            "tags": list(event.tags),
            "url": event.url or None,
            "location": event.location or None,
            "description": event.description or None,
        }


def select(
    calendars: list[Calendar],
    *,
    start: date | None = None,
    end: date | None = None,
    upcoming_from: date | None = None,
    tags: tuple[str, ...] = (),
) -> list[Row]:
    """The rows in date order, keeping events that touch [start, end]."""
    rows = []
    for calendar in calendars:
        for entry in calendar.feed().entries:
            event = entry.event
            first, last = _first_day(event), event.last_day
            if start and last < start or end and first > end:
                continue
            if upcoming_from and last < upcoming_from:
                continue
            if tags and not set(tags) & set(event.tags):
                continue
            rows.append(Row(entry))
    rows.sort(key=lambda row: (_first_day(row.event), _start_key(row.event), row.entry.calendar_id, row.event.id))
    return rows


def render_rows(rows: list[Row], fmt: str, today: date) -> str:
    if fmt == "json":
        return json.dumps([row.as_dict() for row in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv(rows)
    return _table(rows, today)


def _table(rows: list[Row], today: date) -> str:
    if not rows:
        return "No events.\n"
    show_calendar = len({row.entry.calendar_id for row in rows}) > 1
    table = []
    for row in rows:
        event = row.event
        title = event.title + (" (tentative)" if event.status == "tentative" else "") + (" (cancelled)" if event.status == "cancelled" else "")
        cells = [when_text(event), title, ", ".join(event.tags), relative(event, today)]
        if show_calendar:
            cells.insert(2, row.entry.calendar_id)
        table.append(cells)
    header = ["WHEN", "EVENT", *(["CALENDAR"] if show_calendar else []), "TAGS", ""]
    widths = [max(len(cells[i]) for cells in [header, *table]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip() for cells in [header, *table]]
    return "\n".join(lines) + "\n"


def when_text(event) -> str:
    """How a person would write the date: a day, a range, a time, or a window."""
    if event.window:
        return f"{event.window} ({_day_range(event.start, event.last_day)})"
    if event.all_day:
        if event.last_day == event.start:
            return f"{event.start:%a} {event.start.isoformat()}"
        return _day_range(event.start, event.last_day)
    start, end = event.start, event.end
    zone = event.timezone or start.strftime("UTC%z")
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%a} {start:%Y-%m-%d %H:%M}-{end_text} {zone}"


def _day_range(first: date, last: date) -> str:
    if first.year != last.year:
        return f"{first.isoformat()} to {last.isoformat()}"
    return f"{first.isoformat()} to {last:%m-%d}" if first != last else first.isoformat()


def relative(event, today: date) -> str:
    """'in 5 days', '3 days ago', 'now' - from today to the event."""
    first, last = _first_day(event), event.last_day
    if first <= today <= last:
        return "today" if first == last else "now"
    if today < first:
        return "in " + _distance(first - today)
    return _distance(today - last) + " ago"


def _distance(gap: timedelta) -> str:
    days = gap.days
    if days == 1:
        return "1 day"
    if days < 60:
        return f"{days} days"
    if days < 730:
        return f"{round(days / 30.44)} months"
    return f"{round(days / 365.25)} years"


def _csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        data = row.as_dict()
        data["tags"] = ";".join(data["tags"])
        writer.writerow(data)
    return out.getvalue()


def _first_day(event) -> date:
    return event.start if event.all_day else event.start.date()


def _start_key(event) -> str:
    return "" if event.all_day else event.start.astimezone(timezone.utc).isoformat()
