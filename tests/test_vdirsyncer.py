"""A real calendar-sync client subscribes: vdirsyncer's http storage against keydates serve.

vdirsyncer's http storage, as shipped, throws every item's UID away and uses
a hash of the item's content instead (HttpStorage._ignore_uids, a class
attribute no configuration reaches), because some servers send duplicate
UIDs. So, as shipped, it cannot show that UIDs survive: an edited event is a
new item to it. The first test runs it exactly as shipped; the second runs the
same vdirsyncer command line with that one switch turned off, which is what
shows that the feed's UIDs arrive and that an edit updates the item in place.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import copy_events, vevents

CALENDAR_ID = "alibaba-qwen-cny-2026"
EDITED_UID = "qwen-campaign-start.alibaba-qwen-cny-2026@keydates"

CONFIG = """\
[general]
status_path = "{status}/"

[pair keydates]
a = "keydates_feed"
b = "keydates_local"
collections = null
conflict_resolution = "a wins"

[storage keydates_feed]
type = "http"
url = "{url}"

[storage keydates_local]
type = "filesystem"
path = "{local}/"
fileext = ".ics"
"""


KEEP_UIDS = (
    "import sys; from vdirsyncer.storage.http import HttpStorage; "
    "HttpStorage._ignore_uids = False; from vdirsyncer.cli import app; app(prog_name='vdirsyncer')"
)


def vdirsyncer(config: Path, *args: str, keep_uids: bool = False) -> str:
    """Run vdirsyncer's command line (from the test extra) in this interpreter."""
    program = ["-c", KEEP_UIDS] if keep_uids else ["-m", "vdirsyncer"]
    command = [sys.executable, *program, "-c", str(config), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def subscribe(tmp_path: Path, serve):
    """Serve the default timeline; configure vdirsyncer to follow its feed into a folder."""
    events = copy_events(tmp_path)
    server = serve("events")
    local = tmp_path / "local"
    local.mkdir()
    config = tmp_path / "vdirsyncer.conf"
    config.write_text(CONFIG.format(status=tmp_path / "status", url=server.url + f"{CALENDAR_ID}.ics", local=local))
    return events, local, config, server


def edit_title(events: Path) -> None:
    source = events / f"{CALENDAR_ID}.toml"
    source.write_text(source.read_text().replace('title.en = "Qwen New Year campaign starts"', 'title.en = "Qwen New Year campaign begins"'))


def local_items(folder: Path) -> dict[str, bytes]:
    """The synced items by UID; each file holds one event."""
    items = {}
    for path in sorted(folder.glob("*.ics")):
        (uid,) = vevents(path.read_bytes())
        items[uid] = path.read_bytes()
    return items


def summaries(folder: Path) -> list[str]:
    return sorted(str(event["SUMMARY"]) for path in folder.glob("*.ics") for event in vevents(path.read_bytes()).values())


def test_vdirsyncer_as_shipped_follows_the_feed(tmp_path, serve):
    events, local, config, server = subscribe(tmp_path, serve)
    vdirsyncer(config, "discover")
    vdirsyncer(config, "sync")
    before = summaries(local)
    assert len(before) == 8 and "Qwen New Year campaign starts" in before
    edit_title(events)
    server.rebuilt()
    vdirsyncer(config, "sync")
    after = summaries(local)
    assert len(after) == 8  # the edit replaced the old item: no duplicate, nothing lost
    assert after == sorted(["Qwen New Year campaign begins" if s == "Qwen New Year campaign starts" else s for s in before])


def test_vdirsyncer_keeps_uids_and_updates_in_place(tmp_path, serve):
    events, local, config, server = subscribe(tmp_path, serve)
    vdirsyncer(config, "discover", keep_uids=True)
    vdirsyncer(config, "sync", keep_uids=True)
    first = local_items(local)
    assert len(first) == 8
    assert all(uid.endswith(f".{CALENDAR_ID}@keydates") for uid in first)  # arrived with their UIDs

    edit_title(events)
    server.rebuilt()
    output = vdirsyncer(config, "sync", keep_uids=True)
    second = local_items(local)
    assert set(second) == set(first) and len(list(local.glob("*.ics"))) == 8  # updated, not added
    assert b"SUMMARY:Qwen New Year campaign begins" in second[EDITED_UID]
    assert {uid for uid in first if first[uid] != second[uid]} == {EDITED_UID}
    assert "Copying (updating) item" in output and "Copying (uploading)" not in output


def test_vdirsyncer_sees_a_change_a_cancellation_and_a_removal_in_place(tmp_path, serve):
    """After each sync the client holds one item per UID, the new SEQUENCE, the cancelled status, the removed item gone."""
    events, local, config, server = subscribe(tmp_path, serve)
    source = events / f"{CALENDAR_ID}.toml"
    vdirsyncer(config, "discover", keep_uids=True)
    vdirsyncer(config, "sync", keep_uids=True)
    moved, cancelled, removed = (f"{name}.{CALENDAR_ID}@keydates" for name in ("alibaba-quarterly-results", "deepseek-v4", "qwen-campaign-start"))

    def item(uid: str):
        return vevents(local_items(local)[uid])[uid]

    first = {uid: int(item(uid)["SEQUENCE"]) for uid in (moved, cancelled)}
    source.write_text(source.read_text().replace("date = 2026-02-19", "date = 2026-02-26"))
    server.rebuilt()
    vdirsyncer(config, "sync", keep_uids=True)
    assert len(local_items(local)) == 8 and int(item(moved)["SEQUENCE"]) == first[moved] + 1
    assert item(moved)["DTSTART"].dt.isoformat() == "2026-02-26"

    text = source.read_text()
    source.write_text(text.replace('when = "mid-february 2026"', 'when = "mid-february 2026"\nstatus = "cancelled"'))
    server.rebuilt()
    vdirsyncer(config, "sync", keep_uids=True)
    assert len(local_items(local)) == 8
    assert str(item(cancelled)["STATUS"]) == "CANCELLED" and int(item(cancelled)["SEQUENCE"]) == first[cancelled] + 1

    text = source.read_text()
    start = text.index('[[event]]\nid = "qwen-campaign-start"')
    source.write_text(text[:start] + text[text.index("[[event]]", start + 1):])
    server.rebuilt()
    vdirsyncer(config, "sync", keep_uids=True)
    items = local_items(local)
    assert len(items) == 7 and removed not in items
