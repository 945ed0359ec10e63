"""Load, validate, compile and write: the only module that writes files.

Every input is checked and every output rendered before the first byte is
written, and each file is replaced atomically, so a broken edit never
replaces a good published feed.
"""

from __future__ import annotations

import gc
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from keydates import lock, page, site
from keydates.errors import KeydatesError, Problem
from keydates.load import read_sources
from keydates.model import Calendar, Feed, combined_feed
from keydates.validate import validate

log = logging.getLogger(__name__)

DEFAULT_OUTPUT = Path("dist")


@dataclass(frozen=True)
class Timeline:
    """Validated calendars and the warnings found on the way."""

    calendars: list[Calendar]
    warnings: list[Problem]

    def feeds(self) -> list[Feed]:
        """One feed per calendar, then all.ics."""
        return [c.feed() for c in self.calendars] + [combined_feed(self.calendars)]


@dataclass(frozen=True)
class BuildResult:
    timeline: Timeline
    written: list[tuple[Feed, Path]]
    lock_updates: list[lock.LockUpdate]
    page: Path | None = None
    tag_feeds: int = 0


def load_timeline(paths) -> Timeline:
    """Read and validate event files; raise InputError listing every problem."""
    calendars, warnings = validate(read_sources([Path(p) for p in paths]))
    return Timeline(calendars, warnings)


Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]


@contextmanager
def no_progress(total: int) -> Iterator[Callable[[int], None]]:
    """The default Progress: given the number of events to render, report nothing."""
    yield lambda done: None


def build(
    paths, out_dir: Path = DEFAULT_OUTPUT, *, frozen: bool = False, now: datetime | None = None,
    base_url: str | None = None, progress: Progress = no_progress,
) -> BuildResult:
    """Compile event files to out_dir/<calendar>.ics, all.ics, per-tag feeds and index.html.

    `progress(total)` is entered before rendering, with the number of events
    to render; what it yields is called with the number of each batch done.
    """
    with _without_cycle_collector():
        return _build(paths, out_dir, frozen, now, base_url, progress)


@contextmanager
def _without_cycle_collector():
    """Pause Python's cycle collector while a build runs.

    A build allocates millions of objects (TOML tables, events, lines) that
    form no reference cycles; the collector kept rescanning them and took a
    fifth of a 100,000-event build. Reference counting still frees memory.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(paths, out_dir: Path, frozen: bool, now: datetime | None, base_url: str | None, progress: Progress) -> BuildResult:
    base_url = site.check_base_url(base_url)
    timeline = load_timeline(paths)
    stamps, lock_updates = lock.plan(timeline.calendars, now or lock.now_utc())
    stale = [update for update in lock_updates if update.old != update.new]
    if frozen and stale:
        lines = [f"{u.path}: out of date ({', '.join(u.changed)} changed); run 'keydates build' without --frozen and commit the lock file" for u in stale]
        raise KeydatesError("\n".join(lines))
    published = site.publish(timeline.calendars, stamps)
    with progress(sum(len(c.events) for c in timeline.calendars)) as advance:
        files: dict[str, bytes | list[bytes]] = site.feed_parts(published, stamps, advance)
    files[site.PAGE] = page.render(published, base_url)
    write_files({out_dir / name: data for name, data in files.items()}, out_dir)
    write_files({u.path: u.new.encode("utf-8") for u in stale})
    written = [(item.feed, out_dir / item.path) for item in published]
    tag_feeds = sum(len(item.tags) for item in published)
    return BuildResult(timeline, written, stale, out_dir / site.PAGE, tag_feeds)


def _same_content(path: Path, data: bytes) -> bool:
    """Whether the file holds exactly `data`, read in pieces (feeds can be large)."""
    if not path.is_file() or path.stat().st_size != len(data):
        return False
    view, offset = memoryview(data), 0
    with path.open("rb") as file:
        while piece := file.read(1 << 20):
            if view[offset : offset + len(piece)] != piece:
                return False
            offset += len(piece)
    return offset == len(data)


def write_files(contents: dict[Path, bytes | list[bytes]], folder: Path | None = None) -> None:
    """Write every file atomically, or none: all temporary files first, then renames.

    A file's content may be a list of byte strings: it is joined only while
    that one file is compared and written.
    """
    made: list[Path] = []  # folders made here, removed again if writing fails
    try:
        if folder is not None:
            _make_folder(folder, made)
        staged = []
        try:
            for path, content in contents.items():
                data = content if isinstance(content, bytes) else b"".join(content)
                if _same_content(path, data):
                    continue  # unchanged: keep its mtime for HTTP caches
                _make_folder(path.parent, made)  # tag feeds live in subfolders
                handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
                staged.append((temp, path))
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                os.chmod(temp, 0o644)  # mkstemp makes it private; feeds are public
        except BaseException:
            for temp, _ in staged:
                os.unlink(temp)
            for made_folder in reversed(made):
                made_folder.rmdir()
            raise
        for temp, path in staged:
            os.replace(temp, path)
            log.debug("wrote %s", path)
    except OSError as e:
        where = e.filename or folder
        raise KeydatesError(f"{where}: cannot write: {e.strerror or e}") from None


def _make_folder(folder: Path, made: list[Path]) -> None:
    """mkdir -p, noting in `made` each folder it made (parents first)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir()
        made.append(new)
