"""The command line: parse options, call one function, print a summary."""

from __future__ import annotations

import logging
import shutil
import sys
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from keydates import __version__
from keydates.errors import InputError, plural

if TYPE_CHECKING:
    from keydates import config
    from keydates.compile import Settings

# Each command imports the stages it needs when it runs, so that
# `keydates --help` does not load Babel, Jinja2, icalendar and the rest.
# The choices below are the modules' own (FORMATS), checked equal in tests.
LIST_FORMATS = ("table", "json", "csv")  # listing.FORMATS
DIFF_FORMATS = ("text", "json")  # diff.FORMATS
IMPORT_FORMATS = ("ics", "csv")  # convert.FORMATS
DATE_ORDERS = ("mdy", "dmy", "ymd")  # convert.DATE_ORDERS

PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
OUTSIDE = click.option("--allow-outside-links", "outside", is_flag=True, help="Read event files that are symlinks to files outside the project folder.")


PROGRESS_MIN_EVENTS = 5000  # smaller builds take well under a second


@contextmanager
def _progress_bar(total: int):
    """A progress bar on stderr for big builds, only when stderr is a terminal.

    Logs and pipes get nothing extra.
    """
    if total < PROGRESS_MIN_EVENTS or not sys.stderr.isatty():
        yield lambda done: None
        return
    with click.progressbar(length=total, label="Rendering events", file=sys.stderr) as bar:
        yield bar.update


def _site(paths: tuple[Path, ...], writes: bool = False) -> tuple[config.SiteConfig, tuple[Path, ...]]:
    """The site file's settings, and the event paths: those given, else its events folder."""
    from keydates import config

    try:
        settings = config.load_site()
    except InputError as e:
        raise InputError(e.problems, writes=writes) from None
    return settings, paths or (settings.events,)


def _settings(found: config.SiteConfig, base_url: str | None = None) -> Settings:
    """What decides a build's output besides the sources: the clock and the site file (flags win)."""
    from keydates import lock
    from keydates.compile import Settings

    return Settings(now=lock.now_utc(), base_url=base_url or found.base_url, title=found.title, language=found.language)


def _zone(ctx, param, value: str | None) -> str | None:
    """A --timezone option: an IANA zone name, checked as event files check theirs."""
    from keydates import schema

    try:
        return schema.zone_name(value) if value else None
    except schema.Invalid as e:
        raise click.BadParameter(str(e)) from None


def _mapping(ctx, param, value: str | None) -> dict[str, str]:
    """--map title=Name,date=When: field -> column."""
    result = {}
    for pair in filter(None, (value or "").split(",")):
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise click.BadParameter(f"{pair!r}: write FIELD=COLUMN, e.g. title=Name")
        result[field.strip()] = column.strip()
    return result


def _print_warnings(warnings) -> None:
    for problem in warnings:
        click.echo(f"warning: {problem}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="keydates")
@click.option("-v", "--verbose", is_flag=True, help="Log what is being done.")
def main(verbose: bool) -> None:
    """Compile timelines of key dates (TOML files in events/) into .ics calendars."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(message)s")


@main.command("build")
@PATHS
@OUTSIDE
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Folder for the .ics files (default: the site file's output, else dist/).")
@click.option("--frozen", is_flag=True, help="Fail instead of updating keydates.lock (for CI).")
@click.option("--base-url", metavar="URL", help="Public address of the output folder, for the page's subscribe links.")
def build_command(paths: tuple[Path, ...], outside: bool, output: Path | None, frozen: bool, base_url: str | None) -> None:
    """Compile event files (default: events/) into one .ics per calendar, all.ics and a subscribe page."""
    from keydates import diff, lock, site
    from keydates.build import build
    from keydates.compile import page_editions

    found, paths = _site(paths, writes=True)
    output = output or found.output
    settings = _settings(found, site.check_base_url(base_url))
    result = build(paths, output, settings=settings, frozen=frozen, progress=_progress_bar, outside=outside, root=found.root)
    compiled = result.site
    _print_warnings(compiled.warnings)
    rolling = {calendar.id: calendar.rolling for calendar in compiled.timeline.calendars}
    for item in compiled.published:
        click.echo(f"{item.feed.id}: {plural(len(item.feed.entries), 'event')} -> {output / item.path}")
        if item.window is not None:
            click.echo(f"{item.feed.id}: {_window_line(rolling[item.feed.id], item, settings.today, lock.now_source())}")
    click.echo(f"page: {output / site.PAGE} (with {plural(compiled.tag_feeds, 'per-tag feed')})")
    for tag, folder in page_editions(compiled.timeline, settings)[1:]:
        click.echo(f"{tag}: the same in language {tag!r} -> {output / folder}")
    for update in compiled.stale_locks:
        changed = f"{plural(len(update.changed), 'event')} changed" if update.changed else "its format or the files it records"
        click.echo(f"updated {update.path} ({changed})")
    counts = {kind: 0 for kind in diff.KINDS}
    for item in compiled.plan.changes:
        counts["added" if item.kind == "restored" else item.kind] += 1
    click.echo(f"changes: {diff.changes_line(counts, len(result.removed))}")
    for name in result.removed:
        click.echo(f"removed {output / name} (no longer made)")
    for note in result.notes:
        click.echo(f"warning: {note}", err=True)
    for name in result.foreign:
        click.echo(f"warning: left {output / name}: no longer made, but changed since keydates wrote it", err=True)


def _window_line(rolling, item, today, source: str) -> str:
    """'window 2025-11-04 to 2028-02-02 (90d before and 2y after 2026-02-02, from SOURCE_DATE_EPOCH): ...'."""
    first, last = item.window
    span = f"{first or 'the first event'} to {last or 'the last'}"
    sides = " and ".join(part for part in (rolling.past and f"{rolling.past} before", rolling.future and f"{rolling.future} after") if part)
    kept = len(item.feed.entries)
    return f"window {span} ({sides} {today}, {source}): {kept} of {plural(kept + item.dropped, 'event')} kept; all.ics has every one"


@main.command("check")
@PATHS
@OUTSIDE
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check_command(paths: tuple[Path, ...], outside: bool, strict: bool) -> None:
    """Validate event files without writing anything; report every problem."""
    from keydates.compile import compile_site
    from keydates.load import read_folders, read_sources

    found, paths = _site(paths)
    sources = read_sources(paths, outside=outside, root=found.root)
    # The whole pipeline, in memory: whatever build would refuse, check refuses.
    compiled = compile_site(sources, read_folders(sources), _settings(found))
    timeline, warnings = compiled.timeline, compiled.warnings
    if strict and warnings:
        raise InputError(warnings)
    _print_warnings(warnings)
    counts = [plural(len(timeline.calendars), "calendar"), plural(timeline.event_count, "event"), plural(len(warnings), "warning")]
    click.echo(f"ok: {', '.join(counts)}")


@main.command("list")
@PATHS
@OUTSIDE
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="Only events that end on or after this day.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Only events that start on or before this day.")
@click.option("--around", type=click.DateTime(["%Y-%m-%d"]), help="Only events near this day (see --days).")
@click.option("--days", type=click.IntRange(0, 3660), help="With --around: how many days either side (default 7).")
@click.option("--upcoming", is_flag=True, help="Only events that have not ended yet.")
@click.option("--tag", "tags", multiple=True, help="Only events with this tag (repeatable: any of them).")
@click.option("--format", "fmt", type=click.Choice(LIST_FORMATS), default="table", show_default=True)
@click.option("--width", type=click.IntRange(0), help="Columns for the table (default: the terminal's; 0: no limit).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True, help="Pretend today is this day.")
def list_command(paths, outside, start, end, around, days, upcoming, tags, fmt, width, today) -> None:
    """Show the timeline in date order, with how far each date is from today."""
    from keydates import listing
    from keydates.load import read_sources
    from keydates.validate import validate

    start, end = _list_range(start, end, around, days)
    found, paths = _site(paths)
    timeline = validate(read_sources(paths, outside=outside, root=found.root), found.language)
    today = today.date() if today else date.today()
    rows = listing.select(timeline.calendars, today, start=start, end=end, upcoming=upcoming, tags=tags)
    for note in listing.notes(timeline.calendars, rows, tags, start, end):
        click.echo(f"note: {note}", err=True)
    sys.stdout.write(listing.render_rows(rows, fmt, today, _terminal_width() if width is None else width))


def _list_range(start, end, around, days) -> tuple[date | None, date | None]:
    """The days `list` shows: --from/--to, or --around with --days either side."""
    if days is not None and around is None:
        raise click.UsageError("--days goes with --around")
    if around is None:
        return (start.date() if start else None), (end.date() if end else None)
    if start or end:
        raise click.UsageError("give --around or --from/--to, not both")
    span = timedelta(days=7 if days is None else days)
    return around.date() - span, around.date() + span


def _terminal_width() -> int | None:
    """The terminal's width when printing to one; None (no limit) in pipes and files."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


@main.command("diff")
@PATHS
@OUTSIDE
@click.option("--against", default="lock", show_default=True, metavar="lock|DIR|GIT-REF", help="What to compare with: the last build, a folder of .ics files, or the events at a git revision.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Where the last build wrote, for --against lock (default: the site file's output, else dist/).")
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit with status 1 when something changed (as git diff --exit-code).")
def diff_command(paths, outside: bool, against: str, output: Path | None, fmt: str, exit_code: bool) -> None:
    """Show what subscribers will see change: events added, removed, cancelled and changed, field by field."""
    from keydates import diff

    found, paths = _site(paths)
    report = diff.diff(paths, against, output or found.output, _settings(found), outside=outside, root=found.root)
    sys.stdout.write(diff.render(report, fmt))
    if exit_code and report.changed:
        sys.exit(1)


@main.command("serve")
@PATHS
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free port).")
@click.option("--base-url", metavar="URL", help="Public address of the site behind a proxy, for the page's links (default: the address asked for).")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="HOST[:PORT]", help="Another name this server is reached by, for the page's links when there is no --base-url (repeatable).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="One line per request on stderr (off: behind a proxy that logs).")
def serve_command(paths: tuple[Path, ...], host: str, port: int, base_url: str | None, allowed_hosts: tuple[str, ...], access_log: bool) -> None:
    """Serve the feeds and the subscribe page over HTTP; event file edits are picked up when saved."""
    from keydates import web

    found, paths = _site(paths)
    base_url = base_url or found.base_url
    port = web.listening_port(host, port)
    app = web.create_app(
        paths, base_url=base_url, root=found.root, title=found.title, language=found.language,
        listen=(host, port), allowed_hosts=allowed_hosts,
    )  # fmt: skip
    warning = web.exposure_warning(host, base_url)
    if warning:
        click.echo(f"warning: {warning}", err=True)
    def ready() -> None:
        for line in web.startup_lines(app, host, port):
            click.echo(line)
        sys.stdout.flush()

    logging.getLogger("keydates").setLevel(min(logging.getLogger().level, logging.INFO))  # rebuilds, problems
    web.serve_forever(app, host, port, ready, access_log=sys.stderr if access_log else None)


@main.command("init")
@click.argument("folder", default=".", type=click.Path(path_type=Path))
@click.option("--github-pages", is_flag=True, help="Also write a GitHub Actions workflow that builds and publishes the site.")
@click.option("--timezone", metavar="ZONE", callback=_zone, help="The example calendar's IANA zone (default: this machine's).")
def init_command(folder: Path, github_pages: bool, timezone: str | None) -> None:
    """Start a project: keydates.toml, an example calendar in events/, .gitignore; never overwrites a file."""
    from keydates import scaffold
    from keydates.build import create_files

    zone = timezone or scaffold.local_zone()
    new = scaffold.project(folder, today=date.today(), timezone=zone, github_pages=github_pages)
    create_files(new.files)
    for path in new.files:
        click.echo(f"created {path}")
    for note in new.notes:
        click.echo(f"note: {note}", err=True)
    where = "" if folder == Path(".") else f"cd {folder} && "
    click.echo(f"Next: {where}keydates build, then commit the files and events/keydates.lock.")


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), help="ics or csv (default: from each file's name).")
@click.option("--calendar", "calendar_id", metavar="ID", help="Put every file into one calendar with this id (default: one per file, named after it).")
@click.option("--into", type=click.Path(path_type=Path), help="Folder for the event files (default: the site file's events, else events/).")
@click.option("--map", "columns", metavar="FIELD=COLUMN,...", callback=_mapping, help="CSV: which column holds which field, e.g. title=Name,date=When.")
@click.option("--timezone", metavar="ZONE", callback=_zone, help="CSV: the zone of its times (CSV has none).")
@click.option("--date-order", type=click.Choice(DATE_ORDERS), help="CSV: how its dates are written when that is ambiguous (3/4/2026).")
def import_command(files, fmt, calendar_id, into, columns, timezone, date_order) -> None:
    """Turn .ics exports (Google, Outlook, Apple, Thunderbird) or CSV into event files, saying what cannot be carried over."""
    from keydates import importer  # reads with icalendar's ecosystem: loaded only for import

    found, _ = _site(())
    result = importer.import_files(list(files), fmt=fmt, calendar_id=calendar_id, into=into or found.events, columns=columns, zone=timezone, date_order=date_order)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for path, count in result.files.items():
        click.echo(f"{path}: {plural(count, 'event')}")
    click.echo(f"{plural(len(result.notes), 'note')}; run 'keydates check' to see the calendars as keydates reads them.")
