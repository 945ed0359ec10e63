"""keydates serve under attack, over a real socket, each attack bounded in time.

Hostile files dropped into events/ (a FIFO, a device symlink, a huge file,
a save written in place while clients poll) and hostile clients (half-open
connections, forged Host headers, ?tag= and validator injection, log
injection). The server must keep answering from the last good site.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time

import pytest

from conftest import copy_events, run

CALENDAR_ID = "alibaba-qwen-cny-2026"
FEED = f"/{CALENDAR_ID}.ics"


@pytest.fixture
def events(tmp_path):
    return copy_events(tmp_path)


def timed_request(server, path, headers=None, limit=2.0):
    started = time.monotonic()
    answer = server.request(path, headers)
    elapsed = time.monotonic() - started
    assert elapsed < limit, f"{path} took {elapsed:.2f} s"
    return answer


def test_a_fifo_and_a_device_symlink_do_not_hang_or_bloat_the_server(events, serve):
    server = serve("events")
    _, headers, body = server.request(FEED)
    os.mkfifo(events / "pipe.toml")
    (events / "zero.toml").symlink_to("/dev/zero")
    server.wait_log("still serving the last good version")
    log = server.log()
    assert "pipe.toml: is a FIFO" in log and "zero.toml: is a symlink to a character device" in log
    for _ in range(5):
        status, again, same = timed_request(server, FEED)
        assert (status, again["etag"], same) == (200, headers["etag"], body)
    (events / "pipe.toml").unlink()
    (events / "zero.toml").unlink()
    status, _, same = timed_request(server, FEED)
    assert status == 200 and same == body


def _complete_feed(body: bytes, count: int) -> bool:
    return body.endswith(b"END:VCALENDAR\r\n") and body.count(b"BEGIN:VEVENT") == count


def test_in_place_writes_under_load_never_serve_a_half_written_feed(tmp_path, serve):
    """A file rewritten in place (truncate, then slow writes) while clients poll:
    every 200 is a complete feed of one of the versions, its ETag its hash."""
    events = tmp_path / "events"
    events.mkdir()
    count = 400
    versions = [_calendar(count, f"version {n}") for n in range(3)]
    source = events / "big.toml"
    source.write_text(versions[0])
    assert run("build", events, "-o", tmp_path / "dist").exit_code == 0  # a lock, as a project has
    server = serve("events")
    bodies, stop = [], threading.Event()

    def poll():
        while not stop.is_set():
            status, headers, body = server.request("/big.ics")
            bodies.append((status, headers.get("etag"), body))

    pollers = [threading.Thread(target=poll) for _ in range(2)]
    for thread in pollers:
        thread.start()
    try:
        for text in versions[1:] + versions[:1]:
            data = text.encode()
            with open(source, "r+b") as file:  # in place: the inode stays, the size changes under readers
                file.truncate(0)
                for start in range(0, len(data), len(data) // 8):
                    file.write(data[start:start + len(data) // 8])
                    file.flush()
                    time.sleep(0.03)
            server.rebuilt()
    finally:
        stop.set()
        for thread in pollers:
            thread.join(10)
    assert len(bodies) > 20
    for status, etag, body in bodies:
        assert status == 200
        assert _complete_feed(body, count), f"a feed of {body.count(b'BEGIN:VEVENT')} events was served"
        assert etag == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    titles = {line for _, _, body in bodies for line in body.split(b"\r\n") if line.startswith(b"SUMMARY:Event 0 ")}
    assert titles >= {b"SUMMARY:Event 0 version 0"}


def _calendar(count: int, label: str) -> str:
    lines = ['[calendar]\nname = "Big"\ntimezone = "UTC"\n']
    for n in range(count):
        lines.append(f'[[event]]\nid = "e{n}"\ntitle = "Event {n} {label}"\ndate = 2026-03-{n % 28 + 1:02d}\nurl = "https://example.com/{n}"\n')
    return "\n".join(lines)


def test_a_huge_file_dropped_in_does_not_stall_other_clients(events, serve):
    server = serve("events")
    _, headers, body = server.request(FEED)
    big = events / "huge.toml"
    with open(big, "w") as file:  # 40 MB of comments: read (twice) in the background
        line = "# " + "x" * 1000 + "\n"
        for _ in range(40_000):
            file.write(line)
    started = time.monotonic()
    while time.monotonic() - started < 3:
        status, again, same = timed_request(server, FEED, {"If-None-Match": headers["etag"]}, limit=1.0)
        assert status in (200, 304)
        time.sleep(0.05)
    big.unlink()


def test_half_open_connections_do_not_stop_others_being_answered(events, serve):
    """200 slowloris connections, each sending a partial request line, held open."""
    server = serve("events")
    held = []
    try:
        for _ in range(200):
            conn = socket.create_connection((server.host, server.port), timeout=5)
            conn.sendall(b"GET /all.ics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            held.append(conn)
        for _ in range(5):
            status, _, body = timed_request(server, FEED, limit=1.0)
            assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
            for conn in held[:20]:
                conn.sendall(b"a")  # still trickling
            time.sleep(0.2)
    finally:
        for conn in held:
            conn.close()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1:1@evil.example", "x\" onmouseover=\"alert(1)", "[::1]:99999"])
def test_a_forged_host_is_never_reflected_into_links(events, serve, host):
    server = serve("events")
    status, headers, body = server.request("/", {"Host": host})
    assert status in (200, 400)
    if status == 200:
        assert b"evil" not in body and b"onmouseover" not in body and b"99999" not in body
        assert f"webcal://127.0.0.1:{server.port}/all.ics".encode() in body  # the listening address instead
        assert headers["vary"] == "Host"


def test_an_allowed_host_is_used_and_the_base_url_wins(events, serve):
    server = serve("events", "--allow-host", "cal.example.org")
    _, headers, body = server.request("/", {"Host": "cal.example.org"})
    assert b"webcal://cal.example.org/all.ics" in body and headers["vary"] == "Host"
    _, _, body = server.request("/", {"Host": "other.example.org"})
    assert b"other.example.org" not in body
    fixed = serve("events", "--base-url", "https://keydates.example/cal/")
    _, headers, body = fixed.request("/", {"Host": "evil.example"})
    assert b"webcal://keydates.example/cal/all.ics" in body and b"evil" not in body and "vary" not in headers


@pytest.mark.parametrize("query", ["tag=%0d%0aX-Injected:%201", "tag=%1b%5b31mred", "tag=%00", "tag=" + "a" * 5000, "tag=holiday&tag=<script>"])
def test_tag_text_is_never_echoed(events, serve, query):
    server = serve("events")
    status, headers, body = server.request(f"{FEED}?{query}")
    assert status in (400, 404) and "x-injected" not in headers  # 400: granian refuses a raw "<" in the request line
    assert b"Injected" not in body and b"\x1b" not in body and b"<script>" not in body and b"aaaa" not in body
    assert status == 400 or body.startswith(b"This feed has no such tag. Its tags: ")


def test_too_many_query_fields_are_refused(events, serve):
    server = serve("events")
    status, _, body = server.request(f"{FEED}?" + "&".join(f"tag=t{n}" for n in range(100)))
    assert status == 400


@pytest.mark.parametrize("value", [
    "Thu, 01 Jan 99999 00:00:00 GMT", "Mon, 32 Foo 2026 99:99:99 GMT", "x" * 4000, "\x01\x02", "Thu, 01 Jan 1 00:00:00 GMT",
    "Sun, 06 Nov 1994 08:49:37 +9999999999999999",
])  # fmt: skip
def test_unreadable_validators_are_ignored_never_a_500(events, serve, value):
    server = serve("events")
    for name in ("If-Modified-Since", "If-None-Match"):
        status, _, body = server.request(FEED, {name: value})
        assert status in (200, 400)  # 400: granian refuses control characters in a header
        assert status == 400 or body.startswith(b"BEGIN:VCALENDAR")


def test_request_paths_cannot_forge_log_lines(events, serve):
    server = serve("events")
    server.request("/x%0a127.0.0.1%20%22GET%20/all.ics%22%20200%201")
    server.request("/%1b%5b2J%1b%5b31mred")
    server.request("/a\\b")
    time.sleep(0.2)
    lines = [line for line in server.log().splitlines() if line.startswith("127.0.0.1 ")]
    assert lines[-3] == '127.0.0.1 "GET /x\\n127.0.0.1 "GET /all.ics" 200 1" 404 11'
    assert lines[-2] == '127.0.0.1 "GET /\\x1b[2J\\x1b[31mred" 404 11'
    assert lines[-1] == '127.0.0.1 "GET /a\\\\b" 404 11'
    assert "\x1b" not in server.log()


def test_security_headers(events, serve):
    server = serve("events")
    _, headers, _ = server.request("/")
    policy = headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    _, headers, _ = server.request(FEED)
    assert headers["x-content-type-options"] == "nosniff"


def test_build_and_serve_publish_the_same_bytes(events, serve, tmp_path):
    """Every file build writes (except the page, whose links depend on the address) is served byte for byte."""
    out = tmp_path / "dist"
    assert run("build", events, "-o", out).exit_code == 0
    server = serve("events")
    built = [p for p in out.rglob("*") if p.is_file() and p.name != "index.html" and not p.name.startswith(".")]
    assert len(built) > 20
    for path in built:
        status, _, body = server.request("/" + "/".join(path.relative_to(out).parts).replace(" ", "%20"))
        assert status == 200, path
        assert body == path.read_bytes(), path


def test_serving_beyond_loopback_without_a_base_url_warns(events, serve):
    server = serve("events", "--host", "0.0.0.0")
    assert "warning: serving on 0.0.0.0, beyond this machine, without --base-url" in server.log()
    quiet = serve("events", "--host", "0.0.0.0", "--base-url", "https://example.org/")
    assert "beyond this machine" not in quiet.log()


def test_a_port_in_use_is_a_clear_error(events):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", events, "--port", str(port))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_a_replaced_events_folder_is_watched_anew(events, serve):
    """Some tools replace a folder instead of its files (rm -r, then copy back): edits after it still show."""
    import shutil

    server = serve("events")
    saved = events.parent / "saved"
    shutil.copytree(events, saved)
    shutil.rmtree(events)
    server.wait_log("still serving the last good version")  # no events folder: refused, the last site kept
    shutil.copytree(saved, events)
    source = events / f"{CALENDAR_ID}.toml"
    source.write_text(source.read_text().replace("Qwen New Year campaign starts", "Qwen campaign begins"))
    server.wait_log("rebuilt:")
    time.sleep(0.5)
    assert b"SUMMARY:Qwen campaign begins" in server.request(FEED)[2]
    source.write_text(source.read_text().replace("Qwen campaign begins", "Qwen campaign begins again"))
    server.wait_log("rebuilt:", 2)
    assert b"SUMMARY:Qwen campaign begins again" in server.request(FEED)[2]
