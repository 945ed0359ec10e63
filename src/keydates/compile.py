"""Sources and settings to a site: every output path and its bytes, and what changed.

The one pipeline of keydates: `build` writes what this returns and `serve`
holds it in memory, so for the same sources, lock files and settings both
publish the same bytes under the same stamps. Pure: the files are read by
the caller and the clock comes in `Settings.now`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote

from keydates import atom, listing, page, site, stamps
from keydates.describe import language
from keydates.load import FolderState, Source
from keydates.model import Calendar, Stamp, Timeline
from keydates.site import Published
from keydates.stamps import LockUpdate, Plan
from keydates.validate import validate
from keydates.when import shift

Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]


@contextmanager
def no_progress(total: int) -> Iterator[Callable[[int], None]]:
    """The default Progress: given the number of events to render, report nothing."""
    yield lambda done: None


@dataclass(frozen=True)
class Settings:
    """What decides the output besides the sources and the lock files."""

    now: datetime  # the time given to new or changed events
    base_url: str | None = None  # where the site is published, for the page's links
    title: str = ""  # the page's title; default: the calendar's name, or "Key dates"
    language: str = "en"  # of the generated text (the site file's [site] language)

    @property
    def today(self) -> date:
        """The day rolling windows are counted from, and repeating events list their next dates from: `now` in UTC."""
        return self.now.astimezone(timezone.utc).date()


@dataclass(frozen=True)
class Site:
    """A compiled site: its files by path, and what they were made from."""

    timeline: Timeline
    published: list[Published]  # the feeds, one per calendar, then all.ics
    plan: Plan  # stamps by UID, the lock files' new texts, what changed
    files: dict[str, bytes | list[bytes]]  # a list: pieces to write one after another
    limits: list = field(default_factory=list)  # warnings: feeds past what clients read (site.client_limits)

    @property
    def stamps(self) -> dict[str, Stamp]:
        return self.plan.stamps

    @property
    def stale_locks(self) -> list[LockUpdate]:
        """The lock files whose text must change."""
        return [update for update in self.plan.locks if update.stale]

    @property
    def warnings(self):
        return self.timeline.warnings + self.plan.warnings + self.limits

    @property
    def tag_feeds(self) -> int:
        return sum(len(item.tags) for item in self.published)


def page_language(timeline: Timeline, settings: Settings) -> str:
    """The page speaks its calendars' language when they share one, else the site's."""
    languages = {calendar.language for calendar in timeline.calendars}
    return languages.pop() if len(languages) == 1 else settings.language


def compile_site(
    sources: list[Source], folders: Mapping[Path, FolderState], settings: Settings, progress: Progress = no_progress
) -> Site:
    """Validate, stamp and render every feed, tag feed and the page.

    `folders` holds the state of each folder the sources come from (its
    lock texts, load.read_folders). Raises InputError listing every problem
    of the input.
    `progress(total)` is entered before rendering, with the number of events
    to render; what it yields is called with the number of each batch done.
    """
    timeline = validate(sources, settings.language)
    planned = stamps.plan(timeline.calendars, folders, settings.now)
    with progress(timeline.event_count) as advance:
        published, files = render_site(timeline, planned.stamps, settings, advance, planned.removals)
    limits = site.client_limits(timeline.calendars, published, files, google_addresses(published, settings.base_url, files, extra=other_languages(timeline)))
    newest = max((item.modified for item in published if item.modified), default=None)
    home = language(page_language(timeline, settings))
    anchors, sections = page.change_anchors(published)
    files[site.CHANGES] = atom.render(
        planned.entries, settings.title or site.site_title(published), settings.base_url, newest, home, anchors=anchors, sections=sections
    )
    return Site(timeline, published, planned, files, limits)


def other_languages(timeline: Timeline) -> list[str]:
    """The languages calendars offer besides their own: each gets a folder of its own."""
    return sorted({tag for calendar in timeline.calendars for tag in calendar.languages[1:]})


def page_editions(timeline: Timeline, settings: Settings) -> list[tuple[str, str]]:
    """The site's pages by language, (tag, folder): index.html first, then de/index.html..."""
    home = page_language(timeline, settings)
    return [(home, "")] + [(tag, f"{tag}/") for tag in other_languages(timeline) if tag != home]


def rolling_windows(calendars: list[Calendar], today: date) -> dict[str, site.Days]:
    """The days each calendar's [calendar] window covers, by calendar id: `past` before `today` to `future` after it."""
    return {
        calendar.id: (
            shift(today, calendar.rolling.past, -1) if calendar.rolling.past else None,
            shift(today, calendar.rolling.future, 1) if calendar.rolling.future else None,
        )
        for calendar in calendars if calendar.rolling
    }  # fmt: skip


def render_site(
    timeline: Timeline, stamps: Mapping[str, Stamp], settings: Settings, advance: Callable[[int], None] | None = None,
    removals: Mapping[str, datetime] | None = None,
) -> tuple[list[Published], dict[str, bytes | list[bytes]]]:
    """The published feeds and every file: feeds, tag feeds, per-event files, pages.

    A calendar with text in other languages is published again in each,
    under `<language>/` with the same layout (de/<id>.ics, de/<id>/<tag>.ics,
    de/index.html...) and the same UIDs, so switching language updates
    events rather than duplicating them. Those folders hold the calendars
    that offer that language. `removals`: the newest removal by calendar
    id (Plan.removals), for the page's "Last update".
    A calendar with a rolling window publishes (feed, tag feeds, JSON,
    the page's section) only the events touching it, counted from
    `settings.today`; all.ics keeps them all. Stamps come from every
    event, so leaving the window changes no SEQUENCE and leaves no tombstone.
    """
    windows = rolling_windows(timeline.calendars, settings.today)
    published = site.publish(timeline.calendars, stamps, removals, windows)
    files: dict[str, bytes | list[bytes]] = dict(site.feed_parts(published, stamps, advance))
    home = page_language(timeline, settings)
    editions = page_editions(timeline, settings)
    extra = [tag for tag, _ in editions[1:]]
    today = settings.today  # repeating events list their dates from it
    files[site.PAGE] = page.render(published, settings.base_url, home, editions, "", _versions(files), settings.title, today)
    for calendar in timeline.calendars:
        files[f"{calendar.id}.json"] = listing.calendar_json(site.within(calendar, windows.get(calendar.id)), windows.get(calendar.id))
    for item in published[:-1]:  # the calendars; all.ics, last, has no embeddable view
        files[page.embed_path(item.feed.id)] = page.render_embed(item, home, today)
    for tag in extra:
        calendars = [calendar.in_language(tag) for calendar in timeline.calendars if tag in calendar.languages]
        edition = site.publish(calendars, stamps, removals, windows)
        for calendar in calendars:
            files[f"{tag}/{calendar.id}.json"] = listing.calendar_json(site.within(calendar, windows.get(calendar.id)), windows.get(calendar.id))
        for item in edition[:-1]:
            files[f"{tag}/{page.embed_path(item.feed.id)}"] = page.render_embed(item, tag, today)
        parts = site.feed_parts(edition, stamps)
        for path, data in parts.items():
            files[f"{tag}/{path}"] = data
        base = settings.base_url + f"{tag}/" if settings.base_url else None
        files[f"{tag}/{site.PAGE}"] = page.render(edition, base, tag, editions, f"{tag}/", _versions(parts), settings.title, today)
    return published, files


def google_addresses(published: list[Published], base_url: str | None, files: Mapping[str, bytes | list[bytes]], extra: list[str] = ()) -> list[tuple[str, str, str, str]]:
    """(feed id, path, address, tag) of every feed with a known address, as the page's Google link gives it (with ?v=)."""
    versions = _versions(files)
    result = []
    for folder in ["", *(f"{tag}/" for tag in extra)]:
        base = base_url + folder if base_url else None
        for item in published:
            # Other languages' feeds are under the base URL only (their calendars have no url of their own).
            url = page.feed_url(item, base) if not folder else (base + quote(item.path) if base else None)
            if url and folder + item.path in files:
                result.append((item.feed.id, folder + item.path, page.webcal(f"{url}?v={versions[folder + item.path]}"), ""))
            for tag in item.tags if base else ():
                if folder + tag.path in files:
                    result.append((item.feed.id, folder + tag.path, page.webcal(f"{base}{quote(tag.path)}?v={versions[folder + tag.path]}"), tag.tag))
    return result


def _versions(files: Mapping[str, bytes | list[bytes]]) -> dict[str, str]:
    """A short hash of each feed's bytes, for the page's `?v=` (Google caches feeds per URL)."""
    result = {}
    for path, data in files.items():
        if path.endswith(".ics") and "/event/" not in path:
            digest = hashlib.sha256()
            for piece in [data] if isinstance(data, bytes) else data:
                digest.update(piece)
            result[path] = digest.hexdigest()[:12]
    return result
