"""keydates serve: a WSGI application for the feeds, per-tag feeds and the page.

Runs under any WSGI server (`gunicorn 'keydates.web:create_app("events")'`);
`keydates serve` runs it on granian (docs/serve.md says why). It serves the
same paths that `keydates build` writes, from memory: a path is either one of
the site's files or a 404, so nothing else is reachable, and a request never
touches the file system.

A watcher thread (watchfiles: inotify on Linux) notices edits to the event
files and lock files; a file is taken only once it has stopped changing and
reads the same twice, and the site is rebuilt in the background with the same
pipeline as `build` (compile.compile_site) while requests keep getting the
last good site. A rebuild that fails is logged and the last good site is
kept: a calendar client that meets an error may stop polling the feed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timedelta, timezone
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs

from keydates import lock, page, site
from keydates.build import folder_locks, write_served
from keydates.compile import Settings, compile_site, page_editions, page_language
from keydates.errors import InputError, KeydatesError
from keydates.ical import render
from keydates.load import LOCK_NAME, find_event_files, parse_sources, read_event_bytes, read_folders
from keydates.model import Stamp
from keydates.site import Published

log = logging.getLogger(__name__)

ICS_TYPE = "text/calendar; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_TYPE = "application/json"
CACHE_LIMIT = 64  # filtered feeds and per-host pages kept per site version
QUERY_FIELDS = 32  # ?tag=a&tag=b...: more is a 400, not work
DEBOUNCE_MS = 100  # watchfiles gathers the events of one save this long
QUIET = 0.2  # seconds between the two reads that must agree before a file is taken
SETTLE_TRIES = 25  # files still changing after this many reads wait for their next change
RESCAN_MS = 30_000  # a full look even without events (file systems inotify does not see)
REWATCH_S = 2  # after a watched folder went away
IDENTITY_MS = 2_000  # how often the folders themselves are checked (a replaced folder sends no event)
PREFIX_RE = re.compile(r"(?:/[A-Za-z0-9._~-]+)*")  # SCRIPT_NAME: plain path segments
HOST_RE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?")

# Sent with every response; the page's CSP (page.content_security_policy)
# allows its own inline style and script by hash and nothing else.
SECURITY_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
# As a header the policy can say who may frame a page (a <meta> cannot):
# nobody for the subscribe pages, anybody for the embeddable timelines.
PAGE_POLICY = page.content_security_policy()
EMBED_POLICY = page.content_security_policy(framed=True)


@dataclass(frozen=True)
class Resource:
    """One response body with its validators and ready-made headers."""

    body: bytes
    content_type: str
    etag: str
    modified: datetime
    cache_control: str
    vary: bool = False  # the page when links come from the Host header
    policy: str = ""  # a page's Content-Security-Policy

    @cached_property
    def headers(self) -> list[tuple[str, str]]:
        """For a 304: the validators and caching headers (RFC 9110 15.4.5); made once per version."""
        return [
            ("ETag", self.etag),
            ("Last-Modified", formatdate(self.modified.timestamp(), usegmt=True)),
            ("Cache-Control", self.cache_control),
        ] + ([("Vary", "Host")] if self.vary else [])

    @cached_property
    def full_headers(self) -> list[tuple[str, str]]:
        """For a 200: the same, the body's type and length, and the security headers."""
        full = self.headers + [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))] + SECURITY_HEADERS
        if self.policy:
            full.append(("Content-Security-Policy", self.policy))
            if self.policy == PAGE_POLICY:
                full.append(("X-Frame-Options", "DENY"))  # for browsers without frame-ancestors
        return full


def _resource(body: bytes, content_type: str, modified: datetime, cache_control: str, vary: bool = False, policy: str = "") -> Resource:
    # A strong ETag from the bytes themselves: equal bytes, equal tag, on any server.
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Resource(body, content_type, etag, modified, cache_control, vary, policy)


@dataclass
class Snapshot:
    """One built version of the site and the file state it was built from."""

    signature: tuple
    published: list[Published]
    stamps: dict[str, Stamp]
    resources: dict[str, Resource]
    modified: datetime
    cache: dict = field(default_factory=dict)  # ("page", base) or ("tags", path, tags) -> Resource
    language: str = "en"  # the page's (compile.page_language)
    editions: list = field(default_factory=list)  # compile.page_editions
    feeds: dict = field(default_factory=dict)  # path -> (Published, its events' tags), for ?tag=


class App:
    """The WSGI application: call it with (environ, start_response).

    `listen` is the (host, port) the server listens on, and `allowed_hosts`
    the other names it may be asked by (--allow-host): without a base URL,
    the page's links use the Host header only when it is one of those.
    """

    def __init__(
        self, paths: Iterable, base_url: str | None = None, *, root: Path | None = None, title: str = "",
        language: str = "en", listen: tuple[str, int] | None = None, allowed_hosts: Iterable[str] = (),
    ):  # fmt: skip
        self.paths = [Path(p) for p in paths]
        self.base_url = site.check_base_url(base_url)
        self.root, self.title, self.language = root, title, language  # from the site file
        self.listen = listen
        self.allowed_hosts = known_hosts(listen, allowed_hosts)
        self._failed: tuple | None = None
        self._watching_pid: int | None = None
        self._stop = threading.Event()
        self.access_log = _log_request  # called with one line per request; None: no lines (serve --no-access-log)
        signature = self._signature()
        self.snapshot = self._build(None, signature, read_event_bytes(self.paths, root=self.root))  # bad input: InputError

    # --- watching and building -------------------------------------------

    def start_watching(self) -> None:
        """Start the watcher thread in this process (again after a fork: threads do not survive one)."""
        if self._watching_pid == os.getpid():
            return
        self._watching_pid = os.getpid()
        threading.Thread(target=self._watch, name="keydates-watcher", daemon=True).start()

    def stop_watching(self) -> None:
        self._stop.set()

    def _folders(self) -> list[Path]:
        return sorted({p if p.is_dir() else p.parent for p in self.paths} or {Path("events")})

    def _watch(self) -> None:
        """Watch the event folders until stopped; a folder replaced (removed
        and made again, as some tools do) is watched anew."""
        import watchfiles  # only serve watches

        folders = [str(folder) for folder in self._folders()]
        again = False
        while not self._stop.is_set():
            watched = _identities(folders)
            if again:
                self.update()  # what changed while no watch was running
            again = True
            quiet = 0  # seconds without an event
            try:
                for changes in watchfiles.watch(
                    *folders, stop_event=self._stop, debounce=DEBOUNCE_MS, step=50, yield_on_timeout=True,
                    rust_timeout=IDENTITY_MS, recursive=False, ignore_permission_denied=True, raise_interrupt=False,
                ):  # fmt: skip
                    quiet = 0 if changes else quiet + IDENTITY_MS
                    if changes or quiet >= RESCAN_MS:
                        quiet = 0
                        self.update()
                    if _identities(folders) != watched:
                        break  # a folder went away or was replaced: inotify watched the old one
            except Exception as e:  # noqa: BLE001 - a watcher must not die: the last site stays served
                log.warning("warning: watching %s: %s; trying again in %d s", ", ".join(folders), e, REWATCH_S)
                self._stop.wait(REWATCH_S)

    def _signature(self) -> tuple:
        """What the site depends on: each event file and lock file, as stat results."""
        try:
            files = find_event_files(self.paths, root=self.root)
        except InputError as e:
            return ("error", str(e))
        watched = set(files) | {f.parent / LOCK_NAME for f in files}
        state = []
        for path in sorted(watched):
            try:
                st = path.stat()
                state.append((str(path), st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                state.append((str(path), None))
        return tuple(state)

    def _settled(self) -> tuple[tuple, dict[Path, bytes]] | None:
        """The files once they have stopped changing: the same stat and bytes
        in two reads QUIET apart. None while they keep changing; InputError
        for a file that cannot be read."""
        for _ in range(SETTLE_TRIES):
            before = self._signature()
            first = read_event_bytes(self.paths, root=self.root)
            self._stop.wait(QUIET)
            after = self._signature()
            if after == before and read_event_bytes(self.paths, root=self.root) == first:
                return after, first
        return None

    def update(self) -> bool:
        """Rebuild if the files changed (the watcher calls this); True if the site changed."""
        signature = self._signature()
        if signature in (self.snapshot.signature, self._failed):
            return False
        try:
            settled = self._settled()
            if settled is None:
                log.warning("warning: the event files keep changing; waiting for them to settle")
                return False
            signature, raw = settled
            self.snapshot = self._build(self.snapshot, signature, raw)
            self._failed = None
            log.info("rebuilt: %s", ", ".join(f"{item.path} ({len(item.feed.entries)} events)" for item in self.snapshot.published))
            return True
        except KeydatesError as e:
            self._failed = signature
            for problem in getattr(e, "problems", None) or [e.format_message()]:
                log.error("error: %s", problem)
            log.error("still serving the last good version; fix the files and it is rebuilt when they are saved")
            return False

    def _build(self, previous: Snapshot | None, signature: tuple, raw: dict[Path, bytes]) -> Snapshot:
        now = lock.now_utc()
        sources = parse_sources(raw)
        # What serve publishes beyond the lock is recorded beside it before it
        # is served, so that no later build or restart publishes lower stamps.
        with folder_locks(sorted({source.path.parent for source in sources})):
            settings = Settings(now=now, base_url=self.base_url, title=self.title, language=self.language)
            compiled = compile_site(sources, read_folders(sources), settings)
            for update in compiled.plan.locks:
                write_served(update)
        for problem in compiled.warnings:
            log.warning("warning: %s", problem)
        stamps, published = compiled.stamps, compiled.published
        files = {path: data if isinstance(data, bytes) else b"".join(data) for path, data in compiled.files.items() if path != site.PAGE}
        newest = max([_mtime(entry) for entry in signature] + [s.modified for s in stamps.values()], default=now)
        newest = newest.replace(microsecond=0)
        refresh = {item.path: item.feed.refresh for item in published}
        refresh.update({tag.path: item.feed.refresh for item in published for tag in item.tags})
        resources = {}
        for path, body in files.items():
            modified = newest
            old = previous.resources.get(path) if previous else None
            if old is not None:
                # Last-Modified moves forward exactly when the bytes change.
                same = old.body == body
                modified = old.modified if same else max(newest, old.modified + timedelta(seconds=1))
            if path.endswith(".html"):  # the pages of other languages (de/index.html), the embeddable timelines
                policy = EMBED_POLICY if path.endswith("/" + page.EMBED) else PAGE_POLICY
                resources[path] = _resource(body, HTML_TYPE, modified, "public, no-cache", policy=policy)
                continue
            if path.endswith(".atom"):
                resources[path] = _resource(body, ATOM_TYPE, modified, "public, no-cache")
                continue
            # A per-event file (<calendar>/event/<id>.ics) goes with its calendar's feed,
            # other languages' feeds (de/<calendar>.ics) with theirs.
            every = refresh.get(path) or refresh.get(path.split("/", 1)[0] + ".ics") or min(refresh.values())
            cache = f"public, max-age={int(every.total_seconds())}"
            resources[path] = _resource(body, JSON_TYPE if path.endswith(".json") else ICS_TYPE, modified, cache)
        latest = max((r.modified for r in resources.values()), default=newest)
        feeds = {item.path: (item, frozenset(t for e in item.feed.entries for t in e.event.tags)) for item in published}
        return Snapshot(
            signature, published, stamps, resources, latest, feeds=feeds,
            language=page_language(compiled.timeline, settings), editions=page_editions(compiled.timeline, settings),
        )  # fmt: skip

    # --- answering ------------------------------------------------------

    def __call__(self, environ, start_response):
        if self._watching_pid != os.getpid():
            self.start_watching()  # under another WSGI server: on the first request of each process
        status, headers, body = self.respond(environ)
        start_response(status, headers)
        method = environ.get("REQUEST_METHOD", "GET")
        if self.access_log is not None:
            query = environ.get("QUERY_STRING", "")
            target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
            self.access_log(f'{printable(environ.get("REMOTE_ADDR", "-"))} "{printable(method)} {printable(_wire_text(target))}" {status[:3]} {len(body)}')
        return [b""] if method == "HEAD" else [body]

    def respond(self, environ) -> tuple[str, list[tuple[str, str]], bytes]:
        """Status, headers and body for one request; never touches the file system."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _plain("405 Method Not Allowed", "Only GET and HEAD.\n", [("Allow", "GET, HEAD")])
        snapshot = self.snapshot  # one version for the whole answer, whatever the watcher does
        found = self._find(snapshot, environ)
        if isinstance(found, tuple):
            return found
        if found is None:
            return _plain("404 Not Found", "Not found.\n")
        if _not_modified(environ, found):
            return "304 Not Modified", found.headers, b""
        return "200 OK", found.full_headers, found.body

    def _find(self, snapshot: Snapshot, environ) -> Resource | tuple | None:
        try:  # WSGI gives the decoded path as latin-1 text (PEP 3333)
            path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
        except UnicodeError:
            return None
        if path in ("/", f"/{site.PAGE}"):
            return self._page(snapshot, environ)
        if not path.startswith("/"):
            return None
        path = path[1:]
        resource = snapshot.resources.get(path)
        query = environ.get("QUERY_STRING", "")
        if resource is None or "tag" not in query:
            return resource
        try:
            tags = sorted({t for t in parse_qs(query, max_num_fields=QUERY_FIELDS).get("tag", []) if t})
        except ValueError:
            return _plain("400 Bad Request", f"At most {QUERY_FIELDS} query parameters.\n")
        if not tags:
            return resource
        feed = snapshot.feeds.get(path)
        if feed is None:
            return _plain("404 Not Found", "Only the calendar feeds (.ics) take ?tag=.\n")
        item, known = feed
        if not known.issuperset(tags):
            # Never echo the asked text: only the feed's own tags are named.
            listing = ", ".join(sorted(known)) or "none"
            return _plain("404 Not Found", f"This feed has no such tag. Its tags: {listing}.\n")
        key = ("tags", path, tuple(tags))
        if key not in snapshot.cache:
            body = render(site.filter_feed(item.feed, tags), snapshot.stamps)
            _remember(snapshot.cache, key, _resource(body, ICS_TYPE, resource.modified, resource.cache_control))
        return snapshot.cache[key]

    def _page(self, snapshot: Snapshot, environ) -> Resource:
        base = self.base_url or self.request_base(environ)
        today = lock.now_utc().date()  # repeating events list their next dates from the day of the request
        key = ("page", base, today)
        if key not in snapshot.cache:
            # The same ?v= as a build's: its first 12 hex digits are the ETag's.
            versions = {path: r.etag.strip('"')[:12] for path, r in snapshot.resources.items() if path.endswith(".ics")}
            body = page.render(snapshot.published, base, snapshot.language, snapshot.editions, "", versions, self.title, today)
            _remember(snapshot.cache, key, _resource(body, HTML_TYPE, snapshot.modified, "public, no-cache", vary=not self.base_url, policy=PAGE_POLICY))
        return snapshot.cache[key]

    def request_base(self, environ) -> str:
        """The address for the page's links without a base URL: the Host asked
        for when it is a known name of this server, else the listening address."""
        scheme = "https" if environ.get("wsgi.url_scheme") == "https" else "http"
        prefix = environ.get("SCRIPT_NAME", "").rstrip("/")
        if not PREFIX_RE.fullmatch(prefix):
            prefix = ""  # only a plain path prefix from the server's configuration
        host = environ.get("HTTP_HOST", "").lower()
        default_port = {"http": "80", "https": "443"}[scheme]
        if host and HOST_RE.fullmatch(host):
            name = host.removesuffix(f":{default_port}")
            if name in self.allowed_hosts or (":" not in name.rsplit("]", 1)[-1] and f"{name}:{default_port}" in self.allowed_hosts):
                return f"{scheme}://{name}{prefix}/"
        if self.listen:
            return f"{scheme}://{_host_port(*self.listen, default_port)}{prefix}/"
        name, port = environ.get("SERVER_NAME", "localhost"), environ.get("SERVER_PORT", default_port)
        return f"{scheme}://{_host_port(name, port, default_port)}{prefix}/"


def _log_request(line: str) -> None:
    """Access lines under another WSGI server: through logging, at INFO."""
    if log.isEnabledFor(logging.INFO):
        log.info("%s", line)


def _identities(folders: list[str]) -> list[tuple[int, int] | None]:
    """Each folder's (device, inode), None where it is missing: a replaced folder has another."""
    result = []
    for folder in folders:
        try:
            st = os.stat(folder)
            result.append((st.st_dev, st.st_ino))
        except OSError:
            result.append(None)
    return result


def known_hosts(listen: tuple[str, int] | None, allowed: Iterable[str]) -> frozenset[str]:
    """host:port names the page's links may take from the Host header."""
    names = set()
    for entry in allowed:
        entry = entry.strip().lower()
        if not HOST_RE.fullmatch(entry):
            raise KeydatesError(f"--allow-host: {entry!r} is not a host name or host:port")
        names.add(entry)
        if listen and ":" not in entry.rsplit("]", 1)[-1]:
            names.add(f"{entry}:{listen[1]}")
    if listen:
        host, port = listen
        names.add(_host_port(host, port, ""))
        try:
            if ipaddress.ip_address(host).is_loopback:
                names.add(f"localhost:{port}")
        except ValueError:
            pass
    return frozenset(names)


def _host_port(host: str, port, default_port: str) -> str:
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return host if str(port) == default_port else f"{host}:{port}"


def create_app(paths: Iterable | str = (), base_url: str | None = None, **site_settings) -> App:
    """The WSGI application for event files or folders (default: events/).

    `site_settings` are the site file's (root, title, language) and the
    server's (listen, allowed_hosts).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return App(paths, base_url, **site_settings)


# --- the server -----------------------------------------------------------


def listening_port(host: str, port: int) -> int:
    """Check that host:port can be listened on; the port to use (a free one for 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            return probe.getsockname()[1]
    except (OSError, OverflowError) as e:
        raise KeydatesError(f"cannot listen on {host}:{port}: {getattr(e, 'strerror', None) or e}") from None


def serve_forever(app: App, host: str, port: int, ready=lambda: None, access_log=None) -> None:
    """Run `app` on granian (Rust, one worker process forked with the site
    already built) until interrupted; `ready()` once the socket listens.
    `access_log`: a stream for one line per request, or None."""
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import MPServer

    def loader(target):
        app.start_watching()  # in the worker: its own watcher thread
        # Straight to the stream: the logging module cost 8 µs a request, this 1 µs.
        app.access_log = (lambda line: access_log.write(line + "\n")) if access_log else None
        return app

    server = MPServer(
        "keydates.web:app", address=host, port=port, interface=Interfaces.WSGI, workers=1, blocking_threads=1,
        backlog=2048, log_level=LogLevels.warning, log_access=False,
    )  # fmt: skip
    # The worker binds the port itself (SO_REUSEPORT): ready once it answers a connect.
    server.on_startup(lambda: threading.Thread(target=_when_listening, args=(host, port, ready), daemon=True).start())
    server.serve(target_loader=loader)


def _when_listening(host: str, port: int, ready, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host if host not in ("0.0.0.0", "::") else "localhost", port), timeout=1).close()
            ready()
            return
        except OSError:
            time.sleep(0.02)
    log.error("error: the server did not start listening on %s:%s in %d s", host, port, timeout)


def startup_lines(app: App, host: str, port: int) -> list[str]:
    """What `keydates serve` prints: where the page and each feed are, http and webcal."""
    local = f"http://{_host_port(host, port, '')}/"
    snapshot = app.snapshot
    calendars = len(snapshot.published) - 1
    events = len(snapshot.published[-1].feed.entries)
    lines = [f"Serving {calendars} calendar{'s' if calendars != 1 else ''} ({events} events); edits to the event files are picked up when saved.", f"  page: {local}"]
    for item in snapshot.published:
        url = local + item.path
        lines.append(f"  {item.feed.id}: {url}  {page.webcal(url)}")
        if app.base_url:
            public = page.feed_url(item, app.base_url)
            lines.append(f"  {' ' * len(item.feed.id)}  public: {public}  {page.webcal(public)}")
    lines.append("Press Ctrl+C to stop.")
    return lines


def exposure_warning(host: str, base_url: str | None) -> str | None:
    """A warning for listening beyond loopback without a base URL."""
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback or base_url:
        return None
    return (
        f"serving on {host}, beyond this machine, without --base-url: the page's links use the listening"
        " address (or a name given with --allow-host); set --base-url to the public address"
    )


# --- small parts ------------------------------------------------------------


def printable(text: str) -> str:
    """Text for a log line: every non-printable character (and backslash) escaped, so no request forges a line."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(map(_escaped, text))


def _escaped(char: str) -> str:
    if char == "\\":
        return "\\\\"
    return char if char.isprintable() else char.encode("unicode_escape").decode("ascii")


def _wire_text(target: str) -> str:
    """PATH_INFO's latin-1 text as the UTF-8 it was sent as, where it is UTF-8."""
    try:
        return target.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return target


def _not_modified(environ, resource: Resource) -> bool:
    """RFC 9110 13.1: If-None-Match decides when present, else If-Modified-Since.

    A validator that cannot be read is ignored (a full answer), never an error.
    """
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if if_none_match == resource.etag:  # the common case, without splitting
            return True
        tags = [tag.strip() for tag in if_none_match.split(",")]
        return "*" in tags or any(tag.removeprefix("W/") == resource.etag for tag in tags)
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since:
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return resource.modified <= when
    return False


def _plain(status: str, text: str, extra: list | None = None):
    body = text.encode("utf-8")
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), ("Cache-Control", "no-cache")]
    return status, headers + SECURITY_HEADERS + (extra or []), body


def _remember(cache: dict, key, value) -> None:
    if len(cache) >= CACHE_LIMIT:
        cache.pop(next(iter(cache)))
    cache[key] = value


def _mtime(entry: tuple) -> datetime:
    if len(entry) < 2 or entry[1] is None or not isinstance(entry[1], int):
        return datetime.min.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(entry[1] / 1e9, timezone.utc)
