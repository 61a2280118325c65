"""`kimi-conformance drift` end to end through the CLI: exit codes, formats, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conformance.cli import main

DATA = Path(__file__).resolve().parent.parent / "data" / "openapi"
OLD_SPEC = str(DATA / "2026-05-25_f8926ed8.json")  # before the k2 previews were removed
NEW_SPEC = str(DATA / "2026-06-12_474dd14c.json")
WIDER = str(DATA / "2026-08-17_5a0c5b82.json")  # one additive change against 08-12
NARROW = str(DATA / "2026-08-12_71cf7ae1.json")


def drift(*args: str) -> int:
    return main(["drift", *args])


def test_breaking_spec_changes_fail_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert drift("--spec", NEW_SPEC, "--baseline", OLD_SPEC) == 1
    out = capsys.readouterr().out
    assert out.startswith("## Kimi API drift: OpenAPI spec")
    assert "kimi-k2-thinking" in out


@pytest.mark.parametrize(
    ("new", "old", "fail_on", "code"),
    [
        (NEW_SPEC, OLD_SPEC, "never", 0),
        (WIDER, NARROW, "breaking", 0),
        (WIDER, NARROW, "additive", 1),
        (WIDER, WIDER, "additive", 0),
    ],
)
def test_fail_on_decides_the_exit_code(new: str, old: str, fail_on: str, code: int) -> None:
    assert drift("--spec", new, "--baseline", old, "--fail-on", fail_on) == code


def test_json_output_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "drift.json"
    code = drift("--spec", WIDER, "--baseline", NARROW, "--format", "json", "--output", str(target))
    assert code == 0
    document = json.loads(target.read_text())
    assert document["summary"] == {"breaking": 0, "additive": 1}
    assert capsys.readouterr().out == f"drift: 0 breaking, 1 additive -> {target}\n"


def test_models_report_states_the_configured_models_fate_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"data": [{"id": "kimi-k2.5"}, {"id": "kimi-k2.6"}]}))
    new.write_text(json.dumps({"data": [{"id": "kimi-k2.6"}, {"id": "kimi-k3"}]}))
    assert drift("--models", str(old), str(new), "--model", "kimi-k2.6") == 0
    out = capsys.readouterr().out
    assert out.index("Configured model 'kimi-k2.6' is still listed") < out.index("| severity")
    assert drift("--models", str(old), str(new), "--model", "kimi-k2.5") == 1
    assert "REMOVED" in capsys.readouterr().out


def test_responses_against_a_baseline_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def write(folder: Path, body: dict[str, object]) -> None:
        folder.mkdir()
        interaction = {
            "request": {"method": "GET", "uri": "https://api.moonshot.ai/v1/users/me/balance"},
            "response": {
                "status": {"code": 200},
                "headers": {},
                "body": {"string": json.dumps(body)},
            },
        }
        (folder / "balance.yaml").write_text(yaml.safe_dump({"interactions": [interaction]}))

    write(tmp_path / "base", {"code": 0, "data": {"available_balance": 1.5}, "status": True})
    write(tmp_path / "new", {"code": 0, "data": {}, "status": True})
    args = ["--responses", str(tmp_path / "new"), "--baseline-dir", str(tmp_path / "base")]
    assert drift(*args) == 1
    assert "data.available_balance" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "choose exactly one source"),
        (["--spec", WIDER, "--models", WIDER, WIDER], "choose exactly one source"),
        (["--models", WIDER, WIDER, "--baseline", WIDER], "--baseline only goes with --spec"),
        (["--spec", WIDER, "--model", "kimi-k2.6"], "--model only goes with --models"),
        (["--spec", "/nonexistent/new.json", "--baseline", WIDER], "does not exist"),
        (["--spec", __file__, "--baseline", WIDER], "is not JSON"),
        (["--models", WIDER, WIDER], "not a /v1/models response"),
        (["--spec", WIDER, "--baseline", WIDER, "--output", "/nonexistent/x.md"], "does not exist"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert drift(*args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
