"""keydates build: outputs, determinism, the lock file and update semantics."""

from __future__ import annotations

import json

from conftest import REPO, copy_events, parse, run, vevents

CALENDAR_ID = "alibaba-qwen-cny-2026"


def test_default_build_writes_one_file_per_calendar_and_all(tmp_path, in_tmp):
    copy_events(tmp_path)
    result = run("build")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{CALENDAR_ID}: 8 events -> dist/{CALENDAR_ID}.ics",
        "all: 8 events -> dist/all.ics",
        "page: dist/index.html (with 12 per-tag feeds)",
        "de: the same in language 'de' -> dist/de",
        "changes: no changes",
    ]
    for name in (f"{CALENDAR_ID}.ics", "all.ics"):
        lenient, strict = parse((tmp_path / "dist" / name).read_bytes())
        assert len(strict.events) == 8
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == sorted([f"{CALENDAR_ID}.ics", f"{CALENDAR_ID}.json", "all.ics", "index.html", "changes.atom", CALENDAR_ID, "de", ".keydates-manifest.json"])
    # The German edition: the same layout under de/ (docs/languages.md).
    assert sorted(p.name for p in (tmp_path / "dist" / "de").iterdir()) == sorted([f"{CALENDAR_ID}.ics", f"{CALENDAR_ID}.json", "all.ics", "index.html", CALENDAR_ID])
    assert (tmp_path / "dist" / CALENDAR_ID / "holiday.ics").is_file()


def test_committed_lock_is_up_to_date(tmp_path, in_tmp):
    """A fresh clone builds with --frozen: the shipped lock matches the events."""
    copy_events(tmp_path)
    result = run("build", "--frozen")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "events" / "keydates.lock").read_bytes() == (REPO / "events" / "keydates.lock").read_bytes()


def test_rebuild_is_byte_identical_whatever_the_clock(tmp_path, in_tmp):
    copy_events(tmp_path)
    run("build", "-o", "one", env={"SOURCE_DATE_EPOCH": "1800000000"})
    run("build", "-o", "two", env={"SOURCE_DATE_EPOCH": "1900000000"})
    for name in (f"{CALENDAR_ID}.ics", "all.ics"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_editing_a_title_changes_only_that_event(tmp_path, in_tmp):
    events = copy_events(tmp_path)
    run("build", "-o", "before")
    source = events / f"{CALENDAR_ID}.toml"
    source.write_text(source.read_text().replace('title.en = "Alibaba quarterly results"', 'title.en = "Alibaba December-quarter results"'))
    result = run("build", "-o", "after", env={"SOURCE_DATE_EPOCH": "1800000000"})  # 2027-01-15T08:00:00Z, after the lock's stamps
    assert result.exit_code == 0
    assert "updated events/keydates.lock (1 event changed)" in result.stdout
    before = vevents((tmp_path / "before" / f"{CALENDAR_ID}.ics").read_bytes())
    after = vevents((tmp_path / "after" / f"{CALENDAR_ID}.ics").read_bytes())
    assert before.keys() == after.keys()  # same UIDs: updated in place, no duplicate
    uid = f"alibaba-quarterly-results.{CALENDAR_ID}@keydates"
    for key in before:
        old, new = before[key], after[key]
        changed = {name for name in set(old) | set(new) if old.get(name) != new.get(name) and name not in ("DTSTAMP", "LAST-MODIFIED", "CREATED")}
        changed |= {name for name in ("DTSTAMP", "LAST-MODIFIED", "CREATED") if old[name].dt != new[name].dt}
        if key == uid:
            assert changed == {"SUMMARY", "SEQUENCE", "DTSTAMP", "LAST-MODIFIED"}
            assert new["SEQUENCE"] == old["SEQUENCE"] + 1
            assert new["LAST-MODIFIED"].dt.isoformat() == "2027-01-15T08:00:00+00:00"
        else:
            assert changed == set(), key


def test_frozen_fails_instead_of_changing_the_lock(tmp_path, in_tmp):
    events = copy_events(tmp_path)
    source = events / f"{CALENDAR_ID}.toml"
    source.write_text(source.read_text().replace("DeepSeek V4 expected", "DeepSeek V4 due"))
    lock_before = (events / "keydates.lock").read_bytes()
    result = run("build", "--frozen")
    assert result.exit_code == 1
    assert f"events/keydates.lock: out of date ({CALENDAR_ID}/deepseek-v4 changed)" in result.stderr
    assert (events / "keydates.lock").read_bytes() == lock_before
    assert not (tmp_path / "dist").exists()


def test_new_events_get_source_date_epoch(built):
    result, out = built('[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\n')
    lock = json.loads((out.parent / "events" / "keydates.lock").read_text())
    assert lock["calendars"]["test"]["events"]["a.test@keydates"]["created"] == "2026-02-02T02:40:00Z"
    assert lock["calendars"]["test"]["events"]["a.test@keydates"]["sequence"] == 0
    event = vevents((out / "test.ics").read_bytes())["a.test@keydates"]
    assert event["SEQUENCE"] == 0


def test_damaged_lock_is_a_clear_error(tmp_path, in_tmp):
    events = copy_events(tmp_path)
    (events / "keydates.lock").write_text("{ not json")
    result = run("build")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: events/keydates.lock: the lock file is damaged")
    assert not (tmp_path / "dist").exists()


def test_all_ics_combines_calendars(tmp_path, in_tmp):
    events = copy_events(tmp_path)
    (events / "other.toml").write_text('[calendar]\nname = "Other"\ntimezone = "Europe/Berlin"\n[[event]]\nid = "x"\ntitle = "X"\ndate = 2026-03-01\nurl = "https://example.com/"\n')
    result = run("build")
    assert result.exit_code == 0, result.stderr
    assert "all: 9 events -> dist/all.ics" in result.stdout
    lenient, strict = parse((tmp_path / "dist" / "all.ics").read_bytes())
    assert str(lenient["X-WR-CALNAME"]) == "All key dates"
    assert "x.other@keydates" in {e.uid for e in strict.events}


def test_python_dash_m_and_version():
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-m", "keydates", "--version"], capture_output=True, text=True, check=True)
    assert completed.stdout.startswith("keydates, version ")


def test_golden_default_timeline(tmp_path, in_tmp):
    """Reviewed by eye once; regenerate with `keydates build -o tests/golden` when output changes on purpose."""
    copy_events(tmp_path)
    run("build", "--frozen")
    golden = REPO / "tests" / "golden" / f"{CALENDAR_ID}.ics"
    assert (tmp_path / "dist" / f"{CALENDAR_ID}.ics").read_bytes() == golden.read_bytes()


def test_a_given_uid_is_published_verbatim(built):
    """An imported UID (here Google's form, with characters TEXT escapes) is kept as it is."""
    result, out = built('[[event]]\nid = "a"\nuid = "7kq2;x,y@google.com"\ntitle = "A"\ndate = 2026-02-06\n')
    assert result.exit_code == 0, result.stderr
    assert "UID:7kq2\\;x\\,y@google.com" in (out / "test.ics").read_text()
    assert set(vevents((out / "test.ics").read_bytes())) == {"7kq2;x,y@google.com"}
