"""The site file, keydates.toml: found like pyproject.toml, validated like an
event file, read by build, serve, check and list; flags win over it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import DEFAULT_TIMELINE, run

BAD_SITE_FILES = sorted((Path(__file__).parent / "data" / "bad-site").glob("*.toml"))
EXPECT = "# expect: "


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder with keydates.toml and the default timeline in timeline/; the current folder."""
    (tmp_path / "timeline").mkdir()
    shutil.copyfile(DEFAULT_TIMELINE, tmp_path / "timeline" / DEFAULT_TIMELINE.name)
    (tmp_path / "keydates.toml").write_text(
        '[site]\nbase_url = "https://example.org/cal"\ntitle = "Our key dates"\nevents = "timeline"\noutput = "public"\nlanguage = "de"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_build_reads_the_site_file(project):
    result = run("build")
    assert result.exit_code == 0, result.output
    page = (project / "public" / "index.html").read_text(encoding="utf-8")
    assert "<title>Our key dates</title>" in page
    assert "webcal://example.org/cal/alibaba-qwen-cny-2026.ics" in page
    assert (project / "timeline" / "keydates.lock").is_file()
    assert not (project / "dist").exists()


def test_found_from_a_subfolder_with_paths_relative_to_the_site_file(project, monkeypatch):
    (project / "notes").mkdir()
    monkeypatch.chdir(project / "notes")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "-> ../public/all.ics" in result.stdout
    assert (project / "public" / "all.ics").is_file()
    listed = run("list", "--today", "2026-02-01")
    # The site is German and the calendar sets no language: list shows what the feed says.
    assert listed.exit_code == 0 and "Alibaba Quartalszahlen" in listed.stdout
    assert run("check").stdout.startswith("ok: 1 calendar")


def test_flags_win_over_the_site_file(project):
    result = run("build", "-o", "elsewhere", "--base-url", "https://other.example/feeds/")
    assert result.exit_code == 0, result.output
    page = (project / "elsewhere" / "index.html").read_text(encoding="utf-8")
    assert "webcal://other.example/feeds/all.ics" in page
    assert not (project / "public").exists()


def test_without_a_site_file_everything_is_as_before(tmp_path, monkeypatch):
    (tmp_path / "events").mkdir()
    shutil.copyfile(DEFAULT_TIMELINE, tmp_path / "events" / DEFAULT_TIMELINE.name)
    (tmp_path / ".git").mkdir()  # the search stops at the repository's top
    monkeypatch.chdir(tmp_path)
    result = run("build")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dist" / "all.ics").is_file()
    assert "<title>Alibaba Qwen: Chinese New Year 2026</title>" in (tmp_path / "dist" / "index.html").read_text(encoding="utf-8")


def test_the_search_stops_at_the_top_of_a_repository(tmp_path, monkeypatch):
    (tmp_path / "keydates.toml").write_text('[site]\noutput = "wrong"\n', encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "events").mkdir()
    shutil.copyfile(DEFAULT_TIMELINE, repo / "events" / DEFAULT_TIMELINE.name)
    monkeypatch.chdir(repo)
    assert run("build").exit_code == 0
    assert (repo / "dist").is_dir() and not (repo / "wrong").exists()


def test_symlinks_may_lead_anywhere_inside_the_site_files_folder(project, monkeypatch):
    """The project folder is the site file's folder, not the current one."""
    (project / "shared").mkdir()
    shutil.move(project / "timeline" / DEFAULT_TIMELINE.name, project / "shared" / "qwen.toml")
    (project / "timeline" / "qwen.toml").symlink_to(project / "shared" / "qwen.toml")
    (project / "timeline" / "keydates.lock").unlink(missing_ok=True)
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    assert run("check").exit_code == 0
    outside = project.parent / f"{project.name}-outside.toml"
    shutil.copyfile(DEFAULT_TIMELINE, outside)
    (project / "timeline" / "other.toml").symlink_to(outside)
    result = run("check")
    assert result.exit_code == 1
    assert "../timeline/other.toml: is a symlink to" in result.stderr and "outside the project folder" in result.stderr


def test_serve_reads_the_site_file(project, serve):
    server = serve()
    assert any("public: https://example.org/cal/all.ics" in line for line in server.banner), server.banner
    status, _, body = server.request("/")
    assert status == 200 and b"<title>Our key dates</title>" in body


@pytest.mark.parametrize("source", BAD_SITE_FILES, ids=[path.stem for path in BAD_SITE_FILES])
@pytest.mark.parametrize("command", ["build", "check", "list"])
def test_bad_site_file_is_reported_and_nothing_written(tmp_path, monkeypatch, source, command):
    (tmp_path / "events").mkdir()
    shutil.copyfile(DEFAULT_TIMELINE, tmp_path / "events" / DEFAULT_TIMELINE.name)
    shutil.copyfile(source, tmp_path / "keydates.toml")
    expected = source.read_text(encoding="utf-8").split("\n", 1)[0].removeprefix(EXPECT)
    monkeypatch.chdir(tmp_path)
    result = run(command)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert any(line.startswith(f"error: keydates.toml: {expected}") for line in result.stderr.splitlines()), result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "dist").exists() and not (tmp_path / "events" / "keydates.lock").exists()
    if command == "build":
        assert result.stderr.rstrip().endswith("nothing was written.")


def test_list_and_diff_speak_the_site_files_language(project):
    """A calendar without a language of its own takes the site's, in list and diff as in build."""
    (project / "timeline" / DEFAULT_TIMELINE.name).unlink()
    (project / "timeline" / "de-only.toml").write_text(
        '[calendar]\nid = "nur-deutsch"\nname = "Nur Deutsch"\ntimezone = "Europe/Berlin"\n\n'
        '[[event]]\nid = "messe"\ntitle = { de = "Messe" }\nwhen = "mid-march 2026"\nurl = "https://example.org/"\n',
        encoding="utf-8",
    )
    assert run("build").exit_code == 0
    listed = run("list", "--format", "json")
    assert listed.exit_code == 0, listed.output  # the site is German: a German-only title is complete
    assert '"title": "Messe"' in listed.stdout
    compared = run("diff", "--exit-code")
    assert compared.exit_code == 0, compared.output  # the same feeds build wrote: German window text
