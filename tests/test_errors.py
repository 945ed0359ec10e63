"""Every kind of bad input: exit status 1, one line per problem naming file,
event and field, no traceback, and nothing written."""

from __future__ import annotations

import pytest

from conftest import CALENDAR_HEADER, event_file, run

GOOD = """
[[event]]
id = "ok"
title = "Fine"
date = 2026-02-06
url = "https://example.com/"
"""

# (event body, message expected on stderr); the file is events/test.toml
BAD_EVENTS = [
    ("invalid-toml", 'id = "a"\ntitle = "x\n', "events/test.toml: invalid TOML: Illegal character '\\n' (at line"),
    ("missing-id", '[[event]]\ntitle = "A"\ndate = 2026-02-06', "events/test.toml: event #1: id: missing (required)"),
    ("duplicate-id", GOOD + GOOD, "events/test.toml: event 'ok': id: duplicate id (event #1 has it too)"),
    ("bad-id", '[[event]]\nid = "Deep Seek"\ntitle = "A"\ndate = 2026-02-06', "events/test.toml: event 'Deep Seek': id: 'Deep Seek' is not a valid id: use lower-case letters, digits and single hyphens"),
    ("id-not-string", '[[event]]\nid = 5\ntitle = "A"\ndate = 2026-02-06', "events/test.toml: event #1: id: expected a string, got integer 5"),
    ("missing-title", '[[event]]\nid = "a"\ndate = 2026-02-06', "events/test.toml: event 'a': title: missing (required)"),
    ("empty-title", '[[event]]\nid = "a"\ntitle = " "\ndate = 2026-02-06', "events/test.toml: event 'a': title: must not be empty"),
    ("no-when", '[[event]]\nid = "a"\ntitle = "A"', "events/test.toml: event 'a': date: no date: give exactly one of date, start (with end or duration) or when"),
    ("two-whens", '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\nwhen = "mid-february 2026"', "events/test.toml: event 'a': when: give only one way of saying when, not date and when"),
    ("end-without-start", '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\nend = 2026-02-07', "events/test.toml: event 'a': end: only goes with start (this event uses date)"),
    ("end-and-duration", '[[event]]\nid = "a"\ntitle = "A"\nstart = 2026-02-06\nend = 2026-02-07\nduration = "P1D"', "events/test.toml: event 'a': duration: give end or duration, not both"),
    ("end-before-start", '[[event]]\nid = "deepseek-v4"\ntitle = "A"\nstart = 2026-02-15\nend = 2026-02-10', "events/test.toml: event 'deepseek-v4': end: 2026-02-10 is before start 2026-02-15"),
    ("timed-end-before-start", '[[event]]\nid = "a"\ntitle = "A"\nstart = 2026-02-15T10:00:00\nend = 2026-02-15T09:00:00', "events/test.toml: event 'a': end: 2026-02-15T09:00 is before start 2026-02-15T10:00"),
    ("impossible-date-toml", '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-30', "events/test.toml: invalid TOML: Invalid date or datetime (at line"),
    ("impossible-date-string", '[[event]]\nid = "a"\ntitle = "A"\ndate = "2026-02-30"', "events/test.toml: event 'a': date: '2026-02-30' is not a valid date (day is out of range for month)"),
    ("date-with-time", '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06T10:00:00', "events/test.toml: event 'a': date: 2026-02-06T10:00 has a time of day; date takes a day like 2026-02-06"),
    ("mixed-start-end", '[[event]]\nid = "a"\ntitle = "A"\nstart = 2026-02-06\nend = 2026-02-07T10:00:00', "events/test.toml: event 'a': end: 2026-02-07T10:00 has a time of day but start 2026-02-06 has none"),
    ("unknown-event-zone", '[[event]]\nid = "a"\ntitle = "A"\nstart = 2026-02-06T10:00:00\ntimezone = "Asia/Shangai"', "events/test.toml: event 'a': timezone: unknown time zone 'Asia/Shangai' (did you mean 'Asia/Shanghai'?); use an IANA name"),
    ("zone-on-all-day", '[[event]]\nid = "a"\ntitle = "A"\nstart = 2026-02-06\ntimezone = "UTC"', "events/test.toml: event 'a': timezone: all-day events have no time zone"),
    ("zone-with-offset", '[[event]]\nid = "a"\ntitle = "A"\nstart = 2026-02-06T10:00:00+08:00\ntimezone = "UTC"', "events/test.toml: event 'a': timezone: start has a UTC offset already"),
    ("skipped-hour", '[[event]]\nid = "a"\ntitle = "A"\nstart = 2026-03-08T02:30:00\ntimezone = "America/New_York"', "events/test.toml: event 'a': start: 2026-03-08T02:30 does not exist in America/New_York (the clocks skip that hour)"),
    ("bad-window", '[[event]]\nid = "a"\ntitle = "A"\nwhen = "mid-febuary 2026"', "events/test.toml: event 'a': when: cannot read 'mid-febuary 2026' as a window: 'febuary' is not a month; accepted forms: early|mid|late MONTH YEAR"),
    ("window-not-string", '[[event]]\nid = "a"\ntitle = "A"\nwhen = 2026', "events/test.toml: event 'a': when: expected a string, got integer 2026"),
    ("unknown-key", '[[event]]\nid = "a"\ntitel = "A"\ndate = 2026-02-06', "events/test.toml: event 'a': titel: unknown key (did you mean 'title'?)"),
    ("unknown-key-far", '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\ncolour_scheme = 1', "events/test.toml: event 'a': colour_scheme: unknown key"),
    ("bad-status", '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\nstatus = "maybe"', "events/test.toml: event 'a': status: unknown status 'maybe': accepted values are confirmed, tentative, cancelled"),
    ("bad-tags", '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\ntags = "earnings"', "events/test.toml: event 'a': tags: expected a list, got string 'earnings'"),
    ("comma-in-tag", '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\ntags = ["a, b"]', "events/test.toml: event 'a': tags: 'a, b': a tag cannot contain a comma (calendar apps split tags at commas)"),
    ("bad-busy", '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\nbusy = "yes"', "events/test.toml: event 'a': busy: expected true or false, got string 'yes'"),
    ("bad-url", '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\nurl = "example.com"', "events/test.toml: event 'a': url: 'example.com' is not a web address (expected http:// or https://)"),
    ("bad-duration", '[[event]]\nid = "a"\ntitle = "A"\nstart = 2026-02-06T10:00:00\nduration = "an hour"', "events/test.toml: event 'a': duration: cannot read 'an hour' as a duration"),
    ("partial-day-duration", '[[event]]\nid = "a"\ntitle = "A"\nstart = 2026-02-06\nduration = "PT5H"', "events/test.toml: event 'a': duration: an all-day event lasts whole days, not 5:00:00"),
    ("unknown-top-key", '[[events]]\nid = "a"', "events/test.toml: events: unknown key (did you mean 'event'?)"),
]

BAD_CALENDARS = [
    ("events-not-tables", 'event = ["a"]\n' + CALENDAR_HEADER, "events/test.toml: event: must be a list of [[event]] tables"),
    ("missing-calendar", "[[event]]\nid = \"a\"\ntitle = \"A\"\ndate = 2026-02-06\n", "events/test.toml: [calendar]: missing [calendar] table (with at least name and timezone)"),
    ("unknown-calendar-zone", '[calendar]\nname = "T"\ntimezone = "Mars/Olympus"\n' + GOOD, "events/test.toml: [calendar] timezone: unknown time zone 'Mars/Olympus'"),
    ("missing-name", '[calendar]\ntimezone = "UTC"\n' + GOOD, "events/test.toml: [calendar] name: missing (required)"),
    ("missing-zone", '[calendar]\nname = "T"\n' + GOOD, "events/test.toml: [calendar] timezone: missing (required)"),
    ("unknown-calendar-key", '[calendar]\nname = "T"\ntimezone = "UTC"\ntimzone = "UTC"\n' + GOOD, "events/test.toml: [calendar] timzone: unknown key (did you mean 'timezone'?)"),
    ("reserved-calendar-id", '[calendar]\nid = "all"\nname = "T"\ntimezone = "UTC"\n' + GOOD, "events/test.toml: [calendar] id: 'all' is reserved (all.ics combines every calendar)"),
    ("bad-refresh", '[calendar]\nname = "T"\ntimezone = "UTC"\nrefresh = "often"\n' + GOOD, "events/test.toml: [calendar] refresh: cannot read 'often' as a duration"),
]


@pytest.mark.parametrize(("body", "message"), [case[1:] for case in BAD_EVENTS + BAD_CALENDARS], ids=[case[0] for case in BAD_EVENTS + BAD_CALENDARS])
@pytest.mark.parametrize("command", ["build", "check", "list"])
def test_bad_input_is_reported_and_nothing_written(tmp_path, monkeypatch, body, message, command):
    monkeypatch.chdir(tmp_path)
    text = body if "[calendar]" in body or "missing [calendar]" in message else CALENDAR_HEADER + "\n" + body
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "test.toml").write_text(text, encoding="utf-8")
    result = run(command)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert any(line.startswith(f"error: {message}") for line in errors), result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "dist").exists()
    assert not (tmp_path / "events" / "keydates.lock").exists()


def test_every_problem_is_reported_not_just_the_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    event_file(tmp_path, '[[event]]\nid = "a"\ntitel = "A"\ndate = 2026-02-06\n\n[[event]]\nid = "b"\ntitle = "B"\nwhen = "soon"\n', name="one.toml")
    event_file(tmp_path, '[[event]]\ntitle = "C"\ndate = 2026-02-06\n', name="two.toml")
    result = run("check")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: events/one.toml: event 'a': titel: unknown key (did you mean 'title'?)",
        "error: events/one.toml: event 'a': title: missing (required)",
        "error: events/one.toml: event 'b': when: cannot read 'soon' as a window: accepted forms: "
        "early|mid|late MONTH YEAR (e.g. 'mid-february 2026'), MONTH YEAR ('january 2025'), "
        "Qn YEAR ('q3 2026'), Hn YEAR ('h2 2026'), YEAR ('2027')",
        "error: events/two.toml: event #1: id: missing (required)",
    ]
    assert result.stderr.splitlines()[-1] == "4 problems found; nothing was written."


def test_non_utf8_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = event_file(tmp_path, GOOD)
    path.write_bytes(path.read_bytes().replace(b"Fine", b"F\xe9e"))  # Latin-1 e-acute
    result = run("build")
    assert result.exit_code == 1
    assert "error: events/test.toml: not valid UTF-8: byte 0xe9 at line 8, column 11 (save the file as UTF-8)" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_missing_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("build", "nowhere.toml")
    assert result.exit_code == 1
    assert "error: nowhere.toml: no such file or folder" in result.stderr


def test_empty_events_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "events").mkdir()
    result = run("build")
    assert result.exit_code == 1
    assert "error: events: no event files (*.toml) in this folder" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_duplicate_calendar_ids(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    event_file(tmp_path, '[calendar]\nid = "same"\nname = "A"\ntimezone = "UTC"\n' + GOOD, name="a.toml")
    event_file(tmp_path, '[calendar]\nid = "same"\nname = "B"\ntimezone = "UTC"\n' + GOOD, name="b.toml")
    result = run("build")
    assert result.exit_code == 1
    assert "error: events/b.toml: [calendar] id: calendar id 'same' is also used by events/a.toml" in result.stderr


def test_file_name_that_is_no_calendar_id(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    event_file(tmp_path, GOOD, name="My Events.toml")
    result = run("build")
    assert result.exit_code == 1
    assert "error: events/My Events.toml: [calendar] id: the file name gives calendar id 'My Events', which 'My Events' is not a valid id" in result.stderr


def test_unwritable_output_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    event_file(tmp_path, GOOD)
    (tmp_path / "blocker").write_text("a file, not a folder")
    result = run("build", "-o", "blocker/dist")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: blocker/dist: cannot write: ")
    assert not (tmp_path / "events" / "keydates.lock").exists()


def test_broken_edit_keeps_the_published_feed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = event_file(tmp_path, GOOD)
    assert run("build").exit_code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()}
    lock_before = (tmp_path / "events" / "keydates.lock").read_bytes()
    path.write_text(path.read_text().replace("2026-02-06", "2026-02-31"))
    result = run("build")
    assert result.exit_code == 1
    assert {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()} == before
    assert (tmp_path / "events" / "keydates.lock").read_bytes() == lock_before


def test_warnings_do_not_fail_unless_strict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    event_file(tmp_path, '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\n')
    result = run("check")
    assert result.exit_code == 0
    assert "warning: events/test.toml: event 'a': url: no source url (where does this date come from?)" in result.stderr
    assert result.stdout == "ok: 1 calendars, 1 events, 1 warnings\n"
    strict = run("check", "--strict")
    assert strict.exit_code == 1
    assert "warning: events/test.toml: event 'a': url: no source url" in strict.stderr
