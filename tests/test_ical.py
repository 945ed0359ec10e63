"""What clients need of an .ics (docs/clients.md), checked by parsing."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from ical.calendar_stream import IcsCalendarStream

from conftest import parse, vevents
from keydates.ical import escape_text, fold

UTC = timezone.utc


def content_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


# -- escaping and folding on their own -------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a, b; c", r"a\, b\; c"),
        ("C:\\New folder", r"C:\\New folder"),  # icalendar would make \N a line break
        ("line\nbreak", r"line\nbreak"),
        ("crlf\r\nlone\rcr", r"crlf\nlone\ncr"),
        ("back\\slash", r"back\\slash"),
    ],
)
def test_escape_text(text, escaped):
    assert escape_text(text) == escaped


@pytest.mark.parametrize(
    "line",
    [
        "SUMMARY:" + "x" * 200,
        "SUMMARY:" + "春节假期" * 40,  # 3-octet characters
        "SUMMARY:" + "😀é" * 50,  # 4- and 2-octet characters
        "DESCRIPTION:" + "\\\\" * 100,  # escaped backslashes all along
        "DESCRIPTION:" + "a\\," * 60,
        "DESCRIPTION:" + "x" * 66 + "\\n" + "y" * 100,
    ],
)
def test_fold_keeps_octets_characters_and_escapes_whole(line):
    folded = fold(line)
    pieces = folded.split("\r\n")
    for i, piece in enumerate(pieces):
        assert len(piece.encode("utf-8")) <= 75
        if i:
            assert piece.startswith(" ")
    unfolded = pieces[0] + "".join(p[1:] for p in pieces[1:])
    assert unfolded == line
    for piece in pieces[:-1]:  # no piece ends inside an escape
        trailing = len(piece) - len(piece.rstrip("\\"))
        assert trailing % 2 == 0, piece


def test_short_lines_are_not_folded():
    assert fold("SUMMARY:short") == "SUMMARY:short"


# -- whole calendars ---------------------------------------------------------

TRICKY = r"""
[[event]]
id = "tricky"
title = "C:\\New, path; semi — 春节 🐎 \\N end"
date = 2026-02-06
description = '''first line
second, with; punctuation
C:\New\Notes and a backslash \ alone
SUMMARY:INJECTED
END:VEVENT'''
location = "Hangzhou, 浙江"
url = "https://example.com/a?b=1,2;c"
tags = ["tag; with semicolon", "二"]
"""


def test_text_survives_both_parsers_exactly(built):
    result, out = built(TRICKY)
    assert result.exit_code == 0, result.stderr
    data = (out / "test.ics").read_bytes()
    lenient, strict = parse(data)
    event = vevents(data)["tricky.test@keydates"]
    title = "C:\\New, path; semi — 春节 🐎 \\N end"
    description = "first line\nsecond, with; punctuation\nC:\\New\\Notes and a backslash \\ alone\nSUMMARY:INJECTED\nEND:VEVENT"
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == "Hangzhou, 浙江"
    assert description in str(event["DESCRIPTION"])
    assert [str(c) for c in event["CATEGORIES"].cats] == ["tag; with semicolon", "二"]
    (only,) = strict.events
    assert only.summary == title
    assert description in only.description
    assert only.categories == ["tag; with semicolon", "二"]
    assert len(list(lenient.walk("VEVENT"))) == 1  # nothing injected


def test_every_line_is_crlf_folded_utf8_without_bom(built):
    result, out = built(TRICKY)
    data = (out / "test.ics").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    for line in content_lines(data):
        assert len(line) <= 75, line
        line.decode("utf-8")  # every physical line is whole characters


def test_calendar_and_event_properties(built):
    result, out = built(
        """
        [[event]]
        id = "launch"
        title = "Launch"
        date = 2026-02-06
        url = "https://example.com/launch"
        """
    )
    data = (out / "test.ics").read_bytes()
    lenient, strict = parse(data)
    assert lenient["VERSION"] == "2.0"
    assert lenient["PRODID"] == "-//keydates//keydates//EN"
    assert lenient["METHOD"] == "PUBLISH"
    assert lenient["NAME"] == lenient["X-WR-CALNAME"] == "Test"
    assert "X-WR-TIMEZONE" not in lenient
    assert "UID" not in lenient  # a calendar UID would be random and ignored
    assert re.search(rb"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n", data)
    assert re.search(rb"\r\nX-PUBLISHED-TTL:PT6H\r\n", data)
    assert strict.refresh_interval is not None
    (event,) = lenient.walk("VEVENT")
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "LAST-MODIFIED"):
        assert name in event
    assert event["UID"] == "launch.test@keydates"
    assert event["DTSTAMP"].dt == datetime(2026, 2, 2, 2, 40, tzinfo=UTC)
    assert str(event["URL"]) == "https://example.com/launch"
    assert str(event["DESCRIPTION"]).endswith("Source: https://example.com/launch")


def test_calendar_description_is_escaped_in_x_properties_too(built):
    body = '[calendar]\nname = "A, B; C\\nD"\ndescription = "x\\ny, z"\ntimezone = "UTC"\n[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\n'
    result, out = built(body)
    data = (out / "test.ics").read_bytes()
    _, strict = parse(data)  # icalendar 7.3 knows neither NAME nor X-WR-CALNAME
    assert strict.name == ["A, B; C\nD"]
    assert strict.description == ["x\ny, z"]
    assert b"X-WR-CALNAME:A\\, B\\; C\\nD\r\n" in data
    assert b"X-WR-CALDESC:x\\ny\\, z\r\n" in data


def test_all_day_and_multi_day_events(built):
    result, out = built(
        """
        [[event]]
        id = "holiday"
        title = "Spring Festival holiday"
        start = 2026-02-15
        end = 2026-02-23

        [[event]]
        id = "day"
        title = "Results"
        date = 2026-02-19
        """
    )
    data = (out / "test.ics").read_bytes()
    events = vevents(data)
    holiday = events["holiday.test@keydates"]
    assert holiday["DTSTART"].dt == date(2026, 2, 15)
    assert holiday["DTEND"].dt == date(2026, 2, 24)  # exclusive: nine days
    assert b"DTSTART;VALUE=DATE:20260215\r\n" in data
    assert b"DTEND;VALUE=DATE:20260224\r\n" in data
    day = events["day.test@keydates"]
    assert day["DTEND"].dt - day["DTSTART"].dt == timedelta(days=1)
    for event in events.values():
        assert event["TRANSP"] == "TRANSPARENT"
        assert event["X-MICROSOFT-CDO-BUSYSTATUS"] == "FREE"
        assert event["X-MICROSOFT-CDO-ALLDAYEVENT"] == "TRUE"
        assert "TZID" not in event["DTSTART"].params
    _, strict = parse(data)
    assert {e.dtstart for e in strict.events} == {date(2026, 2, 15), date(2026, 2, 19)}


def test_window_is_tentative_all_day_span_with_phrase(built):
    result, out = built('[[event]]\nid = "v4"\ntitle = "DeepSeek V4 expected"\nwhen = "mid-february 2026"\n')
    event = vevents((out / "test.ics").read_bytes())["v4.test@keydates"]
    assert event["DTSTART"].dt == date(2026, 2, 11)
    assert event["DTEND"].dt == date(2026, 2, 21)
    assert event["STATUS"] == "TENTATIVE"
    assert str(event["DESCRIPTION"]).startswith("Expected mid-February 2026 (some time from 11–20 Feb 2026; the exact date is not known).")


def test_busy_and_status(built):
    result, out = built(
        """
        [[event]]
        id = "busy"
        title = "Busy day"
        date = 2026-02-06
        busy = true

        [[event]]
        id = "maybe"
        title = "Maybe busy"
        date = 2026-02-07
        busy = true
        status = "tentative"

        [[event]]
        id = "off"
        title = "Called off"
        date = 2026-02-08
        status = "cancelled"
        """
    )
    events = vevents((out / "test.ics").read_bytes())
    assert (events["busy.test@keydates"]["TRANSP"], events["busy.test@keydates"]["X-MICROSOFT-CDO-BUSYSTATUS"]) == ("OPAQUE", "BUSY")
    assert events["maybe.test@keydates"]["X-MICROSOFT-CDO-BUSYSTATUS"] == "TENTATIVE"
    assert events["off.test@keydates"]["STATUS"] == "CANCELLED"


TIMED = """
[[event]]
id = "shanghai"
title = "Results call"
start = 2026-02-19T20:00:00
duration = "PT1H"

[[event]]
id = "ny-summer"
title = "NY summer"
start = 2026-07-15T09:30:00
end = 2026-07-15T10:15:00
timezone = "America/New_York"

[[event]]
id = "ny-winter"
title = "NY winter"
start = 2026-12-15T09:30:00
duration = "45m"
timezone = "America/New_York"

[[event]]
id = "offset"
title = "Offset"
start = 2026-02-19T09:00:00+05:30

[[event]]
id = "repeated-hour"
title = "Clocks go back"
start = 2026-11-01T01:15:00
timezone = "America/New_York"
"""

EXPECTED_UTC = {
    "shanghai": (datetime(2026, 2, 19, 12, 0, tzinfo=UTC), datetime(2026, 2, 19, 13, 0, tzinfo=UTC)),
    "ny-summer": (datetime(2026, 7, 15, 13, 30, tzinfo=UTC), datetime(2026, 7, 15, 14, 15, tzinfo=UTC)),
    "ny-winter": (datetime(2026, 12, 15, 14, 30, tzinfo=UTC), datetime(2026, 12, 15, 15, 15, tzinfo=UTC)),
    "offset": (datetime(2026, 2, 19, 3, 30, tzinfo=UTC), datetime(2026, 2, 19, 4, 30, tzinfo=UTC)),
    # 01:15 happens twice; the RFC means the first (EDT, -4), so it is sent in UTC
    "repeated-hour": (datetime(2026, 11, 1, 5, 15, tzinfo=UTC), datetime(2026, 11, 1, 6, 15, tzinfo=UTC)),
}


def test_timed_events_mean_the_same_instant_to_both_parsers(built):
    result, out = built(TIMED)
    assert result.exit_code == 0, result.stderr
    data = (out / "test.ics").read_bytes()
    events = vevents(data)
    _, strict = parse(data)
    strict_events = {e.uid: e for e in strict.events}
    for event_id, (start, end) in EXPECTED_UTC.items():
        uid = f"{event_id}.test@keydates"
        assert events[uid]["DTSTART"].dt.astimezone(UTC) == start, event_id
        assert events[uid]["DTEND"].dt.astimezone(UTC) == end, event_id
        assert strict_events[uid].dtstart.astimezone(UTC) == start, event_id
        assert strict_events[uid].dtend.astimezone(UTC) == end, event_id
        assert events[uid]["TRANSP"] == "OPAQUE"  # timed events are busy by default
    assert b"DTSTART;TZID=Asia/Shanghai:20260219T200000\r\n" in data
    assert b"DTSTART;TZID=America/New_York:20260715T093000\r\n" in data
    assert b"DTSTART:20260219T033000Z\r\n" in data
    assert b"DTSTART:20261101T051500Z\r\n" in data


def test_every_tzid_has_a_vtimezone_readable_without_the_zone_database(built):
    """Rename the zones so parsers must use our VTIMEZONE, not their own database."""
    result, out = built(TIMED)
    data = (out / "test.ics").read_bytes().decode("utf-8")
    lenient, _ = parse(data.encode())
    tzids = {str(tz["TZID"]) for tz in lenient.walk("VTIMEZONE")}
    used = set(re.findall(r"TZID=([^:;]+)", data))
    assert used == tzids == {"Asia/Shanghai", "America/New_York"}
    assert not re.search(r"RDATE[^\r\n]*,", data)  # one date per RDATE line (ical.js)
    renamed = data.replace("Asia/Shanghai", "Custom/Zone-A").replace("America/New_York", "Custom/Zone-B")
    strict = IcsCalendarStream.calendar_from_ics(renamed)
    for event in strict.events:
        event_id = event.uid.split(".")[0]
        assert event.dtstart.astimezone(UTC) == EXPECTED_UTC[event_id][0], event_id


def test_shanghai_zone_is_one_fixed_offset_block(built):
    result, out = built(TIMED)
    lenient, _ = parse((out / "test.ics").read_bytes())
    (shanghai,) = [tz for tz in lenient.walk("VTIMEZONE") if tz["TZID"] == "Asia/Shanghai"]
    assert [c.name for c in shanghai.subcomponents] == ["STANDARD"]
    assert ZoneInfo("Asia/Shanghai").utcoffset(datetime(2026, 2, 19)) == timedelta(hours=8)


# -- RFC 7986 COLOR and CONFERENCE ------------------------------------------

COLORED = """\
[calendar]
name = "Colored"
timezone = "Europe/Berlin"
color = "{calendar}"

[[event]]
id = "call"
title = "Earnings call"
start = 2026-02-19T14:00:00
duration = "1h"
url = "https://example.com/ir"
color = "SteelBlue"
conference = "https://meet.example.com/q4?pin=1234"

[[event]]
id = "plain"
title = "Plain"
date = 2026-02-20
url = "https://example.com/"
"""


def build_colored(tmp_path, calendar_color: str) -> bytes:
    from conftest import event_file, run

    path = event_file(tmp_path, COLORED.format(calendar=calendar_color))
    result = run("build", path, "-o", tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    return (tmp_path / "dist" / "test.ics").read_bytes()


def calendar_lines(data: bytes) -> list[bytes]:
    """The VCALENDAR's own properties, before the first component."""
    lines = content_lines(data)
    return lines[: next(i for i, line in enumerate(lines) if line.startswith(b"BEGIN:V") and i > 0)]


@pytest.mark.parametrize(
    ("given", "color", "apple"),
    [
        ("SteelBlue", b"COLOR:steelblue", b"X-APPLE-CALENDAR-COLOR:#4682B4"),  # a name: its hex for Apple
        ("#4682B4", b"COLOR:steelblue", b"X-APPLE-CALENDAR-COLOR:#4682B4"),  # a hex that is a CSS3 color
        ("#1a73e8", None, b"X-APPLE-CALENDAR-COLOR:#1A73E8"),  # no CSS3 name: no COLOR, and none guessed
        ("#abc", None, b"X-APPLE-CALENDAR-COLOR:#AABBCC"),
    ],
    ids=["name", "hex-of-a-name", "hex", "short-hex"],
)
def test_calendar_color_is_color_where_rfc_7986_allows_and_apples_hex(tmp_path, given, color, apple):
    data = build_colored(tmp_path, given)
    head = calendar_lines(data)
    assert [line for line in head if line.startswith(b"COLOR:")] == ([color] if color else [])
    assert [line for line in head if line.startswith(b"X-APPLE-CALENDAR-COLOR:")] == [apple]
    lenient, strict = parse(data)
    if color:
        assert str(lenient["COLOR"]) == color.split(b":")[1].decode()


def test_event_color_and_conference(tmp_path):
    data = build_colored(tmp_path, "navy")
    events = vevents(data)
    call, plain = events["call.test@keydates"], events["plain.test@keydates"]
    assert str(call["COLOR"]) == "steelblue" and "COLOR" not in plain
    # CONFERENCE takes VALUE=URI (RFC 7986 5.11), and the link is in DESCRIPTION for Google, which ignores CONFERENCE.
    assert b"CONFERENCE;VALUE=URI:https://meet.example.com/q4?pin=1234" in content_lines(data)
    assert str(call["CONFERENCE"]) == "https://meet.example.com/q4?pin=1234"
    assert call["CONFERENCE"].params["VALUE"] == "URI"
    assert str(call["DESCRIPTION"]) == "Join online: https://meet.example.com/q4?pin=1234\n\nSource: https://example.com/ir"
    assert "CONFERENCE" not in plain
    _, strict = parse(data)
    assert len(strict.events) == 2


def test_adding_a_color_or_conference_bumps_sequence_and_leaves_other_events_alone(tmp_path):
    from conftest import event_file, run

    body = '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-03-01\nurl = "https://example.com/"\n\n[[event]]\nid = "b"\ntitle = "B"\ndate = 2026-03-02\nurl = "https://example.com/"\n'
    path = event_file(tmp_path, body)
    assert run("build", path, "-o", tmp_path / "dist").exit_code == 0
    path.write_text(path.read_text().replace('title = "A"', 'title = "A"\ncolor = "teal"\nconference = "https://meet.example.com/a"'))
    assert run("build", path, "-o", tmp_path / "dist", env={"SOURCE_DATE_EPOCH": "1780000000"}).exit_code == 0
    events = vevents((tmp_path / "dist" / "test.ics").read_bytes())
    assert events["a.test@keydates"]["SEQUENCE"] == 1
    assert events["b.test@keydates"]["SEQUENCE"] == 0
