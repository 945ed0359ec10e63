"""keydates diff names every change subscribers will see; changes.atom tells feed readers."""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from urllib.parse import urlsplit

import feedparser
import pytest

from conftest import run

HEADER = '[calendar]\nid = "ir"\nname = "IR dates"\ntimezone = "Asia/Shanghai"\n'
RESULTS = '[[event]]\nid = "results"\ntitle = "Quarterly results"\ndate = 2026-02-19\nurl = "https://example.com/r"\ntags = ["earnings"]\n'
CALL = '[[event]]\nid = "call"\ntitle = "Analyst call"\nstart = 2026-02-19T20:00:00\nduration = "1h"\nurl = "https://example.com/c"\n'
DAY = '[[event]]\nid = "day"\ntitle = "Investor day"\ndate = 2026-03-10\nurl = "https://example.com/d"\n'
UIDS = {name: f"{name}.ir@keydates" for name in ("results", "call", "day")}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "events").mkdir()
    return tmp_path


def write(folder, *events):
    (folder / "events" / "ir.toml").write_text(HEADER + "\n" + "\n".join(events), encoding="utf-8")


def build(epoch="1770000000"):
    result = run("build", env={"SOURCE_DATE_EPOCH": epoch})
    assert result.exit_code == 0, result.output
    return result


def diff_json(*args):
    result = run("diff", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_kind_of_change_in_text_and_json(folder):
    write(folder, RESULTS, CALL, DAY)
    build()
    write(folder, RESULTS.replace("2026-02-19", "2026-02-26"), CALL + 'status = "cancelled"\n',
          '[[event]]\nid = "agm"\ntitle = "AGM"\ndate = 2026-06-01\nurl = "https://example.com/a"\n')
    data = diff_json()
    events = {e["uid"]: e for e in data["calendars"][0]["events"]}
    assert data["counts"] == {"added": 1, "removed": 1, "cancelled": 1, "changed": 1}
    moved = events[UIDS["results"]]
    assert moved["kind"] == "changed" and moved["sequence"] == {"old": 0, "new": 1} and moved["moved_days"] == 7
    assert {"name": "when", "old": "19 Feb 2026", "new": "26 Feb 2026"} in moved["fields"]
    assert events[UIDS["call"]]["kind"] == "cancelled"
    assert events[UIDS["day"]]["kind"] == "removed"
    assert events["agm.ir@keydates"]["kind"] == "added"
    assert "ir/earnings.ics" in data["feeds"]["changed"]
    text = run("diff").stdout
    assert "~ Quarterly results  (SEQUENCE 0 → 1, moved 7 days later)" in text
    assert "when: '19 Feb 2026' → '26 Feb 2026'" in text
    assert "x Analyst call" in text and "- Investor day" in text and "+ AGM" in text
    assert text.rstrip().endswith("1 changed, 1 added, 1 cancelled, 1 removed")


def test_exit_code_says_whether_something_changed(folder):
    write(folder, RESULTS)
    build()
    assert run("diff", "--exit-code").exit_code == 0
    write(folder, RESULTS.replace("Quarterly results", "Q4 results"))
    changed = run("diff", "--exit-code")
    assert changed.exit_code == 1 and "title: 'Quarterly results' → 'Q4 results'" in changed.stdout


def test_a_vanished_tag_feed_is_named(folder):
    write(folder, RESULTS, DAY)
    build()
    write(folder, RESULTS.replace('tags = ["earnings"]', ""), DAY)
    assert diff_json()["feeds"]["removed"] == ["ir/earnings.ics"]


def test_without_an_earlier_build_the_lock_stands_in(folder):
    write(folder, RESULTS, DAY)
    build()
    import shutil

    shutil.rmtree(folder / "dist")
    write(folder, RESULTS.replace("2026-02-19", "2026-02-20"))
    data = diff_json()
    assert data["against"].startswith("the lock")
    events = {e["uid"]: e for e in data["calendars"][0]["events"]}
    assert {"name": "when", "old": "19 Feb 2026", "new": "20 Feb 2026"} in events[UIDS["results"]]["fields"]
    assert events[UIDS["day"]]["kind"] == "removed"


def test_against_a_git_revision(folder):
    def git(*args):
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)

    write(folder, RESULTS, DAY)
    build()
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "empty")
    git("add", "events")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "events")
    write(folder, RESULTS.replace("Quarterly results", "Q4 results"), DAY)
    data = diff_json("--against", "HEAD")
    assert data["against"] == "git revision HEAD" and data["counts"]["changed"] == 1
    first = diff_json("--against", "HEAD~1")  # no events then: everything is new
    assert first["counts"] == {"added": 2, "removed": 0, "cancelled": 0, "changed": 0}
    bad = run("diff", "--against", "no-such-ref")
    assert bad.exit_code == 1 and "is not 'lock', a folder, or a git revision" in bad.stderr


def test_change_feed_is_atom_with_one_entry_per_build_and_stable(folder):
    write(folder, RESULTS, DAY)
    build("1770000000")
    write(folder, RESULTS.replace("2026-02-19", "2026-02-26"), DAY)
    build("1771000000")
    first = (folder / "dist" / "changes.atom").read_bytes()
    feed = feedparser.parse(first)
    assert not feed.bozo, feed.bozo_exception
    assert [e.title for e in feed.entries][0] == "Quarterly results moved from 19 Feb 2026 to 26 Feb 2026"
    assert len(feed.entries) == 2  # the first build's additions, then the move
    assert feed.entries[0].updated == "2026-02-13T16:26:40Z"
    build("1790000000")  # nothing changed: same bytes whatever the clock
    assert (folder / "dist" / "changes.atom").read_bytes() == first


def page_ids(html: str) -> set[str]:
    """Every id attribute of the page, as a browser reads them."""

    class Ids(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids = set()

        def handle_starttag(self, tag, attrs):
            self.ids.update(value for name, value in attrs if name == "id")

    parser = Ids()
    parser.feed(html)
    return parser.ids


def test_every_change_feed_link_lands_on_an_anchor_of_the_page(folder):
    # Two calendars sharing the id "results" get anchors "ir:results" and "other:results" on the page.
    other = '[calendar]\nid = "other"\nname = "Other"\ntimezone = "UTC"\n\n' + RESULTS
    (folder / "events" / "other.toml").write_text(other, encoding="utf-8")
    agm = '[[event]]\nid = "agm"\ntitle = "AGM"\ndate = 2026-06-01\n'
    moved = RESULTS.replace("2026-02-19", "2026-02-26")
    write(folder, RESULTS, CALL, DAY, agm)
    build("1770000000")
    write(folder, moved, CALL, agm)  # one moved, one removed
    build("1771000000")
    write(folder, moved, CALL.replace("Analyst call", "Analyst Q&A"), agm)
    build("1772000000")
    write(folder, moved, CALL.replace("Analyst call", "Analyst Q&A"))  # a removal alone: its calendar's section
    build("1773000000")
    ids = page_ids((folder / "dist" / "index.html").read_text(encoding="utf-8"))
    feed = feedparser.parse((folder / "dist" / "changes.atom").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    links = {entry.title: urlsplit(entry.link) for entry in feed.entries}
    assert len(links) == 4
    for title, link in links.items():
        assert link.path.endswith("index.html") and link.fragment in ids, (title, link.geturl(), sorted(ids))
    assert links["Analyst Q&A (renamed from “Analyst call”)"].fragment == "call"
    moved = next(link for title, link in links.items() if title.startswith("2 changes: Quarterly results moved"))
    assert moved.fragment == "ir:results"  # the event's own anchor, not the other calendar's
    assert [link.fragment for title, link in links.items() if title.startswith("Removed: AGM")] == ["feed-ir"]
