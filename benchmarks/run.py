"""Every figure the project tracks, in one table, each with the command behind it.

    python benchmarks/run.py [--quick] [--markdown]

Runs the other benchmark scripts as subprocesses (each prints its own figures; this
script picks them out of their output) and one emulator run of the suite for the cost of
a run. `--quick` uses smaller samples (minutes -> about a minute); `--markdown` prints the
table as Markdown for docs. A figure whose script is missing or failed is shown as such,
never invented. Prints the machine the figures were measured on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = "python"  # as shown in the commands; the script runs sys.executable


@dataclass
class Figure:
    name: str
    value: str
    command: str


def _run(argv: list[str], timeout: float = 900) -> tuple[str, float]:
    """stdout+stderr of a script and its wall time; "" when it could not run."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=HERE.parent,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"<failed: {type(exc).__name__}>", time.perf_counter() - started
    output = done.stdout + done.stderr
    if done.returncode != 0:
        output += f"\n<failed: exit {done.returncode}>"
    return output, time.perf_counter() - started


def _pick(output: str, pattern: str, fmt: str = "{0}") -> str:
    found = re.search(pattern, output, re.MULTILINE)
    if found:
        return fmt.format(*found.groups())
    if "<failed: missing>" in output:
        return "not available (the script is missing)"
    if "<failed" in output:
        return "failed (run the command to see why)"
    return "not reported"


def _script(name: str, args: list[str]) -> tuple[str, str]:
    """(output, command shown) of benchmarks/<name>.py, or a note that it is missing."""
    path = HERE / f"{name}.py"
    command = " ".join([PY, f"benchmarks/{name}.py", *args])
    if not path.exists():
        return "<failed: missing>", command
    output, _ = _run([str(path), *args])
    return output, command


def plugin_figures(quick: bool) -> list[Figure]:
    args = ["--runs", "3" if quick else "10"]
    out, cmd = _script("plugin", args)
    return [
        Figure(
            "plugin overhead on an unrelated 50-test run (wall; CPU time)",
            _pick(out, r"plugin overhead\s+(.+)$")
            + "; "
            + _pick(out, r"plugin overhead, CPU time (.+)$"),
            cmd,
        ),
        Figure(
            "the plugin's own code in an unrelated 50-test run (cProfile)",
            _pick(out, r"own code in that run \(cProfile\): (.+)$"),
            cmd,
        ),
        Figure("import conformance.plugin (after pytest)", _pick(out, r"plugin alone: (.+)$"), cmd),
        Figure("replay run wall time (median)", _pick(out, r"wall time\s+(.+)$"), cmd),
        Figure("replay run CPU time (median)", _pick(out, r"CPU time \(user\+sys\)\s+(.+)$"), cmd),
    ]


def validation_figures(quick: bool) -> list[Figure]:
    args = ["--size", "300", "--repeat", "1"] if quick else []
    out, cmd = _script("validation", args)
    return [
        Figure(
            "validation: API answers/s (check vs validate afresh)",
            _pick(out, r"API answers.*?check\s+([\d,]+)/s\s+afresh\s+([\d,]+)/s\s+([\d.]+x)",
                  "{0}/s vs {1}/s ({2})"),
            cmd,
        ),
        Figure(
            "validation: documented examples/s (check vs afresh)",
            _pick(out, r"whole \(\d+\)\s+check\s+([\d,]+)/s\s+afresh\s+([\d,]+)/s\s+([\d.]+x)",
                  "{0}/s vs {1}/s ({2})"),
            cmd,
        ),
    ]  # fmt: skip


def emulator_figures(quick: bool) -> list[Figure]:
    args = ["--requests", "300", "--streams", "20", "--rounds", "2"] if quick else []
    out, cmd = _script("emulator", args)
    return [
        Figure("emulator in-process: requests/s, median latency",
               _pick(out, r"in-process core: ([\d,]+ req/s), median (.+)$", "{0}, {1}"), cmd),
        Figure("emulator through the openai SDK: requests/s, median",
               _pick(out, r"in-process openai SDK: ([\d,]+ req/s), median (.+)$", "{0}, {1}"), cmd),
        Figure("emulator over loopback: concurrent streams",
               _pick(out, r"loopback: (.+)$"), cmd),
    ]  # fmt: skip


def fuzz_figures(quick: bool) -> list[Figure]:
    out, cmd = _script("fuzz", ["--examples", "50"] if quick else [])
    return [
        Figure("fuzz: valid examples/s (in-process, loopback)",
               _pick(out, r"in-process\s+valid\s+([\d.]+ examples/s)", "{0}") + ", "
               + _pick(out, r"loopback\s+valid\s+([\d.]+ examples/s)", "{0}"), cmd),
        Figure("fuzz: invalid examples/s (loopback)",
               _pick(out, r"loopback\s+invalid\s+([\d.]+ examples/s)"), cmd),
        Figure("fuzz: Schemathesis on the same endpoint",
               _pick(out, r"^schemathesis\s+([\d.?]+ examples/s \(\d+ test cases in [\d.]+ s)",
                     "{0})"), cmd),
    ]  # fmt: skip


def lint_figures(_quick: bool) -> list[Figure]:
    out, cmd = _script("lint", [])
    return [Figure("lint: files per second", _pick(out, r"files/second:\s+([\d,]+)"), cmd)]


def mfjs_figures(quick: bool) -> list[Figure]:
    out, cmd = _script("mfjs", ["--seconds", "0.3" if quick else "1"])
    return [
        Figure("mfjs: typical tool schemas/s (pydantic-generated, one core)",
               _pick(out, r"typical tool schemas: .*?([\d,]+) schemas/s", "{0} schemas/s"), cmd),
        Figure("mfjs: 128-tool lists (check_document)",
               _pick(out, r"large tool lists: .*?([\d,.]+) lists/s = ([\d,]+) tool schemas/s",
                     "{0} lists/s = {1} tool schemas/s"), cmd),
        Figure("mfjs: walle's 395 cases (check_json, parsing included)",
               _pick(out, r"walle cases: .*?([\d,]+) schemas/s", "{0} schemas/s"), cmd),
    ]  # fmt: skip


def run_cost_figures(_quick: bool) -> list[Figure]:
    """Requests, tokens and wall time of a whole emulator run of the suite."""
    command = "kimi-conformance run --target emulator --report-json r.json"
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MOONSHOT_", "KIMI_"))}
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--target", "emulator",
             "--report-json", str(report)],
            capture_output=True, text=True, timeout=900, env=env, cwd=tmp,
        )  # fmt: skip
        wall = time.perf_counter() - started
        if not report.exists():
            failed = f"failed (exit {done.returncode})"
            return [Figure("suite run: requests, tokens", failed, command)]
        data = json.loads(report.read_text())
    totals = data["totals"]
    return [
        Figure("suite run (emulator target, fuzzing included): requests, tokens",
               f"{data['requests']} requests, {data['tokens']} tokens", command),
        Figure("suite run (emulator target): checks, wall time",
               f"{totals['passed']} passed, {totals['skipped']} skipped, "
               f"{totals['failed'] + totals['error']} failed; {wall:.1f} s", command),
    ]  # fmt: skip


def live_figures(quick: bool) -> list[Figure]:
    """The default live run and the smoke profile, against the emulator on loopback."""
    runs = ["--runs", "1" if quick else "3"]
    figures: list[Figure] = []
    for label, extra in (
        ("live run (default)", []),
        ("live run (--profile smoke)", ["--profile", "smoke"]),
    ):
        out, cmd = _script("live", [*runs, *extra])
        figures += [
            Figure(f"{label}: requests (deterministic), tokens",
                   _pick(out, r"^requests: (\d+).*$", "{0}") + " ("
                   + _pick(out, r"^deterministic requests \(preflight, core, deep\): (\d+)$")
                   + "), " + _pick(out, r"^tokens: (\d+)", "{0}"), cmd),
            Figure(f"{label}: budget skips, wall time",
                   _pick(out, r"^budget skips: (\d+)$") + "; "
                   + _pick(out, r"^wall time: ([\d.]+ s)"), cmd),
        ]  # fmt: skip
    return figures


def model_figures(_quick: bool) -> list[Figure]:
    """The model matrix on the live path: `--models all` and what each extra model adds."""
    out, cmd = _script("models", [])
    full, _, smoke = out.partition("== smoke")
    figures: list[Figure] = []
    for label, block in (("full", full), ("smoke", smoke)):
        figures += [
            Figure(f"live run --models all ({label}, default caps): requests, tokens, cap skips",
                   _pick(block, r"^--models all, default caps\s+(\d+) requests\s+(\d+) tokens"
                                r".*?\((\d+) for the caps\)",
                         "{0} requests, {1} tokens, {2} skipped for the caps"), cmd),
            Figure(f"live run: each extra model ({label})",
                   _pick(block, r"^each extra model: at most (\d+) requests, (\d+) tokens",
                         "at most {0} requests, {1} tokens"), cmd),
        ]  # fmt: skip
    return figures


def evidence_figures(_quick: bool) -> list[Figure]:
    """Rules by evidence level, and what a server following only the docs fails."""
    out, cmd = _script("evidence", [])
    return [
        Figure("rules by evidence level", _pick(out, r"^rules: (\d+ \(.*?\))"), cmd),
        Figure("docs-only stand-in, live path: failed checks (default; --strict-rules)",
               _pick(out, r"^docs-only stand-in, default: .*\n  failed: (\d+)", "{0}") + "; "
               + _pick(out, r"^docs-only stand-in, --strict-rules: .*\n  failed: (\d+)", "{0}"),
               cmd),
    ]  # fmt: skip


SECTIONS = {
    "plugin": plugin_figures,
    "validation": validation_figures,
    "emulator": emulator_figures,
    "fuzz": fuzz_figures,
    "lint": lint_figures,
    "mfjs": mfjs_figures,
    "run": run_cost_figures,
    "live": live_figures,
    "models": model_figures,
    "evidence": evidence_figures,
}


def machine() -> str:
    cpus = os.cpu_count() or 0
    return (
        f"{platform.system()} {platform.release()} {platform.machine()}, {cpus} CPUs, "
        f"Python {platform.python_version()}"
    )


def render(figures: list[Figure], markdown: bool) -> str:
    rows = [(f.name, f.value, f.command) for f in figures]
    if markdown:
        lines = ["| figure | value | command |", "|---|---|---|"]
        lines += [f"| {n} | {v} | `{c}` |" for n, v, c in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    return "\n".join(f"{n:<{widths[0]}}  {v:<{widths[1]}}  {c}" for n, v, c in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument(
        "--only", choices=sorted(SECTIONS), action="append", help="measure only these"
    )
    args = parser.parse_args()
    figures: list[Figure] = []
    for name in args.only or list(SECTIONS):
        figures += SECTIONS[name](args.quick)
    print(f"measured on: {machine()}")
    print(render(figures, args.markdown))


if __name__ == "__main__":
    main()
