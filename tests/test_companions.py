"""dist/<calendar>.json: validated against its documented schema, and agreeing with `list`."""

from __future__ import annotations

import json

import jsonschema

from conftest import REPO, copy_events, event_file, run

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
