"""The composite action's scripts, run as GitHub runs them: bash, the inputs in the
environment, $RUNNER_TEMP, $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY as files, and the
installed kimi-conformance where the install step puts it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
LINT_PROJECT = ROOT / "tests" / "data" / "lint_project"


def _step(step_id: str) -> dict[str, Any]:
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    (step,) = [s for s in steps if s.get("id") == step_id]
    return step


@pytest.fixture
def runner(tmp_path: Path):
    """Run one step's script; return (exit code, outputs, step summary, log)."""
    temp = tmp_path / "runner-temp"
    venv_bin = temp / "kimi-conformance-venv" / "bin"
    venv_bin.mkdir(parents=True)
    command = shutil.which("kimi-conformance", path=str(Path(sys.executable).parent))
    assert command is not None
    (venv_bin / "kimi-conformance").symlink_to(command)

    def run(step_id: str, cwd: Path, **env: str) -> tuple[int, dict[str, str], str, str]:
        outputs, summary = tmp_path / "output", tmp_path / "summary"
        outputs.write_text("")
        summary.write_text("")
        base = {k: v for k, v in os.environ.items() if not k.startswith(("MOONSHOT_", "KIMI_"))}
        done = subprocess.run(
            ["bash", "-e", "-c", _step(step_id)["run"]],
            cwd=cwd, capture_output=True, text=True, timeout=300,
            env={**base, "RUNNER_TEMP": str(temp), "GITHUB_OUTPUT": str(outputs),
                 "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true", **env},
        )  # fmt: skip
        values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if line)
        return done.returncode, values, summary.read_text(), done.stdout + done.stderr

    return run


def test_the_lint_input_writes_sarif_and_remembers_the_findings(runner, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(LINT_PROJECT, project)
    code, outputs, summary, log = runner("lint", project, LINT_PATHS="app config")
    assert code == 0, log  # findings do not stop the suite; the run step decides
    assert outputs["status"] == "1"
    sarif = json.loads(Path(outputs["sarif"]).read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert "findings in app config" in summary


def test_a_lint_that_cannot_run_fails_the_step(runner, tmp_path):
    code, _, _, log = runner("lint", tmp_path, LINT_PATHS="no-such-folder")
    assert code == 2 and "::error title=kimi-conformance lint::" in log


def test_a_preflight_failure_fills_the_step_summary(runner, tmp_path):
    code, outputs, summary, log = runner(
        "run", tmp_path, KIMI_TARGET="live", MOONSHOT_BASE_URL="https://api.moonshot.ia/v1",
        MOONSHOT_API_KEY="sk-" + "Ab1" * 16, FAIL_ON="failures", KIMI_MODEL_ID="",
        KIMI_BUDGET_TOKENS="", LINT_STATUS="",
    )  # fmt: skip
    assert code == 4, log
    assert "Preflight failed" in summary and "did you mean api.moonshot.ai?" in summary
    assert json.loads(Path(outputs["report-json"]).read_text())["verdict"] == "preflight-failed"
    assert "::error title=kimi-conformance%3A preflight failed::" in log


def test_lint_findings_fail_a_passing_suite_unless_fail_on_never(runner, tmp_path):
    env = {"KIMI_TARGET": "replay", "KIMI_MODEL_ID": "", "MOONSHOT_BASE_URL": "",
           "KIMI_BUDGET_TOKENS": "", "LINT_STATUS": "1"}  # fmt: skip
    # -k through PYTEST_ADDOPTS: one quick check keeps this test short
    quick = {"PYTEST_ADDOPTS": "-k test_balance_conforms"}
    code, _, summary, log = runner("run", tmp_path, FAIL_ON="failures", **env, **quick)
    assert code == 1 and "Kimi API conformance" in summary, log
    code, _, _, log = runner("run", tmp_path, FAIL_ON="never", **env, **quick)
    assert code == 0, log
