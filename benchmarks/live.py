"""Figures of the live path, the way a user with a key meets it: the bundled emulator on
loopback, and `kimi-conformance run --live --base-url <it>/v1` with default settings.

    python benchmarks/live.py [--profile smoke] [--runs 3] [-- extra run arguments]

Prints, for the median run by wall time: the requests and tokens the run reports (by
group: core, deep, fuzz), what the emulator served (its own count: the independent
witness), the checks by outcome, the skips by reason (budget skips are the ones that
must not happen), and the wall time. The emulator runs in this process; the run is a
fresh `kimi-conformance` process, as a user starts it.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEY = "sk-benchmarklive000000000000000000000000000000000000000"


def one_run(extra: list[str]) -> dict[str, object]:
    from conformance.emulator.core import Emulator
    from conformance.emulator.server import serve

    with tempfile.TemporaryDirectory() as tmp, serve(Emulator(api_keys=[KEY])) as running:
        report = Path(tmp) / "r.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MOONSHOT_", "KIMI_"))}
        env.update(MOONSHOT_API_KEY=KEY, XDG_CACHE_HOME=str(Path(tmp) / "cache"))
        env.pop("CI", None)  # the default run, not a CI one (derandomized fuzzing)
        argv = [sys.executable, "-m", "conformance", "run", "--live"]
        argv += ["--base-url", running.base_url, "--report-json", str(report), "-q", *extra]
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp, timeout=900)
        wall = time.perf_counter() - started
        served = running.emulator.accounting.snapshot()
        if not report.exists():
            raise SystemExit(f"the run wrote no report (exit {done.returncode}):\n{done.stderr}")
        data = json.loads(report.read_text())
    skips = collections.Counter(
        "budget" if c["category"] == "budget" else c["reason"].split(":")[0][:60]
        for c in data["checks"]
        if c["outcome"] == "skipped"
    )
    return {
        "wall": wall,
        "exit": done.returncode,
        "requests": data["requests"],
        "tokens": data["tokens"],
        "groups": data.get("spent_by_group", {}),
        "served": served["requests"],
        "served_tokens": served["tokens"],
        "totals": data["totals"],
        "skips": dict(skips),
        "budget_skips": skips.get("budget", 0),
        "plan": (data.get("plan") or {}).get("planned", {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", choices=("full", "smoke"), default=None)
    parser.add_argument("extra", nargs="*", help="more `kimi-conformance run` arguments")
    args = parser.parse_args()
    extra = ([f"--profile={args.profile}"] if args.profile else []) + args.extra
    runs = [one_run(extra) for _ in range(args.runs)]
    median = sorted(runs, key=lambda r: float(r["wall"]))[len(runs) // 2]  # type: ignore[arg-type]
    groups = median["groups"]
    assert isinstance(groups, dict)
    requests, tokens = int(median["requests"]), int(median["tokens"])  # type: ignore[call-overload]
    spent_by_checks = sum(v["requests"] for v in groups.values())
    later = ("observe", "fuzz")  # checks that cannot fail the run, and the fuzzing
    fuzz = sum(groups.get(g, {}).get("requests", 0) for g in later)
    det_tokens = sum(v["tokens"] for g, v in groups.items() if g not in later)
    by_group = ", ".join(f"{g} {v['requests']}" for g, v in groups.items())
    walls = [float(r["wall"]) for r in runs]  # type: ignore[arg-type]
    print(f"command: kimi-conformance run --live --base-url <emulator>/v1 {' '.join(extra)}")
    print(f"requests: {requests} (emulator served {median['served']})")
    print(f"requests by group: {by_group}; the run's own {requests - spent_by_checks}")
    print(f"deterministic requests (preflight, core, deep): {requests - fuzz}")
    print(f"tokens: {tokens} (deterministic {det_tokens}; emulator {median['served_tokens']})")
    print(f"checks: {median['totals']}")
    print(f"skips by reason: {median['skips']}")
    print(f"budget skips: {median['budget_skips']}")
    print(f"exit code: {median['exit']}")
    print(f"wall time: {statistics.median(walls):.1f} s (median of {len(walls)})")


if __name__ == "__main__":
    main()
