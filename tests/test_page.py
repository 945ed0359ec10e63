"""The subscribe page and per-tag files that `keydates build` writes."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest

from conftest import copy_events, event_file, run, vevents
from keydates import describe, page
from keydates.model import Event

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
    # <link rel="alternate"> (the change feed) is for feed readers to discover; browsers fetch nothing for it.
    discovery = [a for t, a in html.elements if t == "link" and a.get("rel") == "alternate"]
    assert [a["href"] for a in discovery] == ["changes.atom"]
    assert not [t for t, a in html.elements if (t == "link" and a not in discovery) or t in ("img", "iframe", "object", "embed") or "src" in a]
    assert "url(" not in text.replace('url(#hatch', "") and "@import" not in text
    fetchable = [a.get("href", "") for t, a in html.elements if t not in ("a",) and a not in discovery]
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


# --- repeating events: the rule in words, the next dates ------------------

REPEATING = """\
[calendar]
name = { en = "Repeats", de = "Wiederholungen" }
timezone = "Europe/Berlin"

[[event]]
id = "earnings"
title = { en = "Quarterly earnings", de = "Quartalszahlen" }
date = 2026-02-19
repeat = "quarterly"
count = 4

[[event]]
id = "standup"
title = "Stand-up"
start = 2026-03-02T09:00:00
duration = "15m"
repeat = "FREQ=WEEKLY;BYDAY=MO,TH"

[[event]]
id = "fair"
title = "Fair"
start = 2024-05-01
end = 2024-05-03
repeat = "yearly"
until = 2025-12-31

[[event]]
id = "once"
title = "Once"
date = 2026-03-01
"""
MARCH_20 = "1774000000"  # 2026-03-20T09:46:40Z, a Friday


def event_html(html: str, event_id: str) -> str:
    """One event's <li> in the page's list."""
    match = re.search(rf'<li [^>]*id="{re.escape(event_id)}"[^>]*>.*?</li>', html, re.S)
    assert match, event_id
    return match[0]


def next_times(item: str) -> list[str]:
    return re.findall(r'<time datetime="([^"]+)">', item)


def build_repeating(tmp_path, epoch: str, out: str = "dist") -> tuple[str, str]:
    path = event_file(tmp_path, REPEATING)
    result = run("build", path, "-o", tmp_path / out, env={"SOURCE_DATE_EPOCH": epoch})
    assert result.exit_code == 0, result.stderr
    return tuple((tmp_path / out / folder / "index.html").read_text(encoding="utf-8") for folder in ("", "de"))


def test_repeating_events_show_their_rule_and_next_dates_from_the_build_date(tmp_path):
    english, german = build_repeating(tmp_path, MARCH_20)
    earnings = event_html(english, "earnings")
    assert "Repeats every quarter, 4 times." in earnings
    assert next_times(earnings) == ["2026-05-19", "2026-08-19", "2026-11-19"]  # 19 Feb is before 20 March
    assert "Tue, 19 May 2026" in earnings
    assert "Wiederholt sich jedes Quartal, 4-mal." in event_html(german, "earnings")
    assert "Di., 19. Mai 2026" in event_html(german, "earnings")
    # Timed, in its zone: Berlin goes to summer time on 29 March, the meeting stays at 09:00.
    standup = event_html(english, "standup")
    assert "Repeats every week on Monday and Thursday." in standup
    berlin = ZoneInfo("Europe/Berlin")
    expected = [datetime(2026, 3, day, 9, 0, tzinfo=berlin).isoformat() for day in (23, 26, 30)]
    assert next_times(standup) == expected and expected[1].endswith("+01:00") and expected[2].endswith("+02:00")
    assert "jede Woche am Montag und Donnerstag" in event_html(german, "standup")
    # A rule that is over says so, and the page's script can dim it from the day after its last date.
    fair = event_html(english, "fair")
    assert "Repeats every year, until 31 Dec 2025." in fair and "No dates left." in fair and next_times(fair) == []
    assert 'data-last="20212"' in fair  # 2025-05-04: the last time ended on 3 May 2025
    assert "Keine weiteren Termine." in event_html(german, "fair")
    # A rule without end is never dimmed; a one-off event has no rule line.
    assert "data-last" not in standup
    assert 'class="repeats"' not in event_html(english, "once")


def test_next_dates_follow_the_build_date_and_nothing_else(tmp_path):
    first = build_repeating(tmp_path, MARCH_20, "one")
    again = build_repeating(tmp_path, MARCH_20, "two")
    assert first == again
    later = build_repeating(tmp_path, "1790000000", "three")  # 2026-09-21
    assert next_times(event_html(later[0], "earnings")) == ["2026-11-19"]
    before = build_repeating(tmp_path, "1700000000", "four")  # 2023-11-14: from the first date on
    assert next_times(event_html(before[0], "earnings")) == ["2026-02-19", "2026-05-19", "2026-08-19"]


RULES = [
    ("FREQ=WEEKLY", "every week", "jede Woche"),
    ("FREQ=DAILY;INTERVAL=2", "every 2 days", "alle 2 Tage"),
    ("FREQ=MONTHLY;INTERVAL=3;UNTIL=20271231", "every quarter, until 31 Dec 2027", "jedes Quartal, bis 31. Dez. 2027"),
    ("FREQ=MONTHLY;INTERVAL=6", "every 6 months", "alle 6 Monate"),
    ("FREQ=YEARLY;COUNT=5", "every year, 5 times", "jedes Jahr, 5-mal"),
    ("FREQ=YEARLY;COUNT=1", "every year, once", "jedes Jahr, einmal"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "every 2 weeks on Tuesday", "alle 2 Wochen am Dienstag"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "every month (BYDAY=-1FR)", "jeden Monat (BYDAY=-1FR)"),
]


@pytest.mark.parametrize(("rule", "english", "german"), RULES, ids=[rule for rule, _, _ in RULES])
def test_a_rule_in_words(rule, english, german):
    event = Event("e", "E", date(2026, 1, 6), date(2026, 1, 7), repeat=rule)
    assert describe.rule_text(event, describe.language("en")) == english
    assert describe.rule_text(event, describe.language("de")) == german


def test_a_timed_rules_utc_until_is_told_on_the_events_own_clock():
    # UNTIL 2027-12-31T15:59:59Z is the last second of 31 December in Shanghai, and 1 January in Auckland.
    shanghai = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 1, 6, 9, tzinfo=shanghai)
    event = Event("e", "E", start, start + timedelta(hours=1), timezone="Asia/Shanghai", repeat="FREQ=WEEKLY;UNTIL=20271231T155959Z")
    assert describe.rule_text(event, describe.language("en")) == "every week, until 31 Dec 2027"
    auckland = replace(event, timezone="Pacific/Auckland", start=start.astimezone(ZoneInfo("Pacific/Auckland")))
    assert describe.rule_text(auckland, describe.language("en")) == "every week, until 1 Jan 2028"


# --- "Last update": the newest change, removals included -------------------


def test_last_update_moves_when_an_event_is_removed(tmp_path):
    path = event_file(tmp_path, '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-03-01\n\n[[event]]\nid = "b"\ntitle = "B"\ndate = 2026-03-02\n')
    assert run("build", path, "-o", tmp_path / "one", env={"SOURCE_DATE_EPOCH": "1770000000"}).exit_code == 0
    assert '<time datetime="2026-02-02T02:40:00Z">' in (tmp_path / "one" / "index.html").read_text()
    path.write_text(path.read_text().split("\n\n[[event]]\nid = \"b\"")[0] + "\n")
    assert run("build", path, "-o", tmp_path / "two", env={"SOURCE_DATE_EPOCH": "1780000000"}).exit_code == 0
    removed = datetime.fromtimestamp(1780000000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    html = (tmp_path / "two" / "index.html").read_text()
    times = re.findall(r'<dt>Last update</dt><dd><time datetime="([^"]+)">', html)
    assert times == [removed, removed]  # the calendar's section, and all.ics's (the same calendar)
    # The lock keeps the removal: a later build with nothing changed still says so.
    assert run("build", path, "-o", tmp_path / "three", env={"SOURCE_DATE_EPOCH": "1790000000"}).exit_code == 0
    assert re.findall(r'<dt>Last update</dt><dd><time datetime="([^"]+)">', (tmp_path / "three" / "index.html").read_text()) == [removed] * 2
    # The change feed's time is the same moment.
    assert f"<updated>{removed}</updated>" in (tmp_path / "three" / "changes.atom").read_text()


# --- <calendar>/embed.html: the timeline alone, for frames ----------------


def test_embed_is_the_calendars_timeline_alone_in_each_language(tmp_path):
    build_page(tmp_path, "--base-url", "https://example.org/cal/")
    dist = tmp_path / "dist"
    index = (dist / "index.html").read_text(encoding="utf-8")
    uids = set(vevents((dist / f"{CALENDAR_ID}.ics").read_bytes()))
    for folder, lang in (("", "en"), ("de/", "de")):
        text = (dist / folder / CALENDAR_ID / "embed.html").read_text(encoding="utf-8")
        html = Elements(text)
        assert html.elements[0] == ("html", {"lang": lang})
        assert [a.get("class") for t, a in html.elements if t == "svg"] == ["timeline"]
        marks = [a["data-uid"] for t, a in html.elements if t == "g" and "mark" in a.get("class", "").split()]
        assert sorted(marks) == sorted(uids)
        # The timeline alone: no list, no subscribe buttons, nothing fetched; links open the full page.
        assert not [t for t, a in html.elements if t in ("ol", "li", "input", "link", "img", "iframe")]
        assert {a["href"] for t, a in html.elements if t == "a"} == {f"../index.html#feed-{CALENDAR_ID}"}
        assert all(a.get("target") == "_blank" for t, a in html.elements if t == "a")
        # The same style and script as the page, allowed by the same hashes; a <meta> policy cannot forbid frames.
        policy = next(a["content"] for t, a in html.elements if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
        assert policy == page.content_security_policy(meta=True) and "frame-ancestors" not in policy
    assert f'id="feed-{CALENDAR_ID}"' in index  # where its link leads
    assert "Alle Termine, und wie man sie abonniert" in (dist / "de" / CALENDAR_ID / "embed.html").read_text(encoding="utf-8")
    assert not (dist / "all" / "embed.html").exists()  # per calendar only


def test_embed_of_several_calendars_each_their_own(tmp_path):
    event_file(tmp_path, '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-03-01\n', name="one.toml")
    event_file(tmp_path, '[[event]]\nid = "b"\ntitle = "B"\ndate = 2026-04-01\n', name="two.toml")
    assert run("build", tmp_path / "events", "-o", tmp_path / "dist").exit_code == 0
    for calendar, uid in (("one", "a.one@keydates"), ("two", "b.two@keydates")):
        html = Elements((tmp_path / "dist" / calendar / "embed.html").read_text(encoding="utf-8"))
        assert [a["data-uid"] for t, a in html.elements if t == "g" and "mark" in a.get("class", "").split()] == [uid]


def test_every_page_links_the_change_feed(tmp_path):
    """The Atom feed of changes is offered in <head> and in the header, from each language's page."""
    events = copy_events(tmp_path)
    out = tmp_path / "dist"
    assert run("build", events, "-o", out).exit_code == 0
    assert (out / "changes.atom").read_bytes().startswith(b"<?xml")
    for page_path, href in ((out / "index.html", "changes.atom"), (out / "de" / "index.html", "../changes.atom")):
        html = page_path.read_text(encoding="utf-8")
        assert f'<link rel="alternate" type="application/atom+xml" href="{href}"' in html
        assert f'<a href="{href}" type="application/atom+xml">' in html
        assert (page_path.parent / href).resolve() == (out / "changes.atom").resolve()
    assert "Änderungen im Feed-Reader verfolgen" in (out / "de" / "index.html").read_text(encoding="utf-8")


# --- a repeating event on the timeline: each date drawn, bounded ----------

DRAWN = """\
[calendar]
name = "Drawn"
timezone = "Europe/Berlin"

[[event]]
id = "weekly"
title = "Weekly call"
start = 2026-03-16T09:00:00
duration = "30m"
repeat = "weekly"
count = 5

[[event]]
id = "yearly"
title = "Anniversary"
date = 2000-06-15
repeat = "yearly"

[[event]]
id = "daily"
title = "Daily"
date = 2026-03-01
repeat = "daily"

[[event]]
id = "once"
title = "Once"
date = 2026-04-01
"""


def occurrence_starts(html: Elements, section: str) -> dict[str, list[str]]:
    """Each event's drawn dates (data-start of its shapes) in one section's timeline, by UID."""
    drawn: dict[str, list[str]] = {}
    inside, uid = None, None
    for tag, attrs in html.elements:
        if tag == "section":
            inside = attrs.get("data-feed")
        elif inside == section and tag == "g" and "mark" in attrs.get("class", "").split():
            uid = attrs["data-uid"]
            drawn[uid] = []
        elif inside == section and tag in ("circle", "rect") and "occurrence" in attrs.get("class", "").split():
            drawn[uid].append(attrs["data-start"])
    return drawn


def test_a_repeating_event_draws_each_date_and_stays_bounded(tmp_path):
    from dateutil.rrule import DAILY, WEEKLY, YEARLY, rrule

    path = event_file(tmp_path, DRAWN)
    result = run("build", path, "-o", tmp_path / "dist", env={"SOURCE_DATE_EPOCH": MARCH_20})
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "dist" / "index.html").read_text(encoding="utf-8")
    drawn = occurrence_starts(Elements(text), "test")
    berlin = ZoneInfo("Europe/Berlin")
    # Five weeks at 09:00 Berlin time, across the change to summer time on 29 March.
    weekly = [moment.replace(tzinfo=berlin).isoformat() for moment in rrule(WEEKLY, count=5, dtstart=datetime(2026, 3, 16, 9))]
    assert drawn["weekly.test@keydates"] == weekly and weekly[2].endswith("+02:00")
    # An open yearly rule: from its first date up to a year past the build's day (20 March 2026), not to its end.
    horizon = date(2026, 3, 20) + timedelta(days=366)
    yearly = [moment.date().isoformat() for moment in rrule(YEARLY, dtstart=datetime(2000, 6, 15), until=datetime.combine(horizon, datetime.min.time()))]
    assert drawn["yearly.test@keydates"] == yearly and yearly[-1] == "2026-06-15"
    # An open daily rule: at most 50 dates.
    daily = [moment.date().isoformat() for moment in rrule(DAILY, count=50, dtstart=datetime(2026, 3, 1))]
    assert drawn["daily.test@keydates"] == daily
    assert drawn["once.test@keydates"] == ["2026-04-01"]
    # The section's "Dates", and the timeline's label, cover every date drawn.
    covered = describe.day_range(date(2000, 6, 15), date(2026, 6, 15), describe.language("en"))
    assert f"<dt>Dates</dt><dd>{covered}</dd>" in text
    assert f"Timeline of 4 events, {covered}" in text
    # The same marks in the embeddable timeline.
    embed = occurrence_starts(Elements((tmp_path / "dist" / "test" / "embed.html").read_text(encoding="utf-8")), "test")
    assert embed == drawn


def test_a_repeating_event_is_one_row_with_a_tooltip_per_date(tmp_path):
    path = event_file(tmp_path, DRAWN)
    assert run("build", path, "-o", tmp_path / "dist", env={"SOURCE_DATE_EPOCH": MARCH_20}).exit_code == 0
    text = (tmp_path / "dist" / "index.html").read_text(encoding="utf-8")
    row = re.search(r'<g class="mark [^"]*" data-uid="weekly\.test@keydates">.*?</g>', text, re.S)[0]
    assert row.count('class="label"') == 1 and row.count("<circle") == 5
    assert "Weekly call · Mon, 30 Mar 2026, 09:00–09:30 Europe/Berlin</title>" in row


# --- color and conference (RFC 7986) on the page ----------------------------

COLORED = """\
[calendar]
name = { en = "Colored", de = "Farbig" }
timezone = "Europe/Berlin"
color = "#1a73e8"

[[event]]
id = "call"
title = "Investor call"
start = 2026-03-16T09:00:00
duration = "1h"
color = "tomato"
conference = "https://meet.example.com/abc?x=1&y=2"

[[event]]
id = "plain"
title = "Plain"
date = 2026-03-20
"""


def test_color_and_conference_on_the_page_in_english_and_german(tmp_path):
    path = event_file(tmp_path, COLORED)
    assert run("build", path, "-o", tmp_path / "dist").exit_code == 0
    for folder, join in (("", "Join online"), ("de/", "Online teilnehmen")):
        text = (tmp_path / "dist" / folder / "index.html").read_text(encoding="utf-8")
        html = Elements(text)
        # The conference link, named in the page's language; only where the event has one.
        assert html.links("conference") == ["https://meet.example.com/abc?x=1&y=2"]
        assert f'<a data-client="conference" href="https://meet.example.com/abc?x=1&amp;y=2" rel="noopener">{join}</a>' in event_html(text, "call")
        assert "conference" not in event_html(text, "plain")
        # Colors as SVG fill attributes: the event's on its mark and its swatch, the calendar's on its heading.
        call = re.search(r'<g class="mark [^"]*" data-uid="call\.test@keydates">.*?</g>', text, re.S)[0]
        assert 'fill="tomato"' in call
        assert "fill=" not in re.search(r'<g class="mark [^"]*" data-uid="plain\.test@keydates">.*?</g>', text, re.S)[0]
        swatches = [a["fill"] for t, a in html.elements if t == "circle" and "cx" in a and a.get("cx") == "6"]
        assert swatches == ["#1a73e8", "tomato"]
        # No style attribute anywhere: the CSP allows the one <style> block by hash, nothing inline.
        assert not [t for t, a in html.elements if "style" in a]
        styles = re.findall(r"<style>(.*?)</style>", text, re.S)
        policy = next(a["content"] for t, a in html.elements if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
        digest = "'sha256-" + base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode() + "'"
        assert len(styles) == 1 and f"style-src {digest};" in policy and "unsafe-inline" not in policy
