"""The subscribe page: one self-contained HTML file with an SVG timeline per feed.

Pure and deterministic: the page is made from the feeds and the lock file's
stamps only, never from the clock. Where "today" falls on each timeline is
worked out by a few lines of script when the page is viewed.

The timeline is drawn in percentages of its width, so it fills a phone or a
desktop screen while its text keeps its size. Long empty stretches between
clusters of events (a context event a year before the rest) are cut out of
the axis and shown as a break, so the busy weeks stay readable.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import json
import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from html import escape
from importlib.resources import files
from urllib.parse import quote, urlsplit

from keydates.describe import day_range, when_text
from keydates.model import Entry, Event
from keydates.site import Published, site_title

EPOCH = date(1970, 1, 1)  # day numbers as in JavaScript: Date.UTC(y, m, d) / 86400000
PAGE_LIMIT = 1000  # events drawn and listed per feed; the feed itself has them all
LABELLED_LIMIT = 60  # up to this many events, one labelled row each; beyond, packed lanes
MIN_WIDTH = 340  # px: the narrowest timeline (a phone); labels are thinned for it
MARGIN = 1.5  # % of the width left free at each end
BREAK = 4.0  # % of the width for a cut-out stretch of time
AXIS_HEIGHT = 36  # px above the first row: month and day labels
ROW = 34  # px per labelled row: title line, then the mark
LANE = 11  # px per packed lane

# The page's style and script, package files inlined into the page so that
# it stays one self-contained file; the Content-Security-Policy allows just
# these two blocks, by hash, and nothing else.
CSS = (files("keydates") / "static" / "page.css").read_text(encoding="utf-8").strip()
SCRIPT = (files("keydates") / "static" / "page.js").read_text(encoding="utf-8").strip()


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(meta: bool = False) -> str:
    """The page's CSP: its own style and script only, no fetches, no framing.

    `meta`: for the page's <meta> element, where frame-ancestors is not
    allowed (it only works as an HTTP header, which `serve` sends).
    """
    policy = [
        "default-src 'none'", f"style-src {_sha256(CSS)}", f"script-src {_sha256(SCRIPT)}",
        "img-src data:", "base-uri 'none'", "form-action 'none'",
    ]  # fmt: skip
    if not meta:
        policy.append("frame-ancestors 'none'")
    return "; ".join(policy)


GOOGLE = "https://calendar.google.com/calendar/r?cid={webcal}"
OUTLOOK_COM = "https://outlook.live.com/calendar/0/addfromweb?url={url}&name={name}"
MICROSOFT_365 = "https://outlook.office.com/calendar/0/addfromweb?url={url}&name={name}"


@dataclass(frozen=True)
class Link:
    client: str  # a stable key, for tests and styling
    label: str
    href: str


def feed_url(item: Published, base_url: str | None) -> str | None:
    """The public address of a feed: its calendar's own url, else the base url and its path."""
    if item.own_url:
        return item.own_url
    return base_url + quote(item.path) if base_url else None


def webcal(url: str) -> str:
    """The webcal:// form of an http(s) URL (Apple Calendar, Outlook desktop)."""
    return "webcal://" + url.split("://", 1)[1]


def subscribe_links(url: str, name: str) -> list[Link]:
    """One-click subscribe links for a feed at `url`, then the plain download."""
    enc_url, enc_name = quote(url, safe=""), quote(name, safe="")
    return [
        Link("webcal", "Apple Calendar / Outlook", webcal(url)),
        Link("google", "Google Calendar", GOOGLE.format(webcal=quote(webcal(url), safe=""))),
        Link("outlook-com", "Outlook.com", OUTLOOK_COM.format(url=enc_url, name=enc_name)),
        Link("microsoft-365", "Microsoft 365", MICROSOFT_365.format(url=enc_url, name=enc_name)),
    ]


def render(published: list[Published], base_url: str | None = None) -> bytes:
    """The whole page as UTF-8 bytes; links are relative to the page, subscribe links absolute."""
    title = site_title(published)
    missing = [item for item in published if feed_url(item, base_url) is None]
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        # Self-contained: the browser may fetch nothing else for this page.
        f'<meta http-equiv="Content-Security-Policy" content="{escape(content_security_policy(meta=True))}">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
        '<p class="lead">Subscribe once: every change to these dates reaches your calendar app by itself.</p>',
    ]
    if len(published) > 2:
        parts.append('<nav aria-label="Calendars"><ul>')
        for index, item in enumerate(published):
            parts.append(f'<li><a href="#{_anchor(item, index)}">{escape(item.feed.name)}</a></li>')
        parts.append("</ul></nav>")
    if missing:
        parts.append(_missing_notice(base_url))
    parts.append("</header>")
    parts.append("<main>")
    for index, item in enumerate(published):
        parts.append(_section(item, index, base_url))
    parts.append("</main>")
    parts.append(HOWTO)
    parts.append(f"<script>{SCRIPT}</script>")
    parts.append("</body>")
    parts.append("</html>")
    return ("\n".join(parts) + "\n").encode("utf-8")


def _anchor(item: Published, index: int) -> str:
    return f"feed-{item.feed.id}"


def _missing_notice(base_url: str | None) -> str:
    return (
        '<aside class="notice" id="no-base-url"><strong>Subscribe links are missing:</strong> '
        "this page does not know the public address it will be published at. "
        "Build it with <code>keydates build --base-url https://example.org/calendars/</code>, "
        "or give each calendar its address as <code>url</code> in its <code>[calendar]</code> table. "
        "Until then, the download links below give a copy to import once; an imported copy "
        "does not update by itself.</aside>"
    )


def _section(item: Published, index: int, base_url: str | None) -> str:
    feed = item.feed
    entries = feed.entries
    url = feed_url(item, base_url)
    out = [f'<section class="feed" id="{_anchor(item, index)}" data-feed="{escape(feed.id)}">']
    out.append(f"<h2>{escape('All calendars in one feed' if item.same_as else feed.name)}</h2>")
    if feed.description and not item.same_as:
        out.append(f'<p class="description">{escape(feed.description)}</p>')
    out.append('<dl class="facts">')
    out.append(f"<div><dt>Events</dt><dd>{len(entries)}</dd></div>")
    if entries:
        first = min(e.event.first_day for e in entries)
        last = max(e.event.last_day for e in entries)
        out.append(f"<div><dt>Dates</dt><dd>{escape(day_range(first, last))}</dd></div>")
    if item.modified:
        moment = item.modified.astimezone(timezone.utc)
        out.append(
            f'<div><dt>Last update</dt><dd><time datetime="{moment:%Y-%m-%dT%H:%M:%SZ}">'
            f"{moment.day} {moment:%b %Y, %H:%M} UTC</time></dd></div>"
        )
    out.append("</dl>")
    out.append(_subscribe(item, url))
    if item.same_as:
        out.append(f'<p class="same">The same events as <em>{escape(item.same_as)}</em> above; more calendars will join it here.</p>')
    elif entries:
        # Only the first PAGE_LIMIT in order (the same as sorting and slicing),
        # and only here: all.ics of a single calendar lists nothing.
        shown = heapq.nsmallest(PAGE_LIMIT, entries, key=lambda e: e.order)
        out.append(_timeline(shown, index))
        if len(entries) > len(shown):
            out.append(f'<p class="more">The first {len(shown)} of {len(entries)} events; the feed has them all.</p>')
        out.append(_event_list(shown))
    else:
        out.append('<p class="more">No events yet.</p>')
    if item.tags:
        out.append(_tag_feeds(item, base_url))
    out.append("</section>")
    return "\n".join(out)


def _subscribe(item: Published, url: str | None) -> str:
    out = ['<div class="subscribe">']
    out.append('<div class="buttons">')
    if url:
        for link in subscribe_links(url, item.feed.name):
            out.append(f'<a class="button" data-client="{link.client}" href="{escape(link.href)}">{escape(link.label)}</a>')
    out.append(f'<a class="button download" data-client="download" href="{escape(quote(item.path))}" download>Download .ics</a>')
    out.append("</div>")
    if url:
        out.append(
            f'<label class="address">Feed address, to paste into Google Calendar (Add calendar → From URL) '
            f'or Thunderbird (New Calendar → On the Network): <input readonly value="{escape(url)}"></label>'
        )
    else:
        out.append('<p class="address">No public address yet: <a href="#no-base-url">why</a>.</p>')
    out.append("</div>")
    return "\n".join(out)


def _tag_feeds(item: Published, base_url: str | None) -> str:
    out = ['<details class="tags"><summary>Follow only some of it: one feed per tag</summary><ul>']
    for tag in item.tags:
        noun = "event" if tag.count == 1 else "events"
        links = []
        if base_url:
            url = base_url + quote(tag.path)
            name = f"{item.feed.name} ({tag.tag})"
            links = [f'<a data-client="{link.client}" href="{escape(link.href)}">{escape(link.label)}</a>' for link in subscribe_links(url, name)]
        links.append(f'<a data-client="download" href="{escape(quote(tag.path))}" download>.ics</a>')
        out.append(
            f'<li data-tag="{escape(tag.tag)}"><span class="tag">{escape(tag.tag)}</span> '
            f'<span class="count">{tag.count} {noun}</span> <span class="links">{" · ".join(links)}</span></li>'
        )
    out.append("</ul></details>")
    return "\n".join(out)


def _event_list(entries: list[Entry]) -> str:
    out = ['<ol class="events">']
    for entry in entries:
        event = entry.event
        badge = ""
        if event.window and event.status == "tentative":
            badge = '<span class="badge window">expected</span>'
        elif event.status != "confirmed":
            badge = f'<span class="badge {event.status}">{event.status}</span>'
        out.append(f'<li class="{event.status}" data-uid="{escape(entry.uid)}" data-last="{_day(event.last_day + timedelta(days=1))}">')
        out.append(f'<p class="when">{escape(_when(event))}</p>')
        out.append(f'<p class="title">{escape(event.title)} {badge}</p>')
        if event.description:
            out.append(f'<p class="text">{escape(event.description)}</p>')
        meta = [f'<span class="tag">{escape(tag)}</span>' for tag in event.tags]
        if event.location:
            meta.insert(0, f'<span class="location">{escape(event.location)}</span>')
        if event.url:
            meta.append(f'<a href="{escape(event.url)}" rel="noopener">source: {escape(urlsplit(event.url).hostname or event.url)}</a>')
        if meta:
            out.append(f'<p class="meta">{" ".join(meta)}</p>')
        out.append("</li>")
    out.append("</ol>")
    return "\n".join(out)


def _when(event: Event) -> str:
    """when_text, saying that a repeating event is shown at its first date."""
    return when_text(event) + (" (first time; repeats)" if event.repeat else "")


# --- the timeline picture -------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A stretch of days [first, end) drawn from x0% to x1%; a break if `cut`."""

    first: int
    end: int
    x0: float
    x1: float
    cut: bool = False


def axis(spans: list[tuple[int, int]]) -> list[Segment]:
    """Lay out day numbers on 0-100%, cutting long empty stretches out."""
    spans = sorted(spans)
    low, high = spans[0][0], max(end for _, end in spans)
    threshold = max(30, (high - low) * 0.2)
    clusters = [list(spans[0])]
    for first, end in spans[1:]:
        if first - clusters[-1][1] > threshold:
            clusters.append([first, end])
        else:
            clusters[-1][1] = max(clusters[-1][1], end)
    for cluster in clusters:
        pad = max(3, round((cluster[1] - cluster[0]) * 0.05))
        cluster[0] -= pad
        cluster[1] += pad
    lengths = [end - first for first, end in clusters]
    shares = [max(length / sum(lengths), 0.15) for length in lengths]
    room = 100 - 2 * MARGIN - BREAK * (len(clusters) - 1)
    segments, x = [], MARGIN
    for (first, end), share in zip(clusters, shares):
        width = room * share / sum(shares)
        if segments:
            segments.append(Segment(segments[-1].end, first, x, x + BREAK, cut=True))
            x += BREAK
        segments.append(Segment(first, end, x, x + width))
        x += width
    return segments


def position(segments: list[Segment], day: float) -> float:
    """x in % for a day number (fractions of days allowed)."""
    index = max(0, min(bisect_right([s.first for s in segments], day) - 1, len(segments) - 1))
    s = segments[index]
    return s.x0 + (day - s.first) / (s.end - s.first) * (s.x1 - s.x0)


def _timeline(entries: list[Entry], index: int) -> str:
    events = [entry.event for entry in entries]
    spans = [(_day(e.first_day), _day(e.last_day) + 1) for e in events]
    segments = axis(spans)
    labelled = len(entries) <= LABELLED_LIMIT
    # Packed: a mark takes at least 3% of the range, so dots on nearby days don't overlap.
    least = math.ceil((max(b for _, b in spans) - spans[0][0]) * 0.03)
    rows = list(range(len(entries))) if labelled else _lanes([(a, max(b, a + least)) for a, b in spans])
    row_height = ROW if labelled else LANE
    bottom = AXIS_HEIGHT + row_height * (max(rows) + 1)
    height = bottom + 18  # room for the today label under the rows
    hatch = f"hatch-{index}"
    first, last = events[0].first_day, max(e.last_day for e in events)
    data = json.dumps([[s.first, s.end, round(s.x0, 3), round(s.x1, 3)] for s in segments], separators=(",", ":"))
    out = [
        f'<figure class="timeline"><svg class="timeline" width="100%" height="{height}" role="img" '
        f'aria-label="Timeline of {len(entries)} events, {escape(day_range(first, last))}" data-axis="{data}">',
        f'<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">'
        '<rect class="hatch" width="3" height="6"/></pattern></defs>',
    ]
    if labelled:
        for row in range(0, len(entries), 2):
            out.append(f'<rect class="stripe" x="0" y="{AXIS_HEIGHT + row * ROW}" width="100%" height="{ROW}"/>')
    out.extend(_grid(segments, bottom))
    for entry, event, (start, end), row in zip(entries, events, spans, rows):
        top = AXIS_HEIGHT + row * row_height
        out.append(_mark(entry, event, segments, start, end, top, labelled, hatch))
    out.append(f'<line class="today" x1="0" x2="0" y1="{AXIS_HEIGHT - 4}" y2="{bottom + 4}" visibility="hidden"/>')
    out.append(f'<text class="today-label" x="0" y="{height - 3}" visibility="hidden">today</text>')
    out.append("</svg>")
    out.append(
        '<figcaption><span class="key key-day"></span>one day <span class="key key-span"></span>several days '
        '<span class="key key-window"></span>expected, exact date not known '
        '<span class="key key-today"></span>today</figcaption></figure>'
    )
    return "\n".join(out)


def _mark(entry: Entry, event: Event, segments, start: int, end: int, top: int, labelled: bool, hatch: str) -> str:
    kind = "window" if event.window else "day" if end - start == 1 else "span"
    classes = f"mark mark-{kind} {event.status}"
    tooltip = f"{event.title} · {_when(event)}"
    out = [f'<g class="{classes}" data-uid="{escape(entry.uid)}"><title>{escape(tooltip)}</title>']
    if labelled:
        out.append(f'<text class="label" x="{MARGIN:g}%" y="{top + 14}">{escape(_short(event))}</text>')
        middle, size = top + 24, 10
    else:
        middle, size = top + LANE / 2, 7
    x0, x1 = position(segments, start), position(segments, end)
    if kind == "day":
        out.append(f'<circle cx="{(x0 + x1) / 2:.3f}%" cy="{middle}" r="{size / 2 + 0.5:g}"/>')
    else:
        width = max(x1 - x0, 0.5)
        fill = f' fill="url(#{hatch})"' if kind == "window" else ""
        out.append(f'<rect x="{x0:.3f}%" y="{middle - size / 2:g}" width="{width:.3f}%" height="{size}" rx="3"{fill}/>')
    out.append("</g>")
    return "".join(out)


def _short(event: Event) -> str:
    first = event.first_day
    when = f"{first.day} {first:%b}"
    if event.window:
        when = event.window.rsplit(" ", 1)[0]  # "mid-February"
    elif event.last_day != first:
        when += f"–{event.last_day.day} {event.last_day:%b}" if event.last_day.month != first.month else f"–{event.last_day.day}"
    title = event.title if len(event.title) <= 60 else event.title[:59] + "…"
    return f"{when} · {title}"


def _grid(segments: list[Segment], height: int) -> list[str]:
    """Gridlines at month starts, month names, Monday day numbers where there is room, breaks."""
    out = []
    months: list[tuple[float, str]] = []
    days: list[tuple[float, str]] = []
    for s in segments:
        if s.cut:
            out.append(f'<rect class="cut" x="{s.x0:.3f}%" y="{AXIS_HEIGHT - 4}" width="{s.x1 - s.x0:.3f}%" height="{height - AXIS_HEIGHT + 4}"/>')
            out.append(f'<text class="cut-label" x="{(s.x0 + s.x1) / 2:.3f}%" y="{AXIS_HEIGHT - 8}">⋯</text>')
            continue
        first, end = EPOCH + timedelta(days=s.first), EPOCH + timedelta(days=s.end)
        px_per_day = MIN_WIDTH * (s.x1 - s.x0) / 100 / (s.end - s.first)
        # Month bands: a line where each month starts, its name at the left of its
        # band if the band is wide enough; the first name of a segment has the year.
        step = next((n for n in (1, 3, 12) if px_per_day * 30 * n >= 40), 12)  # months per name
        grid_step = 1 if px_per_day * 30 >= 8 else step
        month, named = date(first.year, first.month, 1), False
        while month < end:
            band_end = min(_next_month(month), end)
            x = position(segments, max(_day(month), s.first))
            if month > first and (month.month - 1) % grid_step == 0:
                out.append(f'<line class="grid" x1="{x:.3f}%" x2="{x:.3f}%" y1="{AXIS_HEIGHT - 4}" y2="{height}"/>')
            band_px = px_per_day * (band_end - max(month, first)).days
            # A month cut short by the segment's ends is named only if its name fits in it.
            wide_enough = (month >= first and band_end == _next_month(month)) or band_px >= 50
            if (month.month - 1) % step == 0 and wide_enough:
                text = f"{month:%Y}" if step == 12 else f"{month:%b %Y}" if not named or month.month == 1 else f"{month:%b}"
                months.append((x, text))
                named = True
            month = _next_month(month)
        if px_per_day >= 2.5:
            day = first + timedelta(days=(7 - first.weekday()) % 7)
            while day < end:
                x = position(segments, _day(day))
                out.append(f'<line class="tick" x1="{x:.3f}%" x2="{x:.3f}%" y1="{AXIS_HEIGHT - 6}" y2="{AXIS_HEIGHT - 1}"/>')
                days.append((x, str(day.day)))
                day += timedelta(days=7)
    out.extend(_labels(months, 14, "month", room_px=58))
    out.extend(_labels(days, AXIS_HEIGHT - 9, "day", room_px=20))
    return out


def _labels(labels: list[tuple[float, str]], y: int, kind: str, room_px: float) -> list[str]:
    """Axis labels, left out where they would overlap at the narrowest width."""
    out, last = [], -math.inf
    for x, text in labels:
        if (x - last) * MIN_WIDTH / 100 < room_px or x > 100 - room_px * 100 / MIN_WIDTH / 2:
            continue
        anchor = "start" if kind == "month" else "middle"
        offset = 0.4 if kind == "month" else 0
        out.append(f'<text class="axis-{kind}" x="{x + offset:.3f}%" y="{y}" text-anchor="{anchor}">{escape(text)}</text>')
        last = x
    return out


def _lanes(spans: list[tuple[int, int]]) -> list[int]:
    """Pack events into as few lanes as possible (greedy, by start day)."""
    ends: list[int] = []
    lanes = []
    for first, end in spans:
        for lane, lane_end in enumerate(ends):
            if lane_end <= first:
                ends[lane] = end
                lanes.append(lane)
                break
        else:
            ends.append(end)
            lanes.append(len(ends) - 1)
    return lanes


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _day(day: date) -> int:
    return (day - EPOCH).days


HOWTO = """<footer>
<h2>How to subscribe</h2>
<ul>
<li><strong>Apple Calendar</strong> (Mac, iPhone, iPad) and <strong>Outlook</strong> for Windows: the first button of a calendar opens the app. Or, in Apple Calendar, File → New Calendar Subscription and paste the feed address; in Outlook, Add calendar → From Internet.</li>
<li><strong>Google Calendar</strong>: the Google Calendar button, or on calendar.google.com, Settings → Add calendar → From URL and paste the feed address. Google refreshes subscribed calendars on its own schedule, every few hours to a day.</li>
<li><strong>Outlook.com</strong> and <strong>Microsoft 365</strong>: the buttons open Add calendar → Subscribe from web with the address filled in.</li>
<li><strong>Thunderbird</strong>: New Calendar → On the Network, paste the feed address.</li>
</ul>
<p>A subscribed calendar follows this page: edited dates change in place, removed ones disappear. A downloaded file is a copy that does not change.</p>
</footer>"""
