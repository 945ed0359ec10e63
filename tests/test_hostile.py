"""Nothing in the events folder, the lock or the environment can hang a build,
exhaust it, make it follow a link out of the project, or print a traceback.

Special files are made by the tests themselves; every command runs as a real
process with a timeout, so a hang fails the test instead of the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXED_EPOCH, run

GOOD = '[calendar]\nid = "good"\nname = "Good"\ntimezone = "UTC"\n\n[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\nurl = "https://example.com/"\n'
BAD_LOCKS = sorted((Path(__file__).parent / "data" / "bad-lock").glob("*.lock"))


def keydates(folder: Path, *args: str, env: dict | None = None, timeout: float = 30):
    """A real `keydates` process in folder; a hang raises TimeoutExpired."""
    environment = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH, **(env or {})}
    environment = {k: v for k, v in environment.items() if v is not None}
    return subprocess.run([sys.executable, "-m", "keydates", *args], cwd=folder, env=environment, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "good.toml").write_text(GOOD)
    return tmp_path


def assert_refused(done, *fragments: str):
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr


@pytest.mark.parametrize("command", ["build", "check", "list"])
def test_a_fifo_is_refused_without_blocking(project, command):
    os.mkfifo(project / "events" / "x.toml")
    assert_refused(keydates(project, command), "events/x.toml: is a FIFO (named pipe), not an event file")
    assert not (project / "dist").exists()


def test_a_symlink_to_a_device_is_refused(project):
    (project / "events" / "zero.toml").symlink_to("/dev/zero")
    assert_refused(keydates(project, "build"), "events/zero.toml: is a symlink to a character device (/dev/zero), not to a regular file")


def test_a_symlink_out_of_the_project_needs_consent(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "shared.toml"
    outside.write_text(GOOD.replace('"good"', '"shared"'))
    (project / "events" / "shared.toml").symlink_to(outside)
    assert_refused(keydates(project, "check"), "events/shared.toml: is a symlink to", "outside the project folder", "--allow-outside-links")
    allowed = keydates(project, "check", "--allow-outside-links")
    assert allowed.returncode == 0, allowed.stderr
    (project / "events" / "passwd.toml").symlink_to("/etc/passwd")
    assert_refused(keydates(project, "check"), "events/passwd.toml: is a symlink to /etc/passwd, outside the project folder")


def test_a_folder_named_like_an_event_file_is_refused(project):
    (project / "events" / "old.toml").mkdir()
    assert_refused(keydates(project, "build"), "events/old.toml: is a folder, not an event file")


def test_editor_files_are_passed_over_and_said_so_with_verbose(project):
    events = project / "events"
    (events / ".#good.toml").symlink_to("root@host.1234:1700000000")  # Emacs' lock: a dangling link
    for name in ("good.toml~", ".good.toml.swp", "#good.toml#", ".hidden.toml"):
        (events / name).write_text("not TOML {")
    done = keydates(project, "-v", "build")
    assert done.returncode == 0, done.stderr
    assert "ignored events/.#good.toml" in done.stderr and "ignored events/.hidden.toml" in done.stderr
    assert "good: 1 event" in done.stdout


def test_an_oversized_file_is_refused_naming_its_size(project, monkeypatch):
    from keydates import load

    monkeypatch.chdir(project)
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 1000)
    (project / "events" / "big.toml").write_text(GOOD.replace('"good"', '"big"') + "# " + "x" * 2000 + "\n")
    result = run("check")
    assert result.exit_code == 1
    assert "events/big.toml: is 2," in result.stderr and "more than the 1,000 bytes keydates reads from one file" in result.stderr


@pytest.mark.parametrize("value", ["99999999999999999999", "-99999999999", "soon", "1e9", ""])
def test_a_bad_source_date_epoch_is_a_sentence(project, value):
    done = keydates(project, "build", env={"SOURCE_DATE_EPOCH": value})
    assert_refused(done, "SOURCE_DATE_EPOCH: ", "is not a time keydates can use")


def test_200000_tags_are_checked_in_linear_time(project):
    """The work is linear (a quadratic check took minutes); timed in benchmarks/hostile.py, not here."""
    tags = ", ".join(f'"t{n}"' for n in range(200_000))
    calendar = GOOD.replace('"good"', '"tags"').replace('timezone = "UTC"', "timezone = \"UTC\"\nfeeds = []")
    (project / "events" / "tags.toml").write_text(calendar.replace('url = "https://example.com/"', f"url = \"https://example.com/\"\ntags = [{tags}]"))
    done = keydates(project, "check", "events/tags.toml", timeout=60)
    assert done.returncode == 0, done.stderr


def test_many_tags_on_many_events_are_refused_before_writing(project):
    tags = ", ".join(f'"t{n}"' for n in range(300))
    body = "".join(f'\n[[event]]\nid = "e{n}"\ntitle = "E"\ndate = 2026-02-06\nurl = "https://example.com/"\ntags = [{tags}]\n' for n in range(300))
    (project / "events" / "wide.toml").write_text(GOOD.replace('"good"', '"wide"').split("\n\n")[0] + "\n" + body)
    for command in ("check", "build"):
        assert_refused(keydates(project, command), "events/wide.toml: [calendar] feeds: 300 tags would make", "[calendar] feeds = [")
    assert not (project / "dist").exists()


# -- the lock is input too -------------------------------------------------------


def expected(case: Path) -> str:
    return case.with_suffix(".expect").read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("case", BAD_LOCKS, ids=[case.stem for case in BAD_LOCKS])
def test_a_damaged_lock_is_refused_naming_the_event_and_field(project, case):
    (project / "events" / "keydates.lock").write_bytes(case.read_bytes())
    (project / "dist").mkdir()
    (project / "dist" / "good.ics").write_text("published before")
    for command in ("build", "check"):
        assert_refused(keydates(project, command), f"error: events/keydates.lock: {expected(case)}")
    assert (project / "dist" / "good.ics").read_text() == "published before"


def test_bad_lock_corpus_is_there():
    assert len(BAD_LOCKS) >= 12
    assert all(case.with_suffix(".expect").is_file() for case in BAD_LOCKS)


def test_a_lock_nested_200000_deep_is_a_sentence(project):
    (project / "events" / "keydates.lock").write_text("[" * 200_000 + "]" * 200_000)
    assert_refused(keydates(project, "build"), "events/keydates.lock: the lock file is damaged (nested too deeply)")


def test_a_lock_only_edit_fails_frozen(project):
    assert keydates(project, "build").returncode == 0
    path = project / "events" / "keydates.lock"
    data = path.read_text()
    record = json.loads(data)["calendars"]["good"]["events"]["a.good@keydates"]
    edited = data.replace(f'"modified": "{record["modified"]}"', '"modified": "2020-01-01T00:00:00Z"').replace(
        f'"created": "{record["created"]}"', '"created": "2020-01-01T00:00:00Z"')
    path.write_text(edited)
    assert_refused(keydates(project, "build", "--frozen"), "check: its stamps do not match their checksum")
