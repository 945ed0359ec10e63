"""The timeline in the terminal: rows for `keydates list` as table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from keydates.describe import language, when_text
from keydates.model import Calendar, Entry, last_day, order_key
from keydates.recurrence import occurrences

FORMATS = ("table", "json", "csv")
FIELDS = (
    "calendar", "id", "uid", "title", "start", "end", "all_day", "timezone",
    "when", "status", "repeat", "tags", "url", "location", "description",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One occurrence on the timeline (a repeating event gives several)."""

    entry: Entry
    start: date | datetime
    end: date | datetime  # exclusive for all-day, as in the model

    @property
    def event(self):
        return self.entry.event

    @property
    def last_day(self) -> date:
        return last_day(self.start, self.end)

    @property
    def first_day(self) -> date:
        return self.start.date() if isinstance(self.start, datetime) else self.start

    def as_dict(self) -> dict:
        """Stable machine-readable fields (the --format json schema)."""
        event = self.event
        return {
            "calendar": self.entry.calendar_id,
            "id": event.id,
            "uid": self.entry.uid,
            "title": event.title,
            "start": self.start.isoformat(),
            # all-day: the last day, inclusive, as written in event files
            "end": (self.last_day if event.all_day else self.end).isoformat(),
            "all_day": event.all_day,
            "timezone": event.timezone,
            "when": event.window,
            "status": event.status,
            "repeat": event.repeat,
            "tags": list(event.tags),
            "url": event.url or None,
            "location": event.location or None,
            "description": event.description or None,
        }


OCCURRENCE_LIMIT = 1000  # per event in <calendar>.json
OPEN_RULE_DAYS = 5 * 366  # how far <calendar>.json follows a rule with no end


def calendar_json(calendar: Calendar) -> bytes:
    """dist/<calendar>.json: every event with the fields of `list --format json`
    and its occurrences (docs/calendar.schema.json)."""
    events = []
    for entry in sorted(calendar.entries, key=lambda e: e.order):
        event = entry.event
        open_rule = event.repeat and "COUNT=" not in event.repeat and "UNTIL=" not in event.repeat
        horizon = event.first_day + timedelta(days=OPEN_RULE_DAYS) if open_rule else None
        times, more = [], False
        for start, end in occurrences(event):
            row = Row(entry, start, end)
            if len(times) == OCCURRENCE_LIMIT or (horizon and row.first_day > horizon):
                more = True
                break
            item = row.as_dict()
            times.append({"start": item["start"], "end": item["end"]})
        record = Row(entry, event.start, event.end).as_dict()
        record["occurrences"], record["more_occurrences"] = times, more
        events.append(record)
    document = {"calendar": calendar.id, "name": calendar.name, "language": calendar.language, "events": events}
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def select(
    calendars: list[Calendar],
    today: date,
    *,
    start: date | None = None,
    end: date | None = None,
    upcoming: bool = False,
    tags: tuple[str, ...] = (),
) -> list[Row]:
    """The occurrences in date order that touch [start, end].

    Repeating events are expanded up to `end`; without one, up to a year
    past today or past the last dated event, whichever is later.
    """
    entries = [entry for c in calendars for entry in c.feed().entries]
    if end is None:
        dated = [e.event.last_day for e in entries if not e.event.repeat]
        end = max([today + timedelta(days=365), *dated])
    if upcoming:
        start = max(start or today, today)
    rows = []
    for entry in entries:
        event = entry.event
        if tags and not set(tags) & set(event.tags):
            continue
        for first, last in occurrences(event):
            row = Row(entry, first, last)
            if row.first_day > end:
                break
            if start is None or row.last_day >= start:
                rows.append(row)
    rows.sort(key=lambda row: order_key(row.start, row.entry.uid))
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
        cells = [when_text(event, language(), row.start, row.end), title, ", ".join(event.tags), relative(row, today)]
        if show_calendar:
            cells.insert(2, row.entry.calendar_id)
        table.append(cells)
    header = ["WHEN", "EVENT", *(["CALENDAR"] if show_calendar else []), "TAGS", ""]
    widths = [max(_width(cells[i]) for cells in [header, *table]) for i in range(len(header))]
    lines = ["  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths)).rstrip() for cells in [header, *table]]
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def relative(row: Row, today: date) -> str:
    """'in 5 days', '3 days ago', 'now' - from today to the occurrence."""
    first, last = row.first_day, row.last_day
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
