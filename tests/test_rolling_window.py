"""[calendar] window: a calendar's feed keeps a rolling window of its events, all.ics every one."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from dateutil.rrule import rrulestr

from conftest import FIXED_EPOCH, REPO, parse, run
from keydates import site

HEADER = """\
[calendar]
id = "ir"
name = "IR dates"
timezone = "UTC"
window = { past = "90d", future = "2y" }
"""
REFERENCE = datetime.fromtimestamp(int(FIXED_EPOCH), timezone.utc).date()  # 2026-02-02
FIRST, LAST = REFERENCE - timedelta(days=90), REFERENCE.replace(year=REFERENCE.year + 2)  # 2025-11-04 .. 2028-02-02


def event(event_id: str, when: str, extra: str = "") -> str:
    return f'\n[[event]]\nid = "{event_id}"\ntitle = "Event {event_id}"\n{when}\nurl = "https://example.com/"\ntags = ["x"]\n{extra}'


def timeline() -> str:
    """Events from 2020 to 2030: one every 61 days, the window's edges, a span across its start, repeating events."""
    body = "".join(event(f"e{i}", f"date = {date(2020, 1, 1) + timedelta(days=61 * i)}") for i in range(66))
    body += event("day-before", "date = 2025-11-03") + event("first-day", "date = 2025-11-04")
    body += event("last-day", "start = 2028-02-02T22:00:00\nduration = \"1h\"") + event("day-after", "start = 2028-02-03T01:00:00\nduration = \"1h\"")
    body += event("span", "start = 2025-10-30\nend = 2025-11-05")
    body += event("weekly", 'date = 2019-01-07\nrepeat = "weekly"')  # no end: reaches into the window
    body += event("yearly-until", 'date = 2018-05-01\nrepeat = "yearly"\nuntil = 2021-05-01')
    body += event("monthly-count", 'date = 2025-01-15\nrepeat = "monthly"\ncount = 12')  # last: 2025-12-15
    body += event("translated", "date = 2027-06-01", 'description = { en = "In English", de = "Auf Deutsch" }\n')
    return HEADER + body


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "ir.toml").write_text(timeline(), encoding="utf-8")
    return tmp_path


def build(out: str = "dist", epoch: str = FIXED_EPOCH):
    result = run("build", "-o", out, env={"SOURCE_DATE_EPOCH": epoch})
    assert result.exit_code == 0, result.output
    return result


def uids(data: bytes) -> set[str]:
    lenient, _ = parse(data)
    return {str(e["UID"]) for e in lenient.walk("VEVENT")}


def touching(data: bytes, first: date, last: date) -> set[str]:
    """The UIDs of all.ics's events with an occurrence touching a day first..last: worked out from the file, by dateutil."""
    lenient, _ = parse(data)
    found = set()
    for vevent in lenient.walk("VEVENT"):
        start, end = vevent["DTSTART"].dt, vevent["DTEND"].dt
        length = end - start
        starts = [start]
        if "RRULE" in vevent:
            naive = start if isinstance(start, datetime) else datetime.combine(start, datetime.min.time())
            rule = rrulestr(vevent["RRULE"].to_ical().decode(), dtstart=naive)
            begin = datetime.combine(first, datetime.min.time()) - length - timedelta(days=1)
            window = rule.between(begin.replace(tzinfo=naive.tzinfo), datetime.combine(last, datetime.max.time()).replace(tzinfo=naive.tzinfo), inc=True)
            starts = [moment if isinstance(start, datetime) else moment.date() for moment in window]
        for moment in starts:
            final = moment + length - (timedelta(days=1) if not isinstance(moment, datetime) else timedelta(microseconds=1))
            day, last_day = (moment.date(), final.date()) if isinstance(moment, datetime) else (moment, final)
            if day <= last and last_day >= first:
                found.add(str(vevent["UID"]))
    return found


class Listed(HTMLParser):
    """The data-uid of each event listed on the page, by the section's data-feed."""

    def __init__(self):
        super().__init__()
        self.current, self.by_feed = None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-feed" in attrs:
            self.current = attrs["data-feed"]
            self.by_feed[self.current] = set()
        if tag == "li" and "data-uid" in attrs and self.current:
            self.by_feed[self.current].add(attrs["data-uid"])


def test_the_feed_keeps_the_events_touching_the_window_and_all_ics_every_one(project):
    result = build()
    dist = project / "dist"
    everything = uids((dist / "all.ics").read_bytes())
    assert len(everything) == 66 + 9
    expected = touching((dist / "all.ics").read_bytes(), FIRST, LAST)
    # The edges: both days of the window count, the days beside them do not.
    assert {"first-day.ir@keydates", "last-day.ir@keydates", "span.ir@keydates", "weekly.ir@keydates", "monthly-count.ir@keydates"} <= expected
    assert not {"day-before.ir@keydates", "day-after.ir@keydates", "yearly-until.ir@keydates"} & expected
    assert uids((dist / "ir.ics").read_bytes()) == expected
    assert uids((dist / "ir" / "x.ics").read_bytes()) == expected  # its tag feed
    assert uids((dist / "de" / "ir.ics").read_bytes()) == expected  # its German edition
    document = json.loads((dist / "ir.json").read_text(encoding="utf-8"))
    assert document["window"] == {"first": FIRST.isoformat(), "last": LAST.isoformat()}
    jsonschema.validate(document, json.loads((REPO / "docs" / "calendar.schema.json").read_text()), format_checker=jsonschema.FormatChecker())
    assert {item["uid"] for item in document["events"]} == expected
    listed = Listed()
    listed.feed((dist / "index.html").read_text(encoding="utf-8"))
    assert listed.by_feed["ir"] == expected and listed.by_feed["all"] == everything
    assert not (dist / "ir" / "event" / "day-before.ics").exists() and (dist / "ir" / "event" / "first-day.ics").exists()
    kept = len(expected)
    assert f"ir: {kept} events -> dist/ir.ics" in result.stdout
    assert (
        f"ir: window {FIRST} to {LAST} (90d before and 2y after {REFERENCE}, from SOURCE_DATE_EPOCH): "
        f"{kept} of {len(everything)} events kept; all.ics has every one"
    ) in result.stdout.splitlines()


def test_without_source_date_epoch_the_window_counts_from_today_in_utc(project):
    before = datetime.now(timezone.utc).date()
    result = run("build", env={"SOURCE_DATE_EPOCH": None})
    after = datetime.now(timezone.utc).date()
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("ir: window ")]
    assert len(lines) == 1
    assert any(f"after {today}, today in UTC, as SOURCE_DATE_EPOCH is not set)" in lines[0] for today in {before, after}), lines


def published(folder: Path) -> dict[Path, bytes]:
    """Every file a build published (not its manifest, which records the files' times on disk)."""
    return {path.relative_to(folder): path.read_bytes() for path in folder.rglob("*") if path.is_file() and path.name != ".keydates-manifest.json"}


def test_two_builds_are_byte_identical(project):
    build("one")
    build("two")
    one, two = published(project / "one"), published(project / "two")
    assert one.keys() == two.keys() and len(one) > 10
    assert [path for path in one if one[path] != two[path]] == []


def test_leaving_the_window_is_no_change_to_the_lock(project):
    build(epoch=FIXED_EPOCH)
    lock = (project / "events" / "keydates.lock").read_bytes()
    year_later = str(int(FIXED_EPOCH) + 400 * 86400)  # the window starts 2026-12-08: the e-events of 2026 leave it
    result = build(epoch=year_later)
    assert "changes: no changes" in result.stdout
    assert (project / "events" / "keydates.lock").read_bytes() == lock  # no tombstone, no SEQUENCE, no change entry
    later = REFERENCE + timedelta(days=400)
    all_ics = (project / "dist" / "all.ics").read_bytes()
    left = touching(all_ics, FIRST, LAST) - touching(all_ics, later - timedelta(days=90), later.replace(year=later.year + 2))
    assert left  # some events did leave
    assert not left & uids((project / "dist" / "ir.ics").read_bytes())
    lenient, _ = parse(all_ics)
    sequences = {str(e["UID"]): int(e["SEQUENCE"]) for e in lenient.walk("VEVENT")}
    assert all(sequences[uid] == 0 for uid in left)


def test_check_accepts_and_validates_the_key(project):
    result = run("check")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: 1 calendar, 75 events")
    (project / "events" / "ir.toml").write_text(timeline().replace('future = "2y"', 'future = "2 years"'), encoding="utf-8")
    bad = run("check")
    assert bad.exit_code == 1
    assert "error: events/ir.toml: [calendar] window: future: cannot read '2 years' as a length" in bad.stderr


def big(window: str) -> str:
    """1,001 events, all but one years before the window."""
    header = '[calendar]\nid = "big"\nname = "Big"\ntimezone = "UTC"\n' + window
    body = "".join(f'\n[[event]]\nid = "e{i}"\ntitle = "E {i}"\ndate = {date(2000, 1, 1) + timedelta(days=i)}\nurl = "https://example.com/"\n' for i in range(1000))
    return header + body + '\n[[event]]\nid = "now"\ntitle = "Now"\ndate = 2026-03-01\nurl = "https://example.com/"\n'


def limit_warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if "Google Calendar is reported" in line]


def test_the_event_limit_is_counted_on_the_windowed_feed_and_suggests_the_window(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "events").mkdir()
    path = Path("events") / "big.toml"
    path.write_text(big(""), encoding="utf-8")
    warned = limit_warnings(run("check"))
    assert len(warned) == 1 and f"{site.FEED_EVENTS + 1:,} events" in warned[0]
    assert '[calendar] window = { past = "90d", future = "2y" }' in warned[0]
    path.write_text(big('window = { past = "1y" }\n'), encoding="utf-8")
    assert limit_warnings(run("check")) == []
    result = build()
    assert limit_warnings(result) == [] and "big: 1 event -> dist/big.ics" in result.stdout
    assert len(uids((tmp_path / "dist" / "all.ics").read_bytes())) == 1001
