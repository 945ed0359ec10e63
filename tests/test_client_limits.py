"""Warnings for feeds past what calendar clients are reported to read (docs/clients.md, "Limits")."""

from __future__ import annotations

import hashlib

from conftest import event_file, run
from keydates import site

HEADER = '[calendar]\nid = "big"\nname = "Big"\ntimezone = "UTC"\n'


def events(count: int, description: str = "") -> str:
    body = "".join(
        f'\n[[event]]\nid = "e{i}"\ntitle = "Event {i}"\ndate = 2026-03-01\nurl = "https://example.com/"\n'
        + (f'description = "{description}"\n' if description else "")
        for i in range(count)
    )
    return HEADER + body


def limit_warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if "Google Calendar is reported" in line]


def test_more_than_a_thousand_events_are_warned_of_by_check_and_build(tmp_path):
    path = event_file(tmp_path, events(site.FEED_EVENTS + 1))
    for result in (run("check", path), run("build", path, "-o", tmp_path / "dist")):
        assert result.exit_code == 0, result.stderr
        assert limit_warnings(result) == [
            f"warning: {path}: feed big.ics has 1,001 events; Google Calendar is reported to stop reading a feed past about "
            "1,000 events, so new subscribers may miss some: split the calendar, or keep a rolling window in its feed "
            '([calendar] window = { past = "90d", future = "2y" }; all.ics keeps every event)'
        ]
    assert (tmp_path / "dist" / "big.ics").is_file()  # a warning, not a refusal
    assert run("check", "--strict", path).exit_code == 1


def test_exactly_a_thousand_events_are_fine(tmp_path):
    path = event_file(tmp_path, events(site.FEED_EVENTS))
    assert limit_warnings(run("check", path)) == []


def test_a_feed_past_one_megabyte_is_warned_of(tmp_path):
    path = event_file(tmp_path, events(200, "x" * 6000))
    result = run("build", path, "-o", tmp_path / "dist")
    size = (tmp_path / "dist" / "big.ics").stat().st_size
    assert size > 1_000_000
    assert limit_warnings(result) == [
        f"warning: {path}: feed big.ics is {size / 1e6:.1f} MB; Google Calendar is reported to stop reading a feed past about 1 MB, "
        "so new subscribers may miss events: split the calendar, or keep a rolling window in its feed "
        '([calendar] window = { past = "90d", future = "2y" }; all.ics keeps every event), or shorten descriptions'
    ]
    smaller = event_file(tmp_path, events(200, "x" * 4000), name="small.toml")
    assert limit_warnings(run("check", smaller)) == []


def google_address(dist, base: str, path: str) -> str:
    """The address the page's Google link gives: webcal://, with ?v= from the feed's bytes."""
    version = hashlib.sha256((dist / path).read_bytes()).hexdigest()[:12]
    return "webcal://" + (base + path).split("://", 1)[1] + f"?v={version}"


def test_a_subscribe_address_past_256_characters_is_warned_of(tmp_path):
    path = event_file(tmp_path, HEADER + '\n[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-03-01\nurl = "https://example.com/"\ntags = ["x"]\n')
    # The feed's address: "webcal://example.org/" + folder + "/big.ics?v=" + 12 digits.
    fits = "https://example.org/" + "a" * (256 - len("webcal://example.org/") - len("/big.ics?v=") - 12) + "/"
    result = run("build", path, "-o", tmp_path / "fits", "--base-url", fits)
    assert len(google_address(tmp_path / "fits", fits, "big.ics")) == 256
    # Only its tag feed, big/x.ics, is longer: named, with the advice that fits it.
    assert limit_warnings(result) == [
        f"warning: {path}: the subscribe address of big/x.ics is 258 characters ({google_address(tmp_path / 'fits', fits, 'big/x.ics')[:50]}…); "
        "Google Calendar is reported to fail silently on addresses longer than 256: choose a shorter address to publish at, or shorter tags"
    ]
    longer = fits[:-1] + "b/"
    result = run("build", path, "-o", tmp_path / "long", "--base-url", longer)
    assert len(google_address(tmp_path / "long", longer, "big.ics")) == 257  # then big/x.ics and all.ics too
    assert limit_warnings(result) == [
        f"warning: {path}: the subscribe address of big.ics (and 2 other feeds of it) is 257 characters "
        f"({google_address(tmp_path / 'long', longer, 'big.ics')[:50]}…); "
        "Google Calendar is reported to fail silently on addresses longer than 256: choose a shorter address to publish at"
    ]


def test_the_default_timeline_is_within_every_limit(tmp_path):
    from conftest import copy_events

    result = run("build", copy_events(tmp_path), "-o", tmp_path / "dist", "--base-url", "https://example.org/cal/")
    assert result.exit_code == 0 and limit_warnings(result) == []
