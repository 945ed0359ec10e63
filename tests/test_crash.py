"""Crash safety: killed builds, full disks and concurrent builds never publish a lie.

The invariants, checked after every fault:
- every published file is whole (each feed parses, none is torn);
- no temporary file survives the next build;
- no SEQUENCE of a UID is ever published with two different LAST-MODIFIED
  values, and what is published never runs ahead of the lock.
"""

from __future__ import annotations

import errno
import fcntl
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import run

EVENTS = 1500
KILLS = 24


def workload(version: int) -> str:
    """A calendar whose every third event changes title with `version`."""
    lines = ['[calendar]\nid = "load"\nname = "Load"\ntimezone = "Europe/Berlin"\n']
    for n in range(EVENTS):
        title = f"Event {n} v{version}" if n % 3 == 0 else f"Event {n}"
        lines.append(f'[[event]]\nid = "e{n}"\ntitle = "{title}"\ndate = 2026-{n % 12 + 1:02}-{n % 28 + 1:02}\nurl = "https://example.com/{n}"\ntags = ["t{n % 5}"]\n')
    return "\n".join(lines)


def feed_stamps(data: bytes) -> dict[str, tuple[int, str]]:
    """UID -> (SEQUENCE, LAST-MODIFIED), read from our own line format; asserts the feed is whole."""
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n"), "torn feed"
    stamps, uid, sequence, modified = {}, None, None, None
    for line in data.decode("utf-8").split("\r\n"):
        if line.startswith("UID:"):
            uid = line[4:]
        elif line.startswith("SEQUENCE:"):
            sequence = int(line[9:])
        elif line.startswith("LAST-MODIFIED:"):
            modified = line[14:]
        elif line == "END:VEVENT":
            stamps[uid] = (sequence, modified)
    return stamps


def lock_stamps(path: Path) -> dict[str, tuple[int, str]]:
    import json

    data = json.loads(path.read_text())
    return {
        uid: (record["sequence"], record["modified"].replace("-", "").replace(":", ""))
        for calendar in data["calendars"].values() for uid, record in calendar["events"].items()
    }  # fmt: skip


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith((".tmp", ".keydates-tmp"))]


class History:
    """Every (UID, SEQUENCE) ever published, with its LAST-MODIFIED."""

    def __init__(self):
        self.seen: dict[tuple[str, int], str] = {}

    def check(self, out: Path, lock: Path) -> None:
        recorded = lock_stamps(lock)
        for feed in sorted(out.rglob("*.ics")):
            for uid, (sequence, modified) in feed_stamps(feed.read_bytes()).items():
                first = self.seen.setdefault((uid, sequence), modified)
                assert first == modified, f"{feed}: {uid} SEQUENCE {sequence} published as {first} and as {modified}"
                assert (sequence, modified) <= recorded[uid], f"{feed}: {uid} is ahead of the lock"


def test_sigkill_at_any_moment_leaves_a_consistent_site(tmp_path):
    events, out = tmp_path / "events", tmp_path / "dist"
    events.mkdir()
    source = events / "load.toml"
    command = [sys.executable, "-m", "keydates", "build", "events", "-o", "dist"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1770000000"}
    source.write_text(workload(0))
    started = time.monotonic()
    subprocess.run(command, cwd=tmp_path, env=env, check=True, capture_output=True)
    full = time.monotonic() - started
    history, rng = History(), random.Random(1234)
    history.check(out, events / "keydates.lock")
    for round_ in range(1, KILLS + 1):
        source.write_text(workload(round_))
        env["SOURCE_DATE_EPOCH"] = str(1770000000 + round_ * 3600)
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full * 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        history.check(out, events / "keydates.lock")  # whatever the moment: whole files, nothing ahead of the lock
        if round_ % 4 == 0:  # a clean build then removes every leftover and publishes what the lock says
            subprocess.run(command, cwd=tmp_path, env=env, check=True, capture_output=True)
            assert temporaries(tmp_path) == []
            history.check(out, events / "keydates.lock")
            assert feed_stamps((out / "load.ics").read_bytes()) == lock_stamps(events / "keydates.lock")


class _FullDisk:
    """A file whose write stores half the data, then fails as a full disk does."""

    def __init__(self, file):
        self.file = file

    def write(self, data):
        self.file.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()


def test_a_full_disk_on_any_write_changes_nothing_published(tmp_path, monkeypatch, in_tmp):
    """Each file a build writes (lock, manifest, feeds, page) in turn hits ENOSPC halfway."""
    (tmp_path / "events").mkdir()
    source = tmp_path / "events" / "load.toml"
    small = lambda version: workload(version)[: workload(version).index('[[event]]\nid = "e30"')]  # noqa: E731
    source.write_text(small(0))
    assert run("build").exit_code == 0
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p != source}
    source.write_text(small(1))
    real_fdopen = os.fdopen
    for failing in range(100):
        opened = []

        def fdopen(fd, *args, **kwargs):
            file = real_fdopen(fd, *args, **kwargs)
            opened.append(fd)
            return _FullDisk(file) if len(opened) == failing + 1 else file

        monkeypatch.setattr(os, "fdopen", fdopen)
        result = run("build", env={"SOURCE_DATE_EPOCH": "1771000000"})
        monkeypatch.setattr(os, "fdopen", real_fdopen)
        if len(opened) <= failing:  # every write has had its turn; this build went through
            break
        if result.exit_code == 0:  # the last write, the manifest's: all is published, and says so
            assert "warning: " in result.stderr and "No space left on device" in result.stderr
            assert feed_stamps((tmp_path / "dist" / "load.ics").read_bytes()) == lock_stamps(tmp_path / "events" / "keydates.lock")
            assert temporaries(tmp_path) == []
            for path, data in before.items():  # put the old state back for the next round
                path.write_bytes(data)
            continue
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert "cannot write: No space left on device" in result.stderr and "None" not in result.stderr
        assert temporaries(tmp_path) == []
        after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p != source}
        assert after == before, f"write {failing}: something published changed"
    assert failing >= 5 and result.exit_code == 0


def test_concurrent_builds_take_turns_and_say_so(tmp_path):
    events = tmp_path / "events"
    events.mkdir()
    (events / "load.toml").write_text(workload(0)[:4000].rsplit("[[event]]", 1)[0])
    fd = os.open(events, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as another build holding the folder
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1770000000"}
    process = subprocess.Popen([sys.executable, "-m", "keydates", "build"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)  # time enough to (wrongly) go ahead
        assert not (tmp_path / "dist").exists() and process.poll() is None  # waiting, not writing
    finally:
        os.close(fd)  # releases the lock
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "waiting for another keydates build or serve in events to finish" in err


def test_many_concurrent_builds_never_share_a_sequence(tmp_path):
    events, out = tmp_path / "events", tmp_path / "dist"
    events.mkdir()
    source = events / "load.toml"
    source.write_text(workload(0))
    command = [sys.executable, "-m", "keydates", "build", "events", "-o", "dist"]
    history = History()
    for round_ in range(1, 5):
        source.write_text(workload(round_))
        processes = [
            subprocess.Popen(command, cwd=tmp_path, env={**os.environ, "SOURCE_DATE_EPOCH": str(1770000000 + round_ * 100 + k)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for k in range(3)
        ]
        for process in processes:
            assert process.wait(60) == 0, process.stderr.read()
        history.check(out, events / "keydates.lock")
        assert feed_stamps((out / "load.ics").read_bytes()) == lock_stamps(events / "keydates.lock")
