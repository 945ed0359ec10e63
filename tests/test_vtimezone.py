"""VTIMEZONE output checked against zoneinfo, directly and through three readers.

The readers resolve a TZID they know (America/New_York) with their own zone
data and never look at our VTIMEZONE (see the first tests), so the reader
checks rename the TZID to one nobody knows. icalendar also caches custom
zones by TZID for the whole process, so that name is unique per VTIMEZONE.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from ical.calendar_stream import IcsCalendarStream

import keydates
from keydates.vtimezone import vtimezone_lines

UTC = timezone.utc

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Asia/Shanghai",
    "Australia/Sydney",  # southern hemisphere: summer time over new year
    "Asia/Kolkata",
    "America/Sao_Paulo",  # DST abolished in 2019
    "Europe/Moscow",  # permanent +04 in 2011, back to +03 in 2014
    "UTC",
]
SPANS = {
    "2026-date": (2026, 2026),  # a calendar with a single date
    "2020-2030": (2020, 2030),
    "2005-2009": (2005, 2009),  # New York's rule change in 2007
    "1985-1995": (1985, 1995),  # Shanghai's DST years 1986-1991
}
EXTRA = [
    ("Australia/Sydney", (2005, 2010)),  # rule change in 2008
    ("Europe/Moscow", (2009, 2015)),
    ("Asia/Kolkata", (1900, 1950)),  # offsets with seconds: +052110
    ("Europe/Dublin", (2024, 2027)),  # negative DST in winter
    ("Australia/Lord_Howe", (2024, 2027)),  # 30-minute DST
    ("Africa/Casablanca", (2018, 2030)),  # DST paused for Ramadan
    ("Pacific/Apia", (2010, 2013)),  # skipped 30 December 2011
]
CASES = [pytest.param(zone, years, id=f"{zone}-{label}") for zone in ZONES for label, years in SPANS.items()]
CASES += [pytest.param(zone, years, id=f"{zone}-{years[0]}-{years[1]}") for zone, years in EXTRA]


def span_of(zone: str, years: tuple[int, int]) -> tuple[datetime, datetime]:
    """First and last instant of a calendar over these years, in the zone."""
    tz = ZoneInfo(zone)
    if years[0] == years[1]:
        day = datetime(years[0], 7, 15, 12, tzinfo=tz)
        return day, day
    return datetime(years[0], 1, 1, tzinfo=tz), datetime(years[1], 12, 31, 23, 59, tzinfo=tz)


def lines_for(zone: str, years: tuple[int, int]) -> list[str]:
    return vtimezone_lines(zone, *span_of(zone, years))


# --- An oracle, written apart from the module -------------------------------


def offset_changes(tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants where the UTC offset changes: daily steps, then bisection."""
    changes = []
    day, second = timedelta(days=1), timedelta(seconds=1)
    t = start
    while t < end:
        lo, hi = t, t + day
        if lo.astimezone(tz).utcoffset() != hi.astimezone(tz).utcoffset():
            while hi - lo > second:
                mid = lo + (hi - lo) // 2
                mid -= timedelta(microseconds=mid.microsecond)
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            changes.append(hi)
        t += day
    return changes


def unambiguous(tz: ZoneInfo, local: datetime) -> bool:
    """Whether a wall-clock time happens once: not skipped, not repeated."""
    naive = local.replace(tzinfo=None)
    return naive.replace(tzinfo=tz, fold=0).utcoffset() == naive.replace(tzinfo=tz, fold=1).utcoffset()


def sample_instants(zone: str, years: tuple[int, int]) -> list[datetime]:
    """Instants next to every offset change and twice a month, at unambiguous local times."""
    tz = ZoneInfo(zone)
    start = datetime(years[0], 1, 1, tzinfo=UTC)
    end = datetime(years[1] + 1, 1, 1, tzinfo=UTC)
    candidates = [
        change + timedelta(seconds=s)
        for change in offset_changes(tz, start, end)
        for s in (-86400, -7201, -3601, -1, 0, 1, 3600, 7200, 86400)
    ]
    candidates += [
        datetime(year, month, day, hour, tzinfo=UTC)
        for year in range(years[0], years[1] + 1)
        for month in range(1, 13)
        for day, hour in ((1, 0), (15, 12))
    ]
    return sorted({u for u in candidates if start <= u < end and unambiguous(tz, u.astimezone(tz))})


# --- Calendars and readers ----------------------------------------------------


def renamed(lines: list[str]) -> tuple[str, list[str]]:
    """The lines under a TZID no reader knows, unique to their content."""
    tzid = "Keydates-Test-" + hashlib.sha1("\n".join(lines).encode()).hexdigest()[:12]
    return tzid, [f"TZID:{tzid}" if line.startswith("TZID:") else line for line in lines]


def calendar_text(vtimezone: list[str], events: list[str]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//keydates//tests//EN"]
    return "\r\n".join([*lines, *vtimezone, *events, "END:VCALENDAR", ""])


def vevent(uid: str, tzid: str, local: datetime, *extra: str) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART;TZID={tzid}:{local:%Y%m%dT%H%M%S}",
        *extra,
        "END:VEVENT",
    ]


def read_ical(text: str) -> dict[str, datetime]:
    calendar = IcsCalendarStream.calendar_from_ics(text)
    return {event.uid: event.dtstart.astimezone(UTC) for event in calendar.events}


def read_icalendar(text: str) -> dict[str, datetime]:
    calendar = icalendar.Calendar.from_ical(text)
    return {str(event["UID"]): event.DTSTART.astimezone(UTC) for event in calendar.walk("VEVENT")}


def occurrences(text: str) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(text)
    return recurring_ical_events.of(calendar).between((1800, 1, 1), (2200, 1, 1))


def read_recurring(text: str) -> dict[str, datetime]:
    return {str(event["UID"]): event.DTSTART.astimezone(UTC) for event in occurrences(text)}


READERS = {"ical": read_ical, "icalendar": read_icalendar, "recurring_ical_events": read_recurring}

FAKE_ZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:{tzid}",
    "BEGIN:STANDARD",
    "DTSTART:16010101T000000",
    "RDATE:16010101T000000",
    "TZOFFSETFROM:+0130",
    "TZOFFSETTO:+0130",
    "TZNAME:FAKE",
    "END:STANDARD",
    "END:VTIMEZONE",
]


@pytest.mark.parametrize("reader", READERS)
def test_readers_use_the_vtimezone_of_an_unknown_tzid(reader):
    tzid = f"Keydates-Fake-{reader}"
    vtimezone = [line.format(tzid=tzid) for line in FAKE_ZONE]
    text = calendar_text(vtimezone, vevent("e", tzid, datetime(2026, 7, 15, 12)))
    assert READERS[reader](text) == {"e": datetime(2026, 7, 15, 10, 30, tzinfo=UTC)}


@pytest.mark.parametrize("reader", READERS)
def test_readers_ignore_the_vtimezone_of_a_known_tzid(reader):
    vtimezone = [line.format(tzid="America/New_York") for line in FAKE_ZONE]
    text = calendar_text(vtimezone, vevent("e", "America/New_York", datetime(2026, 7, 15, 12)))
    assert READERS[reader](text) == {"e": datetime(2026, 7, 15, 16, tzinfo=UTC)}


# --- Every reader agrees with zoneinfo --------------------------------------


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(("zone", "years"), CASES)
def test_reader_agrees_with_zoneinfo(zone, years, reader):
    tz = ZoneInfo(zone)
    tzid, vtimezone = renamed(lines_for(zone, years))
    expected = {f"e{n}": instant for n, instant in enumerate(sample_instants(zone, years))}
    events = [line for uid, u in expected.items() for line in vevent(uid, tzid, u.astimezone(tz))]
    got = READERS[reader](calendar_text(vtimezone, events))
    wrong = {uid: (got[uid], want) for uid, want in expected.items() if got[uid] != want}
    assert not wrong
    assert got.keys() == expected.keys()


@pytest.mark.parametrize(("zone", "years"), CASES)
def test_weekly_series_agrees_with_zoneinfo(zone, years):
    tz = ZoneInfo(zone)
    tzid, vtimezone = renamed(lines_for(zone, years))
    weeks = (years[1] - years[0] + 1) * 52
    series = vevent("w", tzid, datetime(years[0], 1, 1, 12), f"RRULE:FREQ=WEEKLY;COUNT={weeks}")
    found = occurrences(calendar_text(vtimezone, series))
    assert len(found) == weeks
    for event in found:
        start = event.DTSTART
        local = start.replace(tzinfo=tz)
        if unambiguous(tz, local):
            assert start.astimezone(UTC) == local.astimezone(UTC), start


# --- The shape of the output --------------------------------------------------


def blocks(lines: list[str]) -> list[list[str]]:
    """The observances, each as its lines from BEGIN to END."""
    found, current = [], None
    for line in lines:
        if line in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT"):
            current = [line]
        elif current is not None:
            current.append(line)
            if line.startswith("END:"):
                found.append(current)
                current = None
    return found


def prop(block: list[str], name: str) -> list[str]:
    return [line.split(":", 1)[1] for line in block if line.split(":", 1)[0] == name]


def local_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%dT%H%M%S")


def parse_offset(value: str) -> timedelta:
    sign = -1 if value[0] == "-" else 1
    hours, minutes, seconds = int(value[1:3]), int(value[3:5]), int(value[5:7] or 0)
    return sign * timedelta(hours=hours, minutes=minutes, seconds=seconds)


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin"])
@pytest.mark.parametrize("years", [(2026, 2026), (2020, 2030)], ids=["2026-date", "2020-2030"])
def test_regular_rules_become_two_open_rrules(zone, years):
    expected = {
        "America/New_York": [
            ("BEGIN:STANDARD", ["FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"]),
            ("BEGIN:DAYLIGHT", ["FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"]),
        ],
        "Europe/Berlin": [
            ("BEGIN:STANDARD", ["FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"]),
            ("BEGIN:DAYLIGHT", ["FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"]),
        ],
    }[zone]
    observances = blocks(lines_for(zone, years))
    assert [(block[0], prop(block, "RRULE")) for block in observances] == expected
    assert not [line for block in observances for line in block if line.startswith("RDATE")]


def test_new_york_rule_change_splits_observances():
    summary = [
        (block[0], prop(block, "DTSTART")[0], prop(block, "RRULE"))
        for block in blocks(lines_for("America/New_York", (2005, 2009)))
    ]
    assert summary == [
        ("BEGIN:STANDARD", "20041031T020000", ["FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;COUNT=3"]),
        ("BEGIN:DAYLIGHT", "20050403T020000", ["FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;COUNT=2"]),
        ("BEGIN:DAYLIGHT", "20070311T020000", ["FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"]),
        ("BEGIN:STANDARD", "20071104T020000", ["FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"]),
    ]


def test_fixed_offset_zone_is_one_standard_block():
    assert lines_for("Asia/Shanghai", (2026, 2026)) == [
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Shanghai",
        "BEGIN:STANDARD",
        "DTSTART:19910915T020000",
        "RDATE:19910915T020000",
        "TZOFFSETFROM:+0900",
        "TZOFFSETTO:+0800",
        "TZNAME:CST",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def test_zone_that_never_changed_starts_in_1601():
    (block,) = blocks(lines_for("UTC", (2026, 2026)))
    assert block[0] == "BEGIN:STANDARD"
    assert prop(block, "DTSTART") == ["16010101T000000"]
    assert prop(block, "TZOFFSETFROM") == prop(block, "TZOFFSETTO") == ["+0000"]


def test_offsets_keep_their_seconds():
    offsets = {
        value
        for block in blocks(lines_for("Asia/Kolkata", (1900, 1950)))
        for value in prop(block, "TZOFFSETFROM") + prop(block, "TZOFFSETTO")
    }
    assert {"+055320", "+052110", "+0530", "+0630"} <= offsets


def test_tznames_come_from_zoneinfo():
    observances = blocks(lines_for("America/Sao_Paulo", (2015, 2020)))
    assert {prop(block, "TZNAME")[0] for block in observances} == {"-02", "-03"}


@pytest.mark.parametrize(("zone", "years"), CASES)
def test_one_date_per_rdate_line(zone, years):
    lines = lines_for(zone, years)
    assert not [line for line in lines if line.startswith("RDATE") and "," in line]
    for block in blocks(lines):  # without RRULE, DTSTART is an RDATE too
        if not prop(block, "RRULE"):
            assert prop(block, "DTSTART")[0] in prop(block, "RDATE")


@pytest.mark.parametrize(("zone", "years"), CASES)
def test_onsets_match_zoneinfo(zone, years):
    # Readers see onsets only through local times, where a DTSTART in the
    # wrong offset hides in the skipped or repeated hour: check them here.
    tz = ZoneInfo(zone)
    end = datetime(years[1] + 1, 1, 1)
    second = timedelta(seconds=1)
    for block in blocks(lines_for(zone, years)):
        before, after = (parse_offset(prop(block, name)[0]) for name in ("TZOFFSETFROM", "TZOFFSETTO"))
        start = local_time(prop(block, "DTSTART")[0])
        onsets = [local_time(value) for value in prop(block, "RDATE")]
        for rule in prop(block, "RRULE"):
            onsets += rrulestr(rule, dtstart=start).between(start, end + after, inc=True)
        assert start in onsets
        for local in onsets:
            if local.year < 1800:  # the 1601 start of a zone that never changed
                continue
            utc = (local - before).replace(tzinfo=UTC)
            assert (utc - second).astimezone(tz).utcoffset() == before, (block, local)
            assert utc.astimezone(tz).utcoffset() == after, (block, local)
            assert utc.astimezone(tz).tzname() == prop(block, "TZNAME")[0]
            assert (utc.astimezone(tz).dst() != timedelta(0)) == (block[0] == "BEGIN:DAYLIGHT")


@pytest.mark.parametrize(("zone", "years"), CASES)
def test_first_instant_is_covered(zone, years):
    first, _ = span_of(zone, years)
    onsets = []
    for block in blocks(lines_for(zone, years)):
        start = local_time(prop(block, "DTSTART")[0]) - parse_offset(prop(block, "TZOFFSETFROM")[0])
        onsets.append(start.replace(tzinfo=UTC))
    assert min(onsets) <= first
    assert onsets == sorted(onsets)


def test_same_years_give_the_same_lines():
    tz = ZoneInfo("Europe/Berlin")
    one = vtimezone_lines("Europe/Berlin", datetime(2026, 2, 1, tzinfo=tz), datetime(2027, 5, 1, tzinfo=tz))
    two = vtimezone_lines("Europe/Berlin", datetime(2026, 11, 30, tzinfo=tz), datetime(2027, 1, 2, tzinfo=tz))
    assert one == two
    assert one is not two  # each caller gets its own list


def test_output_is_the_same_in_another_process():
    code = (
        "from datetime import datetime, timezone; from keydates.vtimezone import vtimezone_lines; "
        "print('\\n'.join(vtimezone_lines('Africa/Casablanca', "
        "datetime(2018, 1, 1, tzinfo=timezone.utc), datetime(2030, 1, 1, tzinfo=timezone.utc))))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(keydates.__file__).parents[1]), "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    first, last = datetime(2018, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    assert out.stdout.splitlines() == vtimezone_lines("Africa/Casablanca", first, last)


def test_two_centuries_stay_a_few_rules():
    lines = vtimezone_lines("America/New_York", datetime(1900, 1, 1, tzinfo=UTC), datetime(2100, 12, 31, tzinfo=UTC))
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU" in lines
    assert len(lines) < 150


JAN_2026 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tzid", "first", "last", "error"),
    [
        ("Mars/Olympus_Mons", JAN_2026, JAN_2026, ZoneInfoNotFoundError),
        ("UTC", datetime(2026, 1, 1), JAN_2026, ValueError),
        ("UTC", datetime(2027, 1, 1, tzinfo=UTC), JAN_2026, ValueError),
        ("UTC", datetime(1, 1, 1, tzinfo=UTC), JAN_2026, ValueError),
    ],
    ids=["unknown zone", "naive datetime", "last before first", "year 1"],
)
def test_bad_input(tzid, first, last, error):
    with pytest.raises(error):
        vtimezone_lines(tzid, first, last)
