"""The site file, keydates.toml: found like pyproject.toml, validated like an event file.

It says where the events are, where the site goes, where it is published and
what it is called, so that `build`, `serve`, `check` and `list` need no
flags. It is looked for in the current folder, then in each parent up to the
top of the repository (a folder holding .git) or of the file system; without
one, everything works from the current folder as before. Paths in it are
relative to its own folder, which is also the project folder that symlinked
event files must stay inside. A flag on the command line wins over the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from keydates import schema
from keydates.errors import InputError, Problem
from keydates.load import SITE_FILE, read_source


@dataclass(frozen=True)
class SiteConfig:
    """What the site file says, with paths ready to use from the current folder."""

    path: Path | None  # the site file; None when there is none
    root: Path  # the project folder: the site file's folder, else the current one
    events: Path
    output: Path
    base_url: str | None = None
    title: str = ""
    language: str = "en"


def find_site_file(start: Path | None = None) -> Path | None:
    """keydates.toml in `start` (default: the current folder) or the nearest parent that has one.

    The search stops at a folder holding .git: a site file outside the
    repository is someone else's.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / SITE_FILE
        if candidate.is_file() or candidate.is_symlink():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def load_site(start: Path | None = None) -> SiteConfig:
    """The site file's settings, or the defaults when there is none; InputError naming every bad key."""
    found = find_site_file(start)
    if found is None:
        defaults = schema.SITE.defaults
        return SiteConfig(None, Path("."), Path(defaults["events"]), Path(defaults["output"]))
    path = _from_here(found)
    root = path.parent
    source = read_source(path)
    problems: list[Problem] = []
    schema.SITE_TOP.read(source.data, lambda key, message: problems.append(Problem(path, message, field=f"[{key}]")))
    table = source.data.get("site", {})
    values = None
    if not isinstance(table, dict):
        problems.append(Problem(path, "must be a table", field="[site]"))
    else:
        values = schema.SITE.read(table, lambda key, message: problems.append(Problem(path, message, field=f"[site] {key}")))
    if problems or values is None:
        raise InputError(problems)
    return SiteConfig(
        path=path, root=root, events=root / values["events"], output=root / values["output"],
        base_url=values["base_url"], title=values["title"], language=values["language"],
    )  # fmt: skip


def _from_here(path: Path) -> Path:
    """`path` as the user would type it from the current folder: keydates.toml, ../keydates.toml."""
    relative = Path(os.path.relpath(path, Path.cwd()))
    return relative if len(relative.parts) <= len(path.parts) else path
