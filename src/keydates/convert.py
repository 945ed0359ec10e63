"""What an import makes: calendars as TOML-ready tables, the notes on what
did not carry over, and the event file they are written as.

Shared by fromics (.ics exports) and fromcsv (CSV) and by importer, which
checks and writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import icalendar
import tomli_w

NO_TITLE = "(no title)"
FORMATS = ("ics", "csv")  # what `keydates import` reads
DATE_ORDERS = ("mdy", "dmy", "ymd")  # how a CSV's dates may be written


@dataclass(frozen=True)
class Note:
    """Something not carried over, or carried over differently; `where` names the event."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class Converted:
    """One calendar read from a file, as TOML-ready tables."""

    path: Path
    calendar: dict
    calendar_id: str = ""
    events: list[dict] = field(default_factory=list)
    comments: list[list[str]] = field(default_factory=list)  # per event: the notes, as comments
    notes: list[Note] = field(default_factory=list)
    source: icalendar.Calendar | None = None  # the .ics read, for comparing instances
    sources: list = field(default_factory=list)  # several, when files are merged

    def note(self, index: int | None, message: str) -> None:
        where = f"event '{self.events[index]['id']}'" if index is not None else ""
        self.notes.append(Note(where, message))
        if index is not None:
            self.comments[index].append(message)



def reminder(before: timedelta) -> str:
    """'15m', '1d', '1h30m' or 'at start'; ISO for seconds."""
    if before == timedelta(0):
        return "at start"
    seconds = int(before.total_seconds())
    if seconds % 60:
        return iso_duration(before)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    return "".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n)



def to_toml(item: Converted) -> str:
    """The event file: a header, [calendar], then each [[event]] with its notes as comments."""
    lines = [f"# Imported from {item.path.name} by keydates import.", "", "[calendar]", _toml_keys(item.calendar)]
    for table, comments in zip(item.events, item.comments):
        lines.append("")
        lines += [f"# {one_line(comment)}" for comment in comments]
        lines += ["[[event]]", _toml_keys({k: v for k, v in table.items() if k != "override"})]
        for override in table.get("override", []):
            lines += ["", "[[event.override]]", _toml_keys(override)]
    return "\n".join(lines) + "\n"


def _toml_keys(table: dict) -> str:
    """`key = value` lines (tomli_w writes the values; the table headers are ours,
    as it would write a small array of tables inline)."""
    return tomli_w.dumps(table, multiline_strings=True).rstrip()



def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def unescaped(value) -> str:
    """An X- property's text: icalendar leaves the TEXT escapes of unknown properties in (RFC 5545 3.3.11)."""
    text = as_text(value)
    if isinstance(value, icalendar.vText):  # NAME, DESCRIPTION: unescaped already
        return text
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)


def clean(text: str) -> str:
    """Text without the control characters calendars cannot hold (keeping line breaks)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text.replace("\r\n", "\n")).strip()


def one_line(text: str) -> str:
    return " ".join(clean(text).split())


def show(value) -> str:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="minutes") + ("Z" if value.tzinfo and value.utcoffset() == timedelta(0) else "")
    return value.isoformat() if isinstance(value, date) else str(value)


def sort_key(value) -> tuple:
    if isinstance(value, datetime):
        return (value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(timezone.utc).replace(tzinfo=None),)
    return (datetime.combine(value, time()),)


def iso_duration(length: timedelta) -> str:
    return icalendar.vDuration(length).to_ical().decode()
