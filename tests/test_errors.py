"""Every kind of bad input: exit status 1, one line per problem naming file,
event and field, no traceback, and nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import event_file, run

GOOD = """
[[event]]
id = "ok"
title = "Fine"
date = 2026-02-06
url = "https://example.com/"
"""

# The corpus of bad input: one file per case in tests/data/bad/, whose first
# line says the message it must produce after "error: events/<case>.toml: ".
BAD_FILES = sorted((Path(__file__).parent / "data" / "bad").glob("*.toml"))
EXPECT = "# expect: "


def expected_message(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    assert first.startswith(EXPECT), f"{path.name}: the first line must be '{EXPECT}<message>'"
    return first[len(EXPECT) :]


def test_corpus_is_there():
    assert len(BAD_FILES) >= 60


@pytest.mark.parametrize("source", BAD_FILES, ids=[path.stem for path in BAD_FILES])
@pytest.mark.parametrize("command", ["build", "check", "list"])
def test_bad_input_is_reported_and_nothing_written(tmp_path, source, command, in_tmp):
    (tmp_path / "events").mkdir()
    shutil.copyfile(source, tmp_path / "events" / source.name)
    message = f"events/{source.name}: {expected_message(source)}"
    result = run(command)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert any(line.startswith(f"error: {message}") for line in errors), result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "dist").exists()
    assert not (tmp_path / "events" / "keydates.lock").exists()


def test_every_problem_is_reported_not_just_the_first(tmp_path, in_tmp):
    event_file(tmp_path, '[[event]]\nid = "a"\ntitel = "A"\ndate = 2026-02-06\n\n[[event]]\nid = "b"\ntitle = "B"\nwhen = "soon"\n', name="one.toml")
    event_file(tmp_path, '[[event]]\ntitle = "C"\ndate = 2026-02-06\n', name="two.toml")
    result = run("check")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: events/one.toml: event 'a': titel: unknown key (did you mean 'title'?)",
        "error: events/one.toml: event 'a': title: missing (required)",
        "error: events/one.toml: event 'b': when: cannot read 'soon' as a window: accepted forms: "
        "early|mid|late MONTH YEAR (e.g. 'mid-february 2026'), MONTH YEAR ('january 2025'), "
        "Qn YEAR ('q3 2026'), Hn YEAR ('h2 2026'), YEAR ('2027')",
        "error: events/two.toml: event #1: id: missing (required)",
    ]
    assert result.stderr.splitlines()[-1] == "4 problems found."  # check never writes


def test_non_utf8_file(tmp_path, in_tmp):
    path = event_file(tmp_path, GOOD)
    path.write_bytes(path.read_bytes().replace(b"Fine", b"F\xe9e"))  # Latin-1 e-acute
    result = run("build")
    assert result.exit_code == 1
    assert "error: events/test.toml: not valid UTF-8: byte 0xe9 at line 8, column 11 (save the file as UTF-8)" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_missing_path(tmp_path, in_tmp):
    result = run("build", "nowhere.toml")
    assert result.exit_code == 1
    assert "error: nowhere.toml: no such file or folder" in result.stderr


def test_empty_events_folder(tmp_path, in_tmp):
    (tmp_path / "events").mkdir()
    result = run("build")
    assert result.exit_code == 1
    assert "error: events: no event files (*.toml) in this folder" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_duplicate_calendar_ids(tmp_path, in_tmp):
    event_file(tmp_path, '[calendar]\nid = "same"\nname = "A"\ntimezone = "UTC"\n' + GOOD, name="a.toml")
    event_file(tmp_path, '[calendar]\nid = "same"\nname = "B"\ntimezone = "UTC"\n' + GOOD, name="b.toml")
    result = run("build")
    assert result.exit_code == 1
    assert "error: events/b.toml: [calendar] id: calendar id 'same' is also used by events/a.toml" in result.stderr


def test_file_name_that_is_no_calendar_id(tmp_path, in_tmp):
    event_file(tmp_path, GOOD, name="My Events.toml")
    result = run("build")
    assert result.exit_code == 1
    assert "error: events/My Events.toml: [calendar] id: the file name 'My Events.toml' does not make a calendar id ('My Events' is not a valid id" in result.stderr


def test_unwritable_output_folder(tmp_path, in_tmp):
    event_file(tmp_path, GOOD)
    (tmp_path / "blocker").write_text("a file, not a folder")
    result = run("build", "-o", "blocker/dist")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: blocker/dist: cannot write: ")
    assert not (tmp_path / "events" / "keydates.lock").exists()


def test_broken_edit_keeps_the_published_feed(tmp_path, in_tmp):
    path = event_file(tmp_path, GOOD)
    assert run("build").exit_code == 0
    before = {p: p.read_bytes() for p in (tmp_path / "dist").rglob("*") if p.is_file()}  # per-event files in dist/test/event/
    lock_before = (tmp_path / "events" / "keydates.lock").read_bytes()
    path.write_text(path.read_text().replace("2026-02-06", "2026-02-31"))
    result = run("build")
    assert result.exit_code == 1
    assert {p: p.read_bytes() for p in (tmp_path / "dist").rglob("*") if p.is_file()} == before
    assert (tmp_path / "events" / "keydates.lock").read_bytes() == lock_before


def test_warnings_do_not_fail_unless_strict(tmp_path, in_tmp):
    event_file(tmp_path, '[calendar]\nid = "test"\nname = "Test"\ntimezone = "UTC"\n[[event]]\nid = "a"\ntitle = "A"\ndate = 2026-02-06\n')
    result = run("check")
    assert result.exit_code == 0
    assert "warning: events/test.toml: event 'a': url: no source url (where does this date come from?)" in result.stderr
    assert result.stdout == "ok: 1 calendar, 1 event, 1 warning\n"
    strict = run("check", "--strict")
    assert strict.exit_code == 1
    assert "warning: events/test.toml: event 'a': url: no source url" in strict.stderr


def test_cli_choices_are_the_modules_own():
    """cli spells the choices out (importing the modules would slow --help); they must agree."""
    from keydates import cli, convert, diff, listing

    assert (cli.LIST_FORMATS, cli.DIFF_FORMATS, cli.IMPORT_FORMATS, cli.DATE_ORDERS) == (
        listing.FORMATS, diff.FORMATS, convert.FORMATS, convert.DATE_ORDERS)
