"""The wheel carries what `pip install . && kimi-conformance run` needs: the suite with its
ini and regression examples, the schemas and the cassettes (force-included from the top
of the checkout)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(out)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (built,) = out.glob("kimi_conformance-*.whl")
    return zipfile.ZipFile(built)


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
