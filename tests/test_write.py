"""The one file writer (reports, drift, OpenAPI export, lint output, cassettes): a reader
sees the old file or the new one, never half; a failure leaves no temporary file and
says in one line what to fix."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conformance._write import check_writable, write_atomic
from conformance.errors import UsageError


def test_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")
    write_atomic(target, "new ✓\n")
    assert target.read_text(encoding="utf-8") == "new ✓\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.json"
    target.write_text("old")

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(UsageError, match=r"cannot write .*r\.json \(No space left on device\)"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_an_interrupted_write_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "r.json", "new")
    assert list(tmp_path.iterdir()) == []


def test_file_modes_are_those_of_an_ordinary_write(tmp_path: Path) -> None:
    new = tmp_path / "new.md"
    write_atomic(new, "x")
    assert stat.S_IMODE(new.stat().st_mode) == 0o644  # not mkstemp's 0600
    kept = tmp_path / "kept.md"
    kept.write_text("x")
    kept.chmod(0o600)
    write_atomic(kept, "y")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("missing/r.json", "folder {tmp}/missing does not exist; create it"),
        ("a-file/r.json", "folder {tmp}/a-file does not exist"),
        (".", "it is a folder; name a file"),
    ],
)
def test_an_unusable_path_is_one_line_before_anything_is_written(
    tmp_path: Path, where: str, words: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    for attempt in (check_writable, lambda path: write_atomic(path, "x")):
        with pytest.raises(UsageError) as info:
            attempt(tmp_path / where)
        assert words.format(tmp=tmp_path) in str(info.value)
        assert "\n" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
