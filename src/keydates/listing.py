"""The timeline in the terminal: rows for `keydates list` as table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from keydates.describe import day_range, language, relation, when_text, window_label
from keydates.errors import did_you_mean
from keydates.model import Calendar, Entry, last_day, order_key
from keydates.recurrence import occurrences

FORMATS = ("table", "json", "csv")
FIELDS = (
    "calendar", "id", "uid", "title", "start", "end", "all_day", "timezone",
    "when", "relative_to", "status", "repeat", "tags", "url", "location", "description", "color", "conference",
)  # fmt: skip
GAP = "  "  # between columns
MIN_TITLE = 12  # columns a wrapped title keeps
MIN_WHEN = 16  # and a wrapped date
MIN_TAGS = 8  # tags are cut to this, or left out when even that does not fit


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

    @property
    def title(self) -> str:
        """The event's title, or the changed one of an overridden occurrence."""
        return next((o.title for o in self.event.overrides if o.title and (o.start, o.end) == (self.start, self.end)), self.event.title)

    def as_dict(self) -> dict:
        """Stable machine-readable fields (the --format json schema)."""
        event = self.event
        return {
            "calendar": self.entry.calendar_id,
            "id": event.id,
            "uid": self.entry.uid,
            "title": self.title,
            "start": self.start.isoformat(),
            # all-day: the last day, inclusive, as written in event files
            "end": (self.last_day if event.all_day else self.end).isoformat(),
            "all_day": event.all_day,
            "timezone": event.timezone,
            "when": window_label(event, language()) if event.window else None,
            "relative_to": event.relative.anchor if event.relative else None,
            "status": event.status,
            "repeat": event.repeat,
            "tags": list(event.tags),
            "url": event.url or None,
            "location": event.location or None,
            "description": event.description or None,
            "color": event.color or None,  # the event's own (RFC 7986 COLOR); the calendar's is the document's
            "conference": event.conference or None,
        }


OCCURRENCE_LIMIT = 1000  # per event in <calendar>.json
OPEN_RULE_DAYS = 5 * 366  # how far <calendar>.json follows a rule with no end


def calendar_json(calendar: Calendar, window: tuple[date | None, date | None] | None = None) -> bytes:
    """dist/<calendar>.json: every event with the fields of `list --format json`
    and its occurrences (docs/calendar.schema.json).

    One event per line, written by json's C encoder (indent= would take the
    pure-Python one, two thirds of a 20,000-event build). `window`: the days
    of the calendar's rolling window, whose events `calendar` holds
    (site.within), stated in the document.
    """
    lines = []
    for entry in sorted(calendar.entries, key=lambda e: e.order):
        event = entry.event
        open_rule = event.repeat and "COUNT=" not in event.repeat and "UNTIL=" not in event.repeat
        horizon = event.first_day + timedelta(days=OPEN_RULE_DAYS) if open_rule else None
        times, more = [], False
        for start, end in occurrences(event):
            if len(times) == OCCURRENCE_LIMIT or (horizon and (start.date() if isinstance(start, datetime) else start) > horizon):
                more = True
                break
            times.append({"start": start.isoformat(), "end": (last_day(start, end) if event.all_day else end).isoformat()})
        record = Row(entry, event.start, event.end).as_dict()
        record["occurrences"], record["more_occurrences"] = times, more
        lines.append(json.dumps(record, ensure_ascii=False).encode("utf-8"))  # bytes at once: a str of CJK text takes twice the memory
    document = {"calendar": calendar.id, "name": calendar.name, "language": calendar.language, "color": calendar.color or None}
    if window is not None:
        document["window"] = {"first": window[0] and window[0].isoformat(), "last": window[1] and window[1].isoformat()}
    head = json.dumps(document, ensure_ascii=False).encode("utf-8")[:-1]
    if not lines:
        return head + b', "events": []}\n'
    return b"".join((head, b', "events": [\n', b",\n".join(lines), b"\n]}\n"))


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


def notes(calendars: list[Calendar], rows: list[Row], tags: tuple[str, ...] = (), start: date | None = None, end: date | None = None) -> list[str]:
    """What to tell someone whose filters found nothing, or named a tag no event has."""
    used = sorted({tag for c in calendars for event in c.events for tag in event.tags})
    result = []
    for tag in dict.fromkeys(tags):
        if tag not in used:
            hint = did_you_mean(tag, used)
            known = f"; the tags are {', '.join(used)}" if not hint and 0 < len(used) <= 20 else ""
            result.append(f"no event has the tag {tag!r}{hint}{known}")
    if not rows and (tags or start or end):
        asked = []
        if tags:
            asked.append(f"the {'tag' if len(tags) == 1 else 'tags'} {', '.join(map(repr, tags))}")
        if start or end:
            asked.append(f"{start or '...'} to {end or '...'}")
        days = [day for c in calendars for event in c.events for day in (event.first_day, event.last_day)]
        span = f"; the timeline runs {day_range(min(days), max(days), language())}" if days else ""
        result.append(f"no events match {' and '.join(asked)}{span}")
    return result


def render_rows(rows: list[Row], fmt: str, today: date, width: int | None = None) -> str:
    """The rows as text; a table fits in `width` columns when given (wrapping titles)."""
    if fmt == "json":
        return json.dumps([row.as_dict() for row in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _csv(rows)
    return _table(rows, today, width)


def _title(row: Row) -> str:
    event = row.event
    marks = [event.status] if event.status in ("tentative", "cancelled") else []
    if event.relative:
        marks.append(relation(event.relative, language()))
    return row.title + (f" ({'; '.join(marks)})" if marks else "")


def _table(rows: list[Row], today: date, width: int | None) -> str:
    if not rows:
        return "No events.\n"
    show_calendar = len({row.entry.calendar_id for row in rows}) > 1
    header = ["WHEN", "EVENT", *(["CALENDAR"] if show_calendar else []), "TAGS", ""]
    table = []
    for row in rows:
        cells = [when_text(row.event, language(), row.start, row.end), _title(row), ", ".join(row.event.tags), relative(row, today)]
        if show_calendar:
            cells.insert(2, row.entry.calendar_id)
        table.append(cells)
    widths = [max(_width(cells[i]) for cells in [header, *table]) for i in range(len(header))]
    tags = len(header) - 2
    if width:
        widths = _fit(widths, width, tags)
    lines = []
    for cells in [header, *table]:
        when, title = _wrap(cells[0], widths[0]), _wrap(cells[1], widths[1])
        first = [when[0], title[0], *cells[2:]]
        if _width(first[tags]) > widths[tags]:
            first[tags] = _truncate(first[tags], widths[tags])
        lines.append(_line(first, widths))
        for more in range(1, max(len(when), len(title))):
            lines.append(_line([_at(when, more), _at(title, more)] + [""] * (len(cells) - 2), widths))
    return "\n".join(lines) + "\n"


def _at(lines: list[str], index: int) -> str:
    return lines[index] if index < len(lines) else ""


def _fit(widths: list[int], total: int, tags: int) -> list[int]:
    """Column widths within `total` where they can be: the date and title
    wrap (columns 0 and 1), the tags are cut or left out, the rest stay whole."""
    widths = list(widths)
    room = total - sum(widths[2:]) + widths[tags] - len(GAP) * (len(widths) - 1)
    if widths[0] + widths[1] + widths[tags] <= room:
        return widths
    widths[tags] = min(widths[tags], MIN_TAGS)
    if room - widths[tags] < MIN_WHEN + MIN_TITLE:
        widths[tags] = 0
    rest = room - widths[tags]
    if widths[0] + widths[1] > rest:
        when = min(widths[0], max(MIN_WHEN, rest // 2))
        title = max(MIN_TITLE, min(widths[1], rest - when))
        widths[0], widths[1] = max(min(widths[0], rest - title), MIN_WHEN), title
    return widths


def _line(cells: list[str], widths: list[int]) -> str:
    return GAP.join(cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths)).rstrip()


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns, broken between words where it can be, else anywhere."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if _width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:  # a word too long for a line (or CJK text, which has no spaces)
            if _width(line + char) > width and line:
                lines.append(line)
                line = ""
            line += char
    lines.append(line)
    return lines


def _truncate(text: str, width: int) -> str:
    """`text` cut to `width` columns, ending in '…' when cut."""
    if width <= 0:
        return ""
    out = ""
    for char in text:
        if _width(out + char) > width - 1:
            return out + "…"
        out += char
    return out


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
