"""How a date is told to people: one wording for the page, the list and the feed.

Pure: from the model only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from zoneinfo import ZoneInfo

from keydates.model import ChangeItem, Event, Summary, last_day


def full_day(day: date) -> str:
    """'Thu 19 Feb 2026'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def day_range(first: date, last: date) -> str:
    """Days first..last (inclusive): '19 Feb 2026', '15–23 Feb 2026', '28 Jan – 3 Feb 2026'."""
    if first == last:
        return f"{first.day} {first:%b %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def when_text(event: Event, start: date | datetime | None = None, end: date | datetime | None = None) -> str:
    """The date of an event, or of one occurrence [start, end), as a person writes it."""
    start = event.start if start is None else start
    end = event.end if end is None else end
    if event.window:
        return f"{event.window} (some time from {day_range(start, last_day(start, end))})"
    if not isinstance(start, datetime):
        last = last_day(start, end)
        return full_day(start) if last == start else day_range(start, last)
    zone = event.timezone or start.strftime("UTC%z")
    if end.date() == start.date():
        return f"{full_day(start.date())}, {start:%H:%M}–{end:%H:%M} {zone}"
    return f"{full_day(start.date())} {start:%H:%M} – {full_day(end.date())} {end:%H:%M} {zone}"


def window_note(event: Event) -> str:
    """The sentence that opens a window's description: an expectation, not a date."""
    span = day_range(event.start, event.end - timedelta(days=1))
    if event.status == "tentative":
        return f"Expected {event.window} (some time from {span}; the exact date is not known)."
    return f"Date: {event.window} (some time from {span}; the exact day is not given)."


def description(event: Event) -> str:
    """The DESCRIPTION text: window note, the user's text, the source link.

    The link is repeated here because Google and Outlook don't show URL.
    """
    parts = []
    if event.window:
        parts.append(window_note(event))
    if event.description:
        parts.append(event.description)
    if event.url:
        parts.append(f"Source: {event.url}")
    return "\n\n".join(parts)


def summary_when(info: Summary) -> str:
    """The dates of an event as a change message quotes them (from the lock's summary)."""
    start, end = _iso(info.start), _iso(info.end)
    if info.window:
        return info.window
    if not isinstance(start, datetime):
        return day_range(start, last_day(start, end))
    if info.timezone:
        zone = ZoneInfo(info.timezone)
        start, end = start.astimezone(zone), end.astimezone(zone)
    label = info.timezone or start.strftime("UTC%z")
    if end.date() == start.date():
        return f"{full_day(start.date())}, {start:%H:%M}–{end:%H:%M} {label}"
    return f"{full_day(start.date())} {start:%H:%M} – {full_day(end.date())} {end:%H:%M} {label}"


def change_text(item: ChangeItem) -> str:
    """One change as a sentence: 'Alibaba quarterly results moved from 19 Feb 2026 to 26 Feb 2026'."""
    new, old = item.new, item.old
    if item.kind == "removed":
        return f"Removed: {old.title} ({summary_when(old)})" if old else f"Removed: {item.id}"
    if item.kind == "cancelled":
        return f"Cancelled: {new.title} ({summary_when(new)})"
    if item.kind in ("added", "restored") or old is None:
        return f"{'New' if item.kind == 'added' else 'Back'}: {new.title}, {summary_when(new)}"
    text = new.title
    if old.title != new.title:
        text += f" (renamed from {old.title!r})"
    if (old.start, old.end, old.window) != (new.start, new.end, new.window):
        text += f" moved from {summary_when(old)} to {summary_when(new)}"
    elif old.status != new.status:
        text += f" is now {new.status}"
    elif old.title == new.title:
        text += f" ({summary_when(new)}): details updated"
    return text


def _iso(text: str) -> date | datetime:
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
