"""Extra occurrences (also = RDATE) and changed ones ([[event.override]] =
RECURRENCE-ID): every parser sees the same instances as `keydates list`."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import recurring_ical_events

from conftest import event_file, parse, run

BERLIN = ZoneInfo("Europe/Berlin")
BODY = """
[[event]]
id = "sync"
title = "Sync"
url = "https://example.org/"
start = 2026-03-02T09:00:00
duration = "30m"
repeat = "FREQ=WEEKLY;COUNT=5"
except = [2026-03-16]
also = [2026-03-20T15:00:00]

[[event.override]]
occurrence = 2026-03-09T09:00:00
start = 2026-03-10T11:00:00
title = "Sync (moved)"

[[event.override]]
occurrence = 2026-03-20T15:00:00
location = "Room 2"
"""
EXPECTED = [
    (datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 9, 30), "Sync", None),
    (datetime(2026, 3, 10, 11, 0), datetime(2026, 3, 10, 11, 30), "Sync (moved)", None),
    (datetime(2026, 3, 20, 15, 0), datetime(2026, 3, 20, 15, 30), "Sync", "Room 2"),
    (datetime(2026, 3, 23, 9, 0), datetime(2026, 3, 23, 9, 30), "Sync", None),
    (datetime(2026, 3, 30, 9, 0), datetime(2026, 3, 30, 9, 30), "Sync", None),  # summer time: still 09:00
]


def test_every_parser_sees_the_changed_and_added_occurrences(tmp_path):
    path = event_file(tmp_path, BODY, header='[calendar]\nname = "T"\ntimezone = "Europe/Berlin"\n')
    out = tmp_path / "dist"
    result = run("build", path, "-o", out)
    assert result.exit_code == 0, result.output
    data = (out / "test.ics").read_bytes()
    lenient, strict = parse(data)
    expected = [(start.replace(tzinfo=BERLIN), end.replace(tzinfo=BERLIN), title, location) for start, end, title, location in EXPECTED]
    seen = [(e["DTSTART"].dt, e["DTEND"].dt, str(e["SUMMARY"]), e.get("LOCATION") and str(e["LOCATION"])) for e in recurring_ical_events.of(lenient).all()]
    assert seen == expected
    assert [(e.dtstart, e.dtend, e.summary, e.location) for e in strict.timeline] == expected
    assert {str(e["UID"]) for e in lenient.walk("VEVENT")} == {"sync.test@keydates"}  # one identity for the series
    rows = json.loads(run("list", path, "--format", "json", "--today", "2026-03-01").stdout)
    assert [(r["start"], r["end"], r["title"]) for r in rows] == [(s.isoformat(), e.isoformat(), t) for s, e, t, _ in expected]
