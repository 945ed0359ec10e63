"""Shared helpers: write event files, run the CLI, read calendars back twice."""

from __future__ import annotations

import textwrap
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from ical.calendar_stream import IcsCalendarStream

from keydates.cli import main

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TIMELINE = REPO / "events" / "alibaba-qwen-cny-2026.toml"
FIXED_EPOCH = "1770000000"  # 2026-02-02T02:40:00Z

CALENDAR_HEADER = """\
[calendar]
name = "Test"
timezone = "Asia/Shanghai"
"""


def event_file(tmp_path: Path, body: str, name: str = "test.toml", header: str = CALENDAR_HEADER) -> Path:
    """Write an event file with a standard [calendar] table unless body has one."""
    body = textwrap.dedent(body)
    text = body if "[calendar]" in body else header + "\n" + body
    folder = tmp_path / "events"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str, env: dict | None = None):
    """Run the CLI in-process; stdout and stderr are kept apart."""
    environment = {"SOURCE_DATE_EPOCH": FIXED_EPOCH, **(env or {})}
    return CliRunner().invoke(main, [str(a) for a in args], env=environment, catch_exceptions=False)


def parse(data: bytes):
    """Parse with icalendar and with the strict `ical` parser; both must accept it."""
    lenient = icalendar.Calendar.from_ical(data)
    strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return lenient, strict


def vevents(data: bytes) -> dict[str, icalendar.Event]:
    lenient, _ = parse(data)
    return {str(e["UID"]): e for e in lenient.walk("VEVENT")}


@pytest.fixture
def built(tmp_path):
    """Build an event body and return (result, output folder)."""

    def build(body: str, *extra: str):
        path = event_file(tmp_path, body)
        out = tmp_path / "dist"
        return run("build", path, "-o", out, *extra), out

    return build
