"""What depends on what (ARCHITECTURE.md) holds: the import-linter contracts in
pyproject.toml are kept, and each of them is shown to catch the import it forbids."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(no_cache=True, no_logo=True))"
)


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    """import-linter with `cwd`'s pyproject.toml, on the `conformance` package in `cwd`."""
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [sys.executable, "-c", LINT], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_contracts_are_kept() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


# (module, what a careless change adds to it, the contract that must catch it)
VIOLATIONS = [
    (
        "contract/catalog.py",
        "from conformance.run import session\n",
        "The contract depends on nothing above it BROKEN",
    ),
    (
        "emulator/chat.py",  # imported lazily, inside a function: still a dependency
        "def _late():\n    from conformance.run import clients\n",
        "The emulator never imports the suite, the plugin, run/",
    ),
    (
        "strategies/messages.py",
        "from conformance.emulator import core\n",
        "The public fuzz strategies do not depend on the reference emulator BROKEN",
    ),
    (
        "suite/test_batches.py",
        "from conformance.suite import test_files\n",
        "No suite module imports another (shared helpers live in checks/) BROKEN",
    ),
    (
        "suite/conftest.py",
        "from conformance.plugin import RUN_KEY\n",
        "The layers, top to bottom: a module imports only from layers below its own BROKEN",
    ),
    (
        "commands/run.py",
        "def _late():\n    import conformance.suite.test_chat\n",
        "Nothing imports the suite: pytest collects it BROKEN",
    ),
    (
        "run/preflight.py",  # session imports preflight: a cycle, however lazy
        "def _late():\n    from conformance.run.session import Run\n",
        "No cycles between the modules of a package, nor between packages BROKEN",
    ),
    (
        "emulator/transports.py",  # a TYPE_CHECKING import counts too
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from conformance.emulator.core import Emulator as _Core\n",
        "No cycles between the modules of a package, nor between packages BROKEN",
    ),
    (
        "newthing.py",  # a new top-level module must be given a layer
        '"""Somewhere."""\n',
        "The layers, top to bottom",
    ),
]


@pytest.mark.parametrize(("module", "added", "broken"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_each_contract_catches_what_it_forbids(
    tmp_path: Path, module: str, added: str, broken: str
) -> None:
    # Given a copy of the package and its contracts,
    shutil.copytree(
        ROOT / "conformance", tmp_path / "conformance", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    # when one module gains the import,
    path = tmp_path / "conformance" / module
    path.write_text((path.read_text() if path.exists() else "") + "\n" + added)
    # then import-linter fails, naming the contract.
    done = _lint(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert broken in " ".join(done.stdout.split()), done.stdout
