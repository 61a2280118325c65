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

# As after `pip install`, which compiles every module: a PYTHONDONTWRITEBYTECODE in the
# environment (this sandbox sets it) would make every run compile the plugin afresh and
# charge that compile to it (8 ms instead of 1 ms for plugin.py).
INSTALLED = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=False, capture_output=True, env=env)
    return time.perf_counter() - start


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_OWN_TIME = """
import cProfile, pstats, sys, pytest
profile = cProfile.Profile()
profile.runcall(pytest.main, ["-q", "-p", "no:cacheprovider"])
stats = pstats.Stats(profile).stats
own = sum(tt for (path, _, _), (_, _, tt, _, _) in stats.items() if "/conformance/" in path)
print(own, file=sys.stderr)
"""


def _own_time(project: Path) -> float:
    """Seconds spent in the package's own code (hooks, fixtures, its import) during the
    unrelated run, by cProfile: exact where wall and CPU medians drown in the machine's
    noise (tens of ms between identical runs on a shared machine)."""
    done = subprocess.run(
        [sys.executable, "-c", _OWN_TIME], cwd=project, capture_output=True, text=True,
        env=INSTALLED, check=False,
    )  # fmt: skip
    return float(done.stderr.strip().splitlines()[-1])


def _import_cost() -> float:
    """Seconds `import conformance.plugin` adds once pytest is imported (-X importtime)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pytest, conformance.plugin"],
        capture_output=True,
        text=True,
        check=True,
        env=INSTALLED,
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
        _time(pytest, project, INSTALLED)  # warm-up: the bytecode cache
        _import_cost()
        loaded: list[float] = []
        unloaded: list[float] = []
        loaded_cpu: list[float] = []
        unloaded_cpu: list[float] = []
        for _ in range(args.runs):
            for argv, wall, cpu in (
                (pytest, loaded, loaded_cpu),
                ([*pytest, "-p", "no:kimi_conformance"], unloaded, unloaded_cpu),
            ):
                before = _children_cpu()
                wall.append(_time(argv, project, INSTALLED))
                cpu.append(_children_cpu() - before)
        with_plugin, without = statistics.median(loaded), statistics.median(unloaded)
        overhead = with_plugin - without
        print(f"unrelated pytest run, 50 tests, median of {args.runs} fresh processes:")
        print(f"  with the plugin       {with_plugin * 1000:8.1f} ms")
        print(f"  -p no:kimi_conformance {without * 1000:7.1f} ms")
        print(f"  plugin overhead       {overhead * 1000:8.1f} ms ({overhead / without:+.1%})")
        # CPU time is what the plugin can add (it waits on nothing) and, unlike wall time,
        # does not grow with other work on a shared machine.
        cpu_with, cpu_without = statistics.median(loaded_cpu), statistics.median(unloaded_cpu)
        cpu_overhead = cpu_with - cpu_without
        print(
            f"  plugin overhead, CPU time {cpu_overhead * 1000:.1f} ms "
            f"({cpu_overhead / cpu_without:+.1%} of {cpu_without * 1000:.0f} ms)"
        )
        own = statistics.median(_own_time(project) for _ in range(3))
        print(f"  the plugin's own code in that run (cProfile): {own * 1000:.1f} ms")
        print(f"  import conformance.plugin alone: {_import_cost() * 1000:.1f} ms (after pytest)")

        env = INSTALLED
        command = [sys.executable, "-m", "conformance", "run", "-q"]
        _time(command, project, env)  # warm-up: the bytecode cache
        replay, cpu = [], []
        for _ in range(max(3, args.runs // 3)):
            before = _children_cpu()
            replay.append(_time(command, project, env))
            cpu.append(_children_cpu() - before)
        print(f"default replay run (kimi-conformance run), median of {len(replay)}:")
        print(f"  wall time             {statistics.median(replay):8.2f} s")
        # CPU time does not grow when other work shares the machine: on an idle machine
        # the wall time is about this plus a little I/O.
        print(f"  CPU time (user+sys)   {statistics.median(cpu):8.2f} s")


if __name__ == "__main__":
    main()
