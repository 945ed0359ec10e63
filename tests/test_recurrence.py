"""Repeating events, reminders and public holidays (issue 3), checked against
independent expanders: recurring-ical-events and the strict `ical` parser."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from ical.calendar_stream import IcsCalendarStream

from conftest import event_file, parse, run, vevents

UTC = timezone.utc

TIMELINE = """
[calendar]
name = "Repeats"
timezone = "America/New_York"
remind = ["1d"]

[[event]]
id = "earnings"
title = "Quarterly earnings"
date = 2026-02-19
repeat = "FREQ=MONTHLY;INTERVAL=3;COUNT=8"
url = "https://example.com/ir"
tags = ["earnings"]

[[event]]
id = "festival"
title = "Lantern Festival"
date = 2026-03-03
repeat = "yearly"
until = 2031-12-31
except = [2028-03-03]
remind = ["09:00 the day before", "at start"]
url = "https://example.com/festival"

[[event]]
id = "standup"
title = "Weekly meeting"
start = 2026-02-02T09:30:00
duration = "45m"
repeat = "FREQ=WEEKLY;BYDAY=MO;UNTIL=20261231"
except = [2026-03-09, 2026-11-02T09:30:00]
remind = []
url = "https://example.com/meeting"

[[event]]
id = "berlin-call"
title = "Monthly call, Berlin"
start = 2026-01-29T18:00:00
timezone = "Europe/Berlin"
repeat = "FREQ=MONTHLY;BYDAY=-1TH;COUNT=14"
url = "https://example.com/call"

[[event]]
id = "daily-open"
title = "Market open"
start = 2026-03-06T09:30:00
repeat = "daily"
count = 5
url = "https://example.com/open"

[[holidays]]
country = "CN"
years = [2026]
language = "en_US"
only = ["Chinese New Year"]
blocks = true
"""

RANGE = (date(2026, 1, 1), date(2032, 1, 1))


def build_timeline(tmp_path, text=TIMELINE):
    path = event_file(tmp_path, text, name="repeats.toml")
    out = tmp_path / "dist"
    result = run("build", path, "-o", out)
    assert result.exit_code == 0, result.stderr
    return path, (out / "repeats.ics").read_bytes()


def as_key(value):
    """Dates stay dates; times compare as UTC instants."""
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def listed(path, start=RANGE[0], end=RANGE[1] - timedelta(days=1)):
    result = run("list", path, "--format", "json", "--from", start.isoformat(), "--to", end.isoformat())
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    occurrences = set()
    for row in rows:
        if row["all_day"]:
            start_value = date.fromisoformat(row["start"])
            end_value = date.fromisoformat(row["end"]) + timedelta(days=1)  # list shows the last day
        else:
            start_value = datetime.fromisoformat(row["start"])
            end_value = datetime.fromisoformat(row["end"])
        occurrences.add((row["uid"], as_key(start_value), as_key(end_value)))
    return occurrences


def test_list_matches_recurring_ical_events(tmp_path):
    path, data = build_timeline(tmp_path)
    calendar = icalendar.Calendar.from_ical(data)
    expanded = {
        (str(e["UID"]), as_key(e["DTSTART"].dt), as_key(e["DTEND"].dt))
        for e in recurring_ical_events.of(calendar).between(*RANGE)
    }
    ours = listed(path)
    assert ours == expanded
    counts = {uid: sum(1 for u, *_ in ours if u == uid) for uid, *_ in ours}
    assert counts["earnings.repeats@keydates"] == 8
    assert counts["festival.repeats@keydates"] == 5  # 2026-2031 less 2028
    assert counts["berlin-call.repeats@keydates"] == 14
    assert counts["daily-open.repeats@keydates"] == 5
    assert counts["standup.repeats@keydates"] == 46  # 48 Mondays from 2026-02-02 to 2026-12-28, less two
    assert counts["cn-2026-chinese-new-year-spring-festival.repeats@keydates"] == 1


def test_list_matches_the_strict_parser_timeline(tmp_path):
    path, data = build_timeline(tmp_path)
    strict = IcsCalendarStream.calendar_from_ics(data.decode())
    theirs = set()
    for event in strict.timeline:
        start = event.dtstart
        if (start.date() if isinstance(start, datetime) else start) >= RANGE[1]:
            break
        theirs.add((event.uid, as_key(start), as_key(event.dtend)))
    assert listed(path) == theirs


def test_weekly_meeting_keeps_its_wall_clock_time_across_dst(tmp_path):
    path, data = build_timeline(tmp_path)
    meetings = sorted(start for uid, start, _ in listed(path) if uid.startswith("standup."))
    local = [m.astimezone(ZoneInfo("America/New_York")) for m in meetings]
    assert {(m.hour, m.minute) for m in local} == {(9, 30)}
    assert {m.utcoffset() for m in local} == {timedelta(hours=-5), timedelta(hours=-4)}
    assert datetime(2026, 3, 9, 13, 30, tzinfo=UTC) not in meetings  # excepted
    assert datetime(2026, 3, 16, 13, 30, tzinfo=UTC) in meetings  # EDT: 09:30 is 13:30 UTC
    assert datetime(2026, 3, 2, 14, 30, tzinfo=UTC) in meetings  # EST: 14:30 UTC


def test_rules_and_exdates_in_the_ics(tmp_path):
    _, data = build_timeline(tmp_path)
    text = data.decode()
    assert "RRULE:FREQ=MONTHLY;INTERVAL=3;COUNT=8\r\n" in text
    assert "RRULE:FREQ=YEARLY;UNTIL=20311231\r\n" in text  # a DATE, like its DTSTART
    assert "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270101T045959Z\r\n" in text  # UTC, as RFC 5545 3.3.10 wants
    assert "RRULE:FREQ=DAILY;COUNT=5\r\n" in text
    assert "EXDATE;VALUE=DATE:20280303\r\n" in text
    assert "EXDATE;TZID=America/New_York:20260309T093000\r\n" in text
    assert "EXDATE;TZID=America/New_York:20261102T093000\r\n" in text


def test_vtimezones_cover_every_occurrence_by_their_own_definition(tmp_path):
    """Rename the zones, so the parsers must use our VTIMEZONEs, then compare with zoneinfo."""
    path, data = build_timeline(tmp_path)
    text = data.decode()
    assert not re.search(r"RDATE[^\r\n]*,", text)
    renamed = text.replace("America/New_York", "Test/Zone-NY").replace("Europe/Berlin", "Test/Zone-BER")
    strict = IcsCalendarStream.calendar_from_ics(renamed)
    lenient = icalendar.Calendar.from_ical(renamed)
    expected = {(uid, start) for uid, start, _ in listed(path) if isinstance(start, datetime)}
    got_strict, got_lenient = set(), set()
    for event in strict.timeline:
        if isinstance(event.dtstart, datetime) and event.dtstart.year < 2032:
            got_strict.add((event.uid, event.dtstart.astimezone(UTC)))
    for event in recurring_ical_events.of(lenient).between(*RANGE):
        if isinstance(event["DTSTART"].dt, datetime):
            got_lenient.add((str(event["UID"]), event["DTSTART"].dt.astimezone(UTC)))
    assert got_strict == expected
    assert got_lenient == expected
    assert len(expected) == 46 + 14 + 5


def test_reminders(tmp_path):
    _, data = build_timeline(tmp_path)
    events = vevents(data)

    def triggers(uid):
        alarms = [c for c in events[uid].subcomponents if c.name == "VALARM"]
        for alarm in alarms:
            assert alarm["ACTION"] == "DISPLAY"
            assert str(alarm["DESCRIPTION"]) == "Reminder: " + str(events[uid]["SUMMARY"])  # describe.reminder_text
        return [alarm["TRIGGER"].dt for alarm in alarms]

    assert triggers("earnings.repeats@keydates") == [timedelta(days=-1)]  # calendar default
    assert triggers("festival.repeats@keydates") == [timedelta(hours=-15), timedelta(0)]  # 09:00 the day before
    assert triggers("standup.repeats@keydates") == []  # remind = [] switches it off
    assert triggers("cn-2026-chinese-new-year-spring-festival.repeats@keydates") == [timedelta(days=-1)]
    _, strict = parse(data)
    festival = next(e for e in strict.events if e.uid.startswith("festival."))
    assert [a.trigger for a in festival.alarm] == [timedelta(hours=-15), timedelta(0)]


def test_time_of_day_reminder_for_a_timed_event_is_exact_across_dst(tmp_path):
    body = '[[event]]\nid = "a"\ntitle = "A"\nstart = 2026-03-09T14:00:00\ntimezone = "America/New_York"\nremind = ["09:00 the day before"]\nurl = "https://example.com"\n'
    path = event_file(tmp_path, body)
    result = run("build", path, "-o", tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    event = vevents((tmp_path / "dist" / "test.ics").read_bytes())["a.test@keydates"]
    (alarm,) = event.subcomponents
    # 2026-03-08 09:00 EDT (clocks went forward at 02:00 that day), written as
    # that instant: a relative trigger is read on the wall clock by some readers
    assert alarm["TRIGGER"].dt == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    assert alarm["TRIGGER"].params["VALUE"] == "DATE-TIME"


def test_cn_holiday_block(tmp_path):
    _, data = build_timeline(tmp_path)
    event = vevents(data)["cn-2026-chinese-new-year-spring-festival.repeats@keydates"]
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2026, 2, 15), date(2026, 2, 24))  # nine days
    assert event["TRANSP"] == "TRANSPARENT"
    assert [str(c) for c in event["CATEGORIES"].cats] == ["holiday"]


def test_holiday_blocks_without_make_up_days(tmp_path):
    body = '[[holidays]]\ncountry = "DE"\nyears = [2026]\nlanguage = "en_US"\nonly = ["Pentecost Monday", "Christmas"]\nblocks = true\n'
    path = event_file(tmp_path, body)
    rows = json.loads(run("list", path, "--format", "json").stdout)
    assert [(r["id"], r["start"], r["end"]) for r in rows] == [
        ("de-2026-pentecost-monday", "2026-05-23", "2026-05-25"),  # Saturday to Whit Monday
        ("de-2026-christmas-day", "2026-12-25", "2026-12-27"),  # Friday to Sunday
    ]


def test_default_timeline_takes_the_spring_festival_block_from_the_source():
    from conftest import DEFAULT_TIMELINE

    rows = json.loads(run("list", DEFAULT_TIMELINE, "--format", "json").stdout)
    (holiday,) = [r for r in rows if r["id"] == "spring-festival-holiday"]
    assert (holiday["start"], holiday["end"], holiday["uid"]) == ("2026-02-15", "2026-02-23", "spring-festival-holiday.alibaba-qwen-cny-2026@keydates")
    assert "holiday" in holiday["tags"]


def test_open_rule_lists_up_to_a_year_past_today(tmp_path):
    body = '[[event]]\nid = "m"\ntitle = "Monthly"\ndate = 2026-01-15\nrepeat = "monthly"\nurl = "https://example.com"\n'
    path = event_file(tmp_path, body)
    rows = json.loads(run("list", path, "--format", "json", "--today", "2026-06-01").stdout)
    assert rows[0]["start"] == "2026-01-15"
    assert rows[-1]["start"] == "2027-05-15"  # 2027-06-01 is the horizon


# Bad repeat, except, remind and [[holidays]] values are in the corpus,
# tests/data/bad/ (see test_errors.py); these need a calendar around them.


def test_window_cannot_repeat(tmp_path):
    path = event_file(tmp_path, '[[event]]\nid = "e"\ntitle = "E"\nwhen = "q1 2026"\nrepeat = "yearly"\n')
    result = run("check", path)
    assert f"error: {path}: event 'e': repeat: a window cannot repeat; give a date or start" in result.stderr


def test_timed_reminder_after_start(tmp_path):
    path = event_file(tmp_path, '[[event]]\nid = "e"\ntitle = "E"\nstart = 2026-02-06T08:00:00\nremind = ["09:00 on the day"]\n')
    result = run("check", path)
    assert f"error: {path}: event 'e': remind: '09:00 on the day' is after the event starts" in result.stderr


def test_holiday_id_clashing_with_an_event(tmp_path):
    body = '[[event]]\nid = "cny"\ntitle = "E"\ndate = 2026-02-06\n\n[[holidays]]\ncountry = "CN"\nyears = [2026]\nonly = ["Chinese New Year"]\nblocks = true\nid = "cny"\n'
    path = event_file(tmp_path, body)
    result = run("check", path)
    assert f"error: {path}: holidays: the holiday id 'cny' is also an event's id" in result.stderr


def test_list_puts_occurrences_in_repeated_and_skipped_hours_where_zoneinfo_does(tmp_path):
    """The first of two 01:30s, and 02:30 moved past the gap to 03:30 (RFC 5545 3.3.5)."""
    body = """
[[event]]
id = "back"
title = "Back"
url = "https://example.org/"
start = 2026-10-25T01:30:00
repeat = "weekly"
count = 2

[[event]]
id = "forward"
title = "Forward"
url = "https://example.org/"
start = 2027-03-07T02:30:00
repeat = "weekly"
count = 2
"""
    path = event_file(tmp_path, body, header='[calendar]\nname = "T"\ntimezone = "America/New_York"\n')
    rows = json.loads(run("list", path, "--format", "json", "--today", "2026-10-01", "--to", "2027-12-31").stdout)
    ny = ZoneInfo("America/New_York")
    expected = [datetime(2026, 10, 25, 1, 30, tzinfo=ny), datetime(2026, 11, 1, 1, 30, tzinfo=ny, fold=0),
                datetime(2027, 3, 7, 2, 30, tzinfo=ny), datetime(2027, 3, 14, 2, 30, tzinfo=ny, fold=0)]
    starts = [datetime.fromisoformat(row["start"]) for row in rows]
    assert [s.astimezone(UTC) for s in starts] == [e.astimezone(UTC) for e in expected]
    assert starts[1].utcoffset() == timedelta(hours=-4)  # EDT: the first 01:30
    assert starts[3].isoformat() == "2027-03-14T03:30:00-04:00"  # shown past the gap
