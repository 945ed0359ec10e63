"""A monthly rule from the 29th-31st skips short months (RFC 5545 3.3.10):
`check` warns and offers the rule that means "that day, or the month's last"."""

from __future__ import annotations

import re
from datetime import date

import recurring_ical_events

from conftest import event_file, parse, run


def _warnings(tmp_path, start: str, repeat: str) -> list[str]:
    path = event_file(tmp_path, f"""
        [[event]]
        id = "pay-day"
        title = "Pay day"
        url = "https://example.org/"
        date = {start}
        repeat = "{repeat}"
    """)
    result = run("check", path)
    assert result.exit_code == 0, result.output
    return [line for line in result.stderr.splitlines() if "repeat:" in line]


def _suggested(warning: str) -> str:
    return re.search(r'use repeat = "([^"]+)"', warning).group(1)


def _days(tmp_path, start: str, repeat: str) -> list[date]:
    path = event_file(tmp_path, f"""
        [[event]]
        id = "pay-day"
        title = "Pay day"
        url = "https://example.org/"
        date = {start}
        repeat = "{repeat}"
    """, name="suggested.toml")
    out = tmp_path / "out"
    assert run("build", path, "-o", out).exit_code == 0
    lenient, _ = parse((out / "suggested.ics").read_bytes())
    return [e["DTSTART"].dt for e in recurring_ical_events.of(lenient).between(date(2026, 1, 1), date(2027, 1, 1))]


def test_the_31st_warns_and_the_suggestion_gives_every_month_end(tmp_path):
    (warning,) = _warnings(tmp_path, "2026-01-31", "monthly")
    assert "skips the months that have no such day" in warning
    rule = _suggested(warning)
    assert rule == "FREQ=MONTHLY;BYMONTHDAY=-1"
    days = _days(tmp_path, "2026-01-31", rule)
    assert days[:4] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert len(days) == 12


def test_the_30th_with_a_count_keeps_its_count_in_the_suggestion(tmp_path):
    (warning,) = _warnings(tmp_path, "2026-01-30", "FREQ=MONTHLY;COUNT=12")
    rule = _suggested(warning)
    assert rule == "FREQ=MONTHLY;COUNT=12;BYMONTHDAY=28,29,30;BYSETPOS=-1"
    days = _days(tmp_path, "2026-01-30", rule)
    assert days[:3] == [date(2026, 1, 30), date(2026, 2, 28), date(2026, 3, 30)]
    assert len(days) == 12 and days[-1] == date(2026, 12, 30)


def test_no_warning_when_no_month_is_skipped(tmp_path):
    assert _warnings(tmp_path, "2026-03-29", "FREQ=MONTHLY;COUNT=6") == []  # Mar-Aug all have a 29th
    assert _warnings(tmp_path, "2026-01-31", "FREQ=MONTHLY;BYMONTHDAY=-1") == []
    assert _warnings(tmp_path, "2026-01-28", "monthly") == []
    assert _warnings(tmp_path, "2026-01-31", "FREQ=MONTHLY;INTERVAL=12") == []  # every January
