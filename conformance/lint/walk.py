"""Which files `lint` reads: source and config files, skipping vendored and built trees."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from conformance.errors import UsageError

EXTENSIONS = frozenset(
    {".py", ".pyi", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx",
     ".yaml", ".yml", ".toml", ".json", ".jsonc", ".env"}
)  # fmt: skip
SKIP_DIRS = frozenset(
    {"node_modules", ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "build", "dist",
     ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages",
     ".next", ".eggs", "bower_components"}
)  # fmt: skip
MAX_BYTES = 1_000_000  # larger files are bundles or data, not integration code


def wanted(name: str) -> bool:
    """A file name `lint` scans when it meets it while walking a directory."""
    if name == ".env" or name.startswith(".env."):
        return True
    return os.path.splitext(name)[1].lower() in EXTENSIONS


def _walk(root: str) -> Iterator[str]:
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    if any(e.name == "pyvenv.cfg" for e in entries):
        return  # a virtualenv, whatever its name
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIP_DIRS and not entry.name.endswith(".egg-info"):
                    yield from _walk(entry.path)
            elif entry.is_file(follow_symlinks=False) and wanted(entry.name):
                yield entry.path
        except OSError:
            continue


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[str, str]]:
    """(file path, directory root it was found under, or "" for a file named explicitly)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root = str(path)
            yield from ((p, root) for p in sorted(_walk(root)))
        elif path.is_file():
            yield str(path), ""  # named explicitly: shown as given
        else:
            raise UsageError(
                f"{os.fspath(raw)!r} does not exist; pass files or directories to lint"
            )


def read_text(path: str) -> str | None:
    """The file's text, or None for a binary, oversized or unreadable file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_BYTES or b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")
