"""Sources and settings to a site: every output path and its bytes, and what changed.

The one pipeline of keydates: `build` writes what this returns and `serve`
holds it in memory, so for the same sources, lock files and settings both
publish the same bytes under the same stamps. Pure: the files are read by
the caller and the clock comes in `Settings.now`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from keydates import atom, page, site, stamps
from keydates.load import FolderState, Source
from keydates.model import Stamp, Timeline
from keydates.site import Published
from keydates.stamps import LockUpdate, Plan
from keydates.validate import validate

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


@dataclass(frozen=True)
class Site:
    """A compiled site: its files by path, and what they were made from."""

    timeline: Timeline
    published: list[Published]  # the feeds, one per calendar, then all.ics
    plan: Plan  # stamps by UID, the lock files' new texts, what changed
    files: dict[str, bytes | list[bytes]]  # a list: pieces to write one after another

    @property
    def stamps(self) -> dict[str, Stamp]:
        return self.plan.stamps

    @property
    def stale_locks(self) -> list[LockUpdate]:
        """The lock files whose text must change."""
        return [update for update in self.plan.locks if update.stale]

    @property
    def warnings(self):
        return self.timeline.warnings + self.plan.warnings

    @property
    def tag_feeds(self) -> int:
        return sum(len(item.tags) for item in self.published)


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
    timeline = validate(sources)
    planned = stamps.plan(timeline.calendars, folders, settings.now)
    published = site.publish(timeline.calendars, planned.stamps)
    with progress(timeline.event_count) as advance:
        files: dict[str, bytes | list[bytes]] = site.feed_parts(published, planned.stamps, advance)
    files[site.PAGE] = page.render(published, settings.base_url)
    newest = max((item.modified for item in published if item.modified), default=None)
    files[site.CHANGES] = atom.render(planned.entries, site.site_title(published), settings.base_url, newest)
    return Site(timeline, published, planned, files)
