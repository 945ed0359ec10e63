"""The change feed, changes.atom: one Atom 1.0 entry (RFC 4287) per build that changed something.

For people who need to know now: calendar clients take hours to refresh a
subscription, a feed reader minutes. Made from the change log the lock keeps,
never from the clock, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

from keydates.describe import Language, change_text, say
from keydates.model import ChangeEntry

LIMIT = 50  # entries in the feed, newest first


def render(
    entries: Iterable[ChangeEntry], title: str, base_url: str | None, since: datetime | None, lang: Language, page: str = "index.html",
    anchors: Mapping[str, str] | None = None, sections: Mapping[str, str] | None = None,
) -> bytes:
    """The Atom document for `entries` (any order; newest first in the feed).

    `since`: the feed's time while it has no entry (the newest LAST-MODIFIED).
    `anchors`: the anchor of each event the page lists, by UID, and
    `sections`: that of each calendar's section, by calendar id
    (page.change_anchors). An entry links its first change's event, else
    (removed, or not listed) its calendar's section, else the page.
    """
    anchors, sections = anchors or {}, sections or {}
    ordered = sorted(entries, key=lambda entry: (entry.at, entry.key), reverse=True)[:LIMIT]
    # The feed's id must never change (RFC 4287 4.2.6): from its address if
    # known, else from its title.
    feed_id = f"{base_url}changes.atom" if base_url else "urn:keydates:changes:" + hashlib.sha256(title.encode("utf-8")).hexdigest()[:16]
    home = base_url or "./"
    heading = say(lang, "Changes: {title}", title=title)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <id>{escape(feed_id)}</id>",
        f"  <title>{escape(heading)}</title>",
        f"  <updated>{_time(ordered[0].at if ordered else since or datetime(1970, 1, 1, tzinfo=timezone.utc))}</updated>",
        "  <author><name>keydates</name></author>",
        "  <generator>keydates</generator>",
        f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(home + page)}/>",
    ]
    if base_url:
        lines.append(f'  <link rel="self" type="application/atom+xml" href={quoteattr(base_url + "changes.atom")}/>')
    for entry in ordered:
        texts = [change_text(item, lang) for item in entry.items]
        if entry.more:
            texts.append(say(lang, "and {count} more changes", count=entry.more))
        headline = texts[0] if len(texts) == 1 else say(lang, "{count} changes: {first}; …", count=len(entry.items) + entry.more, first=texts[0])
        first = entry.items[0] if entry.items else None
        fragment = (anchors.get(first.uid) or sections.get(first.calendar)) if first is not None else None
        link = home + page + (f"#{fragment}" if fragment else "")
        lines += [
            "  <entry>",
            f"    <id>urn:keydates:change:{entry.key}</id>",
            f"    <title>{escape(headline)}</title>",
            f"    <updated>{_time(entry.at)}</updated>",
            f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(link)}/>",
            f"    <content type=\"text\">{escape(chr(10).join(texts))}</content>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _time(moment) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
