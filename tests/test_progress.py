"""The progress bar: on stderr for big builds when it is a terminal, never in pipes or logs."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from conftest import CALENDAR_HEADER, FIXED_EPOCH

BIG = 5000  # cli.PROGRESS_MIN_EVENTS


def events(tmp_path, count: int):
    body = "".join(f'\n[[event]]\nid = "e{n}"\ntitle = "Event {n}"\ndate = 2026-02-06\nurl = "https://example.com/{n}"\n' for n in range(count))
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "big.toml").write_text(CALENDAR_HEADER.replace("[calendar]\n", '[calendar]\nid = "big"\n') + body, encoding="utf-8")


def build(tmp_path, stderr_on_terminal: bool) -> tuple[str, str]:
    """Run `keydates build` in a fresh process; return (stdout, what reached stderr)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": FIXED_EPOCH}
    command = [sys.executable, "-m", "keydates", "build"]
    if not stderr_on_terminal:
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
        return done.stdout, done.stderr
    main, terminal = pty.openpty()
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=terminal, text=True)
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    stdout = process.stdout.read()
    assert process.wait() == 0
    os.close(main)
    return stdout, seen.decode("utf-8", "replace")


def besides_warnings(stderr: str) -> list[str]:
    """What reached stderr other than warnings (5,000 events pass Google's reported limits: tests/test_client_limits.py)."""
    return [line for line in stderr.splitlines() if not line.startswith("warning: ")]


def test_big_build_on_a_terminal_shows_a_bar(tmp_path):
    events(tmp_path, BIG)
    stdout, stderr = build(tmp_path, stderr_on_terminal=True)
    assert "Rendering events" in stderr
    assert "100%" in stderr
    assert stdout.splitlines()[0] == f"big: {BIG} events -> dist/big.ics"  # stdout stays clean


def test_big_build_into_a_pipe_shows_nothing(tmp_path):
    events(tmp_path, BIG)
    stdout, stderr = build(tmp_path, stderr_on_terminal=False)
    assert besides_warnings(stderr) == []
    assert stdout.splitlines()[0] == f"big: {BIG} events -> dist/big.ics"


def test_small_build_on_a_terminal_shows_nothing(tmp_path):
    events(tmp_path, BIG - 1)
    _, stderr = build(tmp_path, stderr_on_terminal=True)
    assert besides_warnings(stderr) == []
