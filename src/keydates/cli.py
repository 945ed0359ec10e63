"""The command line: parse options, call one function, print a summary."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from keydates import __version__, diff, listing, lock, site, web
from keydates.build import DEFAULT_OUTPUT, build
from keydates.compile import Settings, compile_site, page_editions
from keydates.errors import InputError, plural
from keydates.load import read_folders, read_sources
from keydates.validate import validate

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
@click.option("-o", "--output", type=click.Path(path_type=Path), default=DEFAULT_OUTPUT, show_default=True, help="Folder for the .ics files.")
@click.option("--frozen", is_flag=True, help="Fail instead of updating keydates.lock (for CI).")
@click.option("--base-url", metavar="URL", help="Public address of the output folder, for the page's subscribe links.")
def build_command(paths: tuple[Path, ...], outside: bool, output: Path, frozen: bool, base_url: str | None) -> None:
    """Compile event files (default: events/) into one .ics per calendar, all.ics and a subscribe page."""
    settings = Settings(now=lock.now_utc(), base_url=site.check_base_url(base_url))
    result = build(paths, output, settings=settings, frozen=frozen, progress=_progress_bar, outside=outside)
    compiled = result.site
    _print_warnings(compiled.warnings)
    for item in compiled.published:
        click.echo(f"{item.feed.id}: {plural(len(item.feed.entries), 'event')} -> {output / item.path}")
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


@main.command("check")
@PATHS
@OUTSIDE
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check_command(paths: tuple[Path, ...], outside: bool, strict: bool) -> None:
    """Validate event files without writing anything; report every problem."""
    sources = read_sources(paths, outside=outside)
    # The whole pipeline, in memory: whatever build would refuse, check refuses.
    compiled = compile_site(sources, read_folders(sources), Settings(now=lock.now_utc()))
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
@click.option("--upcoming", is_flag=True, help="Only events that have not ended yet.")
@click.option("--tag", "tags", multiple=True, help="Only events with this tag (repeatable: any of them).")
@click.option("--format", "fmt", type=click.Choice(listing.FORMATS), default="table", show_default=True)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True, help="Pretend today is this day.")
def list_command(paths, outside, start, end, upcoming, tags, fmt, today) -> None:
    """Show the timeline in date order, with how far each date is from today."""
    timeline = validate(read_sources(paths, outside=outside))
    today = today.date() if today else date.today()
    rows = listing.select(
        timeline.calendars,
        today,
        start=start.date() if start else None,
        end=end.date() if end else None,
        upcoming=upcoming,
        tags=tags,
    )
    sys.stdout.write(listing.render_rows(rows, fmt, today))


@main.command("diff")
@PATHS
@OUTSIDE
@click.option("--against", default="lock", show_default=True, metavar="lock|DIR|GIT-REF", help="What to compare with: the last build, a folder of .ics files, or the events at a git revision.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=DEFAULT_OUTPUT, show_default=True, help="Where the last build wrote (for --against lock).")
@click.option("--format", "fmt", type=click.Choice(diff.FORMATS), default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit with status 1 when something changed (as git diff --exit-code).")
def diff_command(paths, outside: bool, against: str, output: Path, fmt: str, exit_code: bool) -> None:
    """Show what subscribers will see change: events added, removed, cancelled and changed, field by field."""
    report = diff.diff(paths, against, output, outside=outside)
    sys.stdout.write(diff.render(report, fmt))
    if exit_code and report.changed:
        sys.exit(1)


@main.command("serve")
@PATHS
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free port).")
@click.option("--base-url", metavar="URL", help="Public address of the site behind a proxy, for the page's links (default: the address asked for).")
def serve_command(paths: tuple[Path, ...], host: str, port: int, base_url: str | None) -> None:
    """Serve the feeds and the subscribe page over HTTP; event file edits are picked up live."""
    app = web.create_app(paths, base_url=base_url)
    server = web.make_server(app, host, port)
    for line in web.startup_lines(app, server):
        click.echo(line)
    logging.getLogger("keydates").setLevel(min(logging.getLogger().level, logging.INFO))  # one line per request
    web.run(server)
