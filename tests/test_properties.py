"""Property tests: random valid event files build to calendars that read back exactly.

Hypothesis writes event files with any Unicode in the text (CJK, emoji,
combining marks, backslashes, a literal \\N, commas, semicolons, line breaks),
dates from 1900 to 2100, every way of saying when, and time zones from the
whole IANA set. Each file is built with `keydates build`; the calendar must be
accepted by icalendar and by the strict `ical` parser, folded as RFC 5545 and
docs/clients.md want (75 octets, never inside a character or after an escaping
backslash), and every event's UID, title, description, start and end must
read back as written, through both parsers and through a strict reading of
TEXT by RFC 5545 3.3.11 here (the parsers forgive unescaped commas). The expected values are worked out here, not by
keydates' code.

Known differences, not counted as failures:
- a lone CR, CRLF, U+0085, U+2028 or U+2029 in text is written as a line
  break (\\n) by design, and spaces and tabs around a text are dropped
  (libical drops them);
- keydates adds a window note and "Source: <url>" to DESCRIPTION, so the
  user's description is checked to be contained in it, as written;
- ASCII control characters other than tab and line breaks cannot be put in an
  iCalendar TEXT value (RFC 5545 3.3.11, TSAFE-CHAR), and keydates rejects
  them; they are left out here and tested in tests/data/bad/.

The runs are derandomized with a fixed number of examples, so CI sees the
same cases every time and stays within seconds.
"""

from __future__ import annotations

import calendar
import os
import zoneinfo
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import parse, reference_hash, run

from keydates.load import read_sources
from keydates.lock import content_hash
from keydates.validate import validate

UTC = timezone.utc
SETTINGS = settings(
    max_examples=int(os.environ.get("KEYDATES_EXAMPLES", "120")),
    derandomize="KEYDATES_EXAMPLES" not in os.environ,  # set it to hunt with new random cases
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
ZONES = sorted(zoneinfo.available_timezones())

# Characters a TOML file can hold (escaped where needed) that keydates keeps.
FORBIDDEN = {chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"} | {"\x7f"}
TRICKY = [
    "\\N", "\\n", "C:\\New folder", "\\", "\\\\", ",", ";", ":", "\n", "\r\n", "\r",
    '"', "'", "中文标题", "🎉", "👩‍👩‍👧", "e\u0301", "\u0301", "\u200b", "\u2028", "\x85",
    "\ufeff", "BEGIN:VEVENT", " ", "\t", "\U0001f600" * 30, "é" * 40, "x" * 80,
]  # fmt: skip
plain_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(FORBIDDEN)), max_size=40)
text = st.lists(st.one_of(plain_text, st.sampled_from(TRICKY)), max_size=6).map("".join)
nonblank = st.lists(st.one_of(plain_text, st.sampled_from(TRICKY)), min_size=1, max_size=6).map("".join).filter(lambda s: s.strip())
tag = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(FORBIDDEN) + ",\r\n"), min_size=1, max_size=12).filter(lambda s: s.strip())

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 30))
times = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30))


def toml_string(value: str) -> str:
    """A TOML basic string holding `value` exactly."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char in FORBIDDEN or char in "\n\r\t":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def as_written(value: str) -> str:
    """What a text reads back as: line breaks of any kind become LF (U+0085,
    U+2028 and U+2029 too), spaces and tabs around it are dropped."""
    for line_break in ("\r\n", "\r", "\x85", "\u2028", "\u2029"):
        value = value.replace(line_break, "\n")
    return value.strip(" \t")


def exists(local: datetime, zone: str) -> bool:
    aware = local.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    return aware.astimezone(UTC).astimezone(aware.tzinfo).replace(tzinfo=None) == local


def month_end(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@st.composite
def whens(draw, calendar_zone: str):
    """(TOML lines, expected start, expected end): ends exclusive, as DTEND."""
    kind = draw(st.sampled_from(["date", "date-string", "span", "span-duration", "timed", "timed-duration", "timed-alone", "offset", "window"]))
    if kind in ("date", "date-string"):
        day = draw(days)
        value = toml_string(day.isoformat()) if kind == "date-string" else day.isoformat()
        return [f"date = {value}"], day, day + timedelta(days=1)
    if kind == "span":
        first = draw(days)
        last = first + timedelta(days=draw(st.integers(0, 40)))
        return [f"start = {first}", f"end = {last}"], first, last + timedelta(days=1)
    if kind == "span-duration":
        first, length = draw(days), draw(st.integers(1, 30))
        return [f"start = {first}", f'duration = "P{length}D"'], first, first + timedelta(days=length)
    if kind == "offset":
        start = draw(times).replace(second=0, microsecond=0)
        offset = timezone(timedelta(minutes=draw(st.integers(-14 * 60, 14 * 60))))
        minutes = draw(st.integers(1, 3000))  # never zero-length
        begin = start.replace(tzinfo=offset)
        end = begin + timedelta(minutes=minutes)
        return [f"start = {begin.isoformat()}", f"end = {end.isoformat()}"], begin, end
    if kind == "window":
        year = draw(st.integers(1900, 2100))
        form = draw(st.sampled_from(["part", "month", "quarter", "half", "year"]))
        month = draw(st.integers(1, 12))
        name = draw(st.sampled_from([calendar.month_name[month], calendar.month_abbr[month]])).lower()
        if form == "part":
            part, (a, b) = draw(st.sampled_from([("early", (1, 10)), ("mid", (11, 20)), ("late", (21, None))]))
            first, last = date(year, month, a), date(year, month, b or month_end(year, month))
            phrase = f"{part}-{name} {year}"
        elif form == "month":
            first, last = date(year, month, 1), date(year, month, month_end(year, month))
            phrase = f"{name} {year}"
        elif form == "quarter":
            n = draw(st.integers(1, 4))
            first, last = date(year, 3 * n - 2, 1), date(year, 3 * n, month_end(year, 3 * n))
            phrase = f"Q{n} {year}"
        elif form == "half":
            n = draw(st.integers(1, 2))
            first, last = date(year, 6 * n - 5, 1), date(year, 6 * n, month_end(year, 6 * n))
            phrase = f"h{n} {year}"
        else:
            first, last, phrase = date(year, 1, 1), date(year, 12, 31), str(year)
        return [f"when = {toml_string(phrase)}"], first, last + timedelta(days=1)
    # timed, in the calendar's zone or the event's own
    own_zone = draw(st.none() | st.sampled_from(ZONES))
    zone = own_zone or calendar_zone
    start = draw(times).replace(microsecond=0)
    assume(exists(start, zone))
    lines = [f"start = {start.isoformat()}"] + ([f"timezone = {toml_string(own_zone)}"] if own_zone else [])
    begin = start.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    if kind == "timed":
        end = start + timedelta(minutes=draw(st.integers(1, 5000)))
        assume(exists(end, zone))
        finish = end.replace(tzinfo=begin.tzinfo)
        assume(finish.astimezone(UTC) > begin.astimezone(UTC))  # never zero-length
        return lines + [f"end = {end.isoformat()}"], begin, finish
    if kind == "timed-duration":
        minutes = draw(st.integers(1, 1500))
        return lines + [f'duration = "PT{minutes}M"'], begin, begin.astimezone(UTC) + timedelta(minutes=minutes)
    return lines, begin, begin.astimezone(UTC) + timedelta(hours=1)


@st.composite
def event_files(draw):
    """(TOML text, {event id: expected values})."""
    zone = draw(st.sampled_from(ZONES))
    lines = ["[calendar]", f"name = {toml_string(draw(nonblank))}", f"timezone = {toml_string(zone)}"]
    if draw(st.booleans()):
        lines.append(f"description = {toml_string(draw(nonblank))}")
    expected = {}
    for number in range(draw(st.integers(1, 4))):
        event_id = f"e{number}-{draw(st.from_regex(r'[a-z0-9]{1,8}', fullmatch=True))}"
        title = draw(nonblank)
        when_lines, start, end = draw(whens(zone))
        lines += ["", "[[event]]", f'id = "{event_id}"', f"title = {toml_string(title)}", *when_lines]
        description = draw(st.none() | nonblank)
        if description is not None:
            lines.append(f"description = {toml_string(description)}")
        if draw(st.booleans()):
            lines.append(f"location = {toml_string(draw(nonblank))}")
        tags = draw(st.lists(tag, max_size=3))
        if tags:
            lines.append("tags = [" + ", ".join(map(toml_string, tags)) + "]")
        if draw(st.booleans()):
            lines.append(f'url = "https://example.com/{event_id}?q=a,b;c"')
        expected[event_id] = (title, description, start, end)
    return "\n".join(lines) + "\n", expected


def content_lines(data: bytes) -> list[str]:
    """Unfold the calendar, checking each physical line as RFC 5545 3.1 and docs/clients.md want.

    At most 75 octets, never split inside a UTF-8 character, and never between
    a backslash and the character it escapes (Google drops such events).
    """
    physical = data.split(b"\r\n")
    assert physical.pop() == b"", "the last line must end with CRLF"
    lines: list[str] = []
    for number, raw in enumerate(physical):
        assert len(raw) <= 75, raw
        text = raw.decode("utf-8")  # fails on a fold inside a character
        if text.startswith(" "):
            backslashes = len(lines[-1]) - len(lines[-1].rstrip("\\"))
            assert backslashes % 2 == 0, f"folded after an escaping backslash: {lines[-1]!r}"
            lines[-1] += text[1:]
        else:
            lines.append(text)
    return lines


def rfc_text(value: str) -> str:
    """Read a TEXT value strictly by RFC 5545 3.3.11, failing on what it forbids."""
    out, i = [], 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            escaped = value[i + 1]
            assert escaped in "\\;,nN", f"bad escape \\{escaped} in {value!r}"
            out.append("\n" if escaped in "nN" else escaped)
            i += 2
            continue
        assert char not in ";,", f"unescaped {char!r} in {value!r}"
        assert char == "\t" or not (char < " " or char == "\x7f"), f"control character in {value!r}"
        out.append(char)
        i += 1
    return "".join(out)


def text_values(lines: list[str]) -> dict[str, dict[str, str]]:
    """UID -> {SUMMARY, DESCRIPTION: their values read by rfc_text}."""
    events, current = {}, None
    for line in lines:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events[current["UID"]] = current
        elif current is not None and name in ("UID", "SUMMARY", "DESCRIPTION", "LOCATION"):
            current[name] = rfc_text(value)
    return events


def same_time(read, written) -> bool:
    """A DTSTART/DTEND as read against what the file said."""
    if not isinstance(written, datetime):
        return not isinstance(read, datetime) and read == written
    return isinstance(read, datetime) and read.tzinfo is not None and read.astimezone(UTC) == written.astimezone(UTC)


@SETTINGS
@given(event_files())
def test_random_files_build_and_read_back_exactly(tmp_path_factory, case):
    source, expected = case
    folder = tmp_path_factory.mktemp("prop")
    (folder / "events").mkdir()
    (folder / "events" / "prop.toml").write_text(source, encoding="utf-8")
    result = run("build", folder / "events", "-o", folder / "dist")
    assert result.exit_code == 0, result.stderr + "\n" + source
    data = (folder / "dist" / "prop.ics").read_bytes()
    for calendar in validate(read_sources([folder / "events"])).calendars:
        for event in calendar.events:
            assert content_hash(event) == reference_hash(event)

    exact = text_values(content_lines(data))
    lenient, strict = parse(data)

    events = {str(e["UID"]): e for e in lenient.walk("VEVENT")}
    strict_events = {e.uid: e for e in strict.events}
    assert len(events) == len(strict_events) == len(expected)
    for event_id, (title, description, start, end) in expected.items():
        uid = f"{event_id}.prop@keydates"
        assert uid in events and uid in strict_events, (uid, sorted(events))
        lenient_event, strict_event = events[uid], strict_events[uid]
        assert exact[uid]["SUMMARY"] == as_written(title)
        assert str(lenient_event["SUMMARY"]) == as_written(title)
        assert strict_event.summary == as_written(title)
        if description is not None:
            assert as_written(description) in exact[uid]["DESCRIPTION"]
            assert as_written(description) in str(lenient_event["DESCRIPTION"])
            assert as_written(description) in strict_event.description
        assert same_time(lenient_event["DTSTART"].dt, start), (lenient_event["DTSTART"].dt, start)
        assert same_time(lenient_event["DTEND"].dt, end), (lenient_event["DTEND"].dt, end)
        assert same_time(strict_event.dtstart, start), (strict_event.dtstart, start)
        assert same_time(strict_event.dtend, end), (strict_event.dtend, end)
