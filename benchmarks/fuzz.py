"""Fuzzing throughput and fault finding: our properties against Schemathesis.

Prints, for N examples (default 200, the offline default):
1. examples/s of each fuzz property (valid, invalid) against the in-process emulator
   (httpx MockTransport, no socket) and over loopback (`serve()`, uvicorn);
2. examples/s of `schemathesis run` on `POST /v1/chat/completions` of the
   `kimi-conformance openapi` document against the same loopback emulator, N examples;
3. for each seeded fault (500 on astral characters, 500 on a message name longer than
   64 characters, 200 for an unknown role, non-JSON 502 on two tool messages in a row):
   whether each tool finds it with N examples, and how long it takes (including shrinking).

Everything runs on loopback (127.0.0.1) or in-process; nothing leaves the machine.
Needs `pip install schemathesis` (the `bench` extra); without it, part 2 and Schemathesis's
column of part 3 say so. Run from the repository root:

    python benchmarks/fuzz.py [--examples 200] [--skip-schemathesis]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the seeded faults live with the project's tests

from conformance.contract.model_ids import choose_model  # noqa: E402
from conformance.emulator.core import DEFAULT_KEY, Emulator  # noqa: E402
from conformance.emulator.server import serve  # noqa: E402
from conformance.strategies import oracle  # noqa: E402
from conformance.strategies.runner import Campaign  # noqa: E402
from tests.suite import fuzz_helpers  # noqa: E402
from tests.suite.conftest import MutantEmulator  # noqa: E402

FAULTS: dict[str, tuple[Callable[..., Any], str]] = {
    "astral-500": (fuzz_helpers.astral_500, "valid"),
    "long-name-500": (fuzz_helpers.long_name_500, "valid"),
    "unknown-role-200": (fuzz_helpers.unknown_role_200, "invalid"),
    "tool-pair-non-json-502": (fuzz_helpers.tool_pair_502, "valid"),
}


def schemathesis_command() -> str | None:
    """The `schemathesis` next to this Python (its venv), else on PATH."""
    beside = Path(sys.executable).with_name("schemathesis")
    return str(beside) if beside.exists() else shutil.which("schemathesis")


def the_model() -> str:
    model, _ = choose_model({"data": [m.to_json() for m in Emulator().models]}, None)
    assert model is not None
    return model


class Counting:
    """`send` for a Campaign through `client`, counting the requests."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.count = 0

    def __call__(self, body: dict[str, Any]) -> oracle.Exchange:
        self.count += 1
        return oracle.send(self.client, body)


def in_process_client(emulator: Emulator) -> httpx.Client:
    return httpx.Client(
        base_url="https://api.moonshot.ai/v1/",
        transport=emulator.httpx_transport(),
        headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
    )


def loopback_client(running: Any) -> httpx.Client:
    return httpx.Client(
        base_url=running.base_url + "/",
        headers={"Authorization": f"Bearer {running.api_key}"},
        timeout=30,
    )


def run_property(client: httpx.Client, prop: str, examples: int) -> tuple[float, int, str]:
    """(seconds, requests sent, outcome) of one property."""
    send = Counting(client)
    campaign = Campaign(send, the_model(), examples=examples, derandomize=True)
    start = time.perf_counter()
    try:
        getattr(campaign, prop)()
        outcome = "passed"
    except oracle.FuzzFailure as failure:
        outcome = "found: " + str(failure).splitlines()[0]
    return time.perf_counter() - start, send.count, outcome


def throughput(examples: int) -> None:
    print(f"== our properties, {examples} examples each (derandomized) ==")
    for prop in ("valid", "invalid"):
        seconds, sent, outcome = run_property(in_process_client(Emulator()), prop, examples)
        print(
            f"in-process  {prop:8} {sent / seconds:8.1f} examples/s "
            f"({sent} requests in {seconds:.2f} s, {outcome})"
        )
    with serve() as running:
        for prop in ("valid", "invalid"):
            seconds, sent, outcome = run_property(loopback_client(running), prop, examples)
            print(
                f"loopback    {prop:8} {sent / seconds:8.1f} examples/s "
                f"({sent} requests in {seconds:.2f} s, {outcome})"
            )


@contextlib.contextmanager
def openapi_document() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "openapi.json"
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "openapi"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        path.write_text(done.stdout, encoding="utf-8")
        yield path


def schemathesis(document: Path, running: Any, examples: int) -> tuple[float, int, str]:
    """(seconds, test cases, what it reported) for POST /v1/chat/completions."""
    origin = running.base_url.rsplit("/v1", 1)[0]
    with tempfile.TemporaryDirectory() as folder:
        command = [
            schemathesis_command() or "schemathesis",
            "run",
            str(document),
            "--url",
            origin,
            "--include-name",
            "POST /v1/chat/completions",
            "--phases",
            "fuzzing",
            "-n",
            str(examples),
            "--checks",
            "all",
            "--workers",
            "1",
            "--seed",
            "1",
            "--report",
            "ndjson",
            "--report-dir",
            folder,
            "-H",
            f"Authorization: Bearer {running.api_key}",
        ]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=folder, timeout=900)
        seconds = time.perf_counter() - start
    output = done.stdout
    cases = _cases(output)
    failures = [line.strip()[2:] for line in output.splitlines() if line.strip().startswith("- ST")]
    if done.returncode not in (0, 1):
        return seconds, cases, f"error (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    return seconds, cases, "; ".join(sorted(set(failures))) or "no failure found"


def _cases(output: str) -> int:
    """The number of test cases Schemathesis reports ("Test cases: N generated")."""
    found = re.search(r"(\d+) generated", output)
    return int(found.group(1)) if found else 0


def schemathesis_throughput(examples: int) -> None:
    print(f"== schemathesis run, POST /v1/chat/completions, -n {examples}, loopback ==")
    with openapi_document() as document, serve() as running:
        seconds, cases, outcome = schemathesis(document, running, examples)
    rate = f"{cases / seconds:8.1f} examples/s" if cases else "   ?    examples/s"
    print(f"schemathesis         {rate} ({cases} test cases in {seconds:.2f} s; {outcome})")


def faults(examples: int, with_schemathesis: bool) -> None:
    print(f"== seeded faults, {examples} examples ==")
    context = openapi_document() if with_schemathesis else contextlib.nullcontext()
    with context as document:
        for name, (mutation, prop) in FAULTS.items():
            seconds, sent, outcome = run_property(
                in_process_client(MutantEmulator(mutation)), prop, examples
            )
            print(f"{name:24} ours ({prop}): {outcome} [{sent} requests, {seconds:.1f} s]")
            if document is not None:
                with serve(MutantEmulator(mutation)) as running:
                    seconds, cases, found = schemathesis(document, running, examples)
                print(f"{'':24} schemathesis: {found} [{cases} test cases, {seconds:.1f} s]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--skip-schemathesis", action="store_true")
    args = parser.parse_args()
    os.environ.pop("CI", None)
    with_schemathesis = not args.skip_schemathesis and schemathesis_command() is not None
    throughput(args.examples)
    if with_schemathesis:
        schemathesis_throughput(args.examples)
    elif not args.skip_schemathesis:
        print("schemathesis is not installed: pip install schemathesis (the bench extra)")
    faults(args.examples, with_schemathesis)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
