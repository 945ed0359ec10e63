"""keydates init: a working project in one command, never over an existing file."""

from __future__ import annotations

import tomllib

from conftest import parse, run


def test_init_then_build_check_list_in_a_fresh_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("init", "product-dates", "--timezone", "Europe/Berlin")
    assert result.exit_code == 0, result.output
    project = tmp_path / "product-dates"
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()) == [
        ".gitignore", "events/product-dates.toml", "keydates.toml"]
    assert "Next: cd product-dates && keydates build" in result.stdout

    monkeypatch.chdir(project)
    built = run("build")
    assert built.exit_code == 0, built.output
    assert "product-dates: 5 events -> dist/product-dates.ics" in built.stdout
    assert "warning" not in built.stderr, built.stderr  # the example pins its calendar id already
    lenient, strict = parse((project / "dist" / "product-dates.ics").read_bytes())
    assert len(strict.events) == 5
    assert "<title>Product dates</title>" in (project / "dist" / "index.html").read_text(encoding="utf-8")
    assert run("build", "--frozen").exit_code == 0  # the lock the first build wrote is current

    checked = run("check", "--strict")
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "ok: 1 calendar, 5 events, 0 warnings\n"
    listed = run("list", "--width", "0")
    assert listed.exit_code == 0
    for title in ("Product launch", "Trade fair", "Launch team sync", "Partner announcement expected", "Launch review"):
        assert title in listed.stdout
    assert "3 business days after Product launch" in listed.stdout


def test_the_example_says_when_in_every_way(tmp_path):
    assert run("init", tmp_path / "x", "--timezone", "UTC").exit_code == 0
    text = (tmp_path / "x" / "events" / "x.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    keys = [set(event) for event in data["event"]]
    assert {"date"} <= keys[0] and {"start", "end"} <= keys[1] and {"start", "duration", "repeat"} <= keys[2]
    assert {"when"} <= keys[3] and {"relative_to", "offset", "time"} <= keys[4]
    assert text.count("#") >= 10  # commented
    assert len(text.splitlines()) < 60  # short


def test_init_never_overwrites_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keydates.toml").write_text("# mine\n", encoding="utf-8")
    result = run("init")
    assert result.exit_code == 1
    assert "keydates.toml already exists; nothing was written" in result.stderr
    assert (tmp_path / "keydates.toml").read_text(encoding="utf-8") == "# mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keydates.toml"]

    assert run("init", "again").exit_code == 0
    before = {p: p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}
    second = run("init", "again", "--github-pages")
    assert second.exit_code == 1 and "already exist" in second.stderr
    assert {p: p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()} == before  # not even the workflow


def test_an_existing_gitignore_is_left_alone_with_a_note(tmp_path):
    (tmp_path / ".gitignore").write_text("*.pyc\n", encoding="utf-8")
    result = run("init", tmp_path, "--timezone", "UTC")
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "*.pyc\n"
    assert "exists and was left as it is: add the line /dist/ to it" in result.stderr
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / ".gitignore").write_text("/dist/\n", encoding="utf-8")
    assert run("init", tmp_path / "b").stderr == ""


def test_github_pages_workflow_builds_frozen_and_publishes_the_output(tmp_path):
    result = run("init", tmp_path, "--github-pages", "--timezone", "UTC")
    assert result.exit_code == 0, result.output
    workflow = (tmp_path / ".github" / "workflows" / "keydates-pages.yml").read_text(encoding="utf-8")
    assert "keydates build --frozen" in workflow
    assert "actions/upload-pages-artifact" in workflow and "path: dist" in workflow
    assert "actions/deploy-pages" in workflow
    assert "${{ steps.pages.outputs.base_url }}" in workflow  # left for GitHub, not filled in by keydates
    output = tomllib.loads((tmp_path / "keydates.toml").read_text(encoding="utf-8"))["site"]["output"]
    assert output == "dist"


def test_bad_timezone_is_refused(tmp_path):
    result = run("init", tmp_path / "y", "--timezone", "Europe/Berln")
    assert result.exit_code == 2
    assert "unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?)" in result.stderr
    assert not (tmp_path / "y").exists()
