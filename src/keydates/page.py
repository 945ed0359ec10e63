"""The subscribe page: one self-contained HTML file with an SVG timeline per feed.

Pure and deterministic: the page is made from the feeds, the lock file's
stamps and the day it is built for (`today`, from Settings.now: a repeating
event lists its next dates from then), never from the clock. Where "today"
falls on each timeline is worked out by a few lines of script when the page
is viewed.

The timeline is drawn in percentages of its width, so it fills a phone or a
desktop screen while its text keeps its size. Long empty stretches between
clusters of events (a context event a year before the rest) are cut out of
the axis and shown as a break, so the busy weeks stay readable.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from bisect import bisect_right
from itertools import islice
from dataclasses import dataclass
import os
from functools import cache
from datetime import date, datetime, timedelta, timezone
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket
from markupsafe import Markup

from keydates.describe import Language, day_range, description, open_day_range, relation, language_name, language, month_name, moment_text, rule_text, short_day_range, when_text, window_label, window_phrase, year_text
from keydates.model import Entry, Event, last_day
from keydates.recurrence import occurrences, parse_rule, span_end
from keydates.site import CHANGES, PAGE, Published, event_path, page_entries

EPOCH = date(1970, 1, 1)  # day numbers as in JavaScript: Date.UTC(y, m, d) / 86400000
LABELLED_LIMIT = 60  # up to this many events, one labelled row each; beyond, packed lanes
MIN_WIDTH = 340  # px: the narrowest timeline (a phone); labels are thinned for it
MARGIN = 1.5  # % of the width left free at each end
BREAK = 4.0  # % of the width for a cut-out stretch of time
AXIS_HEIGHT = 36  # px above the first row: month and day labels
ROW = 34  # px per labelled row: title line, then the mark
LANE = 11  # px per packed lane
NEXT_DATES = 3  # a repeating event's dates listed from the day the page is built for
FINAL_SCAN = 10_000  # occurrences followed to find a rule's last one
MARKS_PER_EVENT = 50  # a repeating event's dates drawn on the timeline (and given in JSON-LD), at most
DRAWN_DAYS = 366  # a repeating event is drawn up to this many days past the page's day (or its first date, if later)

# The page's style and script, package files inlined into the page so that
# it stays one self-contained file; the Content-Security-Policy allows just
# these two blocks, by hash, and nothing else.
CSS = (files("keydates") / "static" / "page.css").read_text(encoding="utf-8").strip()
SCRIPT = (files("keydates") / "static" / "page.js").read_text(encoding="utf-8").strip()


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(meta: bool = False, framed: bool = False) -> str:
    """The page's CSP: its own style and script only, no fetches, no framing.

    `meta`: for the page's <meta> element, where frame-ancestors is not
    allowed (it only works as an HTTP header, which `serve` sends).
    `framed`: for embed.html, which other sites may show in a frame.
    """
    policy = [
        "default-src 'none'", f"style-src {_sha256(CSS)}", f"script-src {_sha256(SCRIPT)}",
        "img-src data:", "base-uri 'none'", "form-action 'none'",
    ]  # fmt: skip
    if not meta and not framed:
        policy.append("frame-ancestors 'none'")
    return "; ".join(policy)


GOOGLE = "https://calendar.google.com/calendar/r?cid={webcal}"
OUTLOOK_COM = "https://outlook.live.com/calendar/0/addfromweb?url={url}&name={name}"
MICROSOFT_365 = "https://outlook.office.com/calendar/0/addfromweb?url={url}&name={name}"


@dataclass(frozen=True)
class Link:
    client: str  # a stable key, for tests and styling; the template names the client
    href: str


def feed_url(item: Published, base_url: str | None) -> str | None:
    """The public address of a feed: its calendar's own url, else the base url and its path."""
    if item.own_url:
        return item.own_url
    return base_url + quote(item.path) if base_url else None


def webcal(url: str) -> str:
    """The webcal:// form of an http(s) URL (Apple Calendar, Outlook desktop)."""
    return "webcal://" + url.split("://", 1)[1]


def subscribe_links(url: str, name: str, version: str = "") -> list[Link]:
    """One-click subscribe links for a feed at `url`.

    Google caches a feed per URL, so its link carries `?v=<version>` (from
    the feed's bytes): a new version is a URL Google has not cached.
    """
    enc_url, enc_name = quote(url, safe=""), quote(name, safe="")
    versioned = f"{url}?v={version}" if version else url
    return [
        Link("webcal", webcal(url)),
        Link("google", GOOGLE.format(webcal=quote(webcal(versioned), safe=""))),
        Link("outlook-com", OUTLOOK_COM.format(url=enc_url, name=enc_name)),
        Link("microsoft-365", MICROSOFT_365.format(url=enc_url, name=enc_name)),
    ]


# Add one event: Google's event template and Outlook's compose deep link.
GOOGLE_ADD = "https://calendar.google.com/calendar/render?"
OUTLOOK_ADD = "https://outlook.live.com/calendar/0/deeplink/compose?"
DETAILS_LIMIT = 1500  # characters of details in an add link: long URLs fail in browsers and proxies


def add_links(entry: Entry, lang: Language) -> list[Link]:
    """'Add to Google Calendar' and 'Add to Outlook' for one event (its first occurrence).

    All-day events give days, Google's end exclusive as in iCalendar; timed
    events give UTC instants, so no zone can be misread.
    """
    event = entry.event
    details = description(event, lang)
    if len(details) > DETAILS_LIMIT:
        details = details[: DETAILS_LIMIT - 1] + "…"
    if event.all_day:
        dates = f"{event.start:%Y%m%d}/{event.end:%Y%m%d}"
        start, end = event.start.isoformat(), event.end.isoformat()
    else:
        first, last = (moment.astimezone(timezone.utc) for moment in (event.start, event.end))
        dates = f"{first:%Y%m%dT%H%M%SZ}/{last:%Y%m%dT%H%M%SZ}"
        start, end = f"{first:%Y-%m-%dT%H:%M:%SZ}", f"{last:%Y-%m-%dT%H:%M:%SZ}"
    google = {"action": "TEMPLATE", "text": event.title, "dates": dates, "details": details}
    outlook = {
        "path": "/calendar/action/compose", "rru": "addevent", "subject": event.title,
        "startdt": start, "enddt": end, "allday": "true" if event.all_day else "false", "body": details,
    }  # fmt: skip
    if event.location:
        google["location"] = outlook["location"] = event.location
    return [
        Link("add-google", GOOGLE_ADD + urlencode(google, quote_via=quote)),
        Link("add-outlook", OUTLOOK_ADD + urlencode(outlook, quote_via=quote)),
    ]


@cache
class _TemplateCache(FileSystemBytecodeCache):
    """Compiled templates kept between runs, and shared by the languages' environments.

    Compiling them took a quarter of building the default timeline. Jinja2
    keys each entry by the template's source checksum and the Python version,
    so a stale entry is never used; a cache that cannot be read or written is
    left alone (the templates are then compiled as before).
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def template_cache_folder() -> Path:
    """$XDG_CACHE_HOME/keydates/templates (default ~/.cache/...): safe to delete."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "keydates" / "templates"


@cache
def _bytecode_cache() -> _TemplateCache | None:
    folder = template_cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _TemplateCache(str(folder))


def _environment(tag: str) -> Environment:
    """The page's templates in one language, HTML-escaped unless marked safe."""
    environment = Environment(
        loader=PackageLoader("keydates", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, undefined=StrictUndefined, extensions=["jinja2.ext.i18n"],
        bytecode_cache=_bytecode_cache(),
    )  # fmt: skip
    environment.install_gettext_translations(language(tag).translations, newstyle=True)
    return environment


def render(
    published: list[Published], base_url: str | None = None, tag: str = "en",
    editions: list[tuple[str, str]] = (), folder: str = "", versions: dict[str, str] | None = None, title: str = "",
    today: date | None = None,
) -> bytes:
    """The whole page as UTF-8 bytes; links are relative to the page, subscribe links absolute.

    `tag`: the language of the page's own words and dates. `editions`: the
    site's pages by language, (tag, folder), offered when there are several;
    `folder` is this page's ('' or 'de/'). `versions`: a short hash of each
    feed's bytes by its path (relative to the page), for Google's link.
    `title`: the page's title (the site file's), else the calendar's name.
    `today`: the day the page is built for; a repeating event lists its
    next dates from it (from its first date if None).
    """
    versions = versions or {}
    lang = language(tag)
    up = "../" * folder.count("/")
    calendars = [item for item in published if item.feed.id != "all"]
    anchors = _anchors(calendars)
    context = {
        "lang": tag,
        "title": title or (calendars[0].feed.name if len(calendars) == 1 else None),
        "csp": content_security_policy(meta=True),
        "css": Markup(CSS),
        "script": Markup(SCRIPT),
        "missing": [item.path for item in published if feed_url(item, base_url) is None],
        "sections": [_section(item, index, base_url, lang, anchors, versions, today) for index, item in enumerate(published)],
        "client_names": CLIENT_NAMES,
        "changes": up + CHANGES,  # the Atom feed of changes (atom.py), one per site
        "editions": [
            {"tag": other, "name": language_name(other), "href": up + path + "index.html", "current": path == folder}
            for other, path in editions
        ] if len(editions) > 1 else [],
        "add_names": {"add-google": lang.gettext("Add to Google Calendar"), "add-outlook": lang.gettext("Add to Outlook")},
        "status_names": {"tentative": lang.gettext("tentative"), "cancelled": lang.gettext("cancelled")},
        "json_ld": json_ld(calendars, base_url, lang, anchors, today),
    }
    return _environment(tag).get_template("page.html").render(context).encode("utf-8")


EMBED = "embed.html"


def embed_path(calendar_id: str) -> str:
    """The embeddable timeline of one calendar: in its folder, beside its tag feeds (which end in .ics)."""
    return f"{calendar_id}/{EMBED}"


def render_embed(item: Published, tag: str = "en", today: date | None = None) -> bytes:
    """One calendar's timeline alone, for a frame on a blog or an IR site, as UTF-8 bytes.

    The same timeline as the page's (same templates, style and script);
    its links open the full page, one folder up, in a new tab. `today`:
    as for render, how far repeating events are drawn.
    """
    lang = language(tag)
    shown = page_entries(item.feed.entries)
    context = {
        "lang": tag, "name": item.feed.name, "feed_id": item.feed.id, "csp": content_security_policy(meta=True),
        "css": Markup(CSS), "script": Markup(SCRIPT), "page": f"../{PAGE}#{_anchor(item)}",
        "timeline_data": _timeline(shown, 0, lang, today) if shown else None, "shown": len(shown), "total": len(item.feed.entries),
    }  # fmt: skip
    return _environment(tag).get_template("embed.html").render(context).encode("utf-8")


# schema.org's EventStatusType by our status. A tentative event is scheduled
# as far as schema.org can say (its description says "expected"); postponed
# and rescheduled are not something an event file states.
SCHEMA_STATUS = {"confirmed": "EventScheduled", "tentative": "EventScheduled", "cancelled": "EventCancelled"}


def json_ld(calendars: list[Published], base_url: str | None, lang: Language, anchors: dict[str, str], today: date | None = None) -> Markup:
    """The page's events as schema.org Event JSON-LD, for search engines and scripts.

    One Event per event the page lists, once (the `all` section repeats
    them); a repeating event gives one Event per date the timeline draws
    (drawn_occurrences), which any rule can, unlike a schema.org Schedule
    (no BYSETPOS, no changed occurrences). All-day dates are ISO dates with
    the end inclusive: schema.org's endDate is the last day of the event (a
    Date is a day, not an instant), unlike iCalendar's exclusive DTEND.
    `url` is the event's anchor on this page: absolute when the page's
    address is known, else relative to it.
    """
    page_url = (base_url or "") + PAGE
    graph = []
    for item in calendars:
        if item.same_as:
            continue
        for entry in page_entries(item.feed.entries):
            event = entry.event
            url = f"{page_url}#{anchors[entry.uid]}"
            repeats = bool(event.repeat or event.additions)
            changed = {(o.start, o.end): o for o in event.overrides}
            for start, end in drawn_occurrences(event, today):
                override = changed.get((start, end))
                title = override.title if override and override.title else event.title
                status = override.status if override and override.status else event.status
                location = override.location if override and override.location else event.location
                thing = {
                    "@type": "Event", "@id": f"{url}@{start.isoformat()}" if repeats else url, "identifier": entry.uid,
                    "name": title, "startDate": start.isoformat(),
                    "endDate": (last_day(start, end) if event.all_day else end).isoformat(),
                    "eventStatus": f"https://schema.org/{SCHEMA_STATUS[status]}", "url": url, "inLanguage": lang.code,
                }  # fmt: skip
                text = description(event, lang)
                if text:
                    thing["description"] = text
                if location:
                    thing["location"] = {"@type": "Place", "name": location}
                graph.append(thing)
    document = {"@context": "https://schema.org", "@graph": graph}
    # Inside <script> only "</script" or "<!--" could end or change the block:
    # written as JSON escapes, they read the same to any JSON parser.
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


# The clients the subscribe buttons open, by Link.client: product names.
CLIENT_NAMES = {
    "webcal": "Apple Calendar / Outlook", "google": "Google Calendar",
    "outlook-com": "Outlook.com", "microsoft-365": "Microsoft 365",
}  # fmt: skip


def change_anchors(published: list[Published]) -> tuple[dict[str, str], dict[str, str]]:
    """The page's anchors the change feed links: each listed event's by UID, each calendar section's by calendar id."""
    calendars = [item for item in published if item.feed.id != "all"]
    anchors = _anchors(calendars)
    events = {entry.uid: anchors[entry.uid] for item in calendars for entry in page_entries(item.feed.entries)}
    return events, {item.feed.id: _anchor(item) for item in calendars}


def _anchor(item: Published) -> str:
    return f"feed-{item.feed.id}"


def _anchors(calendars: list[Published]) -> dict[str, str]:
    """Each event's anchor on the page, by UID: its id, or 'calendar:id' where
    two calendars use the same id."""
    counts: dict[str, int] = {}
    for item in calendars:
        for entry in item.feed.entries:
            counts[entry.event.id] = counts.get(entry.event.id, 0) + 1
    return {
        entry.uid: entry.event.id if counts[entry.event.id] == 1 else f"{entry.calendar_id}:{entry.event.id}"
        for item in calendars for entry in item.feed.entries
    }  # fmt: skip


def _section(
    item: Published, index: int, base_url: str | None, lang: Language, anchors: dict[str, str], versions: dict[str, str], today: date | None,
) -> dict:
    """What the template shows of one feed."""
    feed = item.feed
    entries = feed.entries
    url = feed_url(item, base_url)
    section = {
        "anchor": _anchor(item), "feed_id": feed.id, "name": feed.name, "description": feed.description, "color": feed.color,
        "same_as": item.same_as, "count": len(entries), "dates": None, "modified": None, "url": url,
        "links": subscribe_links(url, feed.name, versions.get(item.path, "")) if url else [], "download": quote(item.path),
        "events": [], "total": len(entries), "timeline": None, "tags": [],
        "window": open_day_range(*item.window, lang) if item.window is not None else None, "dropped": item.dropped,
    }  # fmt: skip
    if entries:
        # Over the dates the timeline draws: a repeating event's repeats too, as far as they are drawn.
        drawn = [span for e in entries for span in drawn_occurrences(e.event, today)]
        first = min(_first_day(start) for start, _ in drawn)
        last = max(last_day(start, end) for start, end in drawn)
        section["dates"] = day_range(first, last, lang)
    if item.modified:
        moment = item.modified.astimezone(timezone.utc)
        section["modified"] = {"iso": f"{moment:%Y-%m-%dT%H:%M:%SZ}", "text": moment_text(moment, lang)}
    if entries and not item.same_as:
        # Only the first PAGE_LIMIT in order (the same as sorting and slicing),
        # and only here: all.ics of a single calendar lists nothing.
        shown = page_entries(entries)
        section["timeline"] = _timeline(shown, index, lang, today)
        # Anchors and add links once per event: in its calendar's section, not again in all's.
        own = feed.id != "all"
        section["events"] = [_event_item(entry, lang, anchors.get(entry.uid) if own else None, today) for entry in shown]
    for tag in item.tags:
        links = []
        if base_url:
            links = subscribe_links(base_url + quote(tag.path), f"{feed.name} ({tag.tag})", versions.get(tag.path, ""))
        section["tags"].append({"tag": tag.tag, "count": tag.count, "links": links, "download": quote(tag.path)})
    return section


def next_dates(event: Event, today: date | None, limit: int = NEXT_DATES) -> list[tuple[date | datetime, date | datetime]]:
    """The first `limit` occurrences (start, end) not over before `today` (on their own clock); from the first if None."""
    found = []
    for start, end in occurrences(event):
        if today is None or last_day(start, end) >= today:
            found.append((start, end))
            if len(found) == limit:
                break
    return found


def drawn_occurrences(event: Event, today: date | None) -> list[tuple[date | datetime, date | datetime]]:
    """The occurrences (start, end) the page draws and gives search engines.

    A one-off event is its own; a repeating one's run from its first date up
    to DRAWN_DAYS past `today` (or past its first date, if later), at most
    MARKS_PER_EVENT: bounded by the horizon whether or not the rule ends.
    """
    if not event.repeat and not event.additions:
        return [(event.start, event.end)]
    horizon = max(event.first_day, today or event.first_day) + timedelta(days=DRAWN_DAYS)
    return list(islice(occurrences(event, horizon), MARKS_PER_EVENT)) or [(event.start, event.end)]


def _first_day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def final_end(event: Event) -> date | datetime | None:
    """The end of the event's last occurrence, after which the page's script dims it as past; None for a rule without end.

    A rule's occurrences are followed up to FINAL_SCAN; beyond, the bound
    worked out from its UNTIL or COUNT (recurrence.span_end) stands in.
    """
    if event.repeat and not {"UNTIL", "COUNT"} & parse_rule(event.repeat).parts.keys():
        return None
    ends = [end for _, end in islice(occurrences(event), FINAL_SCAN + 1)]
    if len(ends) <= FINAL_SCAN:
        return max(ends, key=lambda end: (end.astimezone(timezone.utc) if isinstance(end, datetime) else end))
    return span_end(event)


def _event_item(entry: Entry, lang: Language, anchor: str | None, today: date | None = None) -> dict:
    """What the template shows of one event in the list."""
    event = entry.event
    repeats = bool(event.repeat or event.additions)
    upcoming = [
        {"iso": start.isoformat(), "text": when_text(event, lang, start, end)} for start, end in next_dates(event, today)
    ] if repeats else []  # fmt: skip
    final = final_end(event)
    badge = ""
    if event.window and event.status == "tentative":
        badge = "window"
    elif event.status != "confirmed":
        badge = event.status
    return {
        "status": event.status, "uid": entry.uid, "last": _day(last_day(event.start, final) + timedelta(days=1)) if final is not None else None,
        "when": when_text(event, lang) + (f" ({relation(event.relative, lang)})" if event.relative and not event.window else ""), "repeats": repeats, "title": event.title, "badge": badge,
        "rule": rule_text(event, lang) if event.repeat else "", "next": upcoming,
        "description": event.description, "location": event.location, "tags": event.tags,
        "url": event.url, "host": urlsplit(event.url).hostname or event.url if event.url else "",
        "color": event.color, "conference": event.conference,
        "anchor": anchor, "add": add_links(entry, lang) if anchor else [],
        "ics": quote(event_path(entry.calendar_id, event.id)) if anchor else None,
    }  # fmt: skip


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


def _timeline(entries: list[Entry], index: int, lang: Language, today: date | None = None) -> dict:
    """The geometry of one feed's timeline picture, for timeline.html.

    One row (or lane) per event; a repeating event draws each of its dates
    drawn_occurrences gives in its row.
    """
    drawn = [drawn_occurrences(entry.event, today) for entry in entries]
    spans = [[(_day(_first_day(start)), _day(last_day(start, end)) + 1) for start, end in times] for times in drawn]
    every = [span for event_spans in spans for span in event_spans]
    segments = axis(every)
    labelled = len(entries) <= LABELLED_LIMIT
    low, high = min(a for a, _ in every), max(b for _, b in every)
    # Packed: a mark takes at least 3% of the range, so dots on nearby days don't overlap.
    least = math.ceil((high - low) * 0.03)
    extents = [(event_spans[0][0], max(b for _, b in event_spans)) for event_spans in spans]
    rows = list(range(len(entries))) if labelled else _lanes([(a, max(b, a + least)) for a, b in extents])
    row_height = ROW if labelled else LANE
    bottom = AXIS_HEIGHT + row_height * (max(rows) + 1)
    first, last = EPOCH + timedelta(days=low), EPOCH + timedelta(days=high - 1)
    picture = {
        "height": bottom + 18,  # room for the today label under the rows
        "count": len(entries), "dates": day_range(first, last, lang), "hatch": f"hatch-{index}",
        "axis": json.dumps([[s.first, s.end, round(s.x0, 3), round(s.x1, 3)] for s in segments], separators=(",", ":")),
        "row": ROW, "top": AXIS_HEIGHT - 4, "bottom": bottom, "grid_height": bottom - AXIS_HEIGHT + 4, "margin": f"{MARGIN:g}",
        "stripes": [AXIS_HEIGHT + row * ROW for row in range(0, len(entries), 2)] if labelled else [],
        "marks": [
            _mark(entry, segments, times, event_spans, AXIS_HEIGHT + row * row_height, labelled, lang)
            for entry, times, event_spans, row in zip(entries, drawn, spans, rows)
        ],
    }  # fmt: skip
    picture.update(_grid(segments, lang))
    return picture


def _mark(entry: Entry, segments, times, spans: list[tuple[int, int]], top: int, labelled: bool, lang: Language) -> dict:
    """One event's row: its label, and a dot (one day) or a bar (several, or a window) per date drawn."""
    event = entry.event
    first_start, first_end = spans[0]
    kind = "window" if event.window else "day" if first_end - first_start == 1 else "span"
    mark = {
        "kind": kind, "status": event.status, "uid": entry.uid, "repeats": len(times) > 1, "color": event.color,
        "tooltip": f"{event.title} · {when_text(event, lang)}", "label": _short(event, lang) if labelled else "", "label_y": top + 14,
        "shapes": [],
    }  # fmt: skip
    middle, size = (top + 24, 10) if labelled else (top + LANE / 2, 7)
    for (start, end), (first, after) in zip(times, spans):
        x0, x1 = position(segments, first), position(segments, after)
        shape = {"iso": start.isoformat(), "tooltip": f"{event.title} · {when_text(event, lang, start, end)}"}
        if after - first == 1 and not event.window:
            shape.update(circle=True, x=f"{(x0 + x1) / 2:.3f}", y=f"{middle:g}", r=f"{size / 2 + 0.5:g}")
        else:
            shape.update(circle=False, x=f"{x0:.3f}", y=f"{middle - size / 2:g}", width=f"{max(x1 - x0, 0.5):.3f}", height=size)
        mark["shapes"].append(shape)
    return mark


def _short(event: Event, lang: Language) -> str:
    """A timeline row's label: when, briefly, then the title."""
    when = window_label(event, lang) if event.window else short_day_range(event.first_day, event.last_day, lang)
    title = event.title if len(event.title) <= 60 else event.title[:59] + "…"
    return f"{when} · {title}"


def _grid(segments: list[Segment], lang: Language) -> dict:
    """Gridlines at month starts, month names, Monday day numbers where there is room, breaks."""
    cuts, gridlines, ticks = [], [], []
    months: list[tuple[float, str]] = []
    days: list[tuple[float, str]] = []
    for s in segments:
        if s.cut:
            cuts.append({"x": f"{s.x0:.3f}", "width": f"{s.x1 - s.x0:.3f}", "middle": f"{(s.x0 + s.x1) / 2:.3f}"})
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
                gridlines.append(f"{x:.3f}")
            band_px = px_per_day * (band_end - max(month, first)).days
            # A month cut short by the segment's ends is named only if its name fits in it.
            wide_enough = (month >= first and band_end == _next_month(month)) or band_px >= 50
            if (month.month - 1) % step == 0 and wide_enough:
                text = year_text(month, lang) if step == 12 else month_name(month, lang, year=not named or month.month == 1)
                months.append((x, text))
                named = True
            month = _next_month(month)
        if px_per_day >= 2.5:
            day = first + timedelta(days=(7 - first.weekday()) % 7)
            while day < end:
                x = position(segments, _day(day))
                ticks.append(f"{x:.3f}")
                days.append((x, str(day.day)))
                day += timedelta(days=7)
    # A break's "⋯" sits on the day numbers' line: no number beside it at the narrowest width.
    middles = [float(cut["middle"]) for cut in cuts]
    days = [(x, text) for x, text in days if all(abs(x - middle) * MIN_WIDTH / 100 >= 16 for middle in middles)]
    return {
        "cuts": cuts, "gridlines": gridlines, "ticks": ticks,
        "months": _labels(months, room_px=58, offset=0.4), "days": _labels(days, room_px=20),
    }  # fmt: skip


def _labels(labels: list[tuple[float, str]], room_px: float, offset: float = 0) -> list[dict]:
    """Axis labels, left out where they would overlap at the narrowest width."""
    out, last = [], -math.inf
    for x, text in labels:
        if (x - last) * MIN_WIDTH / 100 < room_px or x > 100 - room_px * 100 / MIN_WIDTH / 2:
            continue
        out.append({"x": f"{x + offset:.3f}", "text": text})
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
