"""`kimi-conformance schemas`: one line per schema, name then description."""

from __future__ import annotations

import pytest

from conformance.cli import main
from conformance.contract import schemas


def test_lists_every_name_with_its_description(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == schemas.names()
    for line, name in zip(lines, schemas.names(), strict=True):
        assert line.endswith(schemas.describe(name))
        assert len(schemas.describe(name)) > 0


def test_rejects_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["schemas", "extra"])
    assert exc.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_json_lists_names_and_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["schemas", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing == [{"name": n, "description": schemas.describe(n)} for n in schemas.names()]
