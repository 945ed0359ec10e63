"""The published site: which feeds exist, where they live, and their bytes.

`keydates build` writes these files and `keydates serve` answers with them,
so one set of links works on a static host and on the server:

    <calendar-id>.ics          one calendar
    all.ics                    every calendar
    <feed-id>/<tag>.ics        only the events of one tag (feed-id: a calendar, or all)
    <calendar-id>/event/<event-id>.ics   one event, to import once (the page's download);
                               a folder, never a file name ending in .ics, so no tag collides
    <calendar-id>/embed.html   its timeline alone, for frames on other sites (page.py)
    index.html                 the subscribe page (page.py)

Pure: nothing here reads files or the clock.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

from keydates import schema
from keydates.errors import InputError, KeydatesError, Problem, plural
from keydates.ical import assemble, event_file, render_events
from keydates.model import Calendar, Entry, Event, Feed, Stamp, combined_feed
from keydates.recurrence import may_touch

Days = tuple[date | None, date | None]  # first and last day, inclusive; None: no bound

PAGE = "index.html"
CHANGES = "changes.atom"
PAGE_LIMIT = 1000  # events listed on the page per feed, each with its own .ics; the feed has them all
# Bytes of a tag feed's file name before ".ics": file systems stop at 255,
# and a percent-encoded CJK character takes 9.
TAG_NAME_LIMIT = 100
TAG_HASH_LENGTH = 12


@dataclass(frozen=True)
class TagFeed:
    """The feed of one tag's events, offered on the page."""

    tag: str
    path: str
    count: int


@dataclass(frozen=True)
class Published:
    """One feed as published: its file, its own address if it has one, its tag feeds."""

    feed: Feed
    path: str
    own_url: str = ""  # [calendar] url: where the calendar says it is published
    tags: tuple[TagFeed, ...] = ()
    modified: datetime | None = None  # newest LAST-MODIFIED of its events, or removal of one
    same_as: str = ""  # all.ics of a single calendar: that calendar's name
    window: Days | None = None  # the days its rolling window kept events from ([calendar] window)
    dropped: int = 0  # events the window left out (all.ics has them)

    @property
    def uids(self) -> list[str]:
        return [entry.uid for entry in self.feed.entries]


def site_title(published: list[Published]) -> str:
    """The site's title: its calendar's name, or 'Key dates' for several."""
    calendars = [item for item in published if item.feed.id != "all"]
    return calendars[0].feed.name if len(calendars) == 1 else "Key dates"


def check_base_url(text: str | None) -> str | None:
    """The public address the site is published at, ending in '/'; None if not given."""
    if not text:
        return None
    try:
        return schema.base_url(text)
    except schema.Invalid as e:
        raise KeydatesError(f"--base-url: {e}") from None


def tag_path(feed_id: str, tag: str) -> str:
    """The file of one tag's feed; any tag becomes one safe file name.

    The tag percent-encoded; if that is longer than TAG_NAME_LIMIT bytes,
    its readable start and a hash of the whole tag, the same on every build.
    """
    return f"{feed_id}/{tag_file_name(tag)}.ics"


def tag_file_name(tag: str) -> str:
    """A tag as a file name, without extension: at most TAG_NAME_LIMIT bytes."""
    name = quote(tag, safe="")
    if len(name) <= TAG_NAME_LIMIT:
        return name
    digest = hashlib.sha256(tag.encode("utf-8")).hexdigest()[:TAG_HASH_LENGTH]
    budget, prefix = TAG_NAME_LIMIT - TAG_HASH_LENGTH - 1, ""
    for char in tag:  # whole characters, never part of one's escapes
        piece = quote(char, safe="")
        if len(prefix) + len(piece) > budget:
            break
        prefix += piece
    return f"{prefix}-{digest}"


def event_path(calendar_id: str, event_id: str) -> str:
    """The file of one event alone (event ids are plain words: no quoting needed)."""
    return f"{calendar_id}/event/{event_id}.ics"


def page_entries(entries) -> list[Entry]:
    """The entries the page lists: the first PAGE_LIMIT in order (as sorting and slicing would)."""
    return heapq.nsmallest(PAGE_LIMIT, entries, key=lambda e: e.order)


def filter_feed(feed: Feed, tags: Iterable[str]) -> Feed:
    """Only the events carrying any of `tags`; same UIDs, so subscribers see the same events."""
    wanted = set(tags)
    entries = tuple(entry for entry in feed.entries if not wanted.isdisjoint(entry.event.tags))
    return _part(feed, wanted, entries)


def _part(feed: Feed, tags: Iterable[str], entries: tuple[Entry, ...]) -> Feed:
    """The feed of `entries`, the events of `feed` carrying any of `tags`."""
    wanted = sorted(set(tags))
    label = "tag" if len(wanted) == 1 else "tags"
    name = f"{feed.name} ({label}: {', '.join(wanted)})"
    description = f"Only the events tagged {' or '.join(wanted)}." + (f" {feed.description}" if feed.description else "")
    # No SOURCE: the whole calendar's address would be wrong for a part of it.
    return replace(feed, name=name, description=description, url="", entries=entries)


def within(calendar: Calendar, days: Days | None) -> Calendar:
    """The calendar as its own feed publishes it: only the events its rolling window keeps (all of them if None)."""
    if days is None:
        return calendar
    return replace(calendar, events=tuple(event for event in calendar.events if may_touch(event, *days)))


def publish(
    calendars: list[Calendar], stamps: Mapping[str, Stamp], removals: Mapping[str, datetime] | None = None,
    windows: Mapping[str, Days] | None = None,
) -> list[Published]:
    """Every feed of the site: one per calendar, then all.

    `removals`: the newest removal time of an event by calendar id (the
    lock's tombstones), so that a deletion counts as the feed's last change.
    `windows`: the days each calendar's rolling window covers, by calendar
    id; its feed keeps the events touching them, all.ics every event. The
    window is applied here, after stamping: an event leaving it keeps its
    stamp, gets no tombstone, and stays the same event in all.ics.
    Raises InputError when the tag feeds would be out of proportion to the
    events (see check_output_size).
    """
    removals, windows = removals or {}, windows or {}
    result = []
    for calendar in calendars:
        feed, days = calendar.feed(), windows.get(calendar.id)
        if days is not None:
            feed = replace(feed, entries=tuple(entry for entry in feed.entries if may_touch(entry.event, *days)))
        item = _published(feed, stamps, calendar.url, calendar.feed_tags, removed=removals.get(calendar.id))
        result.append(replace(item, window=days, dropped=len(calendar.events) - len(feed.entries)) if days is not None else item)
    combined = combined_feed(calendars)
    # all.ics changes when any calendar's event goes, that of a calendar whose file is gone too.
    everywhere = max(removals.values(), default=None)
    if len(calendars) == 1 and result[0].dropped:
        # all.ics is the calendar's whole history: listed on its own, still without tag feeds of its own.
        result.append(_published(combined, stamps, allowed=set(), removed=everywhere))
    elif len(calendars) == 1:
        # all.ics is the same calendar again: no tag feeds of its own.
        modified = _newest(result[0].modified, everywhere)
        result.append(Published(combined, f"{combined.id}.ics", modified=modified, same_as=calendars[0].name))
    else:
        chosen = None if all(c.feed_tags is None for c in calendars) else {t for c in calendars for t in (c.feed_tags or ())}
        result.append(_published(combined, stamps, allowed=chosen, removed=everywhere))
    check_output_size(calendars, result)
    return result


# Tag feeds copy events: a file where every event carries every tag would
# make a feed per tag holding every event, events x tags copies (400 x 400
# took 508 MB). The copies are kept in proportion to the events.
COPIES_PER_EVENT = 10
COPIES_FLOOR = 10_000  # small calendars may tag freely
MAX_TAG_FEEDS = 1_000


def check_output_size(calendars: list[Calendar], published: list[Published]) -> None:
    """Refuse, before anything is written, tag feeds out of proportion to the events."""
    events = sum(len(c.events) for c in calendars)
    copies = sum(tag.count for item in published for tag in item.tags)
    feeds = sum(len(item.tags) for item in published)
    limit = max(COPIES_FLOOR, COPIES_PER_EVENT * events)
    if copies <= limit and feeds <= MAX_TAG_FEEDS:
        return
    worst = max((item for item in published if item.feed.id != "all"), key=lambda item: sum(t.count for t in item.tags), default=None)
    calendar = next((c for c in calendars if worst is not None and c.id == worst.feed.id), calendars[0])
    message = (
        f"{len(worst.tags) if worst else feeds:,} tags would make {feeds:,} tag feeds holding {copies:,} copies of events, "
        f"more than keydates writes ({MAX_TAG_FEEDS:,} feeds, and {COPIES_PER_EVENT} copies per event or {COPIES_FLOOR:,}); "
        "name the tags that deserve a feed of their own in [calendar] feeds = [\"...\"] (feeds = [] for none)"
    )
    raise InputError([Problem(calendar.path, message, field="[calendar] feeds")])


def _newest(*moments: datetime | None) -> datetime | None:
    return max((moment for moment in moments if moment is not None), default=None)


# What calendar clients are reported to take (docs/clients.md, "Limits"):
# Google Calendar stops reading a feed past about 1 MB or about 1,100 events
# (new subscribers silently miss the rest), and fails silently on a
# subscribe address longer than 256 characters.
FEED_BYTES = 1_000_000
FEED_EVENTS = 1_000
URL_LENGTH = 256


def client_limits(
    calendars: list[Calendar], published: list[Published], files: Mapping[str, bytes | list[bytes]],
    addresses: Iterable[tuple[str, str, str, str]] = (),
) -> list[Problem]:
    """Warnings for feeds past what clients are reported to read.

    `published`: the feeds as publish made them, each calendar's with only
    what its rolling window keeps. `files`: the site's files by path (feeds
    of other languages under de/...). `addresses`: (feed id, feed path, the
    address Google's subscribe link gives it with its ?v=, the tag of a tag
    feed or '') for each feed whose address is known.
    """
    problems = []
    where = {c.id: c.path for c in calendars} | {"all": calendars[0].path if len(calendars) == 1 else "all.ics"}
    rolling = {c.id: c.rolling for c in calendars}
    languages = sorted({tag for c in calendars for tag in c.languages[1:]})  # their feeds are de/<id>.ics...

    def size(path: str) -> int:
        data = files.get(path, b"")
        return len(data) if isinstance(data, bytes) else sum(map(len, data))

    def advice(feed_id: str) -> str:
        if feed_id == "all":  # of several calendars
            return "give the calendars rolling windows ([calendar] window; all.ics then counts what their feeds keep), or fewer events"
        if rolling.get(feed_id):
            return "split the calendar, or shorten its [calendar] window"
        return 'split the calendar, or keep a rolling window in its feed ([calendar] window = { past = "90d", future = "2y" }; all.ics keeps every event)'

    # VEVENTs: events plus changed occurrences.
    counts = {item.feed.id: sum(1 + len(e.event.overrides) for e in item.feed.entries) for item in published if item.feed.id != "all"}
    # all.ics of one calendar is that calendar again, or its whole history; of
    # several, every one's. The history that rolling windows leave out is
    # all.ics's purpose, not something to warn of: it counts what the
    # calendars' feeds hold, and its size is not checked.
    windowed = any(item.dropped for item in published)
    if len(calendars) > 1:
        counts["all"] = sum(counts.values()) if windowed else len(published[-1].feed.entries) + sum(len(e.event.overrides) for e in published[-1].feed.entries)
    for feed_id, count in counts.items():
        paths = [path for path in (f"{feed_id}.ics", *(f"{tag}/{feed_id}.ics" for tag in languages)) if path in files]
        largest = max(paths, key=size, default=None)
        if largest is not None and size(largest) > FEED_BYTES and not (feed_id == "all" and windowed):
            problems.append(Problem(where[feed_id], (
                f"feed {largest} is {size(largest) / 1e6:.1f} MB; Google Calendar is reported to stop reading a feed past about "
                f"{FEED_BYTES / 1e6:.0f} MB, so new subscribers may miss events: {advice(feed_id)}, or shorten descriptions"
            ), warning=True))  # fmt: skip
        if count > FEED_EVENTS:
            problems.append(Problem(where[feed_id], (
                f"feed {feed_id}.ics has {count:,} events; Google Calendar is reported to stop reading a feed past about "
                f"{FEED_EVENTS:,} events, so new subscribers may miss some: {advice(feed_id)}"
            ), warning=True))  # fmt: skip
    too_long: dict[Path | str, list[tuple[str, str, str]]] = {}
    for feed_id, path, address, tag in addresses:
        if len(address) > URL_LENGTH:
            too_long.setdefault(where.get(feed_id, path), []).append((path, address, tag))
    for owner, found in too_long.items():  # once per calendar: a long base URL makes every tag feed's too long
        path, address, tag = min(found, key=lambda item: len(item[1]))
        more = f" (and {plural(len(found) - 1, 'other feed')} of it)" if len(found) > 1 else ""
        advice = "a shorter address to publish at" + (", or shorter tags" if all(t for _, _, t in found) else "")
        problems.append(Problem(owner, (
            f"the subscribe address of {path}{more} is {len(address)} characters ({address[:50]}…); Google Calendar is "
            f"reported to fail silently on addresses longer than {URL_LENGTH}: choose {advice}"
        ), warning=True))  # fmt: skip
    return problems


def _published(feed: Feed, stamps: Mapping[str, Stamp], own_url: str = "", allowed=None, removed: datetime | None = None) -> Published:
    counts: dict[str, int] = {}
    for entry in feed.entries:
        for tag in entry.event.tags:
            counts[tag] = counts.get(tag, 0) + 1
    tags = tuple(TagFeed(tag, tag_path(feed.id, tag), counts[tag]) for tag in sorted(counts) if allowed is None or tag in allowed)
    modified = _newest(max((stamps[entry.uid].modified for entry in feed.entries), default=None), removed)
    return Published(feed, f"{feed.id}.ics", own_url, tags, modified)


def feed_parts(
    published: list[Published], stamps: Mapping[str, Stamp], advance: Callable[[int], None] | None = None
) -> dict[str, list[bytes]]:
    """Every feed and tag feed as a list of byte strings to write one after another.

    An event appears in several feeds (its calendar, all.ics, a feed per
    tag): it is rendered once and its bytes shared, so 100,000 events in 16
    feeds hold their 65 MB once rather than 300 MB of joined copies.
    `advance(n)` is told of the events rendered, for a progress bar.
    """
    # Every event is put in order and rendered once; each feed then takes its
    # events' bytes in that order in one pass. Sorting each of 16 feeds,
    # filtering a feed once per tag and looking up each event's bytes by UID
    # took over a second at 100,000 events.
    everything = list({entry.uid: entry for item in published for entry in item.feed.entries}.values())
    # Rendered in file order, then sorted: reading the events in the order
    # they were made (and sit in memory) renders them a tenth faster.
    pairs = sorted(zip(everything, render_events(everything, stamps, advance)), key=lambda pair: pair[0].order)
    ordered, rendered = [entry for entry, _ in pairs], [block for _, block in pairs]
    files: dict[str, list[bytes]] = {}
    # Each event the page lists, alone: same UID and SEQUENCE as in the feed,
    # so importing it and subscribing (or importing twice) update one event.
    shown = {entry.uid for item in published if not item.same_as and item.feed.id != "all" for entry in page_entries(item.feed.entries)}
    for entry, block in zip(ordered, rendered):
        if entry.uid in shown:
            files[event_path(entry.calendar_id, entry.event.id)] = event_file(block, entry.event)
    for item in published:
        if len(item.feed.entries) == len(ordered):  # UIDs are unique: it holds every event
            entries, blocks = ordered, rendered
        else:
            members = {entry.uid for entry in item.feed.entries}
            kept = [(entry, block) for entry, block in zip(ordered, rendered) if entry.uid in members]
            entries, blocks = [entry for entry, _ in kept], [block for _, block in kept]
        # One pass gathers the tag feeds and the events with a TZID (whose
        # VTIMEZONEs a feed needs): each look at an event is a cache miss.
        zoned: list[Event] = []
        by_tag: dict[str, tuple[list[Entry], list[bytes], list[Event]]] = {tag.tag: ([], [], []) for tag in item.tags}
        for entry, block in zip(entries, blocks):
            event = entry.event
            if event.timezone:
                zoned.append(event)
            for tag in event.tags:
                picked = by_tag.get(tag)
                if picked is not None:
                    picked[0].append(entry)
                    picked[1].append(block)
                    if event.timezone:
                        picked[2].append(event)
        files[item.path] = assemble(item.feed, blocks, zoned)
        for tag in item.tags:
            tag_entries, tag_blocks, tag_zoned = by_tag[tag.tag]
            tag_feed = _part(item.feed, [tag.tag], tuple(tag_entries))
            files[tag.path] = assemble(tag_feed, tag_blocks, tag_zoned)
    return files
