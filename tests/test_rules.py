"""RRULEs by the RFC 5545 3.3.10 grammar, written canonically, expanded with bounded work.

Refusals are in the corpus (tests/data/bad/rule-*.toml); here: what valid
rules become, and that the bounded expansion gives what plain dateutil does.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from conftest import event_file, run
from keydates.recurrence import is_occurrence, make_rule, occurrences, parse_rule, span_end
from keydates.model import Event

UTC = timezone.utc


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("freq=weekly;byday=mo,we", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("RRULE:BYDAY=+2SU;FREQ=MONTHLY", "FREQ=MONTHLY;BYDAY=2SU"),  # FREQ first (RFC 5545 3.3.10)
        ("FREQ=MONTHLY;BYMONTHDAY=+05,-01", "FREQ=MONTHLY;BYMONTHDAY=5,-1"),
        (" FREQ = YEARLY ; BYMONTH = 02 ; BYMONTHDAY = 1 ", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1"),
        ("FREQ=WEEKLY;BYDAY=MO,MO;WKST=su;", "FREQ=WEEKLY;BYDAY=MO;WKST=SU"),
        ("FREQ=DAILY;INTERVAL=007;COUNT=010", "FREQ=DAILY;INTERVAL=7;COUNT=10"),
    ],
)
def test_harmless_spellings_become_one_canonical_rule(written, canonical):
    assert parse_rule(written).text() == canonical


def test_canonical_rule_is_what_the_feed_carries(tmp_path):
    body = '[[event]]\nid = "e"\ntitle = "E"\ndate = 2026-02-08\nrepeat = "byday=+2su;freq=monthly;count=03"\nurl = "https://example.com/"\n'
    path = event_file(tmp_path, body)
    assert run("build", path, "-o", tmp_path / "dist").exit_code == 0
    assert b"\r\nRRULE:FREQ=MONTHLY;BYDAY=2SU;COUNT=3\r\n" in (tmp_path / "dist" / "test.ics").read_bytes()


def test_yearly_from_29_february_is_spelled_out_and_warned(tmp_path):
    # The same rule: ical.js moves an implicit 29 February to 1 March in other years.
    assert make_rule("yearly", date(2024, 2, 29), None) == "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"
    path = event_file(tmp_path, '[[event]]\nid = "e"\ntitle = "E"\ndate = 2024-02-29\nrepeat = "yearly"\nurl = "https://example.com/"\n')
    result = run("check", path)
    assert result.exit_code == 0
    assert "repeat: 29 February comes only in leap years" in result.stderr
    assert "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1" in result.stderr


def test_monthly_on_the_31st_is_warned(tmp_path):
    path = event_file(tmp_path, '[[event]]\nid = "e"\ntitle = "E"\ndate = 2026-01-31\nrepeat = "FREQ=MONTHLY;BYMONTHDAY=31"\nurl = "https://example.com/"\n')
    result = run("check", path)
    assert result.exit_code == 0
    assert "repeat: months without a 31st day are skipped (RFC 5545 3.3.10); for the last day of every month write FREQ=MONTHLY;BYMONTHDAY=-1" in result.stderr


RULES = [
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", datetime(2024, 2, 29, 9)),  # searched a year at a time
    ("FREQ=DAILY;INTERVAL=3;BYDAY=MO", datetime(2026, 2, 2, 9)),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU", datetime(2026, 2, 3, 18)),
    ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", datetime(2026, 1, 30, 17)),
    ("FREQ=MONTHLY;BYMONTHDAY=31", datetime(2026, 1, 31, 8)),
    ("FREQ=YEARLY;BYMONTH=2;BYDAY=5SU", datetime(2004, 2, 29, 12)),  # a fifth Sunday in February
    ("FREQ=YEARLY;BYYEARDAY=-1", datetime(2026, 12, 31, 9)),
    ("FREQ=MONTHLY;BYMONTH=12;BYMONTHDAY=31;BYHOUR=9,21", datetime(2026, 12, 31, 9)),
    ("FREQ=HOURLY;INTERVAL=5;BYDAY=SA,SU;COUNT=40", datetime(2026, 2, 7, 0)),
]


@pytest.mark.parametrize(("rule", "start"), RULES, ids=[rule for rule, _ in RULES])
def test_bounded_expansion_gives_what_dateutil_gives(rule, start):
    zone = ZoneInfo("UTC")
    begin = start.replace(tzinfo=zone)
    event = Event("e", "E", begin, begin + timedelta(hours=1), "UTC", repeat=make_rule(rule, begin, "UTC"))
    ours = [s.replace(tzinfo=None) for s, _ in occurrences(event, date(2100, 1, 1))]
    theirs = list(rrulestr(rule, dtstart=start, cache=False).between(start, datetime(2100, 1, 1, 23, 59, 59), inc=True))
    assert len(theirs) > 1
    assert ours == theirs
    assert is_occurrence(event.repeat, event.start, "UTC", theirs[-1].replace(tzinfo=zone))
    assert not is_occurrence(event.repeat, event.start, "UTC", theirs[-1].replace(tzinfo=zone, second=1))


def test_span_end_comes_from_until_or_count_without_expanding():
    zone = ZoneInfo("America/New_York")
    start = datetime(2026, 2, 2, 9, 30, tzinfo=zone)
    weekly = Event("e", "E", start, start.replace(hour=10), "America/New_York", repeat="FREQ=WEEKLY;COUNT=10")
    assert datetime(2026, 4, 6, 10, tzinfo=zone) <= span_end(weekly) <= datetime(2026, 4, 20, tzinfo=zone)
    until = Event("e", "E", start, start.replace(hour=10), "America/New_York", repeat="FREQ=DAILY;UNTIL=20300101T000000Z")
    assert date(2029, 12, 31) <= span_end(until).date() <= date(2030, 1, 2)
    sparse = Event("e", "E", start, start.replace(hour=10), "America/New_York", repeat="FREQ=MONTHLY;BYMONTHDAY=31;COUNT=5")
    assert span_end(sparse) is None  # periods may be skipped: covered without end
    assert span_end(Event("e", "E", start, start.replace(hour=10), "America/New_York", repeat="FREQ=WEEKLY")) is None


def test_except_before_the_start_is_not_an_occurrence():
    start = date(2026, 2, 6)
    assert not is_occurrence("FREQ=WEEKLY", start, None, date(1600, 1, 7))
    assert is_occurrence("FREQ=WEEKLY", start, None, date(2999, 12, 27))  # a Friday, 973 years on


def test_sub_daily_rule_with_a_long_interval_and_a_count_is_fine(tmp_path):
    body = '[[event]]\nid = "e"\ntitle = "E"\nstart = 2026-02-06T09:00:00\nrepeat = "FREQ=HOURLY;INTERVAL=10000;COUNT=3"\nurl = "https://example.com/"\n'
    path = event_file(tmp_path, body)
    result = run("list", path, "--format", "json", "--to", "2030-01-01")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count('"start"') == 3  # 2026-02-06, 2027-03-30 and 2028-05-20, 10,000 hours apart
