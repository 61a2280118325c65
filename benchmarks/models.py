"""What the model matrix costs on the live path: requests and tokens per model.

    python benchmarks/models.py [--profile full|smoke ...]

Starts `kimi-conformance emulator --port 0` on loopback and runs, against it, exactly what
a team runs in CI: `kimi-conformance run --live --base-url http://127.0.0.1:PORT/v1`:

1. with the default caps and one model (the default run);
2. with the default caps and `--models all` (does the whole line-up fit?);
3. with `--models all` and caps out of the way, to price each model: the requests and
   tokens of the checks that ran for it (the report's model column; an extra model runs
   only the model-dependent checks, so its share is what it adds to a run).

For each profile given (`--profile` where the installed version has it), the same three.
Prints one block per profile; every figure comes from the run's JSON report.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

KEY = "sk-bench-models-0123456789abcdef"
UNCAPPED = ["--max-requests", "100000", "--budget-tokens", "100000000"]


@contextmanager
def emulator() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "emulator", "--port", "0", "--key", KEY],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("listening on "):
            raise SystemExit(f"the emulator did not start: {line!r}")
        yield line.removeprefix("listening on ").strip()
    finally:
        process.terminate()
        process.wait(timeout=30)


def has_profiles() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--help"], capture_output=True, text=True
    )
    return "--profile" in done.stdout


def run(base_url: str, *args: str) -> tuple[dict[str, Any], float, int]:
    """The JSON report, wall time and exit code of one live run against the emulator."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOONSHOT_", "KIMI_"))}
    env["MOONSHOT_API_KEY"] = KEY
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--live", "--base-url", base_url,
             "--report-json", str(report), "-p", "no:randomly", *args],
            capture_output=True, text=True, env=env, cwd=tmp, timeout=1800,
        )  # fmt: skip
        wall = time.perf_counter() - started
        if not report.exists():
            tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
            raise SystemExit(
                f"run {' '.join(args)} wrote no report (exit {done.returncode}): {tail}"
            )
        return json.loads(report.read_text()), wall, done.returncode


def per_model(data: dict[str, Any]) -> dict[str, tuple[int, int]]:
    spent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for check in data["checks"]:
        key = check.get("model") or "(no model)"
        spent[key][0] += int(check.get("requests") or 0)
        spent[key][1] += int(check.get("tokens") or 0)
    return {model: (r, t) for model, (r, t) in spent.items()}


def summary(label: str, data: dict[str, Any], wall: float, code: int) -> str:
    totals = data["totals"]
    not_run = [
        c for c in data["checks"] if "cap" in c.get("reason", "") or c.get("category") == "budget"
    ]
    return (
        f"{label:<34} {data['requests']:>4} requests {data['tokens']:>7} tokens   "
        f"{totals['passed']} passed, {totals['skipped']} skipped "
        f"({len(not_run)} for the caps), {totals['failed'] + totals['error']} failed; "
        f"exit {code}; {wall:.1f} s"
    )  # fmt: skip


def failures(data: dict[str, Any]) -> list[str]:
    return [c["id"] for c in data["checks"] if c["outcome"] in ("failed", "error")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="append", choices=("full", "smoke"))
    args = parser.parse_args()
    profiles: list[str | None] = list(
        args.profile or (["full", "smoke"] if has_profiles() else [None])
    )
    with emulator() as base_url:
        print(f"emulator: {base_url} (loopback); every run is --live --base-url {base_url}")
        for profile in profiles:
            extra = ["--profile", profile] if profile else []
            name = profile or "default profile"
            print(f"\n== {name}")
            data, wall, code = run(base_url, *extra)
            print(summary("one model, default caps", data, wall, code))
            for check in failures(data):
                print(f"  failed: {check}")
            data, wall, code = run(base_url, "--models", "all", *extra)
            print(summary("--models all, default caps", data, wall, code))
            data, wall, code = run(base_url, "--models", "all", *UNCAPPED, *extra)
            print(summary("--models all, uncapped", data, wall, code))
            primary = data.get("model")
            for model, (requests, tokens) in sorted(per_model(data).items()):
                role = " (primary: also the once-only checks)" if model == primary else ""
                print(f"  {model:<26} {requests:>4} requests {tokens:>7} tokens{role}")
            extras = [v for m, v in per_model(data).items() if m not in (primary, "(no model)")]
            if extras:
                most = max(extras)
                print(f"each extra model: at most {most[0]} requests, {most[1]} tokens ({name})")


if __name__ == "__main__":
    main()
