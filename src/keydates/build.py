"""Write a compiled site: the only module that writes files.

Every input is checked and every output rendered before the first byte is
written, and each file is replaced atomically, so a broken edit never
replaces a good published feed.
"""

from __future__ import annotations

import gc
import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from keydates.compile import Progress, Settings, Site, compile_site, lock_paths, no_progress
from keydates.errors import InputError, KeydatesError
from keydates.load import read_locks, read_sources

log = logging.getLogger(__name__)

DEFAULT_OUTPUT = Path("dist")


def build(
    paths, out_dir: Path = DEFAULT_OUTPUT, *, settings: Settings, frozen: bool = False,
    progress: Progress = no_progress,
) -> Site:
    """Compile event files and write out_dir/<calendar>.ics, all.ics, per-tag feeds and index.html.

    With `frozen`, fail instead of changing a lock file.
    """
    try:
        with _without_cycle_collector():
            sources = read_sources(paths)
            compiled = compile_site(sources, read_locks(lock_paths(sources)), settings, progress)
    except InputError as e:
        raise InputError(e.problems, writes=True) from None
    stale = compiled.stale_locks
    if frozen and stale:
        lines = [f"{u.path}: out of date ({', '.join(u.changed)} changed); run 'keydates build' without --frozen and commit the lock file" for u in stale]
        raise KeydatesError("\n".join(lines))
    write_files({out_dir / name: data for name, data in compiled.files.items()}, out_dir)
    write_files({u.path: u.new.encode("utf-8") for u in stale})
    return compiled


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
    try:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        staged = []
        try:
            for path, content in contents.items():
                data = content if isinstance(content, bytes) else b"".join(content)
                if _same_content(path, data):
                    continue  # unchanged: keep its mtime for HTTP caches
                path.parent.mkdir(parents=True, exist_ok=True)  # tag feeds live in subfolders
                handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
                staged.append((temp, path))
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                os.chmod(temp, 0o644)  # mkstemp makes it private; feeds are public
        except BaseException:
            for temp, _ in staged:
                os.unlink(temp)
            raise
        for temp, path in staged:
            os.replace(temp, path)
            log.debug("wrote %s", path)
    except OSError as e:
        where = e.filename or folder
        raise KeydatesError(f"{where}: cannot write: {e.strerror or e}") from None
