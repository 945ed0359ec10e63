"""dist/<calendar>.json: validated against its documented schema, and agreeing with `list`."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import jsonschema
from pyld import jsonld

from conftest import REPO, copy_events, event_file, run, vevents

SCHEMA = json.loads((REPO / "docs" / "calendar.schema.json").read_text(encoding="utf-8"))


def test_default_timeline_json_matches_the_schema_and_list(tmp_path):
    events = copy_events(tmp_path)
    assert run("build", events, "-o", tmp_path / "dist").exit_code == 0
    document = json.loads((tmp_path / "dist" / "alibaba-qwen-cny-2026.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    rows = json.loads(run("list", events, "--format", "json").stdout)
    for record in document["events"]:
        row = next(r for r in rows if r["uid"] == record["uid"])
        assert {k: v for k, v in record.items() if k not in ("occurrences", "more_occurrences")} == row
    assert len(document["events"]) == 8 and document["language"] == "en"
    german = json.loads((tmp_path / "dist" / "de" / "alibaba-qwen-cny-2026.json").read_text(encoding="utf-8"))
    jsonschema.validate(german, SCHEMA)
    assert german["language"] == "de" and [e["uid"] for e in german["events"]] == [e["uid"] for e in document["events"]]
    assert next(e for e in german["events"] if e["id"] == "deepseek-v4")["title"] == "DeepSeek V4 erwartet"


def test_repeating_events_list_their_occurrences(tmp_path):
    body = """\
[[event]]
id = "earnings"
title = "Earnings"
date = 2026-02-19
repeat = "quarterly"
count = 4

[[event]]
id = "daily"
title = "Stand-up"
start = 2026-01-05T09:00:00
duration = "15m"
repeat = "daily"
"""
    path = event_file(tmp_path, body)
    assert run("build", path, "-o", tmp_path / "dist").exit_code == 0
    document = json.loads((tmp_path / "dist" / "test.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)
    by_id = {e["id"]: e for e in document["events"]}
    earnings = by_id["earnings"]
    assert [o["start"] for o in earnings["occurrences"]] == ["2026-02-19", "2026-05-19", "2026-08-19", "2026-11-19"]
    assert earnings["more_occurrences"] is False
    daily = by_id["daily"]
    assert len(daily["occurrences"]) == 1000 and daily["more_occurrences"] is True  # the cap, documented in the schema
    assert daily["occurrences"][0] == {"start": "2026-01-05T09:00:00+08:00", "end": "2026-01-05T09:15:00+08:00"}
    bad = json.loads(json.dumps(document))
    bad["events"][0]["status"] = "maybe"
    try:
        jsonschema.validate(bad, SCHEMA)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the schema accepted a status the model has not")


# --- schema.org Event JSON-LD in the page ---------------------------------

SCHEMA_ORG = "https://schema.org/"
# A stand-in for https://schema.org's context (no network in tests): every
# term in schema.org's vocabulary, and the IRI-valued properties as IRIs.
SCHEMA_ORG_CONTEXT = {"@context": {"@vocab": SCHEMA_ORG, "url": {"@type": "@id"}, "eventStatus": {"@type": "@id"}}}


def schema_org_loader(url, options=None):
    """pyld's document loader: the local context for schema.org, nothing else."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), f"the test would fetch {url}"
    return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_ORG_CONTEXT}


def page_json_ld(html: str) -> list:
    """The page's one JSON-LD block."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def expanded_nodes(html: str, base: str) -> list[dict]:
    """The page's JSON-LD expanded by pyld, each node's property -> value(s), in order."""
    expanded = jsonld.expand(page_json_ld(html), {"documentLoader": schema_org_loader, "base": base})
    nodes = []
    for node in expanded[0]["@graph"] if "@graph" in expanded[0] else expanded:
        assert node["@type"] == [SCHEMA_ORG + "Event"]
        values = {}
        for key, items in node.items():
            if key.startswith(SCHEMA_ORG):
                values[key[len(SCHEMA_ORG):]] = [item.get("@value", item.get("@id", item)) for item in items]
        values["@id"] = node["@id"]
        nodes.append(values)
    return nodes


def expanded_events(html: str, base: str) -> dict[str, dict]:
    """The page's JSON-LD Events by schema.org identifier (events that do not repeat: one node each)."""
    events = {}
    for values in expanded_nodes(html, base):
        assert values["identifier"][0] not in events, values["identifier"]
        events[values["identifier"][0]] = values
    return events


JSON_LD_EVENTS = """\
[calendar]
name = "Fixture"
timezone = "Europe/Berlin"

[[event]]
id = "day"
title = "One day"
date = 2026-03-10
location = "Hall </script><!-- 3 & 4"
url = "https://example.com/day"

[[event]]
id = "span"
title = "Fair"
start = 2026-03-28
end = 2026-03-30

[[event]]
id = "timed"
title = "Call"
start = 2026-03-29T09:30:00
duration = "90m"

[[event]]
id = "off"
title = "Called off"
date = 2026-04-01
status = "cancelled"

[[event]]
id = "window"
title = "Model expected"
when = "mid-march 2026"
"""


def test_page_json_ld_expands_to_schema_org_events_that_match_the_files(tmp_path):
    path = event_file(tmp_path, JSON_LD_EVENTS)
    assert run("build", path, "-o", tmp_path / "dist", "--base-url", "https://example.org/cal/").exit_code == 0
    html = (tmp_path / "dist" / "index.html").read_text(encoding="utf-8")
    events = expanded_events(html, "https://example.org/cal/index.html")
    source = tomllib.loads(JSON_LD_EVENTS)["event"]
    feed = vevents((tmp_path / "dist" / "test.ics").read_bytes())
    assert set(events) == set(feed) and len(events) == len(source)
    berlin = ZoneInfo("Europe/Berlin")
    for raw in source:
        uid = f"{raw['id']}.test@keydates"
        got = events[uid]
        assert got["name"] == [raw["title"]]
        assert got["url"] == [f"https://example.org/cal/index.html#{raw['id']}"] and got["@id"] == got["url"][0]
        assert got["inLanguage"] == ["en"]
        status = "EventCancelled" if raw.get("status") == "cancelled" else "EventScheduled"
        assert got["eventStatus"] == [SCHEMA_ORG + status]
        # The description is the feed's: window note, text, source link.
        assert got.get("description", [""]) == [str(feed[uid].get("DESCRIPTION", ""))]
        if "location" in raw:
            assert got["location"] == [{"@type": [SCHEMA_ORG + "Place"], SCHEMA_ORG + "name": [{"@value": raw["location"]}]}]
        else:
            assert "location" not in got
    # All-day: ISO dates, the end inclusive (schema.org's last day, not iCalendar's exclusive end).
    assert (events["day.test@keydates"]["startDate"], events["day.test@keydates"]["endDate"]) == (["2026-03-10"], ["2026-03-10"])
    assert (events["span.test@keydates"]["startDate"], events["span.test@keydates"]["endDate"]) == (["2026-03-28"], ["2026-03-30"])
    # Timed: in the event's zone with its offset, the same instants as the feed's (29 March is the day Berlin goes to summer time).
    timed = events["timed.test@keydates"]
    start = datetime(2026, 3, 29, 9, 30, tzinfo=berlin)
    assert [datetime.fromisoformat(v) for v in timed["startDate"] + timed["endDate"]] == [start, start + timedelta(minutes=90)]
    assert timed["startDate"] == ["2026-03-29T09:30:00+02:00"]
    # A window: the days it may fall on, as the feed's DTSTART and DTEND minus a day.
    window, vevent = events["window.test@keydates"], feed["window.test@keydates"]
    assert window["startDate"] == [vevent["DTSTART"].dt.isoformat()]
    assert window["endDate"] == [(vevent["DTEND"].dt - timedelta(days=1)).isoformat()]
    # "</script>" and "<!--" in a text cannot end or change the block.
    assert "</script><!--" not in html.split('type="application/ld+json">', 1)[1].split("</script>", 1)[0]


def test_default_timeline_json_ld_once_per_event_in_each_language(tmp_path):
    events = copy_events(tmp_path)
    assert run("build", events, "-o", tmp_path / "dist").exit_code == 0
    feed = vevents((tmp_path / "dist" / "alibaba-qwen-cny-2026.ics").read_bytes())
    for folder, lang in (("", "en"), ("de/", "de")):
        html = (tmp_path / "dist" / folder / "index.html").read_text(encoding="utf-8")
        # Without a base URL, url is relative to the page: pyld resolves it against wherever the page is.
        base = f"https://host.example/{folder}index.html"
        got = expanded_events(html, base)
        assert set(got) == set(feed)  # once each: all.ics of one calendar adds none
        for uid, values in got.items():
            assert values["inLanguage"] == [lang]
            assert values["url"][0].startswith(base + "#")
    german = expanded_events((tmp_path / "dist" / "de" / "index.html").read_text(encoding="utf-8"), "https://h/")
    assert german["deepseek-v4.alibaba-qwen-cny-2026@keydates"]["name"] == ["DeepSeek V4 erwartet"]


REPEATING_JSON_LD = """\
[calendar]
name = "Repeats"
timezone = "Europe/Berlin"

[[event]]
id = "weekly"
title = "Weekly call"
start = 2026-03-16T09:00:00
duration = "30m"
repeat = "weekly"
count = 5

[[event]]
id = "yearly"
title = "Anniversary"
date = 2000-06-15
repeat = "yearly"

[[event]]
id = "last-friday"
title = "Review"
date = 2026-01-30
repeat = "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1;COUNT=3"
"""


def test_page_json_ld_gives_a_repeating_event_one_event_per_date_drawn(tmp_path):
    from dateutil.rrule import FR, MONTHLY, WEEKLY, YEARLY, rrule

    path = event_file(tmp_path, REPEATING_JSON_LD)
    result = run("build", path, "-o", tmp_path / "dist", "--base-url", "https://example.org/cal/", env={"SOURCE_DATE_EPOCH": "1774000000"})
    assert result.exit_code == 0, result.stderr  # 2026-03-20
    nodes = expanded_nodes((tmp_path / "dist" / "index.html").read_text(encoding="utf-8"), "https://example.org/cal/index.html")
    by_uid: dict[str, list[dict]] = {}
    for values in nodes:
        by_uid.setdefault(values["identifier"][0], []).append(values)
    assert set(by_uid) == set(vevents((tmp_path / "dist" / "test.ics").read_bytes()))
    # Five Events, one per week, at 09:00 Berlin time across the change to summer time; each half an hour.
    berlin = ZoneInfo("Europe/Berlin")
    weekly = [moment.replace(tzinfo=berlin) for moment in rrule(WEEKLY, count=5, dtstart=datetime(2026, 3, 16, 9))]
    got = by_uid["weekly.test@keydates"]
    assert [datetime.fromisoformat(v["startDate"][0]) for v in got] == weekly
    assert [datetime.fromisoformat(v["endDate"][0]) for v in got] == [moment + timedelta(minutes=30) for moment in weekly]
    assert len({v["@id"] for v in nodes}) == len(nodes)  # a node each, none merged by a JSON-LD processor
    assert {v["url"][0] for v in got} == {"https://example.org/cal/index.html#weekly"}  # all lead to the event's anchor
    assert {v["name"][0] for v in got} == {"Weekly call"}
    # An open yearly rule: bounded, from its first date up to a year past the build's day.
    horizon = datetime(2026, 3, 20) + timedelta(days=366)
    yearly = [moment.date().isoformat() for moment in rrule(YEARLY, dtstart=datetime(2000, 6, 15), until=horizon)]
    assert [v["startDate"][0] for v in by_uid["yearly.test@keydates"]] == yearly
    assert [v["endDate"][0] for v in by_uid["yearly.test@keydates"]] == yearly  # one day: the end inclusive
    # A rule a schema.org Schedule cannot say (BYSETPOS: the last Friday of the month) is given as its dates.
    fridays = [moment.date().isoformat() for moment in rrule(MONTHLY, count=3, byweekday=FR, bysetpos=-1, dtstart=datetime(2026, 1, 30))]
    assert [v["startDate"][0] for v in by_uid["last-friday.test@keydates"]] == fridays
    assert not any("eventSchedule" in v for v in nodes)


def test_color_and_conference_in_the_json_and_list(tmp_path):
    body = """\
[[event]]
id = "call"
title = "Investor call"
date = 2026-03-16
color = "#ff6347"
conference = "https://meet.example.com/abc"

[[event]]
id = "plain"
title = "Plain"
date = 2026-03-20
"""
    path = event_file(tmp_path, body, header='[calendar]\nname = "Test"\ntimezone = "UTC"\ncolor = "SteelBlue"\n')
    assert run("build", path, "-o", tmp_path / "dist").exit_code == 0
    document = json.loads((tmp_path / "dist" / "test.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert document["color"] == "steelblue"  # kept as a lower-case name
    by_id = {e["id"]: e for e in document["events"]}
    assert (by_id["call"]["color"], by_id["call"]["conference"]) == ("tomato", "https://meet.example.com/abc")  # #ff6347 is tomato
    assert (by_id["plain"]["color"], by_id["plain"]["conference"]) == (None, None)
    rows = {r["id"]: r for r in json.loads(run("list", path, "--format", "json").stdout)}
    assert (rows["call"]["color"], rows["call"]["conference"]) == ("tomato", "https://meet.example.com/abc")
    # The schema refuses what the model cannot hold.
    for field, value in (("color", "#ff6347"), ("conference", "ftp://example.com/")):
        bad = json.loads(json.dumps(document))
        bad["events"][0][field] = value
        try:
            jsonschema.validate(bad, SCHEMA)
        except jsonschema.ValidationError:
            pass
        else:
            raise AssertionError(f"the schema accepted {field} {value!r}")
