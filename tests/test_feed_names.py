"""Tag feed file names never fail a build, and a failed write leaves nothing behind."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from conftest import event_file, run
from keydates import build
from keydates.site import TAG_NAME_LIMIT, tag_file_name

LONG_TAG = "长期合作伙伴关系" * 25  # 200 characters, 1,800 bytes percent-encoded


def test_long_tag_builds_with_a_bounded_stable_name(tmp_path):
    body = f'[[event]]\nid = "e"\ntitle = "E"\ndate = 2026-02-06\nurl = "https://example.com/"\ntags = ["{LONG_TAG}", "{LONG_TAG}x", "short"]\n'
    path = event_file(tmp_path, body)
    assert run("check", path).exit_code == 0
    first = run("build", path, "-o", tmp_path / "dist")
    assert first.exit_code == 0, first.stderr
    names = sorted(p.name for p in (tmp_path / "dist" / "test").iterdir())
    assert "short.ics" in names
    long_names = [name for name in names if name.endswith(".ics") and name != "short.ics"]
    assert len(long_names) == 2  # same prefix, different tags: different files
    for name in long_names:
        assert len(name.encode()) <= TAG_NAME_LIMIT + len(".ics")
        assert LONG_TAG.startswith(unquote(name.rsplit("-", 1)[0]))  # a readable prefix, cut between escapes
    again = run("build", path, "-o", tmp_path / "dist")
    assert sorted(p.name for p in (tmp_path / "dist" / "test").iterdir()) == names
    page = (tmp_path / "dist" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{quote("test/" + name)}"' in page for name in long_names)  # the page links to them
    assert again.exit_code == 0


@pytest.mark.parametrize("tag", ["plain", "with space", "a/b", "..", "%41", "x" * TAG_NAME_LIMIT])
def test_short_tags_keep_their_percent_encoded_name(tag):
    assert tag_file_name(tag) == quote(tag, safe="")


def test_failed_write_leaves_no_new_folder(tmp_path, monkeypatch):
    out = tmp_path / "new" / "dist"
    calls = []
    real = tempfile.mkstemp

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", failing)
    files = {out / "a.ics": b"a", out / "tag" / "b.ics": b"b", out / "tag" / "c.ics": b"c"}
    with pytest.raises(build.KeydatesError, match="No space left on device"):
        build.write_files(files, out)
    assert not (tmp_path / "new").exists()
    assert list(tmp_path.iterdir()) == []
    assert Path(tmp_path).exists()
