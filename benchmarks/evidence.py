"""Rules by evidence level, and what fails against a server that follows only the docs.

    python benchmarks/evidence.py [--rules] [--no-runs]

Prints how many rules the suite, the fuzz oracle, the emulator and `lint` judge at each
evidence level (`conformance/contract/evidence.py`; `--rules` lists them). Then runs the
shipped suite through the live code path (`--live --base-url <loopback>`, default
settings but for room to finish) against two servers on loopback: the reference emulator
and the docs-only stand-in (`tests/suite/standin.py`: it accepts what no doc refuses),
each in the default mode and with `--strict-rules`, and prints the failed checks and the
observations that differ. Nothing may fail in the default mode (the base URL, loopback,
skips).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.contract.evidence import LEVELS, by_level  # noqa: E402
from conformance.emulator.server import serve  # noqa: E402
from tests.suite.conftest import MutantEmulator  # noqa: E402
from tests.suite.standin import docs_only  # noqa: E402

ROOM = ("--max-requests", "100000", "--budget-tokens", "100000000", "--fuzz-examples", "40")


def rules(listed: bool) -> None:
    groups = by_level()
    total = sum(len(group) for group in groups.values())
    counts = ", ".join(f"{len(groups[level])} {level}" for level in LEVELS)
    print(f"rules: {total} ({counts}); failing a run: documented + captured")
    if listed:
        for level in LEVELS:
            for rule in groups[level]:
                print(f"  {level:<10}  {rule.id:<32}  {rule.says}")


def run(server: Any, *extra: str) -> tuple[dict[str, Any], float]:
    with tempfile.TemporaryDirectory() as tmp, serve(server) as running:
        report = Path(tmp) / "report.json"
        env = {**os.environ, "MOONSHOT_API_KEY": running.api_key}
        for name in ("MOONSHOT_BASE_URL", "KIMI_MODEL_ID", "KIMI_TARGET"):
            env.pop(name, None)
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-q",
                "-p", "no:cacheprovider", "--tb=no", "--live", "--base-url", running.base_url,
                "--report-json", str(report), *ROOM, *extra,
            ],
            env=env, cwd=tmp, capture_output=True, check=False,
        )  # fmt: skip
        return json.loads(report.read_text()), time.perf_counter() - started


def show(name: str, report: dict[str, Any], seconds: float) -> None:
    failed = sorted(c["check"] for c in report["checks"] if c["outcome"] in ("failed", "error"))
    differing = sorted({o["rule"] for o in report["observations"] if not o["followed"]})
    totals = ", ".join(f"{n} {k}" for k, n in report["totals"].items() if n)
    print(f"{name}: {totals} ({seconds:.0f} s)")
    print(f"  failed: {len(failed)}: {', '.join(failed) or '-'}")
    print(f"  observations that differ: {len(differing)}: {', '.join(differing) or '-'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", action="store_true", help="list every rule")
    parser.add_argument("--no-runs", action="store_true", help="only the rule counts")
    args = parser.parse_args()
    rules(args.rules)
    if args.no_runs:
        return
    servers = {
        "reference emulator": lambda: MutantEmulator(lambda request, handle: handle(request)),
        "docs-only stand-in": lambda: MutantEmulator(docs_only),
    }
    for name, make in servers.items():
        for mode, extra in (("default", ()), ("--strict-rules", ("--strict-rules",))):
            report, seconds = run(make(), *extra)
            show(f"{name}, {mode}", report, seconds)


if __name__ == "__main__":
    main()
