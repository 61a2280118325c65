"""Running `kimi-conformance` in-process, as the command tests do."""

from __future__ import annotations

import contextlib
import io
import sys

import pytest

from conformance.cli import main


def run_cli(argv: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    """Run the CLI with `stdin` as standard input; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    fake_stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setattr(sys, "stdin", fake_stdin)
        code = main(argv)
    return code, out.getvalue(), err.getvalue()
