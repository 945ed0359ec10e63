"""keydates list: the timeline in the terminal and as JSON/CSV."""

from __future__ import annotations

import csv
import io
import json

from conftest import DEFAULT_TIMELINE, run

TODAY = ("--today", "2026-02-10")


def test_table_shows_the_timeline_in_date_order_with_distances():
    result = run("list", DEFAULT_TIMELINE, *TODAY)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["WHEN", "EVENT", "TAGS"]
    body = "\n".join(lines[1:])
    order = ["DeepSeek R1", "H200", "3 bn yuan", "campaign starts", "DeepSeek V4", "Spring Festival", "Chinese New Year's Day", "quarterly results"]
    positions = [body.index(title) for title in order]
    assert positions == sorted(positions)
    assert "mid-February 2026 (some time from 11–20 Feb 2026)" in body
    assert "15–23 Feb 2026" in body
    row = next(line for line in lines if "quarterly results" in line)
    assert row.rstrip().endswith("in 9 days")
    row = next(line for line in lines if "campaign starts" in line)
    assert row.rstrip().endswith("4 days ago")
    assert "DeepSeek V4 expected (tentative)" in body


def test_json_has_one_object_per_occurrence():
    result = run("list", DEFAULT_TIMELINE, "--format", "json", *TODAY)
    rows = json.loads(result.stdout)
    assert len(rows) == 8
    holiday = next(r for r in rows if r["id"] == "spring-festival-holiday")
    assert holiday == {
        "calendar": "alibaba-qwen-cny-2026",
        "id": "spring-festival-holiday",
        "uid": "spring-festival-holiday.alibaba-qwen-cny-2026@keydates",
        "title": "Chinese New Year's Eve / Chinese New Year (Spring Festival)",
        "start": "2026-02-15",
        "end": "2026-02-23",
        "all_day": True,
        "timezone": None,
        "when": None,
        "status": "confirmed",
        "repeat": None,
        "tags": ["holiday", "china"],
        "url": None,
        "location": None,
        "description": holiday["description"],
    }
    window = next(r for r in rows if r["id"] == "deepseek-v4")
    assert (window["when"], window["start"], window["end"], window["status"]) == ("mid-February 2026", "2026-02-11", "2026-02-20", "tentative")


def test_filters(tmp_path):
    result = run("list", DEFAULT_TIMELINE, "--format", "json", "--from", "2026-02-16", "--to", "2026-02-18", *TODAY)
    assert [r["id"] for r in json.loads(result.stdout)] == ["deepseek-v4", "spring-festival-holiday", "chinese-new-year"]
    result = run("list", DEFAULT_TIMELINE, "--format", "json", "--upcoming", *TODAY)
    ids = [r["id"] for r in json.loads(result.stdout)]
    assert ids == ["deepseek-v4", "spring-festival-holiday", "chinese-new-year", "alibaba-quarterly-results"]
    result = run("list", DEFAULT_TIMELINE, "--format", "json", "--tag", "earnings", "--tag", "deepseek", *TODAY)
    assert [r["id"] for r in json.loads(result.stdout)] == ["deepseek-r1-release", "deepseek-v4", "alibaba-quarterly-results"]


def test_timed_events_show_time_and_zone(tmp_path):
    from conftest import event_file

    path = event_file(tmp_path, '[[event]]\nid = "call"\ntitle = "Call"\nstart = 2026-02-19T20:00:00\nduration = "90m"\n')
    result = run("list", path, *TODAY)
    assert "Thu, 19 Feb 2026, 20:00–21:30 Asia/Shanghai  Call" in result.stdout  # Babel, en_001
    rows = json.loads(run("list", path, "--format", "json", *TODAY).stdout)
    assert (rows[0]["start"], rows[0]["end"], rows[0]["all_day"]) == ("2026-02-19T20:00:00+08:00", "2026-02-19T21:30:00+08:00", False)


def test_csv():
    result = run("list", DEFAULT_TIMELINE, "--format", "csv", *TODAY)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 8
    assert rows[0]["id"] == "deepseek-r1-release"
    assert rows[0]["tags"] == "deepseek;ai-models;context"


def test_empty_selection():
    result = run("list", DEFAULT_TIMELINE, "--from", "2030-01-01", *TODAY)
    assert result.exit_code == 0
    assert result.stdout == "No events.\n"
