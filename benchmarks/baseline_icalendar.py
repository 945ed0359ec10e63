"""Build the benchmark calendar with plain icalendar, the documented way.

    python benchmarks/baseline_icalendar.py bench.json OUT.ics

Reads the resolved events written by workload.py and builds one calendar:
``Calendar()``, one ``Event()`` per item filled with ``.add()``, zoneinfo-aware
datetimes for timed events, ``add_missing_timezones()``, ``to_ical()``.  No
caching or other tricks: this is the cost of doing it by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event


def build(data: dict) -> Calendar:
    """Return the icalendar Calendar for workload data."""
    meta = data["calendar"]
    dtstamp = datetime.fromisoformat(meta["dtstamp"]).astimezone(timezone.utc)
    cal = Calendar()
    cal.add("prodid", "-//keydates benchmarks//icalendar baseline//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", meta["name"])
    cal.add("x-wr-caldesc", meta["description"])
    cal.add("x-wr-timezone", meta["timezone"])
    for item in data["events"]:
        event = Event()
        event.add("uid", item["uid"])
        event.add("dtstamp", dtstamp)
        event.add("summary", item["title"])
        if item["all_day"]:
            event.add("dtstart", date.fromisoformat(item["start"]))
            event.add("dtend", date.fromisoformat(item["end"]))
        else:
            tz = ZoneInfo(item["tzid"])
            event.add("dtstart", datetime.fromisoformat(item["start"]).replace(tzinfo=tz))
            event.add("dtend", datetime.fromisoformat(item["end"]).replace(tzinfo=tz))
        event.add("description", item["description"])
        event.add("categories", item["tags"])
        event.add("url", item["url"])
        event.add("status", item["status"])
        event.add("transp", item["transp"])
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="bench.json from workload.py")
    parser.add_argument("target", type=Path, help="the .ics file to write")
    args = parser.parse_args(argv)
    data = json.loads(args.source.read_text(encoding="utf-8"))
    args.target.write_bytes(build(data).to_ical())
    return 0


if __name__ == "__main__":
    sys.exit(main())
