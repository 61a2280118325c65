"""Run the shipped conformance suite against servers that break one rule each.

`mutant(...)` serves the reference emulator on loopback with one change applied to its
requests or answers; `run_suite(...)` runs `conformance.suite` against it through the
live code path (`--live --base-url http://127.0.0.1:PORT/v1`, the key in the
environment) and returns the outcome of every check from the JSON report.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.emulator.core import Emulator
from conformance.emulator.http import Request, Response
from conformance.emulator.server import serve

Mutation = Callable[[Request, Callable[[Request], Response]], Response]


class MutantEmulator(Emulator):
    """The reference emulator with one deliberate violation."""

    def __init__(self, mutation: Mutation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._mutation = mutation

    def handle(self, request: Request) -> Response:
        return self._mutation(request, super().handle)


def patch_json(path: str, change: Callable[[Request, Any], Any]) -> Mutation:
    """A mutation that edits the successful JSON answers to `path` (e.g. "/models")."""

    def mutation(request: Request, handle: Callable[[Request], Response]) -> Response:
        response = handle(request)
        if request.path != path or response.status != 200 or response.stream is not None:
            return response
        document = json.loads(response.body)
        changed = change(request, document)
        response.body = json.dumps(document if changed is None else changed).encode()
        return response

    return mutation


@contextlib.contextmanager
def mutant(mutation: Mutation | None = None, **kwargs: Any) -> Iterator[Any]:
    emulator = MutantEmulator(mutation or (lambda request, handle: handle(request)), **kwargs)
    with serve(emulator) as running:
        yield running


@pytest.fixture
def run_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Run the suite live against `running`; return (pytest result, {check id: outcome})."""

    def run(
        running: Any, *args: str, key: str | None = None, isolated: bool = False, **inline: Any
    ) -> tuple[Any, dict[str, Any]]:
        """`isolated`: in a fresh process, sharing no module state with the tests before
        it in this worker (slower by the start-up; `inline` options are in-process only)."""
        monkeypatch.setenv("MOONSHOT_API_KEY", running.api_key if key is None else key)
        for name in ("MOONSHOT_BASE_URL", "KIMI_MODEL_ID", "KIMI_TARGET"):
            monkeypatch.delenv(name, raising=False)
        report = pytester.path / "report.json"
        runner = pytester.runpytest_subprocess if isolated else pytester.runpytest_inprocess
        result = runner(
            "--pyargs",
            "conformance.suite",
            "-p",
            "no:cacheprovider",
            "--tb=no",  # outcomes come from the JSON report; tracebacks cost seconds
            "--live",
            "--base-url",
            running.base_url,
            "--report-json",
            str(report),
            *args,
            **inline,  # e.g. no_reraise_ctrlc=True for runs that are interrupted on purpose
        )
        if not report.exists():
            return result, {}
        document = json.loads(report.read_text())
        models = document.get("models") or []
        return result, {
            without_model(check["id"].split("::", 1)[1], models): check
            for check in document["checks"]
        }

    return run


def without_model(name: str, models: list[str]) -> str:
    """A one-model run's check name without its model (`test_x[kimi-k2.6-raw]` ->
    `test_x[raw]`), so the mutation tables name checks as they read; with several models
    the model stays (`--models all`)."""
    if len(models) != 1:
        return name
    model = models[0]
    return name.replace(f"[{model}]", "").replace(f"[{model}-", "[")


def failed(outcomes: dict[str, Any]) -> set[str]:
    """The checks that failed or errored (a skip is not a failure)."""
    return {name for name, check in outcomes.items() if check["outcome"] in ("failed", "error")}


def select(*checks: str) -> tuple[str, str]:
    """`-k` arguments running just these checks (parametrized ones with all their cases)."""
    return ("-k", " or ".join(sorted({check.split("[")[0] for check in checks})))


def assert_caught(
    name: str, outcomes: dict[str, Any], must_fail: set[str], must_pass: str, *, rule: str
) -> None:
    """Mutation `name` broke the one rule `rule`: every check in `must_fail` names it and
    reported it (a conformance failure for a documented or captured rule; an observation
    that differs for an advice or inferred one, never a failure), while the unrelated
    `must_pass` still passed."""
    from conformance.contract.evidence import RULES

    assert must_fail, f"{name}: no check named"
    for check in must_fail:
        entry = outcomes.get(check)
        assert entry is not None, f"{name}: {check} did not run: {sorted(outcomes)}"
        assert rule in entry["rules"], f"{name}: {check} applies {entry['rules']}, not {rule}"
        if RULES[rule].fails_run:
            caught = entry["outcome"] in ("failed", "error")  # error: in a fixture it uses
            assert caught and entry["category"] == "conformance", (
                f"{name}: {check} should fail as a conformance failure: {entry}"
            )
        else:
            assert entry["outcome"] == "observed", f"{name}: {check} should be observed: {entry}"
            assert entry["reason"].startswith(f"differs ({rule})"), entry
    assert outcomes[must_pass]["outcome"] == "passed", f"{name}: {must_pass} should still pass"
