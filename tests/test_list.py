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
        "relative_to": None,
        "status": "confirmed",
        "repeat": None,
        "tags": ["holiday", "china"],
        "url": None,
        "location": None,
        "description": holiday["description"],
        "color": None,
        "conference": None,
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


# --- fitting the terminal, --around, notes ------------------------------------

LONG = """
[[event]]
id = "long"
title = "阿里巴巴千问春节红包活动第二波：食品饮料娱乐休闲全部覆盖，另有一段很长的英文说明 with a long English tail that goes on"
start = 2026-02-13
end = 2026-02-23
tags = ["qwen", "marketing", "a-rather-long-tag", "another-long-tag"]
"""


def _long_timeline(tmp_path):
    from conftest import event_file

    return event_file(tmp_path, DEFAULT_TIMELINE.read_text(encoding="utf-8").replace("[[holidays]]", LONG + "\n[[holidays]]"), name="qwen.toml")


def _columns(line: str) -> int:
    from keydates.listing import _width

    return _width(line)


DISTANCES = ("ago", "days", "day", "now", "today")


def _cut(line: str, start: int, end: int) -> str:
    """The characters of `line` in display columns [start, end)."""
    out, column = "", 0
    for char in line:
        if start <= column < end:
            out += char
        column += _columns(char)
    return out


def test_table_fits_the_width_and_keeps_its_columns(tmp_path):
    path = _long_timeline(tmp_path)
    wide = run("list", path, *TODAY, "--width", "0").stdout
    assert max(map(_columns, wide.splitlines())) > 150
    for width in (100, 80, 60):
        lines = run("list", path, *TODAY, "--width", str(width)).stdout.splitlines()
        assert max(map(_columns, lines)) <= width, (width, lines)
        firsts = [i for i, line in enumerate(lines) if line.endswith(DISTANCES)]
        assert len(firsts) == 9
        # Every row's distance starts in the same column.
        assert len({_columns(lines[i].rsplit("  ", 1)[0]) for i in firsts}) == 1
        # Each title is all there, wrapped in its own column over its row's lines.
        title_start = lines[0].index("EVENT")
        distance_start = _columns(lines[firsts[0]].rsplit("  ", 1)[0])
        title_end = lines[0].index("TAGS") if "TAGS" in lines[0] else distance_start
        row = next(i for i in firsts if "阿里巴巴" in lines[i])
        following = firsts[firsts.index(row) + 1]
        pieces = [_cut(line, title_start, title_end).strip() for line in lines[row:following]]
        assert "".join(pieces).replace(" ", "").startswith("阿里巴巴千问春节红包活动第二波")
        assert "".join(pieces).endswith("goes on")


def test_table_fits_the_terminal_it_prints_to(tmp_path):
    import os
    import pty
    import subprocess
    import sys

    path = _long_timeline(tmp_path)
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "72", "LINES": "40"}
    process = subprocess.run([sys.executable, "-m", "keydates", "list", str(path), *TODAY], stdout=follower, stderr=subprocess.PIPE, env=env, timeout=60)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.returncode == 0, process.stderr
    lines = output.decode("utf-8").replace("\r\n", "\n").splitlines()
    assert lines and max(map(_columns, lines)) <= 72
    piped = run("list", path, *TODAY).stdout  # not a terminal: no limit
    assert max(map(_columns, piped.splitlines())) > 72


def test_around_a_day():
    result = run("list", DEFAULT_TIMELINE, "--format", "json", "--around", "2026-02-04", "--days", "2", *TODAY)
    assert [r["id"] for r in json.loads(result.stdout)] == ["qwen-promotion-announced", "qwen-campaign-start"]
    result = run("list", DEFAULT_TIMELINE, "--format", "json", "--around", "2026-02-25", *TODAY)  # a week either side
    assert [r["id"] for r in json.loads(result.stdout)] == ["deepseek-v4", "spring-festival-holiday", "alibaba-quarterly-results"]
    assert run("list", DEFAULT_TIMELINE, "--days", "3").exit_code == 2
    both = run("list", DEFAULT_TIMELINE, "--around", "2026-02-25", "--from", "2026-02-01")
    assert both.exit_code == 2 and "give --around or --from/--to, not both" in both.stderr


def test_notes_when_a_filter_finds_nothing():
    result = run("list", DEFAULT_TIMELINE, "--tag", "earning", *TODAY)
    assert result.exit_code == 0
    assert result.stdout == "No events.\n"
    assert "note: no event has the tag 'earning' (did you mean 'earnings'?)" in result.stderr
    assert "note: no events match the tag 'earning'; the timeline runs 1 Jan 2025\u2009–\u200923 Feb 2026" in result.stderr
    result = run("list", DEFAULT_TIMELINE, "--tag", "earnings", "--tag", "zzz", "--format", "json", *TODAY)
    assert [r["id"] for r in json.loads(result.stdout)] == ["alibaba-quarterly-results"]
    assert result.stderr == "note: no event has the tag 'zzz'; the tags are ai-models, alibaba, china, chips, context, deepseek, earnings, holiday, marketing, nvidia, qwen, regulation\n"
    result = run("list", DEFAULT_TIMELINE, "--from", "2030-01-01", *TODAY)
    assert "note: no events match 2030-01-01 to ...; the timeline runs 1 Jan 2025\u2009–\u200923 Feb 2026" in result.stderr
    assert run("list", DEFAULT_TIMELINE, *TODAY).stderr == ""
