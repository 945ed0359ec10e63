"""Subscribers see every change once, in place: stamps never go back, identity
stays unless the source says otherwise, and dist/ holds just what was built.

Each scenario runs the CLI step by step and checks the UID, SEQUENCE and
LAST-MODIFIED of every event after each step.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run, vevents

CALENDAR = """\
[calendar]
name = "Updates"
timezone = "Europe/Berlin"
"""
EVENT_A = '[[event]]\nid = "a"\ntitle = "Results"\ndate = 2026-02-19\nurl = "https://example.com/a"\ntags = ["earnings"]\n'
EVENT_B = '[[event]]\nid = "b"\ntitle = "Call"\ndate = 2026-02-20\nurl = "https://example.com/b"\ntags = ["calls"]\n'
DAY = 86400
T0 = 1770000000


class Project:
    """An events folder, built step by step with a moving clock."""

    def __init__(self, root: Path):
        self.root = root
        self.events = root / "events"
        self.events.mkdir()
        self.clock = T0

    def write(self, name: str, text: str) -> Path:
        path = self.events / name
        path.write_text(text, encoding="utf-8")
        return path

    def build(self, *args: str, ok: bool = True):
        self.clock += DAY
        result = run("build", "events", "-o", "dist", *args, env={"SOURCE_DATE_EPOCH": str(self.clock)})
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def stamps(self, feed: str) -> dict[str, tuple[int, str, str]]:
        """UID -> (SEQUENCE, LAST-MODIFIED, CREATED) as published in dist/<feed>."""
        events = vevents((self.root / "dist" / feed).read_bytes())
        return {
            uid: (int(e["SEQUENCE"]), e["LAST-MODIFIED"].dt.isoformat(), e["CREATED"].dt.isoformat())
            for uid, e in events.items()
        }

    def dist(self) -> set[str]:
        out = self.root / "dist"
        return {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


UID_A, UID_B = "a.cal@keydates", "b.cal@keydates"


def pinned(*events: str) -> str:
    return CALENDAR.replace("[calendar]\n", '[calendar]\nid = "cal"\n') + "\n" + "\n".join(events)


def test_edit_then_revert_never_lowers_the_sequence(project):
    project.write("cal.toml", pinned(EVENT_A))
    project.build()
    first = project.stamps("cal.ics")[UID_A]
    assert first[0] == 0
    project.write("cal.toml", pinned(EVENT_A.replace("Results", "Q4 results")))
    project.build()
    edited = project.stamps("cal.ics")[UID_A]
    assert edited[0] == 1 and edited[1] > first[1] and edited[2] == first[2]
    project.write("cal.toml", pinned(EVENT_A))  # back to the first text
    project.build()
    reverted = project.stamps("cal.ics")[UID_A]
    assert reverted[0] == 2 and reverted[1] > edited[1]


def test_delete_then_re_add_continues_from_the_tombstone(project):
    project.write("cal.toml", pinned(EVENT_A, EVENT_B))
    project.build()
    project.write("cal.toml", pinned(EVENT_A.replace("2026-02-19", "2026-02-26"), EVENT_B))
    project.build()
    before = project.stamps("cal.ics")[UID_A]
    assert before[0] == 1
    project.write("cal.toml", pinned(EVENT_B))
    result = project.build()
    assert UID_A not in project.stamps("cal.ics")
    lock = json.loads((project.events / "keydates.lock").read_text())
    assert lock["removed"][UID_A]["sequence"] == 1 and lock["removed"][UID_A]["removed"]
    assert "earnings.ics" not in {Path(p).name for p in project.dist()}  # its tag feed went with it
    assert "removed" in result.stdout
    project.write("cal.toml", pinned(EVENT_A, EVENT_B))
    project.build()
    again = project.stamps("cal.ics")[UID_A]
    assert again[0] == 2 and again[2] == before[2] and again[1] > before[1]  # CREATED kept


def test_cancelling_keeps_the_event_with_sequence_up(project):
    project.write("cal.toml", pinned(EVENT_A))
    project.build()
    project.write("cal.toml", pinned(EVENT_A + 'status = "cancelled"\n'))
    project.build()
    event = vevents((project.root / "dist" / "cal.ics").read_bytes())[UID_A]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1


def test_renaming_a_file_with_a_pinned_id_keeps_every_uid(project):
    project.write("cal.toml", pinned(EVENT_A, EVENT_B))
    project.build()
    before = project.stamps("cal.ics")
    (project.events / "cal.toml").rename(project.events / "renamed.toml")
    project.build()
    assert project.stamps("cal.ics") == before


def test_renaming_a_file_without_an_id_stops_with_the_fix(project):
    path = project.write("old-name.toml", CALENDAR + "\n" + EVENT_A + "\n" + EVENT_B)
    first = project.build()
    assert "add id = \"old-name\" to [calendar]" in first.stderr  # how to pin it, on the first build
    before = project.stamps("old-name.ics")
    dist_before = project.dist()
    path.rename(project.events / "new-name.toml")
    result = project.build(ok=False)
    assert result.exit_code == 1
    assert 'add id = "old-name" to [calendar]' in result.stderr and 'add id = "new-name"' in result.stderr
    assert project.dist() == dist_before  # nothing published meanwhile
    text = (project.events / "new-name.toml").read_text().replace("[calendar]\n", '[calendar]\nid = "old-name"\n')
    (project.events / "new-name.toml").write_text(text)
    project.build()
    assert project.stamps("old-name.ics") == before


def test_renaming_an_event_id_needs_previous_ids(project):
    project.write("cal.toml", pinned(EVENT_A, EVENT_B))
    project.build()
    before = project.stamps("cal.ics")[UID_A]
    project.write("cal.toml", pinned(EVENT_A.replace('id = "a"', 'id = "results"'), EVENT_B))
    result = project.build(ok=False)
    assert 'add previous_ids = ["a"]' in result.stderr
    project.write("cal.toml", pinned(EVENT_A.replace('id = "a"', 'id = "results"\nprevious_ids = ["a"]'), EVENT_B))
    project.build()
    assert project.stamps("cal.ics")[UID_A] == before  # same UID, nothing changed for subscribers


def test_a_removed_calendar_file_removes_its_feeds(project):
    project.write("cal.toml", pinned(EVENT_A))
    other = project.write("other.toml", CALENDAR.replace("[calendar]\n", '[calendar]\nid = "other"\n') + "\n" + EVENT_B)
    project.build()
    assert {"other.ics", "other/calls.ics"} <= project.dist()
    other.unlink()
    result = project.build()
    assert not {"other.ics", "other/calls.ics"} & project.dist()
    assert "removed" in result.stdout and "other.ics" in result.stdout
    lock = json.loads((project.events / "keydates.lock").read_text())
    assert "other" not in lock["calendars"] and "b.other@keydates" in lock["removed"]


def test_files_keydates_did_not_write_are_never_removed(project):
    project.write("cal.toml", pinned(EVENT_A))
    project.build()
    (project.root / "dist" / "robots.txt").write_text("User-agent: *\n")
    project.write("cal.toml", pinned(EVENT_A.replace('tags = ["earnings"]', "tags = []")))
    project.build()
    assert "robots.txt" in project.dist() and "cal/earnings.ics" not in project.dist()


def test_a_hand_edited_sequence_is_refused(project):
    project.write("cal.toml", pinned(EVENT_A))
    project.build()
    lock_path = project.events / "keydates.lock"
    text = lock_path.read_text()
    lock_path.write_text(text.replace('"sequence": 0', '"sequence": 7'))
    result = project.build(ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"error: events/keydates.lock: event '{UID_A}' in calendar 'cal': check: its stamps do not match" in result.stderr
    frozen = project.build("--frozen", ok=False)
    assert frozen.exit_code == 1


def test_stamps_published_by_serve_are_never_lowered_by_build_or_restart(project, serve):
    """Edit under a running server, revert, restart, build: SEQUENCE only goes up."""
    project.write("cal.toml", pinned(EVENT_A))
    project.build()
    server = serve("events", env={"SOURCE_DATE_EPOCH": str(project.clock + DAY)})

    def served() -> int:
        status, _, body = server.request("/cal.ics")
        assert status == 200
        return int(vevents(body)[UID_A]["SEQUENCE"])

    assert served() == 0
    project.write("cal.toml", pinned(EVENT_A.replace("Results", "Q4 results")))
    server.rebuilt()
    assert served() == 1
    assert (project.events / "keydates.lock.served").is_file()  # recorded beside the lock, not in it
    project.write("cal.toml", pinned(EVENT_A))  # reverted: still a change for subscribers
    server.rebuilt()
    assert served() == 2
    server.stop()
    restarted = serve("events", env={"SOURCE_DATE_EPOCH": str(project.clock + 2 * DAY)})
    status, _, body = restarted.request("/cal.ics")
    assert int(vevents(body)[UID_A]["SEQUENCE"]) == 2
    restarted.stop()
    project.build()
    assert project.stamps("cal.ics")[UID_A][0] == 2
    assert not (project.events / "keydates.lock.served").exists()  # folded into the lock
