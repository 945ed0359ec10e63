"""`keydates diff`: what subscribers will see change, per calendar and per feed.

Both sides are published calendars, read back with icalendar the way a
client reads them: the feeds a build would write now, against the feeds of
the last build (in the output folder), of another folder, or of the events
at a git revision (compiled in memory). Without an earlier build, the lock's
summaries (title, dates, status) stand in for the old side.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from keydates import lock
from keydates.compile import Settings, Site, compile_site
from keydates.describe import day_range, full_day, language, summary_when
from keydates.errors import KeydatesError, plural
from keydates.load import LOCK_NAME, SERVED_NAME, FolderState, Source, parse_source, read_folders, read_sources
from keydates.model import Summary

FORMATS = ("text", "json")
FIELDS = ("title", "when", "repeat", "except", "status", "location", "description", "url", "tags", "reminders")
KINDS = ("added", "removed", "cancelled", "changed")
MARKS = {"added": "+", "removed": "-", "cancelled": "x", "changed": "~"}
EN = language("en")  # the command line speaks English


@dataclass(frozen=True)
class View:
    """One event as a subscriber's client holds it."""

    uid: str
    title: str
    fields: dict[str, str]
    sequence: int | None = None
    start: date | None = None  # its first day, to say how far it moved


Feeds = dict[str, dict[str, View]]  # feed path -> UID -> view (calendar feeds only)


@dataclass
class EventDiff:
    kind: str  # one of KINDS
    uid: str
    title: str
    sequence: tuple[int | None, int | None] = (None, None)
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, old, new)
    moved_days: int | None = None


@dataclass
class Report:
    """Every change, by calendar feed, and the feeds that appear, vanish or change."""

    against: str
    calendars: dict[str, list[EventDiff]]
    feeds: dict[str, list[str]]  # added, removed, changed -> paths

    @property
    def changed(self) -> bool:
        return any(self.calendars.values()) or any(self.feeds.values())

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for events in self.calendars.values():
            for event in events:
                counts[event.kind] += 1
        return counts

    def as_json(self) -> dict:
        """The documented JSON (docs/diff.md)."""
        return {
            "against": self.against,
            "changed": self.changed,
            "counts": self.counts(),
            "calendars": [
                {"feed": feed, "events": [_event_json(event) for event in events]}
                for feed, events in self.calendars.items() if events
            ],
            "feeds": self.feeds,
        }

    def text(self) -> str:
        if not self.changed:
            return f"No changes against {self.against}.\n"
        lines = [f"Against {self.against}:"]
        for feed, events in self.calendars.items():
            if not events:
                continue
            lines.append(f"{feed}")
            for event in events:
                lines.append(f"  {MARKS[event.kind]} {event.title}  ({_event_note(event)})")
                for name, old, new in event.fields:
                    lines.append(f"      {name}: {_short(old)} → {_short(new)}")
        for kind, note in (("added", "new"), ("removed", "no longer made: removed by the next build"), ("changed", "content changes")):
            for path in self.feeds[kind]:
                lines.append(f"feed {MARKS[kind]} {path} ({note})")
        lines.append(summary_line(self.counts()))
        return "\n".join(lines) + "\n"


def summary_line(counts: Mapping[str, int]) -> str:
    """'1 changed, 2 added': the one line `build` prints too."""
    parts = [f"{counts[kind]} {kind}" for kind in ("changed", "added", "cancelled", "removed") if counts.get(kind)]
    return ", ".join(parts) if parts else "no changes"


def _event_note(event: EventDiff) -> str:
    old, new = event.sequence
    if event.kind == "added":
        return "new" + (f", SEQUENCE {new}" if new else "")
    if event.kind == "removed":
        return "removed: subscribers' calendars drop it at their next refresh; imported copies stay"
    stamp = f"SEQUENCE {old} → {new}" if old is not None and new is not None else "updated"
    if event.kind == "cancelled":
        return f"cancelled, {stamp}: struck through in Apple Calendar and Thunderbird, hidden by Google"
    return stamp + (f", moved {abs(event.moved_days)} day{'s' if abs(event.moved_days) != 1 else ''} {'later' if event.moved_days > 0 else 'earlier'}" if event.moved_days else "")


def _event_json(event: EventDiff) -> dict:
    return {
        "kind": event.kind, "uid": event.uid, "title": event.title,
        "sequence": {"old": event.sequence[0], "new": event.sequence[1]},
        "fields": [{"name": name, "old": old, "new": new} for name, old, new in event.fields],
        "moved_days": event.moved_days,
    }  # fmt: skip


def _short(text: str) -> str:
    text = text.replace("\n", " ⏎ ")
    return repr(text if len(text) <= 90 else text[:87] + "...")


# -- the two sides ---------------------------------------------------------------


def diff(
    paths, against: str = "lock", out_dir: Path = Path("dist"), settings: Settings | None = None, *,
    outside: bool = False, root: Path | None = None,
) -> Report:
    """Compare the feeds a build would write now with `against`: 'lock', a folder, or a git revision.

    `settings` are the build's (the site file's language, title, base URL), so
    that the feeds compared are the ones `build` would write.
    """
    sources = read_sources(paths, outside=outside, root=root)
    settings = settings or Settings(now=lock.now_utc())
    new_site = compile_site(sources, read_folders(sources), settings)
    new_files = _joined(new_site)
    if against == "lock":
        if (out_dir / ".keydates-manifest.json").is_file():
            return compare(_files_in(out_dir), new_files, f"the last build in {out_dir}/")
        old = _lock_views(sources)
        return _compare_views(old, _lock_views_of(new_site), {}, new_files, f"the lock (no build in {out_dir}/ to compare with)")
    folder = Path(against)
    if folder.is_dir():
        return compare(_files_in(folder), new_files, f"{folder}/")
    return compare(_compile_at_revision(against, sources, settings), new_files, f"git revision {against}")


def compare(old_files: Mapping[str, bytes], new_files: Mapping[str, bytes], against: str) -> Report:
    return _compare_views(_ics_views(old_files), _ics_views(new_files), old_files, new_files, against)


def _compare_views(old: Feeds, new: Feeds, old_files: Mapping[str, bytes], new_files: Mapping[str, bytes], against: str) -> Report:
    calendars: dict[str, list[EventDiff]] = {}
    for feed in sorted(set(old) | set(new)):
        before, after = old.get(feed, {}), new.get(feed, {})
        events = []
        for uid, view in after.items():
            previous = before.get(uid)
            if previous is None:
                events.append(EventDiff("added", uid, view.title, (None, view.sequence)))
                continue
            fields = [(name, previous.fields.get(name, ""), view.fields.get(name, "")) for name in FIELDS
                      if previous.fields.get(name, "") != view.fields.get(name, "") and (name in previous.fields or name in view.fields)]
            if not fields and previous.sequence == view.sequence:
                continue
            cancelled = view.fields.get("status") == "cancelled" and previous.fields.get("status") != "cancelled"
            moved = (view.start - previous.start).days if view.start and previous.start and view.start != previous.start else None
            events.append(EventDiff("cancelled" if cancelled else "changed", uid, view.title, (previous.sequence, view.sequence), fields, moved))
        events += [EventDiff("removed", uid, view.title, (view.sequence, None)) for uid, view in before.items() if uid not in after]
        calendars[feed] = events
    feeds = {
        "added": sorted(set(new_files) - set(old_files)) if old_files else [],
        "removed": sorted(set(old_files) - set(new_files)) if old_files else [],
        "changed": sorted(p for p in set(old_files) & set(new_files) if old_files[p] != new_files[p] and p.endswith(".ics")),
    }
    return Report(against, calendars, feeds)


def _joined(site: Site) -> dict[str, bytes]:
    return {path: data if isinstance(data, bytes) else b"".join(data) for path, data in site.files.items() if path.endswith(".ics")}


def _files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.ics")) if p.is_file()}


def _is_calendar_feed(path: str) -> bool:
    return "/" not in path and path != "all.ics" and path.endswith(".ics")


def _ics_views(files: Mapping[str, bytes]) -> Feeds:
    import icalendar  # only diff reads feeds back: not loaded for build

    feeds: Feeds = {}
    for path, data in files.items():
        if not _is_calendar_feed(path):
            continue
        try:
            calendar = icalendar.Calendar.from_ical(data)
        except ValueError as e:
            raise KeydatesError(f"{path}: cannot read it as a calendar: {e}") from None
        feeds[path] = {str(e["UID"]): _ics_view(e) for e in calendar.walk("VEVENT")}
    return feeds


def _ics_view(event) -> View:
    start = event["DTSTART"].dt
    end = event["DTEND"].dt if "DTEND" in event else start
    fields = {
        "title": str(event.get("SUMMARY", "")),
        "when": _when(start, end),
        "status": str(event.get("STATUS", "CONFIRMED")).lower(),
        "description": str(event.get("DESCRIPTION", "")),
        "location": str(event.get("LOCATION", "")),
        "url": str(event.get("URL", "")),
    }
    if "RRULE" in event:
        fields["repeat"] = event["RRULE"].to_ical().decode()
    exdates = event.get("EXDATE", [])
    exdates = exdates if isinstance(exdates, list) else [exdates]
    days = [d.dt for exdate in exdates for d in exdate.dts]
    if days:
        fields["except"] = ", ".join(sorted(d.isoformat() for d in days))
    tags = event.get("CATEGORIES")
    if tags is not None:
        fields["tags"] = ", ".join(str(c) for c in (tags.cats if hasattr(tags, "cats") else []))
    triggers = [str(alarm["TRIGGER"].to_ical().decode()) for alarm in event.walk("VALARM") if "TRIGGER" in alarm]
    if triggers:
        fields["reminders"] = ", ".join(triggers)
    first = start.date() if isinstance(start, datetime) else start
    sequence = int(event["SEQUENCE"]) if "SEQUENCE" in event else None
    return View(str(event["UID"]), fields["title"], fields, sequence, first)


def _when(start, end) -> str:
    if not isinstance(start, datetime):
        return day_range(start, end - timedelta(days=1) if end > start else start, EN)
    label = getattr(start.tzinfo, "key", None) or start.strftime("UTC%z")
    if end.date() == start.date():
        return f"{full_day(start.date(), EN)}, {start:%H:%M}–{end:%H:%M} {label}"
    return f"{full_day(start.date(), EN)} {start:%H:%M} – {full_day(end.date(), EN)} {end:%H:%M} {label}"


def _lock_views(sources: list[Source]) -> Feeds:
    """The old side from the lock files alone: summaries of what was published."""
    feeds: Feeds = {}
    for folder, state in read_folders(sources).items():
        data = lock.merge(lock.parse(folder / LOCK_NAME, state.lock), lock.parse(folder / SERVED_NAME, state.served))
        _add_lock_views(feeds, data)
    return feeds


def _lock_views_of(site: Site) -> Feeds:
    feeds: Feeds = {}
    for update in site.plan.locks:
        _add_lock_views(feeds, lock.parse(update.path, update.new))
    return feeds


def _add_lock_views(feeds: Feeds, data: lock.LockData) -> None:
    for calendar in data.calendars.values():
        views = feeds.setdefault(f"{calendar.id}.ics", {})
        for record in calendar.events.values():
            info: Summary | None = record.summary
            fields = {"title": info.title, "when": summary_when(info, EN), "status": info.status} if info else {}
            start = date.fromisoformat(info.start[:10]) if info else None
            views[record.uid] = View(record.uid, info.title if info else record.id, fields, record.stamp.sequence, start)


# -- events at a git revision --------------------------------------------------


def _compile_at_revision(revision: str, sources: list[Source], settings: Settings) -> dict[str, bytes]:
    """The feeds the events (and locks) at `revision` would build; none if there were no events."""
    folders = list(dict.fromkeys(source.path.parent for source in sources))
    if not _git_ok(folders[0], "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"):
        raise KeydatesError(f"--against: {revision!r} is not 'lock', a folder, or a git revision of the repository holding {folders[0]}")
    top = Path(_git(folders[0], "rev-parse", "--show-toplevel").strip())
    old_sources, states = [], {}
    for folder in folders:
        relative = Path(folder.resolve()).relative_to(top).as_posix()
        prefix = "" if relative == "." else relative + "/"
        names = _git(top, "ls-tree", "--name-only", revision, "--", prefix or ".").splitlines()
        files = {Path(n).name for n in names if n.endswith(".toml") and not Path(n).name.startswith((".", "#"))}
        for name in sorted(files):
            text = _git(top, "show", f"{revision}:{prefix}{name}")
            old_sources.append(parse_source(folder / name, text))
        lock_text = _git(top, "show", f"{revision}:{prefix}{LOCK_NAME}") if f"{prefix}{LOCK_NAME}" in names else None
        states[folder] = FolderState(lock_text, None, frozenset(files))
    if not old_sources:
        return {}
    return _joined(compile_site(old_sources, states, settings))


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise KeydatesError(f"--against: cannot run git: {e}") from None
    if done.returncode:
        raise KeydatesError(f"--against: git {' '.join(args[:2])}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def _git_ok(cwd: Path, *args: str) -> bool:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n"
    return report.text()


def changes_line(counts: Mapping[str, int], removed_feeds: int = 0) -> str:
    """What `build` prints after writing: the same summary as diff's, in a line."""
    line = summary_line(counts)
    return line + (f"; {plural(removed_feeds, 'feed')} no longer made" if removed_feeds else "")
