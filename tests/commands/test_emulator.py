"""`kimi-conformance emulator`: one line when listening, clean stop on SIGINT/SIGTERM,
usage errors as one line with exit 2, and the key never printed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from conformance.cli import main

SECRET = "sk-test-cli-key-000000000000000000000000000000000"


@contextmanager
def emulator_process(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        yield process, line
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_prints_one_line_serves_and_stops_cleanly(sig: signal.Signals) -> None:
    with emulator_process(
        "--key-env",
        "KIMI_TEST_KEY",
        "--fault",
        "server-error:times=1",
        env={"KIMI_TEST_KEY": SECRET},
    ) as (process, line):
        match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+/v1)\n", line)
        assert match, line
        headers = {"Authorization": f"Bearer {SECRET}"}
        with httpx.Client(base_url=match[1], headers=headers) as c:
            assert c.get("/models").status_code == 500  # the injected fault, once
            assert c.get("/models").status_code == 200
        process.send_signal(sig)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0
    assert out == "" and "Traceback" not in err
    assert SECRET not in line + out + err


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--host", "0.0.0.0"], {}, "not a loopback address"),
        (["--key-env", "KIMI_UNSET_VARIABLE"], {}, "KIMI_UNSET_VARIABLE"),
        (["--fault", "meltdown"], {}, "unknown fault 'meltdown'"),
        (["--tier", "tier9"], {}, "unknown tier"),
        (["--port", "70000"], {}, "out of range"),
        (["--key", " "], {}, "--key is empty"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    args: list[str],
    env: dict[str, str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KIMI_UNSET_VARIABLE", raising=False)
    assert main(["emulator", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
