"""How a date is told to people: one wording for the page, the list and the feed.

Pure: from the model only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from keydates.model import Event, last_day


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
