"""The subscribe page and per-tag files that `keydates build` writes."""

from __future__ import annotations

import hashlib
import json
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

from conftest import copy_events, event_file, run, vevents
from keydates import page

CALENDAR_ID = "alibaba-qwen-cny-2026"
NAME = "Alibaba Qwen: Chinese New Year 2026"


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def links(self, client: str) -> list[str]:
        return [a["href"] for tag, a in self.elements if tag == "a" and a.get("data-client") == client]


def build_page(tmp_path, *args):
    events = copy_events(tmp_path)
    result = run("build", events, "-o", tmp_path / "dist", *args)
    assert result.exit_code == 0, result.stderr
    return (tmp_path / "dist" / "index.html").read_text(encoding="utf-8")


def test_subscribe_links_with_a_base_url(tmp_path):
    html = Elements(build_page(tmp_path, "--base-url", "https://example.org/cal"))
    url = f"https://example.org/cal/{CALENDAR_ID}.ics"
    assert html.links("webcal")[0] == f"webcal://example.org/cal/{CALENDAR_ID}.ics"
    google = urlsplit(html.links("google")[0])
    assert (google.netloc, google.path) == ("calendar.google.com", "/calendar/r")
    # Google caches feeds per URL: ?v= is the feed's content, so a new version is a new URL.
    version = hashlib.sha256((tmp_path / "dist" / f"{CALENDAR_ID}.ics").read_bytes()).hexdigest()[:12]
    assert parse_qs(google.query) == {"cid": [f"webcal://example.org/cal/{CALENDAR_ID}.ics?v={version}"]}
    for client, host in (("outlook-com", "outlook.live.com"), ("microsoft-365", "outlook.office.com")):
        link = urlsplit(html.links(client)[0])
        assert (link.netloc, link.path) == (host, "/calendar/0/addfromweb")
        assert parse_qs(link.query) == {"url": [url], "name": [NAME]}
    assert {f"{CALENDAR_ID}.ics", "all.ics"} <= set(html.links("download"))
    assert [a["value"] for tag, a in html.elements if tag == "input"][0] == url
    assert not [a for tag, a in html.elements if a.get("id") == "no-base-url"]
    # Per-tag feeds: a file per tag, linked relative for download and absolute for subscribing.
    holiday = f"{CALENDAR_ID}/holiday.ics"
    assert holiday in html.links("download")
    assert f"webcal://example.org/cal/{holiday}" in html.links("webcal")
    assert (tmp_path / "dist" / holiday).is_file()


def test_without_a_base_url_the_page_says_what_is_missing(tmp_path):
    text = build_page(tmp_path)
    html = Elements(text)
    for client in ("webcal", "google", "outlook-com", "microsoft-365"):
        assert html.links(client) == []
    assert {f"{CALENDAR_ID}.ics", "all.ics"} <= set(html.links("download"))
    assert 'id="no-base-url"' in text and "--base-url" in text and "[calendar]" in text


def test_a_calendar_url_gives_that_calendar_its_links(tmp_path):
    header = '[calendar]\nname = "Test"\ntimezone = "UTC"\nurl = "https://cal.example.com/feeds/test.ics"\n'
    path = event_file(tmp_path, '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-03-01\nurl = "https://example.com/a"\n', header=header)
    assert run("build", path, "-o", tmp_path / "dist").exit_code == 0
    html = Elements((tmp_path / "dist" / "index.html").read_text())
    assert html.links("webcal") == ["webcal://cal.example.com/feeds/test.ics"]  # all.ics has no address: no link
    assert 'id="no-base-url"' in (tmp_path / "dist" / "index.html").read_text()


def test_page_is_byte_identical_whatever_the_clock_and_shows_the_lock_time(tmp_path):
    copy_events(tmp_path)
    for out, epoch in (("one", "1800000000"), ("two", "1900000000")):
        assert run("build", tmp_path / "events", "-o", tmp_path / out, env={"SOURCE_DATE_EPOCH": epoch}).exit_code == 0
    one = (tmp_path / "one" / "index.html").read_bytes()
    assert one == (tmp_path / "two" / "index.html").read_bytes()
    lock = json.loads((tmp_path / "events" / "keydates.lock").read_text())
    newest = max(e["modified"] for calendar in lock["calendars"].values() for e in calendar["events"].values())
    assert f'<time datetime="{newest}">'.encode() in one


def test_page_is_self_contained(tmp_path):
    text = build_page(tmp_path, "--base-url", "https://example.org/cal/")
    html = Elements(text)
    assert not [t for t, a in html.elements if t in ("link", "img", "iframe", "object", "embed") or "src" in a]
    assert "url(" not in text.replace('url(#hatch', "") and "@import" not in text
    fetchable = [a.get("href", "") for t, a in html.elements if t not in ("a",)]
    assert not [h for h in fetchable if h]


def test_page_lists_every_event_and_draws_one_mark_each(tmp_path):
    text = build_page(tmp_path)
    html = Elements(text)
    uids = set(vevents((tmp_path / "dist" / f"{CALENDAR_ID}.ics").read_bytes()))
    marks = [a["data-uid"] for t, a in html.elements if t == "g" and "mark" in a.get("class", "").split()]
    listed = [a["data-uid"] for t, a in html.elements if t == "li" and "data-uid" in a]
    assert sorted(marks) == sorted(listed) == sorted(uids)  # all.ics of one calendar is not drawn twice
    windows = [a for t, a in html.elements if t == "g" and "mark-window" in a.get("class", "")]
    assert len(windows) == 3  # windows are drawn differently from fixed dates
    assert "The same events as <em>Alibaba Qwen" in text


def test_several_calendars_get_an_all_section_and_all_tag_feeds(tmp_path):
    event_file(tmp_path, '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-03-01\ntags = ["x", "a/b c"]\n', name="one.toml")
    event_file(tmp_path, '[[event]]\nid = "b"\ntitle = "B"\ndate = 2026-04-01\ntags = ["x", "节日"]\n', name="two.toml")
    assert run("build", tmp_path / "events", "-o", tmp_path / "dist").exit_code == 0
    dist = tmp_path / "dist"
    html = Elements((dist / "index.html").read_text())
    sections = [a["data-feed"] for t, a in html.elements if t == "section"]
    assert sections == ["one", "two", "all"]
    marks = [a["data-uid"] for t, a in html.elements if t == "g" and "mark" in a.get("class", "").split()]
    assert sorted(marks) == ["a.one@keydates", "a.one@keydates", "b.two@keydates", "b.two@keydates"]
    assert vevents((dist / "all" / "x.ics").read_bytes()).keys() == {"a.one@keydates", "b.two@keydates"}
    # Any tag is one file name, and the page's link leads to it.
    for link in html.links("download"):
        assert (dist / unquote(link)).is_file(), link
    assert (dist / "one" / "a%2Fb%20c.ics").is_file() and (dist / "all" / "%E8%8A%82%E6%97%A5.ics").is_file()


def test_bad_base_url_is_refused(tmp_path):
    copy_events(tmp_path)
    result = run("build", tmp_path / "events", "-o", tmp_path / "dist", "--base-url", "ftp://example.org/")
    assert result.exit_code == 1
    assert "--base-url: 'ftp://example.org/' is not an http(s) address" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_axis_cuts_long_empty_stretches():
    one_cluster = page.axis([(0, 1), (10, 12), (20, 25)])
    assert len(one_cluster) == 1 and one_cluster[0].first < 0 and one_cluster[0].end > 25
    segments = page.axis([(0, 31), (385, 396), (397, 420)])
    assert [s.cut for s in segments] == [False, True, False]
    assert segments[0].x0 == page.MARGIN and abs(segments[-1].x1 - (100 - page.MARGIN)) < 1e-9
    xs = [page.position(segments, day) for day in (0, 31, 200, 385, 420)]
    assert xs == sorted(xs)  # still in time order across the cut
    assert segments[1].x1 - segments[1].x0 == page.BREAK
