"""`kimi-conformance list`: the suite's checks, with their endpoint, evidence and cost.

What `kimi-conformance run --collect-only` would run, as a table (or `--json`), without
sending anything or starting anything: collection is free. Options that choose checks
(`-k EXPR`, `--web-search`, `--target`) are accepted as `run` takes them.

For each check: its id, the endpoint it exercises (`kimi_endpoint`), the rules it applies
and their evidence level (`kimi_rule`, judged by `conformance.contract.evidence` when that
module is installed), what it costs as the run plan prices it (group, requests, worst-case
tokens, shared answers; `conformance.run.plan`) or else as it declares (`kimi_cost`), and
whether it is skipped as collected (a billed `$web_search` check without `--web-search`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.errors import EXIT_OK, EXIT_USAGE, UsageError

PASSTHROUGH = True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON array instead")
    parser.add_argument("-k", dest="keyword", metavar="EXPR", help="only checks matching EXPR")
    parser.epilog = "Other arguments go to pytest's collection (e.g. --web-search, --target)."


class _Collector:
    """Keeps what pytest collected from the suite, after the plugin marked it."""

    def __init__(self) -> None:
        self.checks: list[dict[str, Any]] = []

    @pytest.hookimpl(wrapper=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> Iterator[None]:
        result = yield  # after every plugin marked the items and priced the run plan
        plan = _plan(config)
        planned_by_id = {c.id: c for c in plan.checks} if plan is not None else {}
        for item in items:
            check = _describe(item)
            planned = planned_by_id.get(check["id"])
            if planned is not None:
                check["cost"] = {
                    "group": planned.group,
                    "requests": planned.cost.requests,
                    "tokens": planned.cost.tokens,  # worst case
                    "shares": list(planned.shares),
                    "status": planned.status,
                }
            self.checks.append(check)
        return result


def _plan(config: pytest.Config) -> Any:
    """The run plan the plugin priced at collection (None when it priced none)."""
    from conformance.commands.run import SUITE_PLUGIN

    key = getattr(config.pluginmanager.get_plugin(SUITE_PLUGIN), "PLAN_KEY", None)
    stashed = config.stash.get(key, None) if key is not None else None
    return stashed[0] if stashed else None


def _cost_cell(cost: Any) -> str:
    if isinstance(cost, dict):
        shared = f", shares {'+'.join(cost['shares'])}" if cost["shares"] else ""
        status = "" if cost["status"] == "planned" else f", {cost['status']}"
        return f"{cost['group']}: {cost['requests']} req, <={cost['tokens']} tok{shared}{status}"
    return str(cost or "-")


def _evidence(rule_ids: list[str]) -> list[str]:
    """The evidence level of each rule (`conformance.contract.evidence`); a rule the
    registry does not know is `unknown` (tests/suite/test_rules.py fails on it)."""
    from conformance.contract.evidence import RULES

    return [str(RULES[r].level) if r in RULES else "unknown" for r in rule_ids]


def _levels_cell(levels: list[str]) -> str:
    """`documented`, `captured+documented`: each level once."""
    return "+".join(sorted(set(levels))) or "-"


def _cost(item: pytest.Item) -> str:
    marker = item.get_closest_marker("kimi_cost")
    if marker is None:
        return ""
    parts = []
    for name, value in sorted(marker.kwargs.items()):
        if callable(value):
            value = "per model"
        elif isinstance(value, (tuple, list)):
            value = "+".join(map(str, value))
        parts.append(f"{name}={value}")
    return ", ".join(parts)


def _describe(item: pytest.Item) -> dict[str, Any]:
    from conformance.run.selection import check_id
    from conformance.run.verdicts import endpoint

    rules = [str(a) for m in item.iter_markers("kimi_rule") for a in m.args]
    skip = item.get_closest_marker("skip")
    return {
        "id": check_id(item),
        "endpoint": endpoint(item),
        "kind": "local" if item.get_closest_marker("kimi_local") else "api",
        "rules": rules,
        "evidence": _evidence(rules),
        "cost": _cost(item),
        "skipped": str(skip.kwargs.get("reason", "")) if skip else None,
    }


def run(args: argparse.Namespace) -> int:
    from conformance.commands.run import (
        SUITE_INI,
        UnknownOption,
        _Guard,
        _unknown,
        own_plugins_only,
        plugin_args,
    )

    argv = ["--pyargs", "conformance.suite", "-c", str(SUITE_INI), "--collect-only", "-q"]
    argv += plugin_args(args.extra)
    if args.keyword:
        argv += ["-k", args.keyword]
    collector = _Collector()
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output), own_plugins_only():
            code = pytest.main([*argv, *args.extra], plugins=[_Guard(), collector])
    except UnknownOption as exc:
        raise _unknown(str(exc), command="list") from None
    if code == pytest.ExitCode.USAGE_ERROR:
        return EXIT_USAGE  # pytest printed the one line (settings the run could not use)
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        last = [line for line in output.getvalue().splitlines() if line.strip()][-1:]
        raise UsageError(f"the suite could not be collected ({last[0] if last else code})")
    suite = collector.checks
    if args.json:
        print(json.dumps(suite, indent=2, ensure_ascii=False))
        return EXIT_OK
    rows = [
        (c["endpoint"], c["id"].split("::", 1)[1], _levels_cell(c["evidence"]),
         _cost_cell(c["cost"]), f"skipped: {c['skipped']}" if c["skipped"] else "")
        for c in suite
    ]  # fmt: skip
    header = ("endpoint", "check", "evidence", "cost", "")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row[:4])) + "  " + row[4])
    print(f"\n{len(rows)} checks")
    return EXIT_OK
