"""The command line: parse options, call one function, print a summary."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from keydates import __version__, listing, web
from keydates.build import DEFAULT_OUTPUT, build, load_timeline
from keydates.errors import InputError

PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))


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
@click.option("-o", "--output", type=click.Path(path_type=Path), default=DEFAULT_OUTPUT, show_default=True, help="Folder for the .ics files.")
@click.option("--frozen", is_flag=True, help="Fail instead of updating keydates.lock (for CI).")
@click.option("--base-url", metavar="URL", help="Public address of the output folder, for the page's subscribe links.")
def build_command(paths: tuple[Path, ...], output: Path, frozen: bool, base_url: str | None) -> None:
    """Compile event files (default: events/) into one .ics per calendar, all.ics and a subscribe page."""
    result = build(paths, output, frozen=frozen, base_url=base_url, progress=_progress_bar)
    _print_warnings(result.timeline.warnings)
    for feed, path in result.written:
        click.echo(f"{feed.id}: {len(feed.entries)} events -> {path}")
    click.echo(f"page: {result.page} (with {result.tag_feeds} per-tag feeds)")
    for update in result.lock_updates:
        click.echo(f"updated {update.path} ({len(update.changed)} events changed)")


@main.command("check")
@PATHS
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check_command(paths: tuple[Path, ...], strict: bool) -> None:
    """Validate event files without writing anything; report every problem."""
    timeline = load_timeline(paths)
    if strict and timeline.warnings:
        raise InputError(timeline.warnings)
    _print_warnings(timeline.warnings)
    events = sum(len(c.events) for c in timeline.calendars)
    click.echo(f"ok: {len(timeline.calendars)} calendars, {events} events, {len(timeline.warnings)} warnings")


@main.command("list")
@PATHS
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="Only events that end on or after this day.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Only events that start on or before this day.")
@click.option("--upcoming", is_flag=True, help="Only events that have not ended yet.")
@click.option("--tag", "tags", multiple=True, help="Only events with this tag (repeatable: any of them).")
@click.option("--format", "fmt", type=click.Choice(listing.FORMATS), default="table", show_default=True)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True, help="Pretend today is this day.")
def list_command(paths, start, end, upcoming, tags, fmt, today) -> None:
    """Show the timeline in date order, with how far each date is from today."""
    timeline = load_timeline(paths)
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
