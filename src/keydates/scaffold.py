"""A new project: the files `keydates init` writes, from the templates in scaffold/.

Pure apart from reading the templates: the caller gives the folder, today's
date and the zone, and build.create_files writes what this returns.
"""

from __future__ import annotations

import json
import os
import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from string import Template

from keydates import __version__, ids
from keydates.load import SITE_FILE

DEFAULT_NAME = "key-dates"
WORKFLOW = Path(".github/workflows/keydates-pages.yml")


@dataclass(frozen=True)
class Project:
    """The files of a new project, by path, and the notes to show about them."""

    files: dict[Path, bytes]
    notes: list[str]


def project(folder: Path, *, today: date, timezone: str, github_pages: bool = False) -> Project:
    """The files of a new project in `folder`: site file, an example calendar, .gitignore, a workflow.

    An existing .gitignore is left alone (with a note); every other file
    must not exist yet, which the writer checks.
    """
    name = folder.resolve().name
    calendar_id = ids.slug(name) or DEFAULT_NAME
    title = name.replace("-", " ").replace("_", " ").strip().capitalize() or "Key dates"
    year = today.year + 1  # every example date ahead
    fair = _weekday_from(date(year, 4, 19), 0)
    values = {
        "title": json.dumps(title, ensure_ascii=False),  # a TOML basic string
        "calendar_id": calendar_id,
        "timezone": timezone,
        "year": str(year),
        "launch": _weekday_from(date(year, 3, 9), 1).isoformat(),  # a Tuesday
        "fair_start": fair.isoformat(),  # Monday to Friday
        "fair_end": (fair + timedelta(days=4)).isoformat(),
        "sync_start": _weekday_from(date(year, 3, 1), 0).isoformat(),  # Mondays
        "version": __version__,
    }
    wanted = {
        Path(SITE_FILE): "keydates.toml",
        Path("events") / f"{calendar_id}.toml": "events.toml",
        Path(".gitignore"): "gitignore",
    }
    if github_pages:
        wanted[WORKFLOW] = "pages.yml"
    notes = []
    gitignore = folder / ".gitignore"
    if gitignore.exists() or gitignore.is_symlink():
        del wanted[Path(".gitignore")]
        if not _ignores_dist(gitignore):
            notes.append(f"{gitignore} exists and was left as it is: add the line /dist/ to it")
    templates = files("keydates") / "scaffold"
    result = {}
    for path, template in wanted.items():
        text = Template(templates.joinpath(template).read_text(encoding="utf-8")).safe_substitute(values)
        result[folder / path] = text.encode("utf-8")
    return Project(result, notes)


def _weekday_from(day: date, weekday: int) -> date:
    """The first day on or after `day` that is `weekday` (0: Monday)."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _ignores_dist(path: Path) -> bool:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    return any(line.strip().strip("/") == "dist" for line in lines)


def local_zone() -> str:
    """The IANA name of this machine's zone ($TZ, else /etc/localtime), else UTC."""
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    try:
        candidates.append(os.readlink("/etc/localtime").split("zoneinfo/", 1)[-1])
    except OSError:
        pass
    for name in candidates:
        if name and "/" in name or name == "UTC":
            try:
                zoneinfo.ZoneInfo(name)
                return name
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"
