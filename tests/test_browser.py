"""The subscribe page in a real headless Chromium, loaded from a running server.

Debian's chromium is used (.ci/run installs it); nothing is downloaded at test
time. Screenshots go to test-output/ for people to look at.
"""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from conftest import REPO, copy_events, event_file, run, vevents
from dateutil.rrule import MONTHLY, rrule
from test_page import Elements, occurrence_starts

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
]  # fmt: skip
OUTPUT = REPO / "test-output"
PHONE, DESKTOP = (390, 844), (1280, 900)
CALENDAR_ID = "alibaba-qwen-cny-2026"


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does this)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def start_browser(tmp_path: Path, *args: str) -> subprocess.Popen:
    """Chromium with a fresh profile; stdout is captured."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    profile.mkdir()
    return subprocess.Popen(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def finish(process: subprocess.Popen) -> bytes:
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, f"chromium exited {process.returncode}"
    return out


def dump_dom(tmp_path: Path, url: str) -> Elements:
    """The page's DOM after its script ran."""
    return Elements(finish(start_browser(tmp_path, "--dump-dom", url)).decode("utf-8"))


def console(tmp_path: Path, url: str) -> list[str]:
    """What the page said on the browser's console (CSP violations among it)."""
    process = subprocess.Popen(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile-console'}", "--enable-logging=stderr", "--v=0", "--dump-dom", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, f"chromium exited {process.returncode}"
    return [line for line in err.decode("utf-8", "replace").splitlines() if "CONSOLE" in line]


def screenshots(tmp_path: Path, shots: dict[str, tuple[str, tuple[int, int], bool]]) -> None:
    """Take the screenshots in parallel: name -> (url, window size, dark)."""
    OUTPUT.mkdir(exist_ok=True)
    running = []
    for name, (url, (width, height), dark) in shots.items():
        (OUTPUT / name).unlink(missing_ok=True)
        extra = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if dark else []
        running.append(start_browser(tmp_path, *extra, f"--screenshot={OUTPUT / name}", f"--window-size={width},{height}", url))
    for process in running:
        finish(process)


def png_facts(path: Path) -> tuple[int, int, float]:
    """Width, height and the mean brightness (0-255) of the top row of pixels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    assert depth == 8 and color in (2, 6)
    channels = 3 if color == 2 else 4
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompressobj().decompress(idat, 1 + width * channels)
    kind, row = raw[0], bytearray(raw[1:])
    for i in range(channels, len(row)):  # filters of the first row: the row above is zeros
        left = row[i - channels]
        row[i] = (row[i] + {0: 0, 1: left, 2: 0, 3: left // 2, 4: left}[kind]) & 0xFF
    pixels = [row[i : i + 3] for i in range(0, len(row), channels)]
    return width, height, sum(sum(p) / 3 for p in pixels) / len(pixels)


def marks(html: Elements, section: str) -> list[dict]:
    """The marks drawn in one section's timeline."""
    result, inside = [], None
    for tag, attrs in html.elements:
        if tag == "section":
            inside = attrs.get("data-feed")
        if inside == section and tag == "g" and "mark" in attrs.get("class", "").split():
            result.append(attrs)
    return result


def test_page_links_and_timeline_in_chromium(chromium, tmp_path, serve):
    copy_events(tmp_path)
    server = serve("events")
    html = dump_dom(tmp_path, server.url)
    feed_url = f"http://127.0.0.1:{server.port}/{CALENDAR_ID}.ics"

    # Subscribe links point at this server's feed.
    assert html.links("webcal")[0] == f"webcal://127.0.0.1:{server.port}/{CALENDAR_ID}.ics"
    version = hashlib.sha256(server.request(f"/{CALENDAR_ID}.ics")[2]).hexdigest()[:12]
    assert parse_qs(urlsplit(html.links("google")[0]).query)["cid"] == [html.links("webcal")[0] + f"?v={version}"]
    for client in ("outlook-com", "microsoft-365"):
        query = parse_qs(urlsplit(html.links(client)[0]).query)
        assert query == {"url": [feed_url], "name": ["Alibaba Qwen: Chinese New Year 2026"]}
    # Every download link, feed or tag feed, resolves to a calendar on the server.
    downloads = html.links("download")
    assert len(downloads) == 2 + 12
    for href in downloads:
        status, headers, body = server.request(urlsplit(urljoin(server.url, href)).path)
        assert (status, headers["content-type"]) == (200, "text/calendar; charset=utf-8"), href
    feed = vevents(server.request(f"/{CALENDAR_ID}.ics")[2])

    # One mark per event, windows drawn differently from fixed dates.
    drawn = marks(html, CALENDAR_ID)
    assert sorted(m["data-uid"] for m in drawn) == sorted(feed)
    kinds = {m["data-uid"].split(".")[0]: m["class"].split()[1] for m in drawn}
    assert kinds["deepseek-v4"] == "mark-window" and kinds["spring-festival-holiday"] == "mark-span"
    assert kinds["chinese-new-year"] == "mark-day"

    # All of 2025-2026 in the past here: no today line unless today is inside the range.
    today_line = next(a for t, a in html.elements if t == "line" and a.get("class") == "today")
    assert today_line.get("visibility") == "hidden" or date.today() <= date(2026, 2, 24)


def test_today_line_is_placed_when_viewed(chromium, tmp_path, serve):
    today = date.today()
    body = "".join(
        f'[[event]]\nid = "{id}"\ntitle = "{id}"\n{when}\nurl = "https://example.com/"\n\n'
        for id, when in [
            ("before", f"date = {today - timedelta(days=20)}"),
            ("around", f"start = {today - timedelta(days=3)}\nend = {today + timedelta(days=3)}"),
            ("after", f"date = {today + timedelta(days=20)}"),
        ]
    )
    event_file(tmp_path, body)
    server = serve("events")
    html = dump_dom(tmp_path, server.url)
    line = next(a for t, a in html.elements if t == "line" and a.get("class") == "today")
    assert "visibility" not in line  # the script showed it
    circles = [float(a["cx"].rstrip("%")) for t, a in html.elements if t == "circle"]
    x = float(line["x1"].rstrip("%"))
    assert min(circles) < x < max(circles)
    # The file itself has no today in it: the same page served to anyone, any day.
    assert 'class="today" x1="0" x2="0"' in server.request("/")[2].decode()


def test_screenshots_phone_and_desktop_light_and_dark(chromium, tmp_path, serve):
    copy_events(tmp_path)
    server = serve("events")
    assert run("build", tmp_path / "events", "-o", tmp_path / "dist", "--base-url", "https://example.org/cal/").exit_code == 0
    static = (tmp_path / "dist" / "index.html").as_uri()
    shots = {
        "page-phone-light.png": (server.url, PHONE, False),
        "page-phone-dark.png": (server.url, PHONE, True),
        "page-desktop-light.png": (server.url, DESKTOP, False),
        "page-desktop-dark.png": (server.url, DESKTOP, True),
        "static-base-url-phone.png": (static, PHONE, False),
        "static-base-url-desktop-full.png": (static, (1280, 2600), False),
    }
    screenshots(tmp_path, shots)
    for name, (_, (width, height), dark) in shots.items():
        got_width, got_height, brightness = png_facts(OUTPUT / name)
        assert (got_width, got_height) == (width, height), name
        assert (brightness < 60) if dark else (brightness > 200), (name, brightness)


KINDS = """\
[calendar]
name = { en = "Every kind of date", de = "Jede Art von Termin" }
timezone = "Europe/Berlin"
color = "#8e44ad"

[[event]]
id = "earnings"
title = { en = "Quarterly earnings", de = "Quartalszahlen" }
date = 2026-02-19
repeat = "quarterly"
count = 4
url = "https://example.com/ir"
color = "seagreen"
conference = "https://meet.example.com/earnings"

[[event]]
id = "holiday"
title = { en = "Nine-day holiday", de = "Neun Tage frei" }
start = 2026-02-15
end = 2026-02-23

[[event]]
id = "model"
title = { en = "Model release expected", de = "Modell erwartet" }
when = "mid-march 2026"

[[event]]
id = "fair"
title = { en = "Trade fair", de = "Messe" }
date = 2026-03-10
status = "cancelled"
"""


def test_every_kind_of_date_in_english_and_german_at_both_sizes(chromium, tmp_path):
    """Screenshots to look at (test-output/kinds-*.png); the DOM after the script ran has every event's links."""
    event_file(tmp_path, KINDS)
    assert run("build", tmp_path / "events", "-o", tmp_path / "dist", "--base-url", "https://example.org/cal/").exit_code == 0
    pages = {"en": tmp_path / "dist" / "index.html", "de": tmp_path / "dist" / "de" / "index.html"}
    shots = {
        f"kinds-{lang}-{name}.png": (path.as_uri(), size, False)
        for lang, path in pages.items() for name, size in (("phone", PHONE), ("desktop", (1280, 800)))
    }
    screenshots(tmp_path, shots)
    for name, (_, size, _) in shots.items():
        assert png_facts(OUTPUT / name)[:2] == size, name
    for lang, path in pages.items():
        html = dump_dom(tmp_path, path.as_uri())
        assert html.elements[0] == ("html", {"lang": lang})
        items = {a["id"]: a for t, a in html.elements if t == "li" and "id" in a}
        assert set(items) == {"earnings", "holiday", "model", "fair"}
        assert "cancelled" in items["fair"]["class"].split()
        assert len(html.links("add-google")) == len(html.links("add-outlook")) == 4
        assert {m["class"].split()[1] for m in marks(html, "test")} == {"mark-day", "mark-span", "mark-window"}
        # The quarterly event draws each of its four dates in its row.
        quarters = [moment.date().isoformat() for moment in rrule(MONTHLY, interval=3, count=4, dtstart=datetime(2026, 2, 19))]
        assert occurrence_starts(html, "test")["earnings.test@keydates"] == quarters
        assert html.links("conference") == ["https://meet.example.com/earnings"]
    # The JSON-LD block is data: the CSP (script-src by hash) lets the page's script run and refuses nothing.
    assert console(tmp_path, pages["en"].as_uri()) == []


def test_embed_in_a_frame_of_another_page(chromium, tmp_path):
    """Screenshots to look at (test-output/embed-*.png): the timeline alone, framed by a blog post."""
    copy_events(tmp_path)
    assert run("build", tmp_path / "events", "-o", tmp_path / "dist").exit_code == 0
    embed = tmp_path / "dist" / CALENDAR_ID / "embed.html"
    blog = tmp_path / "blog.html"
    blog.write_text(f'<!doctype html><html><body style="max-width:640px;margin:1rem auto;font-family:serif"><h1>A blog post</h1>'
                    f'<p>The dates:</p><iframe src="{embed.as_uri()}" width="100%" height="420" style="border:0"></iframe><p>More text.</p></body></html>')
    shots = {"embed-phone.png": (embed.as_uri(), PHONE, False), "embed-dark.png": (embed.as_uri(), (640, 480), True),
             "embed-in-blog.png": (blog.as_uri(), (800, 640), False)}  # fmt: skip
    screenshots(tmp_path, shots)
    for name, (_, size, _) in shots.items():
        assert png_facts(OUTPUT / name)[:2] == size, name
    html = dump_dom(tmp_path, embed.as_uri())
    assert len(marks(html, CALENDAR_ID)) == 8
    assert console(tmp_path, embed.as_uri()) == []  # its style and script pass its policy
