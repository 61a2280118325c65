"""`kimi-conformance openapi`: the document on stdout, or written atomically to a file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from conformance.cli import main
from conformance.contract import openapi


def test_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == openapi.build()
    validate(document)


def test_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "kimi.json"
    target.write_text("old contents")
    assert main(["openapi", "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text(encoding="utf-8")) == openapi.build()
    assert os.listdir(tmp_path) == ["kimi.json"]  # no temporary file left behind


def test_failed_write_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "kimi.json"
    target.write_text("old contents")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    assert main(["openapi", "-o", str(target)]) == 2
    assert target.read_text() == "old contents"
    assert os.listdir(tmp_path) == ["kimi.json"]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("relative", "words"),
    [("missing/kimi.json", "does not exist"), (".", "it is a folder")],
)
def test_bad_output_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], relative: str, words: str
) -> None:
    assert main(["openapi", "--output", str(tmp_path / relative)]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
