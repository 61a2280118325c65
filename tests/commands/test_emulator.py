"""`kimi-conformance emulator`: where it listens, the key clients must send and a line
to paste, clean stop on SIGINT/SIGTERM, usage errors as one line with exit 2, and a key
read from a variable never printed."""

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
        assert process.stdout is not None
        rest = process.stdout.readline() + process.stdout.readline()
        headers = {"Authorization": f"Bearer {SECRET}"}
        with httpx.Client(base_url=match[1], headers=headers) as c:
            assert c.get("/models").status_code == 500  # the injected fault, once
            assert c.get("/models").status_code == 200
        process.send_signal(sig)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0
    assert out == ""
    assert rest.splitlines() == [
        "key (clients send Authorization: Bearer <key>): the value of $KIMI_TEST_KEY (not printed)",
        f'export MOONSHOT_BASE_URL={match[1]} MOONSHOT_API_KEY="$KIMI_TEST_KEY"',
    ]
    assert "Traceback" not in err
    assert SECRET not in line + rest + out + err


@pytest.mark.parametrize("given", [None, "sk-local-test-key"])
def test_prints_the_key_and_a_line_to_paste(given: str | None) -> None:
    """The environment line, pasted into a shell, points a live run at the emulator."""
    from conformance.emulator.core import DEFAULT_KEY

    with emulator_process(*(["--key", given] if given else [])) as (process, line):
        rest = [process.stdout.readline() for _ in range(2)] if process.stdout else []
        base_url = line.removeprefix("listening on ").strip()
        key = given or DEFAULT_KEY
        assert rest[0].startswith("key (clients send Authorization: Bearer <key>): " + key)
        assert ("the default" in rest[0]) is (given is None)
        assert rest[1] == f"export MOONSHOT_BASE_URL={base_url} MOONSHOT_API_KEY={key}\n"
        env_line = dict(part.split("=", 1) for part in rest[1].split()[1:])
        with httpx.Client(base_url=env_line["MOONSHOT_BASE_URL"]) as client:
            answer = client.get(
                "/models", headers={"Authorization": f"Bearer {env_line['MOONSHOT_API_KEY']}"}
            )
        assert answer.status_code == 200
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--host", "0.0.0.0"], {}, "not a loopback address"),
        (["--key-env", "KIMI_UNSET_VARIABLE"], {}, "KIMI_UNSET_VARIABLE"),
        (["--fault", "meltdown"], {}, "unknown fault 'meltdown'"),
        (["--tier", "tier9"], {}, "unknown tier"),
        (["--port", "70000"], {}, "out of range"),
        (["--key", " "], {}, "--key is empty"),
        (["--balance", "-1"], {}, "use an amount of USD >= 0"),
        (["--balance", "nan"], {}, "use an amount of USD >= 0"),
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
