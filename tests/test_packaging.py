"""The wheel carries what `pip install . && kimi-conformance run` needs: the suite with its
ini and regression examples, the schemas and the cassettes (force-included from the top
of the checkout); and it installs and runs next to the newest Hypothesis and openai
(the plugin loads into every pytest run of an environment, so it must not hold users
back)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(out)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (built,) = out.glob("kimi_conformance-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel(wheel_path: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(wheel_path)


def test_wheel_has_the_data_the_main_job_needs(wheel):
    names = set(wheel.namelist())
    schemas = {p.name for p in (ROOT / "schemas").glob("*.json")}
    assert {f"conformance/_data/schemas/{name}" for name in schemas} <= names
    assert "conformance/_data/schemas/upstream/moonshot-openapi-2026-08-17.json" in names
    cassettes = {p.relative_to(ROOT).as_posix() for p in (ROOT / "cassettes").rglob("*.yaml")}
    assert cassettes and {f"conformance/_data/{c}" for c in cassettes} <= names
    assert "conformance/_data/cassettes/PROVENANCE.json" in names
    for shipped in ("suite/suite.ini", "suite/fuzz_regressions.json", "suite/conftest.py"):
        assert f"conformance/{shipped}" in names


def test_wheel_registers_the_plugin_and_the_command(wheel):
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "kimi-conformance = conformance.cli:main" in text
    assert "kimi_conformance = conformance.plugin" in text


def _newest(pip: list[str], name: str) -> str:
    done = subprocess.run(
        [*pip, "index", "versions", name], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split("(", 1)[1].split(")", 1)[0]


@pytest.mark.timeout(900)  # a fresh environment from the package index: about 2 minutes
def test_the_wheel_runs_next_to_the_newest_hypothesis_and_openai(wheel_path, tmp_path):
    """A fresh environment: the wheel, and the newest Hypothesis and openai the package
    index serves (pip resolves them; no upper bound of ours may hold either back). The
    shipped suite then runs whole, fuzz properties included (fewer examples: the point is
    that Hypothesis' and the SDK's newest releases work, not the fuzzing)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    newest = {name: _newest(pip, name) for name in ("hypothesis", "openai")}
    install = subprocess.run(
        [*pip, "install", "--quiet", str(wheel_path),
         *(f"{name}=={version}" for name, version in newest.items())],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    listed = subprocess.run(
        [*pip, "list", "--format", "json"], capture_output=True, text=True, check=True
    )
    installed = {p["name"].lower(): p["version"] for p in json.loads(listed.stdout)}
    assert {name: installed[name] for name in newest} == newest
    assert "hypothesis-jsonschema" not in installed and "respx" not in installed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOONSHOT_", "KIMI_"))}
    command = str(venv / "bin" / "kimi-conformance")
    done = subprocess.run(
        [command, "run", "-q", "--fuzz-examples", "20", "--report-json", "r.json"],
        capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert " passed" in output and " failed" not in output and "Traceback" not in output
    checks = json.loads((tmp_path / "r.json").read_text())["checks"]
    assert any(c["id"].startswith("test_fuzz.py") and c["outcome"] == "passed" for c in checks)
    # Recording never writes into the installed package: one line naming --cassettes.
    done = subprocess.run(
        [command, "run", "--target", "emulator", "--record-mode=rewrite", "-k", "test_balance"],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR:")]
    assert done.returncode == 4 and len(errors) == 1, done.stderr[-2000:]
    assert "would write into the installed package" in errors[0] and "--cassettes" in errors[0]
