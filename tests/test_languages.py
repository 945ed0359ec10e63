"""Languages: every generated word from a complete catalog, German feeds and pages."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from conftest import REPO, event_file, parse, run, vevents
from test_page import Elements

LOCALE = REPO / "src" / "keydates" / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/keydates.po"))


def extracted() -> set:
    """Every message in the source and templates, read afresh with babel.cfg (as pybabel extract does)."""
    with open(REPO / "babel.cfg", encoding="utf-8") as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "say": (2,)}
    return {message for _, _, message, _, _ in extract_from_dir(REPO, method_map, options_map, keywords=keywords)}


def test_there_are_english_and_german_catalogs():
    assert {path.parts[-3] for path in CATALOGS} == {"en", "de"}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_catalog_translates_every_message(path):
    catalog = read_po(path.open("rb"))
    translated = {message.id: message.string for message in catalog if message.id}
    wanted = extracted()
    assert len(wanted) > 40  # the extraction itself found the page's and describe's words
    missing = [m for m in wanted if m not in translated]
    assert not missing, f"{path}: not in the catalog (run pybabel update, docs/languages.md): {missing}"
    empty = [m for m, s in translated.items() if not s or (isinstance(s, tuple) and not all(s))]
    assert not empty, f"{path}: untranslated: {empty}"
    assert not [m.id for m in catalog if m.id and m.fuzzy], f"{path}: fuzzy entries"
    stale = [m for m in translated if m not in wanted]
    assert not stale, f"{path}: messages no longer in the source: {stale}"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_committed_mo_files_match_their_po_files(path):
    """The .mo files are committed (an editable install compiles nothing): they must say what the .po says."""
    with path.with_suffix(".mo").open("rb") as file:
        compiled = gettext.GNUTranslations(file)._catalog
    for message in read_po(path.open("rb")):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for index, form in enumerate(message.string):
                assert compiled[(message.id[0], index)] == form, message.id
        else:
            assert compiled[message.id] == message.string, message.id


GERMAN = """\
[calendar]
name = "Eckdaten"
timezone = "Europe/Berlin"
language = "de"
remind = ["1d"]

[[event]]
id = "deepseek-v4"
title = "DeepSeek V4 erwartet"
when = "mid-february 2026"
url = "https://example.com/v4"

[[event]]
id = "ergebnisse"
title = "Quartalszahlen"
date = 2026-02-19
url = "https://example.com/q"
"""


def test_a_german_calendar_gets_a_german_feed_and_page(tmp_path):
    path = event_file(tmp_path, GERMAN)
    result = run("build", path, "-o", tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    data = (tmp_path / "dist" / "test.ics").read_bytes()
    events = vevents(data)
    window = events["deepseek-v4.test@keydates"]
    assert str(window["DESCRIPTION"]).startswith("Mitte Februar 2026 erwartet, genaues Datum unbekannt (irgendwann 11.–20. Feb. 2026).")
    assert str(window["DESCRIPTION"]).endswith("Quelle: https://example.com/v4")
    assert window["SUMMARY"].params["LANGUAGE"] == "de" and window["DESCRIPTION"].params["LANGUAGE"] == "de"
    alarm = next(c for c in events["ergebnisse.test@keydates"].subcomponents if c.name == "VALARM")
    assert str(alarm["DESCRIPTION"]) == "Erinnerung: Quartalszahlen"
    _, strict = parse(data)  # the strict parser takes the LANGUAGE parameters too
    assert len(strict.events) == 2
    html = (tmp_path / "dist" / "index.html").read_text(encoding="utf-8")
    assert Elements(html).elements[0] == ("html", {"lang": "de"})
    assert "<dt>Zuletzt aktualisiert</dt>" in html and "2. Feb. 2026, 02:40 UTC" in html
    assert "Mitte Februar 2026 (irgendwann 11.–20. Feb. 2026)" in html  # the list, as the feed says it
    assert "Do., 19. Feb. 2026" in html
    assert "Einmal abonnieren" in html and "Subscribe once" not in html


def test_english_text_is_not_marked_with_a_language(tmp_path):
    """English feeds stay as they were written before languages existed."""
    path = event_file(tmp_path, '[[event]]\nid = "a"\ntitle = "A"\nwhen = "q3 2026"\n')
    assert run("build", path, "-o", tmp_path / "dist").exit_code == 0
    data = (tmp_path / "dist" / "test.ics").read_bytes()
    assert b"LANGUAGE=" not in data
    assert "Expected Q3 2026 (some time from 1 Jul\u2009–\u200930 Sept 2026; the exact date is not known)."  # CLDR's thin spaces in str(vevents(data)["a.test@keydates"]["DESCRIPTION"])


def test_the_default_timeline_in_german_and_english(tmp_path):
    """The shipped timeline has English and German text: one feed and one page per language, same UIDs."""
    from conftest import copy_events

    events = copy_events(tmp_path)
    result = run("build", events, "-o", tmp_path / "dist", "--frozen")
    assert result.exit_code == 0, result.stderr
    dist = tmp_path / "dist"
    english = vevents((dist / "alibaba-qwen-cny-2026.ics").read_bytes())
    german_data = (dist / "de" / "alibaba-qwen-cny-2026.ics").read_bytes()
    german = vevents(german_data)
    assert english.keys() == german.keys()  # switching language updates, never duplicates
    for uid in english:
        assert english[uid]["SEQUENCE"] == german[uid]["SEQUENCE"] and english[uid]["DTSTART"].dt == german[uid]["DTSTART"].dt
    v4 = "deepseek-v4.alibaba-qwen-cny-2026@keydates"
    assert str(german[v4]["SUMMARY"]) == "DeepSeek V4 erwartet" and german[v4]["SUMMARY"].params["LANGUAGE"] == "de"
    assert str(german[v4]["DESCRIPTION"]).startswith("Mitte Februar 2026 erwartet, genaues Datum unbekannt")
    assert str(english[v4]["DESCRIPTION"]).startswith("Expected mid-February 2026")
    lenient, strict = parse(german_data)
    assert str(lenient["X-WR-CALNAME"]) == "Alibaba Qwen: Chinesisches Neujahr 2026" and len(strict.events) == 8
    assert vevents((dist / "de" / "alibaba-qwen-cny-2026" / "event" / "deepseek-v4.ics").read_bytes())[v4]["SUMMARY"] == "DeepSeek V4 erwartet"
    assert (dist / "de" / "alibaba-qwen-cny-2026" / "holiday.ics").is_file()
    root = Elements((dist / "index.html").read_text(encoding="utf-8"))
    page = (dist / "de" / "index.html").read_text(encoding="utf-8")
    de = Elements(page)
    assert root.elements[0] == ("html", {"lang": "en"}) and de.elements[0] == ("html", {"lang": "de"})
    assert [a["href"] for t, a in root.elements if t == "a" and "hreflang" in a] == ["de/index.html"]
    assert [a["href"] for t, a in de.elements if t == "a" and "hreflang" in a] == ["../index.html"]
    assert "Wichtige Eckdaten rund um Alibabas" in page and "Zuletzt aktualisiert" in page
    assert "alibaba-qwen-cny-2026.ics" in de.links("download")  # de/alibaba-qwen-cny-2026.ics, beside the page
