"""One event at a time: anchors, 'Add to Google/Outlook' links and the per-event .ics."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from conftest import event_file, parse, run, vevents
from test_page import Elements

EVENTS = """\
[[event]]
id = "day"
title = "Results, Q4"
date = 2026-02-19
location = "Hangzhou"
url = "https://example.com/results"

[[event]]
id = "span"
title = "Holiday"
start = 2026-02-15
end = 2026-02-23

[[event]]
id = "call"
title = "Analyst call"
start = 2026-02-19T20:00:00
end = 2026-02-19T21:30:00
timezone = "America/New_York"

[[event]]
id = "window"
title = "V4 expected"
when = "mid-february 2026"

[[event]]
id = "earnings"
title = "Earnings"
date = 2026-03-31
repeat = "quarterly"
count = 4
"""


def build(tmp_path):
    path = event_file(tmp_path, EVENTS)
    result = run("build", path, "-o", tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "dist" / "index.html").read_text(encoding="utf-8")
    return tmp_path / "dist", html, Elements(html)


def links(html: Elements, event_id: str) -> dict[str, dict]:
    """The add links of one event, by client, as parsed queries (one value each)."""
    found, inside = {}, False
    for tag, attrs in html.elements:
        if tag == "li":
            inside = attrs.get("id") == event_id
        if inside and tag == "a" and attrs.get("data-client", "").startswith(("add-", "event-ics")):
            parts = urlsplit(attrs["href"])
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            found[attrs["data-client"]] = {**query, "host": parts.netloc, "url_path": parts.path}
    return found


def test_all_day_link_has_googles_exclusive_end_and_the_details(tmp_path):
    _, _, html = build(tmp_path)
    got = links(html, "day")
    google, outlook = got["add-google"], got["add-outlook"]
    assert (google["host"], google["url_path"], google["action"]) == ("calendar.google.com", "/calendar/render", "TEMPLATE")
    assert google["text"] == "Results, Q4" and google["location"] == "Hangzhou"
    assert google["dates"] == "20260219/20260220"  # the day after: exclusive, as DTEND
    assert google["details"].endswith("Source: https://example.com/results")
    assert (outlook["host"], outlook["url_path"]) == ("outlook.live.com", "/calendar/0/deeplink/compose")
    assert (outlook["subject"], outlook["startdt"], outlook["enddt"], outlook["allday"]) == ("Results, Q4", "2026-02-19", "2026-02-20", "true")
    assert outlook["body"] == google["details"] and outlook["location"] == "Hangzhou"


def test_span_and_window_links_cover_every_day(tmp_path):
    _, _, html = build(tmp_path)
    assert links(html, "span")["add-google"]["dates"] == "20260215/20260224"
    window = links(html, "window")
    assert window["add-google"]["dates"] == "20260211/20260221"
    assert window["add-google"]["details"].startswith("Expected mid-February 2026 (some time from 11–20 Feb 2026")
    assert (window["add-outlook"]["startdt"], window["add-outlook"]["enddt"]) == ("2026-02-11", "2026-02-21")


def test_timed_link_is_in_utc(tmp_path):
    _, _, html = build(tmp_path)
    zone = ZoneInfo("America/New_York")
    start = datetime(2026, 2, 19, 20, 0, tzinfo=zone).astimezone(timezone.utc)
    end = datetime(2026, 2, 19, 21, 30, tzinfo=zone).astimezone(timezone.utc)
    got = links(html, "call")
    assert got["add-google"]["dates"] == f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}" == "20260220T010000Z/20260220T023000Z"
    assert (got["add-outlook"]["startdt"], got["add-outlook"]["allday"]) == ("2026-02-20T01:00:00Z", "false")


def test_a_repeating_event_says_the_link_adds_one_date(tmp_path):
    _, text, html = build(tmp_path)
    assert links(html, "earnings")["add-google"]["dates"] == "20260331/20260401"
    item = text[text.index('id="earnings"') :]
    item = item[: item.index("</li>")]
    assert "add the first date only" in item
    assert "first date only" not in text[text.index('id="day"') :].split("</li>")[0]


def test_per_event_ics_has_the_feeds_uid_and_sequence(tmp_path):
    dist, _, html = build(tmp_path)
    feed = vevents((dist / "test.ics").read_bytes())
    for event_id in ("day", "span", "call", "window", "earnings"):
        href = links(html, event_id)["event-ics"]["url_path"]
        assert unquote(href) == f"test/event/{event_id}.ics"
        data = (dist / unquote(href)).read_bytes()
        lenient, strict = parse(data)
        assert lenient["METHOD"] == "PUBLISH" and "X-WR-CALNAME" not in lenient
        (uid, event), = vevents(data).items()
        assert uid == f"{event_id}.test@keydates"
        assert event["SEQUENCE"] == feed[uid]["SEQUENCE"] and event.to_ical() == feed[uid].to_ical()
        assert len(strict.events) == 1
    call = (dist / "test" / "event" / "call.ics").read_bytes()
    assert b"BEGIN:VTIMEZONE\r\nTZID:America/New_York" in call  # its zone comes with it


def test_anchors_are_event_ids(tmp_path):
    _, _, html = build(tmp_path)
    anchors = [a["id"] for t, a in html.elements if t == "li" and "id" in a]
    assert sorted(anchors) == ["call", "day", "earnings", "span", "window"]
    assert [a["href"] for t, a in html.elements if t == "a" and a.get("class") == "anchor"].count("#day") == 1


def test_same_event_id_in_two_calendars_gets_calendar_anchors(tmp_path):
    event_file(tmp_path, '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-03-01\n', name="one.toml")
    event_file(tmp_path, '[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-04-01\n', name="two.toml")
    assert run("build", tmp_path / "events", "-o", tmp_path / "dist").exit_code == 0
    html = Elements((tmp_path / "dist" / "index.html").read_text())
    assert sorted(a["id"] for t, a in html.elements if t == "li" and "id" in a) == ["one:a", "two:a"]
    assert (tmp_path / "dist" / "one" / "event" / "a.ics").is_file() and (tmp_path / "dist" / "two" / "event" / "a.ics").is_file()
