"""keydates serve, over a real socket: headers, 304s, filters, 404s, live rebuilds."""

from __future__ import annotations

import re
from email.utils import formatdate, parsedate_to_datetime

import pytest

from conftest import copy_events, event_file, run, start_server, vevents
from keydates import page

CALENDAR_ID = "alibaba-qwen-cny-2026"
FEED = f"/{CALENDAR_ID}.ics"
OLD_TITLE = 'title.en = "Qwen New Year campaign starts"'
NEW_TITLE = 'title.en = "Qwen New Year campaign begins"'


@pytest.fixture
def events(tmp_path):
    return copy_events(tmp_path)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    """One server for the tests that only read."""
    folder = tmp_path_factory.mktemp("shared")
    copy_events(folder)
    server = start_server(folder, "events")
    yield server
    server.stop()


def test_start_prints_local_and_webcal_urls(events, serve):
    server = serve("events")
    text = "\n".join(server.banner)
    base = f"127.0.0.1:{server.port}"
    for path in (f"{CALENDAR_ID}.ics", "all.ics"):
        assert f"http://{base}/{path}" in text
        assert f"webcal://{base}/{path}" in text
    assert f"page: http://{base}/" in text


def test_feed_is_the_built_file_with_validators(events, serve, tmp_path):
    built = run("build", events, "-o", tmp_path / "dist")
    assert built.exit_code == 0
    server = serve("events")
    status, headers, body = server.request(FEED)
    assert status == 200
    assert body == (tmp_path / "dist" / f"{CALENDAR_ID}.ics").read_bytes()  # same pipeline, same bytes
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert int(headers["content-length"]) == len(body)
    assert re.fullmatch(r'"[0-9a-f]{32}"', headers["etag"])  # strong: no W/
    assert headers["cache-control"] == "public, max-age=21600"  # refresh = PT6H
    assert parsedate_to_datetime(headers["last-modified"])
    assert len(vevents(body)) == 8


def test_conditional_requests_answer_304(events, serve):
    server = serve("events")
    _, headers, body = server.request(FEED)
    etag, modified = headers["etag"], headers["last-modified"]

    status, again, empty = server.request(FEED, {"If-None-Match": etag})
    assert (status, empty, again["etag"]) == (304, b"", etag)
    assert server.request(FEED, {"If-None-Match": f'"other", {etag}'})[0] == 304
    assert server.request(FEED, {"If-None-Match": '"other"'})[0] == 200

    assert server.request(FEED, {"If-Modified-Since": modified})[0] == 304
    earlier = formatdate(parsedate_to_datetime(modified).timestamp() - 60, usegmt=True)
    assert server.request(FEED, {"If-Modified-Since": earlier})[:3:2] == (200, body)
    # If-None-Match decides when both are sent (RFC 9110 13.2.2).
    assert server.request(FEED, {"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200

    _, page_headers, _ = server.request("/")
    assert server.request("/", {"If-None-Match": page_headers["etag"]})[0] == 304


def test_head_sends_the_headers_only(events, serve):
    server = serve("events")
    _, get_headers, body = server.request("/all.ics")
    status, headers, empty = server.request("/all.ics", method="HEAD")
    assert (status, empty) == (200, b"")
    assert int(headers["content-length"]) == len(body)
    assert headers["etag"] == get_headers["etag"]
    status, headers, empty = server.request("/", method="HEAD")
    assert (status, empty, headers["content-type"]) == (200, b"", "text/html; charset=utf-8")


def test_other_methods_are_refused(events, serve):
    status, headers, _ = serve("events").request(FEED, method="POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_tag_filter_keeps_the_events_of_any_tag(events, serve):
    server = serve("events")
    whole = vevents(server.request(FEED)[2])
    status, headers, body = server.request(f"{FEED}?tag=earnings&tag=holiday")
    assert status == 200 and headers["content-type"] == "text/calendar; charset=utf-8"
    filtered = vevents(body)
    expected = {uid for uid, e in whole.items() if {"earnings", "holiday"} & set(str(e["CATEGORIES"].to_ical().decode()).split(","))}
    assert set(filtered) == expected and len(expected) == 3  # same UIDs as in the whole feed
    for uid, event in filtered.items():
        assert event.to_ical() == whole[uid].to_ical()
    assert server.request(f"{FEED}?tag=holiday&tag=earnings")[2] == body  # order does not matter
    assert server.request("/all.ics?tag=earnings")[2].count(b"BEGIN:VEVENT") == 1
    # A tag the feed does not have: 404 naming the feed's own tags, never the text asked for.
    status, _, answer = server.request(f"{FEED}?tag=no-such-tag")
    assert status == 404 and b"no-such-tag" not in answer and b"holiday, marketing" in answer


def test_per_tag_files_match_build_and_the_query(events, serve, tmp_path):
    run("build", events, "-o", tmp_path / "dist")
    server = serve("events")
    built = (tmp_path / "dist" / CALENDAR_ID / "holiday.ics").read_bytes()
    status, _, body = server.request(f"/{CALENDAR_ID}/holiday.ics")
    assert status == 200 and body == built == server.request(f"{FEED}?tag=holiday")[2]
    assert b"X-WR-CALNAME:Alibaba Qwen: Chinese New Year 2026 (tag: holiday)" in body


@pytest.mark.parametrize(
    "path",
    [
        "/nope.ics",
        "/all",
        f"/{CALENDAR_ID}",
        f"/{CALENDAR_ID}/",
        f"/{CALENDAR_ID}/no-such-tag.ics",
        "/events/alibaba-qwen-cny-2026.toml",
        "/events/keydates.lock",
        "/../events/keydates.lock",
        "/%2e%2e/events/keydates.lock",
        "/..%2fevents%2fkeydates.lock",
        f"/{CALENDAR_ID}/..%2f..%2fevents%2fkeydates.lock",
        "/%2fetc%2fpasswd",
        "//etc/passwd",
        "/etc/passwd",
        "/serve-0.log",
        "/dist/",
        "/index.htm",
        "/%ff.ics",
        "/" + "a/" * 2000 + "all.ics",
        "/" + "x" * 8000 + ".ics",
        "http://127.0.0.1/../events/keydates.lock",
    ],
    ids=lambda p: p[:40],
)
def test_anything_else_is_404(shared_server, path):
    status, headers, body = shared_server.request(path)
    assert status == 404, body[:200]
    assert headers["content-type"].startswith("text/plain")
    assert b"[calendar]" not in body and b"hash" not in body


def test_an_edit_is_served_without_restart_and_the_lock_is_not_written(events, serve):
    lock_before = (events / "keydates.lock").read_bytes()
    server = serve("events")
    _, headers, body = server.request(FEED)
    source = events / f"{CALENDAR_ID}.toml"
    source.write_text(source.read_text().replace(OLD_TITLE, NEW_TITLE))
    server.rebuilt()

    status, new_headers, new_body = server.request(FEED, {"If-None-Match": headers["etag"]})
    assert status == 200
    assert b"SUMMARY:Qwen New Year campaign begins" in new_body
    assert new_headers["etag"] != headers["etag"]
    assert parsedate_to_datetime(new_headers["last-modified"]) > parsedate_to_datetime(headers["last-modified"])
    changed = [uid for uid, e in vevents(new_body).items() if e.to_ical() != vevents(body)[uid].to_ical()]
    assert changed == ["qwen-campaign-start.alibaba-qwen-cny-2026@keydates"]
    assert vevents(new_body)[changed[0]]["SEQUENCE"] == vevents(body)[changed[0]]["SEQUENCE"] + 1
    assert b"Qwen New Year campaign begins" in server.request("/")[2]  # the page follows too
    assert (events / "keydates.lock").read_bytes() == lock_before
    assert "rebuilt" in server.log()


def test_a_changed_event_keeps_its_stamp_across_rebuilds(events, serve):
    """Unlocked changes are stamped once by the server, not on every rebuild."""
    server = serve("events", env={"SOURCE_DATE_EPOCH": None})  # the real clock
    source = events / f"{CALENDAR_ID}.toml"
    source.write_text(source.read_text().replace(OLD_TITLE, NEW_TITLE))
    server.rebuilt()
    _, headers, body = server.request(FEED)
    source.write_text(source.read_text() + "\n# a comment changes the file, not the events\n")
    server.rebuilt()
    _, again, same = server.request(FEED)
    assert server.log().count("rebuilt") == 2
    assert (again["etag"], same) == (headers["etag"], body)


def test_a_broken_edit_keeps_the_last_good_feed(events, serve):
    server = serve("events")
    _, headers, body = server.request(FEED)
    source = events / f"{CALENDAR_ID}.toml"
    good = source.read_text()
    source.write_text(good.replace(OLD_TITLE, 'titel = "typo"'))
    server.wait_log("still serving the last good version")

    for _ in range(2):  # logged once, served the same every time
        status, again, same = server.request(FEED)
        assert (status, again["etag"], same) == (200, headers["etag"], body)
    log = server.log()
    assert log.count("event 'qwen-campaign-start': titel: unknown key") == 1, log
    assert "still serving the last good version" in log

    source.write_text(good.replace(OLD_TITLE, NEW_TITLE))
    server.rebuilt()
    assert b"Qwen New Year campaign begins" in server.request(FEED)[2]


def test_one_log_line_per_request(events, serve):
    server = serve("events")
    server.request(FEED)
    server.request("/nope")
    server.request(f"{FEED}?tag=holiday", method="HEAD")
    lines = [line for line in server.log().splitlines() if line.startswith("127.0.0.1 ")]
    assert lines == [
        f'127.0.0.1 "GET {FEED}" 200 {len(server.request(FEED)[2])}',
        '127.0.0.1 "GET /nope" 404 11',
        f'127.0.0.1 "HEAD {FEED}?tag=holiday" 200 {len(server.request(FEED + "?tag=holiday")[2])}',
    ]


def test_serve_refuses_bad_input(tmp_path):
    path = event_file(tmp_path, '[[event]]\nid = "x"\ntitle = "X"\n')
    result = run("serve", path, "--port", "0")
    assert result.exit_code == 1
    assert "event 'x': date: no date" in result.stderr


def test_serve_refuses_a_bad_base_url(events):
    result = run("serve", events, "--base-url", "example.org/cal")
    assert result.exit_code == 1
    assert "--base-url: 'example.org/cal' is not an http(s) address" in result.stderr


def test_create_app_is_a_plain_wsgi_application(events):
    """What gunicorn 'keydates.web:create_app("events")' gets: any WSGI server can run it."""
    from keydates.web import create_app

    app = create_app(str(events), allowed_hosts=["example.org"])
    answers = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/all.ics", "QUERY_STRING": "tag=holiday", "wsgi.url_scheme": "https", "HTTP_HOST": "example.org"}
    body = b"".join(app(environ, lambda status, headers: answers.append((status, dict(headers)))))
    assert answers[0][0] == "200 OK" and answers[0][1]["Content-Type"] == "text/calendar; charset=utf-8"
    assert body.count(b"BEGIN:VEVENT") == 2
    page = b"".join(app({**environ, "PATH_INFO": "/", "QUERY_STRING": ""}, lambda s, h: None))
    assert b'href="webcal://example.org/all.ics"' in page  # links from the address asked for


def test_pages_forbid_frames_and_embeddable_timelines_allow_them(events, serve):
    server = serve("events")
    for path in ("/", "/de/index.html"):
        status, headers, _ = server.request(path)
        assert status == 200 and headers["content-security-policy"] == page.content_security_policy(), path
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
    for path in ("/alibaba-qwen-cny-2026/embed.html", "/de/alibaba-qwen-cny-2026/embed.html"):
        status, headers, body = server.request(path)
        assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8"), path
        policy = headers["content-security-policy"]
        assert "frame-ancestors" not in policy and "default-src 'none'" in policy
        assert b'<svg class="timeline"' in body
    assert "content-security-policy" not in server.request(FEED)[1]
