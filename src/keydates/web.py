"""keydates serve: a WSGI application for the feeds, per-tag feeds and the page.

Runs under any WSGI server (`gunicorn 'keydates.web:create_app("events")'`);
`keydates serve` runs it with waitress. It serves the same paths that
`keydates build` writes, from memory, never from the file system: a path is
either one of the site's files or a 404, so nothing else is reachable.

Each request first checks the event files and lock files (a stat each); when
they changed, the site is rebuilt with the same pipeline as `build`, without
writing anything. A rebuild that fails is logged and the last good site is
kept: a calendar client that meets an error may stop polling the feed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs

from keydates import lock, page, site
from keydates.build import folder_locks, write_served
from keydates.compile import Settings, compile_site, page_editions, page_language
from keydates.errors import InputError, KeydatesError
from keydates.ical import render
from keydates.load import find_event_files, read_folders, read_sources
from keydates.model import Stamp
from keydates.site import Published

log = logging.getLogger(__name__)

ICS_TYPE = "text/calendar; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_TYPE = "application/json"
CACHE_LIMIT = 64  # filtered feeds and per-host pages kept per site version


@dataclass(frozen=True)
class Resource:
    """One response body with its validators."""

    body: bytes
    content_type: str
    etag: str
    modified: datetime
    cache_control: str
    policy: str = ""  # a page's Content-Security-Policy header


def _resource(body: bytes, content_type: str, modified: datetime, cache_control: str, policy: str = "") -> Resource:
    # A strong ETag from the bytes themselves: equal bytes, equal tag, on any server.
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Resource(body, content_type, etag, modified, cache_control, policy)


# As a header the policy can say who may frame a page (a <meta> cannot):
# nobody for the subscribe pages, anybody for the embeddable timelines.
PAGE_POLICY = page.content_security_policy()
EMBED_POLICY = page.content_security_policy(framed=True)


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

    def feed(self, path: str) -> Published | None:
        return next((item for item in self.published if item.path == path), None)


class App:
    """The WSGI application: call it with (environ, start_response)."""

    def __init__(self, paths: Iterable, base_url: str | None = None, *, root: Path | None = None, title: str = "", language: str = "en"):
        self.paths = [Path(p) for p in paths]
        self.base_url = site.check_base_url(base_url)
        self.root, self.title, self.language = root, title, language  # from the site file
        self._lock = threading.Lock()
        self._failed: tuple | None = None
        self.snapshot = self._build(None, self._signature())  # bad input at start: InputError

    # --- building -------------------------------------------------------

    def _signature(self) -> tuple:
        """What the site depends on: each event file, lock file and folder, as stat results."""
        try:
            files = find_event_files(self.paths, root=self.root)
        except InputError as e:
            return ("error", str(e))
        watched = set(files) | {f.parent / lock.LOCK_NAME for f in files} | {p for p in self.paths if p.is_dir()}
        state = []
        for path in sorted(watched):
            try:
                st = path.stat()
                state.append((str(path), st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                state.append((str(path), None))
        return tuple(state)

    def _build(self, previous: Snapshot | None, signature: tuple) -> Snapshot:
        now = lock.now_utc()
        # What serve publishes beyond the lock is recorded beside it before it
        # is served, so that no later build or restart publishes lower stamps.
        with folder_locks(sorted({path.parent for path in find_event_files(self.paths, root=self.root)})):
            sources = read_sources(self.paths, root=self.root)
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
                resources[path] = _resource(body, HTML_TYPE, modified, "public, no-cache", policy)
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
        return Snapshot(
            signature, published, stamps, resources, latest,
            language=page_language(compiled.timeline, settings), editions=page_editions(compiled.timeline, settings),
        )  # fmt: skip

    def refresh(self) -> Snapshot:
        """The current site: rebuilt first if the files changed, the last good one if that fails."""
        signature = self._signature()
        if signature in (self.snapshot.signature, self._failed):
            return self.snapshot
        with self._lock:
            if signature in (self.snapshot.signature, self._failed):
                return self.snapshot
            try:
                self.snapshot = self._build(self.snapshot, signature)
                self._failed = None
                log.info("rebuilt: %s", ", ".join(f"{item.path} ({len(item.feed.entries)} events)" for item in self.snapshot.published))
            except KeydatesError as e:
                self._failed = signature
                for problem in getattr(e, "problems", None) or [e.format_message()]:
                    log.error("error: %s", problem)
                log.error("still serving the last good version; fix the files and it is rebuilt on the next request")
        return self.snapshot

    # --- answering ------------------------------------------------------

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        status, headers, body = self.respond(environ)
        start_response(status, headers)
        query = environ.get("QUERY_STRING", "")
        target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        log.info('%s "%s %s" %s %d', environ.get("REMOTE_ADDR", "-"), method, target, status.split()[0], len(body))
        return [b""] if method == "HEAD" else [body]

    def respond(self, environ) -> tuple[str, list[tuple[str, str]], bytes]:
        """Status, headers and body for one request."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _plain("405 Method Not Allowed", "Only GET and HEAD.\n", [("Allow", "GET, HEAD")])
        snapshot = self.refresh()
        resource = self._find(snapshot, environ)
        if resource is None:
            return _plain("404 Not Found", "Not found.\n")
        headers = [
            ("ETag", resource.etag),
            ("Last-Modified", formatdate(resource.modified.timestamp(), usegmt=True)),
            ("Cache-Control", resource.cache_control),
        ]
        if _not_modified(environ, resource):
            return "304 Not Modified", headers, b""
        headers += [
            ("Content-Type", resource.content_type),
            ("Content-Length", str(len(resource.body))),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if resource.policy:
            headers.append(("Content-Security-Policy", resource.policy))
        return "200 OK", headers, resource.body

    def _find(self, snapshot: Snapshot, environ) -> Resource | None:
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
        tags = sorted({t for t in parse_qs(environ.get("QUERY_STRING", "")).get("tag", []) if t})
        item = snapshot.feed(path)
        if resource is None or not tags or item is None:
            return resource
        key = ("tags", path, tuple(tags))
        if key not in snapshot.cache:
            body = render(site.filter_feed(item.feed, tags), snapshot.stamps)
            _remember(snapshot.cache, key, _resource(body, ICS_TYPE, resource.modified, resource.cache_control))
        return snapshot.cache[key]

    def _page(self, snapshot: Snapshot, environ) -> Resource:
        base = self.base_url or request_base(environ)
        today = lock.now_utc().date()  # repeating events list their next dates from the day of the request
        key = ("page", base, today)
        if key not in snapshot.cache:
            # The same ?v= as a build's: its first 12 hex digits are the ETag's.
            versions = {path: r.etag.strip('"')[:12] for path, r in snapshot.resources.items() if path.endswith(".ics")}
            body = page.render(snapshot.published, base, snapshot.language, snapshot.editions, "", versions, self.title, today)
            _remember(snapshot.cache, key, _resource(body, HTML_TYPE, snapshot.modified, "public, no-cache", PAGE_POLICY))
        return snapshot.cache[key]


def create_app(paths: Iterable | str = (), base_url: str | None = None, **site_settings) -> App:
    """The WSGI application for event files or folders (default: events/).

    `site_settings` are the site file's: root, title, language.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return App(paths, base_url, **site_settings)


def request_base(environ) -> str:
    """The address this request came to, as a base URL ending in '/' (PEP 3333)."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ.get("SERVER_NAME", "localhost")
        port = environ.get("SERVER_PORT", "")
        if port and port != {"http": "80", "https": "443"}.get(scheme):
            host += f":{port}"
    prefix = environ.get("SCRIPT_NAME", "").rstrip("/")
    return f"{scheme}://{host}{prefix}/"


def make_server(app: App, host: str, port: int):
    """A waitress server listening on host:port (port 0: any free port)."""
    import waitress

    try:
        return waitress.create_server(app, host=host, port=port, ident="keydates")
    except OSError as e:
        raise KeydatesError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None


def addresses(server) -> list[tuple[str, int]]:
    return list(getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)])


def startup_lines(app: App, server) -> list[str]:
    """What `keydates serve` prints: where the page and each feed are, http and webcal."""
    host, port = addresses(server)[0]
    host = f"[{host}]" if ":" in host else host
    local = f"http://{host}:{port}/"
    snapshot = app.snapshot
    calendars = len(snapshot.published) - 1
    events = len(snapshot.published[-1].feed.entries)
    lines = [f"Serving {calendars} calendar{'s' if calendars != 1 else ''} ({events} events); edits to the event files are picked up on the next request.", f"  page: {local}"]
    for item in snapshot.published:
        url = local + item.path
        lines.append(f"  {item.feed.id}: {url}  {page.webcal(url)}")
        if app.base_url:
            public = page.feed_url(item, app.base_url)
            lines.append(f"  {' ' * len(item.feed.id)}  public: {public}  {page.webcal(public)}")
    lines.append("Press Ctrl+C to stop.")
    return lines


def run(server) -> None:
    """Serve until interrupted."""
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _not_modified(environ, resource: Resource) -> bool:
    """RFC 9110 13.1: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        return "*" in tags or any(tag.removeprefix("W/") == resource.etag for tag in tags)
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since:
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return resource.modified <= when
    return False


def _plain(status: str, text: str, extra: list | None = None):
    body = text.encode("utf-8")
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), ("Cache-Control", "no-cache")]
    return status, headers + (extra or []), body


def _remember(cache: dict, key, value) -> None:
    if len(cache) >= CACHE_LIMIT:
        cache.pop(next(iter(cache)))
    cache[key] = value


def _mtime(entry: tuple) -> datetime:
    if len(entry) < 2 or entry[1] is None or not isinstance(entry[1], int):
        return datetime.min.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(entry[1] / 1e9, timezone.utc)
