"""Shared helpers: write event files, run the CLI, read calendars back twice."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import select
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit

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


# --- a real `keydates serve` process on a free loopback port ---------------

SERVE_TIMEOUT = 20  # seconds for the server to print its addresses


class Server:
    """A `keydates serve` subprocess; speaks HTTP to it with http.client."""

    def __init__(self, process: subprocess.Popen, banner: list[str], log_path: Path):
        self.process = process
        self.banner = banner
        self.log_path = log_path
        page = next(line for line in banner if line.strip().startswith("page:"))
        self.url = page.split("page:", 1)[1].strip()
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port

    def request(self, path: str, headers: dict | None = None, method: str = "GET"):
        """Send the request target exactly as given; return (status, headers, body)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            host_given = any(name.lower() == "host" for name in headers or {})
            connection.putrequest(method, path, skip_host=host_given, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def wait_log(self, text: str, count: int = 1, timeout: float = SERVE_TIMEOUT) -> str:
        """Wait until `text` is in the log `count` times (the watcher rebuilds in the background)."""
        deadline = time.monotonic() + timeout
        while (log := self.log()).count(text) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} not logged {count} times in {timeout} s:\n{log}")
            time.sleep(0.05)
        return log

    def rebuilt(self) -> None:
        """Wait for the rebuild after an edit: one more 'rebuilt:' line than when last asked."""
        self.rebuilds = getattr(self, "rebuilds", 0) + 1
        self.wait_log("rebuilt:", self.rebuilds)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()


def start_server(folder: Path, *args: str, env: dict | None = None) -> Server:
    """Start `keydates serve ARGS --port 0` in folder and wait for its addresses."""
    log_path = folder / f"serve-{len(list(folder.glob('serve-*.log')))}.log"
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "SOURCE_DATE_EPOCH": FIXED_EPOCH, **(env or {})}
    environment = {k: v for k, v in environment.items() if v is not None}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "keydates", "serve", *map(str, args), "--port", "0"],
            cwd=folder, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, env=environment,
        )  # fmt: skip
    output, deadline = b"", time.monotonic() + SERVE_TIMEOUT
    while b"Press Ctrl+C" not in output:
        ready, _, _ = select.select([process.stdout], [], [], max(0, deadline - time.monotonic()))
        chunk = os.read(process.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            process.kill()
            process.wait()
            pytest.fail(f"keydates serve did not start (exit {process.returncode}):\n{output.decode()}\n{log_path.read_text()}")
        output += chunk
    return Server(process, output.decode("utf-8").splitlines(), log_path)


@pytest.fixture
def serve(tmp_path):
    """Start `keydates serve ARGS --port 0` in tmp_path; stopped after the test."""
    servers = []

    def start(*args: str, env: dict | None = None) -> Server:
        servers.append(start_server(tmp_path, *args, env=env))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """Run the test in tmp_path, as a user in a project folder would."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def copy_events(tmp_path: Path) -> Path:
    """The default timeline and its lock, copied to tmp_path/events."""
    events = tmp_path / "events"
    shutil.copytree(REPO / "events", events)
    return events


def reference_hash(event, identity: bool = False) -> str:
    """lock.content_hash as first defined: json.dumps of the fields not at
    their default, without the event's identity (id, uid, previous_ids)
    unless `identity` (lock.legacy_hash, of version 1 locks). The
    hand-written JSON must match it, or every lock entry would look changed."""
    from keydates.lock import event_defaults, plain_json

    left_out = set() if identity else {"id", "uid", "previous_ids"}
    content = {name: getattr(event, name) for name, default in event_defaults() if name not in left_out and getattr(event, name) != default}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=plain_json)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
