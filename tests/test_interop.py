"""Every client reads every calendar alike (issue 9).

A corpus of event files (zones with rule changes, DST edges, rule parts,
rules without end, reminders across DST, hostile text) is built once with
`keydates build`, and each feed is read by five parsers (tests/interop.py):
the strict `ical` package, icalendar with recurring_ical_events, Mozilla's
ical.js, libical and vobject, each with the TZIDs renamed so that it must use our
VTIMEZONE. Each must see exactly the start, end, first instances and alarm
times worked out here with zoneinfo and plain date arithmetic.
"""

from __future__ import annotations

import calendar
import textwrap
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import run
from interop import PARSERS, events_of, read_calendars, show

UTC = timezone.utc
NY = "America/New_York"


def at(zone: str, *fields: int) -> datetime:
    """A wall-clock time in a zone (never one that is skipped or repeated here)."""
    return datetime(*fields, tzinfo=ZoneInfo(zone))


def read_as_rfc(zone: str, *fields: int) -> datetime:
    """A wall time as RFC 5545 3.3.5 reads it when the clocks repeat or skip it:
    the first of the two, or moved forward by the gap (zoneinfo's fold=0)."""
    return datetime(*fields, tzinfo=ZoneInfo(zone), fold=0)


def timed(starts: list[datetime], length: timedelta) -> list[list[str]]:
    return [[show(s), show(s.astimezone(UTC) + length)] for s in starts]


def days(starts: list[date], length: int = 1) -> list[list[str]]:
    return [[show(d), show(d + timedelta(days=length))] for d in starts]


def every(first: datetime, step: timedelta, n: int) -> list[datetime]:
    """n wall-clock times `step` apart (whole days), each in first's zone."""
    return [(first.replace(tzinfo=None) + k * step).replace(tzinfo=first.tzinfo) for k in range(n)]


def yearly(zone: str, years: range, month: int, day: int, hour: int) -> list[datetime]:
    return [at(zone, year, month, day, hour) for year in years]


def monthly(zone: str, first: date, n: int, hour: int) -> list[datetime]:
    found, year, month = [], first.year, first.month
    while len(found) < n:
        found.append(at(zone, year, month, first.day, hour))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def last_weekday(year: int, month: int, weekday: int) -> date:
    weeks = calendar.monthcalendar(year, month)
    day = weeks[-1][weekday] or weeks[-2][weekday]
    return date(year, month, day)


def months(first: tuple[int, int], n: int):
    year, month = first
    for _ in range(n):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass
class Case:
    id: str
    zone: str
    body: str  # the [[event]] keys after id and title
    instances: list[list[str]]
    alarms: list[list[str]] | None = None
    texts: dict[str, str] = field(default_factory=dict)  # property -> what every parser must read
    first: int = 0  # the instance DTSTART is: not one whose times the clocks repeat or skip


CASES = [
    Case("ny-weekly-dst", NY, 'start = 2026-02-23T09:30:00\nduration = "45m"\nrepeat = "weekly"\ncount = 6',
         timed(every(at(NY, 2026, 2, 23, 9, 30), timedelta(days=7), 6), timedelta(minutes=45))),
    Case("berlin-last-thursday", "Europe/Berlin", 'start = 2026-01-29T18:00:00\nrepeat = "FREQ=MONTHLY;BYDAY=-1TH;COUNT=14"',
         timed([at("Europe/Berlin", *last_weekday(y, m, 3).timetuple()[:3], 18) for y, m in months((2026, 1), 14)], timedelta(hours=1))),
    Case("sydney-daily-april", "Australia/Sydney", 'start = 2026-04-03T08:00:00\nduration = "2h"\nrepeat = "daily"\ncount = 5',
         timed(every(at("Australia/Sydney", 2026, 4, 3, 8), timedelta(days=1), 5), timedelta(hours=2))),
    Case("lord-howe-weekly", "Australia/Lord_Howe", 'start = 2026-03-29T12:00:00\nrepeat = "weekly"\ncount = 4',
         timed(every(at("Australia/Lord_Howe", 2026, 3, 29, 12), timedelta(days=7), 4), timedelta(hours=1))),
    # Rules without end: the VTIMEZONE must hold through 2100 and beyond.
    Case("ny-yearly-from-2000", NY, 'start = 2000-03-20T09:00:00\nrepeat = "yearly"',
         timed(yearly(NY, range(2000, 2101), 3, 20, 9), timedelta(hours=1))),
    Case("ny-yearly-from-1960", NY, 'start = 1960-03-20T09:00:00\nrepeat = "yearly"',  # 1974-75: DST in winter
         timed(yearly(NY, range(1960, 2101), 3, 20, 9), timedelta(hours=1))),
    Case("casablanca-monthly-from-2026", "Africa/Casablanca", 'start = 2026-01-10T12:00:00\nrepeat = "monthly"',  # DST paused each Ramadan
         timed(monthly("Africa/Casablanca", date(2026, 1, 10), 900, 12), timedelta(hours=1))),
    Case("ny-daily-open", NY, 'start = 2026-03-05T09:30:00\nrepeat = "daily"',
         timed(every(at(NY, 2026, 3, 5, 9, 30), timedelta(days=1), 10), timedelta(hours=1))),
    Case("monday-0130-open", NY, 'start = 2026-01-05T01:30:00\nrepeat = "FREQ=WEEKLY;BYDAY=MO"',  # never on a Sunday change
         timed(every(at(NY, 2026, 1, 5, 1, 30), timedelta(days=7), 60), timedelta(hours=1))),
    Case("nov-2-0130-yearly", NY, 'start = 2026-11-02T01:30:00\nrepeat = "yearly"\nuntil = 2030-12-31',
         timed([at(NY, year, 11, 2, 1, 30) for year in range(2026, 2031)], timedelta(hours=1))),
    Case("six-hourly-across-dst", NY, 'start = 2026-03-07T21:00:00\nduration = "30m"\nrepeat = "FREQ=HOURLY;INTERVAL=6;COUNT=5"',
         timed([at(NY, 2026, 3, 7, 21), at(NY, 2026, 3, 8, 3), at(NY, 2026, 3, 8, 9), at(NY, 2026, 3, 8, 15), at(NY, 2026, 3, 8, 21)], timedelta(minutes=30))),
    # Rule parts.
    Case("feb-29-yearly", "UTC", 'date = 2024-02-29\nrepeat = "yearly"\ncount = 4',
         days([date(2024, 2, 29), date(2028, 2, 29), date(2032, 2, 29), date(2036, 2, 29)])),
    Case("monthly-on-31st", "UTC", 'date = 2026-01-31\nrepeat = "monthly"\ncount = 5',
         days([date(2026, m, 31) for m in (1, 3, 5, 7, 8)])),
    Case("last-weekday", "UTC", 'date = 2026-01-30\nrepeat = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=6"',
         days([max(last_weekday(y, m, wd) for wd in range(5)) for y, m in months((2026, 1), 6)])),
    Case("year-day-100", "Europe/Berlin", 'start = 2026-04-10T12:00:00\nrepeat = "FREQ=YEARLY;BYYEARDAY=100;COUNT=4"',
         timed([at("Europe/Berlin", y, 1, 1, 12) + timedelta(days=99) for y in range(2026, 2030)], timedelta(hours=1))),
    Case("second-sunday-until", "Europe/Berlin", 'date = 2026-02-08\nrepeat = "FREQ=MONTHLY;BYDAY=+02SU;UNTIL=20260630"',
         days([date(y, m, [w for w in calendar.monthcalendar(y, m) if w[6]][1][6]) for y, m in months((2026, 2), 5)])),
    Case("fifth-sunday-of-february", "UTC", 'date = 2004-02-29\nrepeat = "FREQ=YEARLY;BYMONTH=2;BYDAY=5SU;COUNT=3"',
         days([date(2004, 2, 29), date(2032, 2, 29), date(2060, 2, 29)])),  # leap Februaries starting on a Sunday
    Case("last-day-of-year", "Europe/Berlin", 'start = 2028-12-31T09:00:00\nduration = "30m"\nrepeat = "FREQ=YEARLY;BYYEARDAY=-1;COUNT=3"',
         timed([at("Europe/Berlin", y, 12, 31, 9) for y in (2028, 2029, 2030)], timedelta(minutes=30))),
    Case("last-day-of-december-twice", "Europe/Berlin", 'start = 2026-12-31T09:00:00\nduration = "30m"\nrepeat = "FREQ=MONTHLY;BYMONTH=12;BYMONTHDAY=31;BYHOUR=9,21;COUNT=4"',
         timed([at("Europe/Berlin", y, 12, 31, h) for y in (2026, 2027) for h in (9, 21)], timedelta(minutes=30))),
    Case("twice-a-day-on-the-half-hour", "Europe/Berlin", 'start = 2026-03-27T09:00:00\nduration = "15m"\nrepeat = "FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0,30;COUNT=12"',
         timed([at("Europe/Berlin", 2026, 3, d, h, m) for d in (27, 28, 29) for h in (9, 17) for m in (0, 30)], timedelta(minutes=15))),
    Case("fortnightly-week-from-sunday", NY, 'start = 2026-03-03T18:00:00\nrepeat = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU;COUNT=6"',
         timed([at(NY, 2026, m, d, 18) for m, d in ((3, 3), (3, 5), (3, 17), (3, 19), (3, 31), (4, 2))], timedelta(hours=1))),
    Case("half-hourly-until", NY, 'start = 2026-03-08T09:00:00\nduration = "10m"\nrepeat = "FREQ=HOURLY;BYMINUTE=0,30;UNTIL=20260308T160000Z"',
         timed([at(NY, 2026, 3, 8, h, m) for h in (9, 10, 11, 12) for m in (0, 30)][:7], timedelta(minutes=10))),
    # Times that happen once, written in UTC.
    Case("once-in-repeated-hour", NY, "start = 2026-11-01T01:15:00",
         [[show(datetime(2026, 11, 1, 5, 15, tzinfo=UTC)), show(datetime(2026, 11, 1, 6, 15, tzinfo=UTC))]]),
    Case("once-ending-in-repeated-hour", NY, 'start = 2026-11-01T00:30:00\nduration = "60m"',
         [[show(datetime(2026, 11, 1, 4, 30, tzinfo=UTC)), show(datetime(2026, 11, 1, 5, 30, tzinfo=UTC))]]),
    # Repeating events meeting a repeated or skipped hour (issue 9): every
    # instance where zoneinfo puts it. New York goes back at 02:00 EDT on
    # 2026-11-01 (01:00-02:00 twice) and forward at 02:00 EST on 2027-03-14;
    # Berlin back at 03:00 on 2026-10-25, forward at 02:00 on 2027-03-28;
    # Sydney back at 03:00 on 2026-04-05, forward at 02:00 on 2026-10-04.
    Case("ny-weekly-from-repeated-hour", NY, 'start = 2026-11-01T01:30:00\nduration = "PT1H"\nrepeat = "weekly"\ncount = 3',
         timed([read_as_rfc(NY, 2026, 11, 1, 1, 30), at(NY, 2026, 11, 8, 1, 30), at(NY, 2026, 11, 15, 1, 30)], timedelta(hours=1)), first=1),
    Case("ny-weekly-into-repeated-hour", NY, 'start = 2026-10-18T01:30:00\nrepeat = "weekly"\ncount = 4\nremind = ["1h"]',
         timed([at(NY, 2026, 10, 18, 1, 30), at(NY, 2026, 10, 25, 1, 30), read_as_rfc(NY, 2026, 11, 1, 1, 30), at(NY, 2026, 11, 8, 1, 30)], timedelta(hours=1)),
         alarms=[[show(at(NY, 2026, 10, 18, 0, 30))], [show(at(NY, 2026, 10, 25, 0, 30))], [show(datetime(2026, 11, 1, 4, 30, tzinfo=UTC))], [show(at(NY, 2026, 11, 8, 0, 30))]]),
    Case("ny-weekly-ending-in-repeated-hour", NY, 'start = 2026-10-25T00:30:00\nduration = "PT1H"\nrepeat = "weekly"\ncount = 3',
         timed(every(at(NY, 2026, 10, 25, 0, 30), timedelta(days=7), 3), timedelta(hours=1))),
    Case("ny-weekly-into-skipped-hour", NY, 'start = 2027-03-07T02:30:00\nrepeat = "weekly"\ncount = 3',
         timed([at(NY, 2027, 3, 7, 2, 30), read_as_rfc(NY, 2027, 3, 14, 2, 30), at(NY, 2027, 3, 21, 2, 30)], timedelta(hours=1))),
    Case("ny-weekly-across-fall-back", NY, 'start = 2026-10-24T22:00:00\nduration = "8h"\nrepeat = "weekly"\ncount = 3',
         timed(every(at(NY, 2026, 10, 24, 22), timedelta(days=7), 3), timedelta(hours=8))),
    Case("ny-weekly-from-across-fall-back", NY,
         'start = 2026-10-31T22:00:00\nduration = "8h"\nrepeat = "FREQ=WEEKLY;COUNT=3"\n\n'
         '[[event.override]]\noccurrence = 2026-11-14T22:00:00\nstart = 2026-11-14T21:00:00',  # keeps the 8 hours
         timed([at(NY, 2026, 10, 31, 22), at(NY, 2026, 11, 7, 22), at(NY, 2026, 11, 14, 21)], timedelta(hours=8)), first=1),
    Case("ny-yearly-always-in-repeated-hour", NY, 'start = 2026-11-01T01:30:00\nrepeat = "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU;COUNT=3"',
         timed([read_as_rfc(NY, 2026, 11, 1, 1, 30), read_as_rfc(NY, 2027, 11, 7, 1, 30), read_as_rfc(NY, 2028, 11, 5, 1, 30)], timedelta(hours=1))),
    Case("ny-daily-0130-open", NY, 'start = 2026-10-30T01:30:00\nrepeat = "daily"',  # both changes, every year through 2100
         timed([read_as_rfc(NY, *(date(2026, 10, 30) + timedelta(days=n)).timetuple()[:3], 1, 30) for n in range(150)], timedelta(hours=1))),
    Case("berlin-weekly-from-repeated-hour", "Europe/Berlin", 'start = 2026-10-25T02:30:00\nduration = "45m"\nrepeat = "weekly"\ncount = 3',
         timed([read_as_rfc("Europe/Berlin", 2026, 10, 25, 2, 30), at("Europe/Berlin", 2026, 11, 1, 2, 30), at("Europe/Berlin", 2026, 11, 8, 2, 30)], timedelta(minutes=45)), first=1),
    Case("berlin-weekly-ending-in-repeated-hour", "Europe/Berlin", 'start = 2026-10-18T01:30:00\nduration = "PT1H"\nrepeat = "weekly"\ncount = 3',
         timed(every(at("Europe/Berlin", 2026, 10, 18, 1, 30), timedelta(days=7), 3), timedelta(hours=1))),
    Case("berlin-daily-into-skipped-hour", "Europe/Berlin", 'start = 2027-03-26T02:30:00\nrepeat = "daily"\ncount = 4',
         timed([read_as_rfc("Europe/Berlin", 2027, 3, d, 2, 30) for d in (26, 27, 28, 29)], timedelta(hours=1))),
    Case("berlin-daily-override-and-except", "Europe/Berlin",
         'start = 2026-10-22T02:30:00\nrepeat = "daily"\ncount = 6\nexcept = [2026-10-23]\n\n'
         '[[event.override]]\noccurrence = 2026-10-24T02:30:00\nstart = 2026-10-24T09:00:00\n\n'
         '[[event.override]]\noccurrence = 2026-10-25T02:30:00\ntitle = "Changed"',
         timed([at("Europe/Berlin", 2026, 10, 22, 2, 30), at("Europe/Berlin", 2026, 10, 24, 9), read_as_rfc("Europe/Berlin", 2026, 10, 25, 2, 30),
                at("Europe/Berlin", 2026, 10, 26, 2, 30), at("Europe/Berlin", 2026, 10, 27, 2, 30)], timedelta(hours=1))),
    Case("sydney-weekly-into-repeated-hour", "Australia/Sydney", 'start = 2026-03-29T02:30:00\nrepeat = "weekly"\ncount = 3',
         timed([at("Australia/Sydney", 2026, 3, 29, 2, 30), read_as_rfc("Australia/Sydney", 2026, 4, 5, 2, 30), at("Australia/Sydney", 2026, 4, 12, 2, 30)], timedelta(hours=1))),
    Case("sydney-weekly-from-repeated-hour", "Australia/Sydney", 'start = 2026-04-05T02:15:00\nrepeat = "weekly"\ncount = 2',
         timed([read_as_rfc("Australia/Sydney", 2026, 4, 5, 2, 15), at("Australia/Sydney", 2026, 4, 12, 2, 15)], timedelta(hours=1)), first=1),
    Case("sydney-weekly-into-skipped-hour", "Australia/Sydney", 'start = 2026-09-27T02:30:00\nrepeat = "weekly"\ncount = 3',
         timed([at("Australia/Sydney", 2026, 9, 27, 2, 30), read_as_rfc("Australia/Sydney", 2026, 10, 4, 2, 30), at("Australia/Sydney", 2026, 10, 11, 2, 30)], timedelta(hours=1))),
    Case("sydney-weekly-ending-in-skipped-hour", "Australia/Sydney", 'start = 2026-09-27T01:30:00\nduration = "PT1H"\nrepeat = "weekly"\ncount = 2',
         timed(every(at("Australia/Sydney", 2026, 9, 27, 1, 30), timedelta(days=7), 2), timedelta(hours=1))),
    # Extra dates (RDATE), one in the repeated hour, with and without a rule.
    Case("berlin-weekly-also-and-override", "Europe/Berlin",
         'start = 2026-10-08T09:00:00\nrepeat = "weekly"\ncount = 3\nalso = [2026-10-25T02:30:00, 2026-10-16T18:00:00]\n\n'
         '[[event.override]]\noccurrence = 2026-10-15T09:00:00\nstart = 2026-10-15T11:00:00',
         timed([at("Europe/Berlin", 2026, 10, 8, 9), at("Europe/Berlin", 2026, 10, 15, 11), at("Europe/Berlin", 2026, 10, 16, 18),
                at("Europe/Berlin", 2026, 10, 22, 9), read_as_rfc("Europe/Berlin", 2026, 10, 25, 2, 30)], timedelta(hours=1))),
    Case("ny-also-without-rule", NY, 'start = 2026-10-01T01:30:00\nalso = [2026-11-01T01:30:00, 2027-01-05T12:00:00]',
         timed([at(NY, 2026, 10, 1, 1, 30), read_as_rfc(NY, 2026, 11, 1, 1, 30), at(NY, 2027, 1, 5, 12)], timedelta(hours=1))),
    Case("ny-also-from-repeated-hour", NY, 'start = 2026-11-01T01:15:00\nalso = [2026-11-02T01:15:00]',
         timed([read_as_rfc(NY, 2026, 11, 1, 1, 15), at(NY, 2026, 11, 2, 1, 15)], timedelta(hours=1))),
    # Reminders across DST (New York went forward on 2026-03-08).
    Case("reminders-once", NY, 'start = 2026-03-08T10:00:00\nremind = ["09:00 the day before", "1d", "24h"]',
         timed([at(NY, 2026, 3, 8, 10)], timedelta(hours=1)),
         alarms=[[show(at(NY, 2026, 3, 7, 9)), show(at(NY, 2026, 3, 7, 10))]]),  # 24h is 09:00 EST: merged
    Case("reminders-weekly", NY, 'start = 2026-03-01T10:00:00\nrepeat = "weekly"\ncount = 3\nremind = ["09:00 the day before", "2h"]',
         timed(every(at(NY, 2026, 3, 1, 10), timedelta(days=7), 3), timedelta(hours=1)),
         alarms=[[show(at(NY, 2026, 2, 28, 9)), show(at(NY, 2026, 3, 1, 8))],
                 [show(at(NY, 2026, 3, 7, 9)), show(at(NY, 2026, 3, 8, 8))],
                 [show(at(NY, 2026, 3, 14, 9)), show(at(NY, 2026, 3, 15, 8))]]),
    Case("reminders-all-day", "UTC", 'date = 2026-03-08\nrepeat = "weekly"\ncount = 2\nremind = ["09:00 the day before", "18:00 2 days before"]',
         days([date(2026, 3, 8), date(2026, 3, 15)]),
         alarms=[["2026-03-07T09:00:00", "2026-03-06T18:00:00"], ["2026-03-14T09:00:00", "2026-03-13T18:00:00"]]),
    # An offset start: except means that local day.
    Case("offset-except", NY, 'start = 2026-03-02T22:00:00-05:00\nrepeat = "weekly"\ncount = 4\nexcept = [2026-03-09]',
         timed([datetime(2026, 3, d, 3, tzinfo=UTC) for d in (3, 17, 24)], timedelta(hours=1))),
    # Hostile text: line separators, property-looking lines, a non-ASCII URL.
    Case("hostile-text", "UTC",
         'date = 2026-02-06\ndescription = "x\\nEND:VEVENT\\nBEGIN:VEVENT\\nUID:evil\\u2028SUMMARY:evil"\n'
         'url = "https://example.com/\u00e4?q=1,2;x"\nlocation = "a\\u0085b; c, d"',
         days([date(2026, 2, 6)]),
         texts={
             "summary": "T\nU\nV",
             "url": "https://example.com/%C3%A4?q=1,2;x",
             "description": "x\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil\nSUMMARY:evil\n\nSource: https://example.com/\u00e4?q=1,2;x",
         }),
]
TITLES = {"hostile-text": "T\\u2028U\\u2029V"}


@pytest.fixture(scope="module")
def readings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interop")
    events = folder / "events"
    events.mkdir()
    for case in CASES:
        head = f'[calendar]\nname = "{case.id}"\ntimezone = "{case.zone}"\n\n[[event]]\nid = "e"\ntitle = "{TITLES.get(case.id, case.id)}"\n'
        source = "" if "url =" in case.body else 'url = "https://example.com/"\n'
        (events / f"{case.id}.toml").write_text(head + source + textwrap.dedent(case.body) + "\n", encoding="utf-8")
    result = run("build", events, "-o", folder / "dist")
    assert result.exit_code == 0, result.stderr
    feeds = {case.id: (folder / "dist" / f"{case.id}.ics").read_bytes() for case in CASES}
    most = max(len(case.instances) for case in CASES)
    return feeds, read_calendars(feeds, instances=most)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_every_parser_reads_what_zoneinfo_says(readings, case):
    feeds, found = readings
    events = events_of(found, case.id)
    uid = f"e.{case.id}@keydates"
    for parser in PARSERS:
        event = events[parser][uid]
        assert list(events[parser]) == [uid], parser  # nothing injected
        assert [event["start"], event["end"]] == case.instances[case.first], parser
        got = event["instances"][: len(case.instances)]
        wrong = [(n, g, w) for n, (g, w) in enumerate(zip(got, case.instances)) if g != w]
        assert not wrong, f"{parser}: first wrong (index, read, expected): {wrong[:3]}"
        assert len(got) == len(case.instances), parser
        if case.alarms is not None:
            assert event["alarms"][: len(case.alarms)] == case.alarms, parser
        for name, text in case.texts.items():
            assert event[name] == text, (parser, name)


def test_no_zero_length_event_and_every_tzid_has_its_vtimezone(readings):
    feeds, _ = readings
    for name, data in feeds.items():
        text = data.decode()
        for line in text.split("\r\n"):
            assert not line.startswith("RDATE") or "," not in line
        starts = [line.split(":", 1)[1] for line in text.split("\r\n") if line.startswith("DTSTART")]
        ends = [line.split(":", 1)[1] for line in text.split("\r\n") if line.startswith("DTEND")]
        assert all(start != end for start, end in zip(starts[-1:], ends[-1:])), name


def test_open_rule_vtimezone_ends_in_open_yearly_rules(readings):
    feeds, _ = readings
    text = feeds["ny-yearly-from-2000"].decode()
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n" in text  # since 2007, without COUNT
    assert "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n" in text
