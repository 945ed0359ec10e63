"""Write a compiled site: the only module that writes files.

Every input is checked and every output rendered before the first byte is
written, and each file is replaced atomically, so a broken edit never
replaces a good published feed. Crash safety (a SIGKILL or a full disk at any
moment):

- builds on one events folder take turns (an flock on the folder);
- the outputs are staged as temporary files first (a full disk stops the
  build before anything changes), then the lock files are written, then
  the outputs renamed into place: no feed is ever published under a
  SEQUENCE the lock does not record (the next build makes the same bytes);
- every file goes to a temporary file first, then is renamed into place, so
  each file is old or new, never torn; temporaries a killed build left are
  removed when the next build starts;
- `dist/.keydates-manifest.json` lists what the build wrote, so the next one
  removes outputs that are no longer made (a vanished tag or calendar), and
  never a file that keydates did not write.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from keydates.compile import Progress, Settings, Site, compile_site, no_progress
from keydates.errors import InputError, KeydatesError
from keydates.load import find_event_files, read_folders, read_sources
from keydates.stamps import LockUpdate

log = logging.getLogger(__name__)

DEFAULT_OUTPUT = Path("dist")
MANIFEST = ".keydates-manifest.json"
LOCK_WAIT = 600  # seconds to wait for another build of the same folder
TEMP_SUFFIX = ".keydates-tmp"
# Temporaries: ".NAME.RANDOM.keydates-tmp", and ".NAME.RANDOM.tmp" from before.
_TEMP_RE = re.compile(r"^\..+\.[a-z0-9_]{8}\.keydates-tmp$|^\..+\.(?:ics|html|lock|json|atom|served)\.[a-z0-9_]{8}\.tmp$")


@dataclass(frozen=True)
class Result:
    """What a build did."""

    site: Site
    removed: list[str] = field(default_factory=list)  # outputs of the last build no longer made
    foreign: list[str] = field(default_factory=list)  # such outputs left alone: changed since keydates wrote them
    notes: list[str] = field(default_factory=list)  # warnings about the writing itself


def build(
    paths, out_dir: Path = DEFAULT_OUTPUT, *, settings: Settings, frozen: bool = False,
    progress: Progress = no_progress, outside: bool = False, root: Path | None = None,
) -> Result:
    """Compile event files and write out_dir/<calendar>.ics, all.ics, per-tag feeds and index.html.

    With `frozen`, fail instead of changing a lock file. `root` is the
    project folder symlinked event files must stay inside, unless `outside`.
    """
    folders = sorted({path.parent for path in find_event_files(paths, outside=outside, root=root)})
    with folder_locks(folders):
        for folder in [*folders, out_dir]:
            remove_temporaries(folder)
        try:
            with _without_cycle_collector():
                sources = read_sources(paths, outside=outside, root=root)
                compiled = compile_site(sources, read_folders(sources), settings, progress)
        except InputError as e:
            raise InputError(e.problems, writes=True) from None
        stale = compiled.stale_locks
        if frozen and stale:
            raise KeydatesError("\n".join(_out_of_date(update) for update in stale))
        removed, foreign, notes = write_site(compiled.files, out_dir, before=lambda: write_locks(compiled.plan.locks))
    return Result(compiled, removed, foreign, notes)


def _out_of_date(update: LockUpdate) -> str:
    names = ", ".join(update.changed[:10]) + (f" and {len(update.changed) - 10} more" if len(update.changed) > 10 else "")
    what = f"{names} changed" if names else "its format or files changed"
    return f"{update.path}: out of date ({what}); run 'keydates build' without --frozen and commit the lock file"


@contextmanager
def folder_locks(folders: list[Path]) -> Iterator[None]:
    """Hold an exclusive flock on each folder (sorted, so two builds cannot deadlock).

    Linux locks a folder's own descriptor, so no lock file appears in it.
    """
    with ExitStack() as stack:
        for folder in sorted(set(folders)):
            stack.enter_context(_folder_lock(folder))
        yield


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise KeydatesError(f"{folder}: cannot open: {e.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("waiting for another keydates build or serve in %s to finish...", folder)
            deadline = time.monotonic() + LOCK_WAIT
            while True:
                time.sleep(0.05)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise KeydatesError(f"{folder}: another keydates process has held it for {LOCK_WAIT} s; is one stuck?") from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def remove_temporaries(folder: Path) -> None:
    """Remove temporary files a killed keydates process left in folder (and below, for outputs)."""
    if not folder.is_dir():
        return
    for root, _, names in os.walk(folder):
        for name in names:
            if _TEMP_RE.match(name):
                path = Path(root) / name
                try:
                    path.unlink()
                    log.info("removed %s, left by an interrupted build", path)
                except OSError:
                    pass


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


def write_locks(updates: list[LockUpdate]) -> None:
    """Write the lock files that changed (synced to disk), then drop served files they include."""
    write_files({u.path: u.new.encode("utf-8") for u in updates if u.stale}, sync=True)
    for update in updates:
        if update.served is not None:
            _unlink(update.served_path)


def write_served(update: LockUpdate) -> None:
    """Record what `keydates serve` publishes beyond the lock, beside it (never in it)."""
    if update.new == update.old:
        if update.served is not None:
            _unlink(update.served_path)
    elif update.new != update.served:
        write_files({update.served_path: update.new.encode("utf-8")}, sync=True)


def write_site(files: dict[str, bytes | list[bytes]], out_dir: Path, before=lambda: None) -> tuple[list[str], list[str], list[str]]:
    """Write the site's files into out_dir; remove the last build's outputs no longer made.

    `before()` runs once every output is staged and before any is put in
    place (build writes the lock files there). Returns (removed, left alone
    because someone changed them since keydates wrote them, notes).
    """
    old = _read_manifest(out_dir)
    # The intent (old and new outputs) goes in place first, so that a build
    # killed midway still lets the next one find every file it may have written.
    intent = {out_dir / MANIFEST: _manifest_text({**old, **{name: None for name in files}})}
    staged = stage_files({**intent, **{out_dir / name: data for name, data in files.items()}}, out_dir)
    try:
        before()
    except BaseException:
        discard(staged)
        raise
    commit(staged)
    removed, foreign = [], []
    for name, recorded in sorted(old.items()):
        if name in files:
            continue
        path = out_dir / name
        if not path.is_file():
            continue
        if recorded is not None and _signature(path) != recorded:
            foreign.append(name)
            continue
        _unlink(path)
        removed.append(name)
        _remove_empty_parents(path.parent, out_dir)
    notes = []
    try:
        write_files({out_dir / MANIFEST: _manifest_text({name: _signature(out_dir / name) for name in files})}, out_dir)
    except KeydatesError as e:  # everything is published; the intent manifest still lists it all
        notes.append(f"{e.format_message()} (everything else is published; the next build tidies up)")
    return removed, foreign, notes


def _signature(path: Path) -> list[int] | None:
    """Size and modification time: enough to tell that a file is as keydates left it."""
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns]


def _read_manifest(out_dir: Path) -> dict[str, list[int] | None]:
    path = out_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if data.get("version") != 1 or not isinstance(files, dict):
            raise ValueError
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        log.warning("warning: %s is damaged; outputs of earlier builds that are no longer made stay in %s", path, out_dir)
        return {}
    # Only plain relative paths inside out_dir: a damaged manifest must not remove anything else.
    return {
        name: value for name, value in files.items()
        if isinstance(name, str) and not name.startswith(("/", "\\")) and ".." not in Path(name).parts
    }  # fmt: skip


def _manifest_text(files: dict[str, list[int] | None]) -> bytes:
    return (json.dumps({"version": 1, "files": dict(sorted(files.items()))}, indent=1) + "\n").encode("utf-8")


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as e:
        raise KeydatesError(f"{path}: cannot remove: {e.strerror}") from None


def _same_content(path: Path, data: bytes) -> bool:
    """Whether the file holds exactly `data`, read in pieces (feeds can be large)."""
    try:
        if not path.is_file() or path.stat().st_size != len(data):
            return False
        view, offset = memoryview(data), 0
        with path.open("rb") as file:
            while piece := file.read(1 << 20):
                if view[offset : offset + len(piece)] != piece:
                    return False
                offset += len(piece)
        return offset == len(data)
    except OSError:
        return False


Staged = list[tuple[str, Path]]  # (temporary file, its final path)


def write_files(contents: dict[Path, bytes | list[bytes]], folder: Path | None = None, *, sync: bool = False) -> None:
    """Write every file atomically, or none: all temporary files first, then renames."""
    commit(stage_files(contents, folder, sync=sync))


def stage_files(contents: dict[Path, bytes | list[bytes]], folder: Path | None = None, *, sync: bool = False) -> Staged:
    """Write each changed file to a temporary file beside it; nothing is in place yet.

    A file's content may be a list of byte strings: it is joined only while
    that one file is compared and written. `sync`: flush to disk (for the
    lock files, which must not be lost). On failure nothing is left behind.
    """
    where: Path | None = folder
    staged: Staged = []
    made: list[Path] = []  # folders made here, removed again if writing fails
    try:
        if folder is not None:
            _make_folder(folder, made)
        for path, content in contents.items():
            where = path
            data = content if isinstance(content, bytes) else b"".join(content)
            if _same_content(path, data):
                continue  # unchanged: keep its mtime for HTTP caches
            _make_folder(path.parent, made)  # tag feeds live in subfolders
            handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
            staged.append((temp, path))
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                if sync:
                    file.flush()
                    os.fsync(file.fileno())
            os.chmod(temp, 0o644)  # mkstemp makes it private; feeds are public
    except BaseException as e:
        discard(staged)
        for new in reversed(made):
            try:
                new.rmdir()
            except OSError:
                pass
        if isinstance(e, OSError):
            raise KeydatesError(f"{where}: cannot write: {_reason(e)}") from None
        raise
    return staged


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


def commit(staged: Staged) -> None:
    """Rename staged files into place, in order."""
    for temp, path in staged:
        try:
            os.replace(temp, path)
        except OSError as e:
            discard([(t, p) for t, p in staged if os.path.exists(t)])
            raise KeydatesError(f"{path}: cannot write: {_reason(e)}") from None
        log.debug("wrote %s", path)


def discard(staged: Staged) -> None:
    for temp, _ in staged:
        try:
            os.unlink(temp)
        except OSError:
            pass


def _reason(e: OSError) -> str:
    return e.strerror or errno.errorcode.get(e.errno or 0) or str(e)


def create_files(contents: dict[Path, bytes]) -> None:
    """Create new files, never replacing one: if any exists, write none.

    Each is opened with exclusive creation, which fails rather than
    replaces a file that appeared meanwhile; then those created so far are
    removed again.
    """
    existing = [path for path in contents if path.exists() or path.is_symlink()]
    if existing:
        names = ", ".join(str(path) for path in existing)
        raise KeydatesError(f"{names} already exist{'s' if len(existing) == 1 else ''}; nothing was written (keydates never overwrites a file: move it away or choose another folder)")
    created: list[Path] = []
    path = None
    try:
        for path, data in contents.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as file:
                created.append(path)
                file.write(data)
            log.debug("wrote %s", path)
    except OSError as e:
        for done in created:
            done.unlink(missing_ok=True)
        if isinstance(e, FileExistsError):
            raise KeydatesError(f"{path} appeared while writing; nothing was written") from None
        raise KeydatesError(f"{e.filename or path}: cannot write: {e.strerror or e}; nothing was written") from None
