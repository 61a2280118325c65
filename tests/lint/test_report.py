"""The three output formats, the CLI's exit codes, and the key never echoed anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conformance.cli import main
from conformance.lint import lint_paths
from conformance.lint.report import to_json, to_sarif, to_text

PROJECT = Path(__file__).parent.parent / "data" / "lint_project"
FAKE_KEY_PART = "FAKEKEY0"  # the fixture's obviously fake key is "sk-" + this, six times

# The parts of SARIF 2.1.0 (OASIS, sarif-schema-2.1.0.json) that GitHub code scanning reads,
# transcribed as required there: no PyPI package ships the official schema.
SARIF_REQUIRED = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "format": "uri"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {"type": "object", "required": ["id"]},
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message", "ruleId", "locations"],
                            "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {"type": "object", "required": ["text"]},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation", "region"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine"],
                                                        "properties": {
                                                            "startLine": {"minimum": 1},
                                                            "startColumn": {"minimum": 1},
                                                        },
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def result():
    return lint_paths([PROJECT])


def test_sarif_has_the_required_structure(result) -> None:
    document = json.loads(to_sarif(result))
    jsonschema.validate(document, SARIF_REQUIRED)
    run = document["runs"][0]
    assert len(run["results"]) == len(result.findings)
    for item in run["results"]:
        assert run["tool"]["driver"]["rules"][item["ruleIndex"]]["id"] == item["ruleId"]


def test_the_structure_check_can_fail(result) -> None:
    document = json.loads(to_sarif(result))
    del document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SARIF_REQUIRED)


def test_json_lists_every_finding(result) -> None:
    document = json.loads(to_json(result))
    assert document["files_scanned"] == 17
    assert {(f["rule"], f["path"], f["line"]) for f in document["findings"]} == {
        (f.rule, f.path, f.line) for f in result.findings
    }


def test_severity_filters_the_report(result) -> None:
    errors_only = json.loads(to_json(result, "error"))["findings"]
    assert errors_only and all(f["severity"] == "error" for f in errors_only)
    assert len(errors_only) < len(result.findings)


@pytest.mark.parametrize("fmt", [to_text, to_json, to_sarif])
def test_the_key_never_appears_in_any_format(result, fmt) -> None:
    assert any(f.rule == "hardcoded-key" for f in result.findings)
    assert FAKE_KEY_PART not in fmt(result)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_cli_exit_1_on_findings_and_key_absent_from_output(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", str(PROJECT), "--format", fmt]) == 1
    out = capsys.readouterr()
    assert FAKE_KEY_PART not in out.out + out.err
    assert "hardcoded-key" in out.out


def test_cli_exit_0_on_a_clean_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(PROJECT / "openrouter"), str(PROJECT / "app" / "clean.py")]) == 0
    assert capsys.readouterr().out.startswith("0 finding(s) in 2 file(s)")


def test_cli_severity_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "old.py").write_text('MODEL = "kimi-latest"\n')  # a warning only
    assert main(["lint", str(tmp_path)]) == 1
    assert main(["lint", str(tmp_path), "--severity", "error"]) == 0
    assert main(["lint", str(tmp_path), "--severity", "note"]) == 1


def test_cli_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "lint.sarif"
    assert main(["lint", str(PROJECT), "--format", "sarif", "--output", str(target)]) == 1
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"
    assert FAKE_KEY_PART not in target.read_text()


def test_cli_usage_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path / "missing")]) == 2
    assert main(["lint", str(PROJECT), "--output", str(tmp_path / "no" / "dir" / "x")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("error:" in line for line in err)
    assert "Traceback" not in "".join(err)


def test_every_lint_rule_names_its_evidence_and_only_documented_ones_are_errors() -> None:
    from conformance.contract.evidence import RULES as EVIDENCE
    from conformance.lint.findings import HYGIENE, RULES

    for rule in RULES.values():
        assert rule.evidence in EVIDENCE, rule
        if rule.severity == "error" and rule.id not in HYGIENE:
            assert EVIDENCE[rule.evidence].fails_run, (rule.id, EVIDENCE[rule.evidence].level)
