"""Compile a feed to RFC 5545 bytes: pure and deterministic.

Content lines are written here directly rather than through icalendar's
object tree: icalendar's TEXT escaping turns a literal backslash-N (C:\\New)
into a line break, its X- properties are not escaped at all, and one object
per property is far too slow for large calendars. The rules are few and are
cited where they apply; the tests read every output back with icalendar and
with the strict `ical` parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

import webcolors

from keydates.describe import DEFAULT_LANGUAGE, description, language, reminder_text
from keydates.model import Entry, Event, Feed, Override, Reminder, Stamp
from keydates.recurrence import Written, span_end, written_form
from keydates.vtimezone import vtimezone_lines
from keydates.when import reminder_instant, trigger_parts

PRODID = "-//keydates//keydates//EN"
PROGRESS_STEP = 1000  # events between progress reports
FOLD_LIMIT = 75  # octets per line, without the CRLF (RFC 5545 3.1)
# Line breaks that readers splitting lines as Python's str.splitlines does
# (vdirsyncer) would cut a content line at; written as escaped line breaks.
_LINE_BREAKS = ("\x85", "\u2028", "\u2029")
# What a URI may hold unescaped (RFC 3986): printable ASCII without space.
_URI_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))
STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}


def escape_text(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11); every line break becomes \\n.

    Line breaks include U+0085, U+2028 and U+2029, which some readers split
    lines at: raw, what followed them could be read as a new property.
    """
    if not text.isascii():  # str.translate took a fifth of rendering
        for line_break in _LINE_BREAKS:
            text = text.replace(line_break, "\n")
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1).

    Never inside a UTF-8 character, and never between a backslash and the
    character it escapes: Google drops events folded there.
    """
    if len(line) <= FOLD_LIMIT and line.isascii():
        return line  # most lines: no need to encode to count octets
    data = line.encode("utf-8")
    if len(data) <= FOLD_LIMIT:
        return line
    pieces = []
    start, limit = 0, FOLD_LIMIT
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte
            cut -= 1
        backslashes = 0
        while cut - 1 - backslashes >= start and data[cut - 1 - backslashes] == 0x5C:
            backslashes += 1
        if backslashes % 2:  # the last backslash escapes the next character
            cut -= 1
        pieces.append(data[start:cut])
        start, limit = cut, FOLD_LIMIT - 1  # continuation lines start with a space
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode("utf-8")


def render(feed: Feed, stamps: Mapping[str, Stamp]) -> bytes:
    """Render a feed as .ics bytes; `stamps` gives each UID's lock entry."""
    entries = sorted(feed.entries, key=lambda entry: entry.order)
    zoned = [entry.event for entry in entries if entry.event.timezone]
    return b"".join(assemble(feed, render_events(entries, stamps), zoned))


def render_events(
    entries: Iterable[Entry], stamps: Mapping[str, Stamp], advance: Callable[[int], None] | None = None,
) -> list[bytes]:
    """Each entry's VEVENT as bytes, in the order given.

    `advance(n)`, if given, is told of the events rendered, PROGRESS_STEP at
    a time, for a progress bar.
    """
    blocks = []
    for entry in entries:
        uid = entry.uid
        event = entry.event
        form = written_form(event)
        block = _event_block(uid, event, stamps[uid], entry.language, form)
        changed = _changed(event, form)
        if changed:  # the changed occurrences: same UID, their RECURRENCE-ID (RFC 5545 3.8.4.4)
            block += b"".join(_event_block(uid, _overridden(event, o), stamps[uid], entry.language, recurrence_id=rid) for o, rid in changed)
        blocks.append(block)
        if advance and len(blocks) % PROGRESS_STEP == 0:
            advance(PROGRESS_STEP)
    if advance:
        advance(len(blocks) % PROGRESS_STEP)
    return blocks


def assemble(feed: Feed, blocks: list[bytes], zoned: Iterable[Event]) -> list[bytes]:
    """A feed's bytes in pieces: its head, the VTIMEZONEs its `zoned` events
    need, its events' `blocks` (from render_events, in order) and its end.

    The pieces are joined only when written, so feeds sharing an event share
    its bytes rather than each holding a joined copy.
    """
    return [_encode(_calendar_head(feed)), _encode(_timezones(zoned)), *blocks, b"END:VCALENDAR\r\n"]


def event_file(block: bytes, event: Event) -> list[bytes]:
    """One event alone, to import once: its VEVENT (from render_events) with the
    VTIMEZONE it needs, and no calendar name, so that clients add it to a
    calendar of the user's rather than making a new one."""
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    return [_encode(head), _encode(_timezones([event] if event.timezone else [])), block, b"END:VCALENDAR\r\n"]


def _encode(lines: Iterable[str]) -> bytes:
    """Folded content lines, each ended by CRLF, as UTF-8."""
    # The test is fold()'s own first one, repeated here to save a call per line.
    folded = [line if len(line) <= FOLD_LIMIT and line.isascii() else fold(line) for line in lines]
    folded.append("")  # for the last CRLF
    return "\r\n".join(folded).encode("utf-8")


def _calendar_head(feed: Feed) -> Iterator[str]:
    refresh = _duration(feed.refresh)
    yield "BEGIN:VCALENDAR"
    yield "VERSION:2.0"
    yield f"PRODID:{PRODID}"
    yield "CALSCALE:GREGORIAN"
    yield "METHOD:PUBLISH"  # not REQUEST: Outlook would treat it as an invitation
    # Google reads only X-WR-CALNAME, RFC 7986 clients NAME: write both.
    yield f"NAME{_language_param(feed.language)}:{escape_text(feed.name)}"
    yield f"X-WR-CALNAME:{escape_text(feed.name)}"
    if feed.description:
        yield f"DESCRIPTION{_language_param(feed.language)}:{escape_text(feed.description)}"
        yield f"X-WR-CALDESC:{escape_text(feed.description)}"
    if feed.url:
        yield f"SOURCE;VALUE=URI:{uri(feed.url)}"
    yield f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}"  # VALUE is required (RFC 7986 5.7)
    yield f"X-PUBLISHED-TTL:{refresh}"
    if feed.color:
        yield from _calendar_color(feed.color)


def _calendar_color(color: str) -> Iterator[str]:
    """RFC 7986 COLOR takes a CSS3 color name only: written for a name, or a
    #rrggbb that is one; Apple reads X-APPLE-CALENDAR-COLOR, a #rrggbb, instead."""
    if color.startswith("#"):
        try:
            yield f"COLOR:{webcolors.hex_to_name(color, spec='css3')}"
        except ValueError:
            pass  # no name for it: COLOR would be invalid, and no nearest name is chosen for the user
        yield f"X-APPLE-CALENDAR-COLOR:{color.upper()}"
    else:
        yield f"COLOR:{color}"
        yield f"X-APPLE-CALENDAR-COLOR:{webcolors.name_to_hex(color).upper()}"


def _changed(event: Event, form: Written) -> list[tuple[Override, tuple]]:
    """Each changed occurrence with its RECURRENCE-ID as (value, TZID or None for UTC):
    the event's overrides, then the occurrences written_form moved.

    A RECURRENCE-ID takes the form of the instance it names: the rule's own
    wall time, or UTC for an RDATE written in UTC; each reader then matches
    it to the instance it made of that same text.
    """
    if not event.overrides and not form.moved:
        return []
    found = []
    for override in event.overrides:
        key = _instant(override.occurrence)
        if key in form.moved:
            found.append((override, (form.moved[key], event.timezone)))
        else:
            found.append((override, (override.occurrence, None if key in form.utc else event.timezone)))
    if form.moved:
        length = _instant(event.end) - _instant(event.start)  # exact (RFC 5545 3.8.5.3)
        taken = {_instant(o.occurrence) for o in event.overrides}
        zone = event.start.tzinfo
        for key, wall in form.moved.items():
            if key not in taken:
                found.append((Override(wall, key.astimezone(zone), (key + length).astimezone(zone)), (wall, event.timezone)))
    return found


def _overridden(event: Event, override: Override) -> Event:
    """The one occurrence an override changes, as an event of its own."""
    return replace(
        event, start=override.start, end=override.end, title=override.title or event.title,
        description=event.description if override.description is None else override.description,
        location=event.location if override.location is None else override.location,
        status=override.status or event.status, repeat=None, exceptions=(), additions=(), overrides=(),
    )  # fmt: skip


def _event_block(
    uid: str, event: Event, stamp: Stamp, tag: str = DEFAULT_LANGUAGE, form: Written | None = None, recurrence_id: tuple | None = None,
) -> bytes:
    """One VEVENT as bytes, CRLF after every line; `form` is how the
    series is written (recurrence.written_form), `recurrence_id` is
    (original start, its TZID or None for UTC) for a changed occurrence.

    Lines that carry the user's text go through fold(); the rest have a fixed
    shape well under 75 octets, and some are kept pre-joined (_flags), which
    saved a fifth of rendering at 100,000 events.
    """
    modified = _utc(stamp.modified)
    lang = language(tag)
    param = _language_param(tag)
    form = form or written_form(event)
    recurring = event.repeat or bool(event.additions)  # zoned times keep their TZID (see _when), unless form says UTC
    zone = None if _instant(form.start) in form.utc else event.timezone
    lines = [
        "BEGIN:VEVENT",
        fold(f"UID:{escape_text(uid)}"),
        f"DTSTAMP:{modified}",
        f"CREATED:{_utc(stamp.created)}",
        f"LAST-MODIFIED:{modified}",
        f"SEQUENCE:{stamp.sequence}",
        *([fold(_when("RECURRENCE-ID", recurrence_id[0], recurrence_id[1], True))] if recurrence_id else []),
        fold(f"SUMMARY{param}:{escape_text(event.title)}"),
        fold(_when("DTSTART", form.start, zone, recurring)),
        fold(_when("DTEND", form.end, zone, recurring)),  # always: Outlook needs it
    ]
    if form.rule:
        lines.append(fold(f"RRULE:{form.rule}"))
    # One date per line: some readers take only the first of a list.
    for day in form.exceptions:
        lines.append(fold(_when("EXDATE", day, None if _instant(day) in form.utc else event.timezone, recurring)))
    for day in form.rdates:
        lines.append(fold(_when("RDATE", day, None if _instant(day) in form.utc else event.timezone, recurring)))
    text = description(event, lang)
    if text:
        lines.append(fold(f"DESCRIPTION{param}:{escape_text(text)}"))
    if event.location:
        lines.append(fold(f"LOCATION{param}:{escape_text(event.location)}"))
    if event.url:
        lines.append(fold(f"URL:{uri(event.url)}"))  # a URI: not TEXT-escaped (RFC 5545 3.3.13)
    if event.conference:  # RFC 7986 5.11: VALUE=URI is required; the link is in DESCRIPTION too (Google ignores this)
        lines.append(fold(f"CONFERENCE;VALUE=URI:{uri(event.conference)}"))
    if event.color:  # a CSS3 color name (RFC 7986 5.9)
        lines.append(f"COLOR:{event.color}")
    if event.tags:
        lines.append(_categories(event.tags))
    lines.append(_flags(event.status, event.busy, event.all_day))
    for reminder in event.reminders:
        # ACTION, DESCRIPTION and TRIGGER are all required (RFC 5545 3.6.6)
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            fold(f"DESCRIPTION{param}:{escape_text(reminder_text(event, lang))}"),
            _trigger(reminder, event),
            "END:VALARM",
        ]
    lines.append("END:VEVENT\r\n")
    return "\r\n".join(lines).encode("utf-8")


def _language_param(tag: str) -> str:
    """';LANGUAGE=de' for text in a language other than English (RFC 5545 3.2.10).

    English text is left unmarked, as feeds have always been written.
    """
    return "" if tag == DEFAULT_LANGUAGE else f";LANGUAGE={tag}"


@lru_cache(maxsize=1024)  # a timeline uses a few tags in a few combinations
def _categories(tags: tuple[str, ...]) -> str:
    return fold("CATEGORIES:" + ",".join(escape_text(tag) for tag in tags))


@lru_cache(maxsize=None)  # 3 statuses x busy x all-day: at most 12 blocks
def _flags(status: str, busy: bool, all_day: bool) -> str:
    """STATUS, TRANSP and Outlook's hints, as CRLF-joined lines."""
    # Outlook reads its own hints before TRANSP.
    if not busy:
        busy_status = "FREE"
    else:
        busy_status = "TENTATIVE" if status == "tentative" else "BUSY"
    return "\r\n".join([
        f"STATUS:{STATUS[status]}",
        f"TRANSP:{'OPAQUE' if busy else 'TRANSPARENT'}",
        f"X-MICROSOFT-CDO-BUSYSTATUS:{busy_status}",
        f"X-MICROSOFT-CDO-ALLDAYEVENT:{'TRUE' if all_day else 'FALSE'}",
    ])


def _trigger(reminder: Reminder, event: Event) -> str:
    """The TRIGGER of a reminder.

    A time of day before an event that happens once is written as that
    instant in UTC, which every reader takes as it is; a relative trigger
    crossing a clock change is read on the wall clock by ical.js and
    libical but exactly by RFC 5545 3.3.6 readers, an hour apart. A
    repeating event gets whole days plus the time on the clock, which the
    wall-clock readers fire at that time of day in every occurrence.
    """
    if reminder.at is not None and isinstance(event.start, datetime) and not event.repeat:
        return f"TRIGGER;VALUE=DATE-TIME:{_utc(reminder_instant(reminder, event.start))}"
    after, days, exact = trigger_parts(reminder, event.start)
    return f"TRIGGER:{'' if after else '-'}{_duration_text(days, exact)}"


def uri(text: str) -> str:
    """A URI value as RFC 3986 writes it: non-ASCII host in IDNA, other non-ASCII percent-encoded."""
    if text.isascii():
        return text
    parts = urlsplit(text)
    host = parts.hostname or ""
    netloc = parts.netloc.replace(host, host.encode("idna").decode("ascii")) if host and not host.isascii() else parts.netloc
    return urlunsplit(parts._replace(netloc=quote(netloc, safe=_URI_SAFE))._replace(
        path=quote(parts.path, safe=_URI_SAFE), query=quote(parts.query, safe=_URI_SAFE), fragment=quote(parts.fragment, safe=_URI_SAFE),
    ))


def _when(name: str, value: date | datetime, tz: str | None, repeat: str | bool | None = None) -> str:
    if not isinstance(value, datetime):
        return f"{name};VALUE=DATE:{_basic(value)}"  # all-day: no TZID (RFC 5545 3.3.4)
    if tz is None or (_ambiguous(value) and not repeat):
        # Fixed offsets, and wall times repeated when clocks go back (which
        # ical.js and libical read differently from the RFC), go out in UTC;
        # a repeating event keeps its zone, or its rule would leave it.
        return f"{name}:{_utc(value)}"
    return f"{name};TZID={tz}:{_basic(value)}"


def _instant(value: date | datetime) -> datetime | None:
    """A time as its UTC instant, the key written_form gives; None for a date."""
    return value.astimezone(timezone.utc) if isinstance(value, datetime) else None


def _ambiguous(value: datetime) -> bool:
    return value.replace(fold=0).utcoffset() != value.replace(fold=1).utcoffset()


def _timezones(events) -> Iterator[str]:
    """One VTIMEZONE per TZID used, covering just the instants that use it.

    A rule's end comes from its UNTIL or COUNT, without expanding it; a
    rule without one (last None) gets a VTIMEZONE without end.
    """
    spans: dict[str, tuple[datetime, datetime | None]] = {}
    for event in events:
        if event.timezone and isinstance(event.start, datetime):
            begin = min([event.start, *event.additions, *(o.start for o in event.overrides)])
            end = span_end(event)
            if end is not None:
                length = event.end - event.start
                end = max([end, *(day + length for day in event.additions), *(o.end for o in event.overrides)])
            first, last = spans.get(event.timezone, (begin, end))
            last = None if last is None or end is None else max(last, end)
            spans[event.timezone] = (min(first, begin), last)
    for tzid in sorted(spans):
        yield from vtimezone_lines(tzid, *spans[tzid])


def _utc(moment: datetime) -> str:
    # Cached on the UTC time only: aware times in one zone compare equal when
    # their wall times are, even the two 01:15s of a night clocks go back.
    return _utc_text(moment.astimezone(timezone.utc))


@lru_cache(maxsize=1024)  # DTSTAMP, CREATED and LAST-MODIFIED repeat a few values
def _utc_text(moment: datetime) -> str:
    return _basic(moment) + "Z"


def _basic(value: date | datetime) -> str:
    """ISO 8601 basic format, as RFC 5545 writes DATE and local DATE-TIME.

    From isoformat(), which is faster than strftime and, unlike glibc's %Y,
    always gives four digits of year.
    """
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")[:19].replace("-", "").replace(":", "")
    return value.isoformat().replace("-", "")


def _duration(length: timedelta) -> str:
    """A positive DURATION with whole days as days (REFRESH-INTERVAL)."""
    return _duration_text(length.days, length - timedelta(days=length.days))


def _duration_text(days: int, exact: timedelta) -> str:
    """RFC 5545 3.3.6 dur-value: `days` nominal days, then `exact` in hours, minutes, seconds."""
    seconds = int(exact.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{seconds}S" if seconds else "")
    if not days and not time:
        return "PT0S"
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
