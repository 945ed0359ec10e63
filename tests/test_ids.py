"""Ids made from any text, and the suggestions given for an invalid id."""

from __future__ import annotations

import pytest

from keydates.ids import ID_RE, slug, suggestion, unique


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("münchen", "muenchen"),
        ("Straße Süd", "strasse-sued"),
        ("Ärger Öl Übung", "aerger-oel-uebung"),
        ("春节", "chun-jie"),
        ("Москва", "moskva"),
        ("Café crème", "cafe-creme"),
        ("Alibaba's Q3 results", "alibabas-q3-results"),
        ("  --Deep  Seek--  ", "deep-seek"),
        ("!!!", ""),
        ("", ""),
    ],
)
def test_slug(text, expected):
    assert slug(text) == expected
    assert expected == "" or ID_RE.match(expected)


def test_slug_is_kept_short_at_a_word_boundary():
    made = slug("word " * 40)
    assert len(made) <= 60 and ID_RE.match(made) and not made.endswith("-")


def test_unique_prefers_the_extra_then_numbers():
    taken = {"sync"}
    assert unique("sync", taken, "2026-03-02") == "sync-2026-03-02"
    assert unique("sync", taken, "2026-03-02") == "sync-2"
    assert unique("other", taken) == "other"
    assert taken == {"sync", "sync-2026-03-02", "sync-2", "other"}


def test_suggestion():
    assert suggestion("münchen") == " (did you mean 'muenchen'?)"
    assert suggestion("!!!", "Board meeting") == " (did you mean 'board-meeting', made from the title?)"
    assert suggestion("!!!", "★", "name") == ""
    assert suggestion("fine-id") == ""
