"""Figures for the plugin: its import cost on an unrelated pytest run, and the wall time
of the default replay run.

    python benchmarks/plugin.py [--runs 10]

Import cost: a throwaway project with 50 trivial tests is run with the plugin loaded
(as after `pip install`) and with `-p no:kimi_conformance`, in fresh processes,
alternating; the medians are compared. Replay: `kimi-conformance run` (no key, no
network) in fresh processes, after one warm-up run, with Python's bytecode cache on as
after `pip install` (a `PYTHONDONTWRITEBYTECODE` in the environment is dropped for it:
without the cache every run compiles, and pytest re-writes the asserts of, every module).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _time(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=False, capture_output=True, env=env)
    return time.perf_counter() - start


def _import_cost() -> float:
    """Seconds `import conformance.plugin` adds once pytest is imported (-X importtime)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pytest, conformance.plugin"],
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in done.stderr.splitlines():  # "import time: self | cumulative | name"
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() == "conformance.plugin":
            total = int(parts[1].strip())
    return total / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        tests = "\n".join(f"def test_{i}():\n    assert {i} == {i}\n" for i in range(50))
        (project / "test_unrelated.py").write_text(tests)
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        loaded, unloaded = [], []
        for _ in range(args.runs):
            loaded.append(_time(pytest, project))
            unloaded.append(_time([*pytest, "-p", "no:kimi_conformance"], project))
        with_plugin, without = statistics.median(loaded), statistics.median(unloaded)
        overhead = with_plugin - without
        print(f"unrelated pytest run, 50 tests, median of {args.runs} fresh processes:")
        print(f"  with the plugin       {with_plugin * 1000:8.1f} ms")
        print(f"  -p no:kimi_conformance {without * 1000:7.1f} ms")
        print(f"  plugin overhead       {overhead * 1000:8.1f} ms ({overhead / without:+.1%})")
        print(f"  import conformance.plugin alone: {_import_cost() * 1000:.1f} ms (after pytest)")

        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        command = [sys.executable, "-m", "conformance", "run", "-q"]
        _time(command, project, env)  # warm-up: the bytecode cache
        replay, cpu = [], []
        for _ in range(max(3, args.runs // 3)):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            replay.append(_time(command, project, env))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        print(f"default replay run (kimi-conformance run), median of {len(replay)}:")
        print(f"  wall time             {statistics.median(replay):8.2f} s")
        # CPU time does not grow when other work shares the machine: on an idle machine
        # the wall time is about this plus a little I/O.
        print(f"  CPU time (user+sys)   {statistics.median(cpu):8.2f} s")


if __name__ == "__main__":
    main()
