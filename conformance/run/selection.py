"""From collected checks to the run plan: each check's group and declared cost, the run
order (core, then deep, then fuzz), the profile's selection, and the plan itself.

Pure: it reads the checks' markers (`kimi_core`, `kimi_fuzz`, `kimi_cost`) and the
settings, never the network. The plugin calls it while collecting; the live run calls
`plan_for` again once `GET /models` has named the model, if it is not the one expected.

Public API: `check_id(item)`, `group_of(item)`, `spec_of(item)`, `in_run_order(items)`,
`smoke(items)`, `expected_model(settings)`, `plan_for(settings, specs, shared, model)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance._resources import SUITE_DIR
from conformance.run.cost import Cost
from conformance.run.plan import GROUPS, CheckSpec, Declaration, Plan, make_plan

__all__ = [
    "check_id",
    "expected_model",
    "group_of",
    "in_run_order",
    "plan_for",
    "smoke",
    "spec_of",
]

# Answers a live run fetches before any check (the preflight), whatever is selected.
PREFLIGHT_SHARES = ("models", "balance")


def check_id(item: Any) -> str:
    """The check's id within the suite, e.g. `test_chat.py::test_x[raw]`."""
    path = Path(str(item.path)).resolve()
    try:
        rel = path.relative_to(SUITE_DIR).as_posix()
    except ValueError:
        rel = path.name
    return f"{rel}::{item.name}"


def group_of(item: Any) -> str:
    """`core`, `deep`, `observe` or `fuzz`. A check whose rules are all advice or inferred
    (`conformance.contract.evidence`) can only report an observation, never fail the run:
    it is `observe`, after the checks that can fail, on what they leave; the fuzz
    regression examples and properties (`kimi_fuzz`) come last."""
    if item.get_closest_marker("kimi_fuzz"):
        return "fuzz"
    if _observation_only(item):
        return "observe"
    if item.get_closest_marker("kimi_core"):
        return "core"
    return "deep"


def _observation_only(item: Any) -> bool:
    from conformance.contract.evidence import RULES

    rules = [str(a) for marker in item.iter_markers("kimi_rule") for a in marker.args]
    return bool(rules) and all(r in RULES and not RULES[r].fails_run for r in rules)


def _cost_marker(item: Any) -> Any:
    """A parameter's own `kimi_cost` wins over the function's and the module's."""
    for mark in getattr(getattr(item, "callspec", None), "marks", ()):
        if mark.name == "kimi_cost":
            return mark
    return item.get_closest_marker("kimi_cost")


def spec_of(item: Any, skipped: str | None = None) -> CheckSpec:
    marker = _cost_marker(item)
    declaration = Declaration.from_marker(marker.args, marker.kwargs) if marker else None
    callspec = getattr(item, "callspec", None)
    params = dict(callspec.params) if callspec is not None else {}
    model = params.pop("kimi_model", None)  # the model matrix's parameter (conformance.run.matrix)
    return CheckSpec(
        id=check_id(item),
        group=group_of(item),
        declaration=declaration,
        params=params,
        skipped=skipped,
        model=model,
    )


def _is_property(item: Any) -> bool:
    marker = _cost_marker(item)
    return bool(marker and marker.kwargs.get("example_tokens"))


def in_run_order(items: Sequence[Any]) -> list[Any]:
    """`items` by group (core, deep, observe, fuzz), the fuzz properties last (they take what is
    left), keeping their order otherwise."""
    rank = {group: index for index, group in enumerate(GROUPS)}
    return sorted(items, key=lambda item: (rank[group_of(item)], _is_property(item)))


def smoke(items: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """(kept, left out) for `--profile smoke`: the core checks only."""
    kept: list[Any] = []
    left_out: list[Any] = []
    for item in items:
        (kept if group_of(item) == "core" else left_out).append(item)
    return kept, left_out


def expected_model(settings: Any) -> str:
    """The model the run will test, as far as it is known before any request: the
    configured one, else the one the run would choose from the documented line-up."""
    if settings.model:
        return str(settings.model)
    from conformance.contract.catalog import DEFAULT_MODELS
    from conformance.contract.model_ids import choose_model

    model, _ = choose_model({"data": [m.to_json() for m in DEFAULT_MODELS]}, None)
    return model or DEFAULT_MODELS[0].id


def default_fuzz_examples(settings: Any) -> int:
    if settings.fuzz_examples is not None:
        return int(settings.fuzz_examples)
    if settings.profile == "smoke" or settings.target == "replay":
        return 0  # replay runs no property: not worth loading Hypothesis to say so
    from conformance.strategies.requests import LIVE, OFFLINE

    return (LIVE if settings.target == "live" else OFFLINE).examples


def plan_for(
    settings: Any,
    specs: Sequence[CheckSpec],
    shared: Mapping[str, Declaration],
    model: str | None = None,
) -> Plan:
    """The plan of a run with `settings` over `specs` (in run order), for `model`."""
    live = settings.target == "live"
    return make_plan(
        specs,
        model=model or expected_model(settings),
        shared=shared,
        caps=Cost(settings.max_requests, settings.budget_tokens),
        target=settings.target,
        profile=settings.profile,
        fuzz_examples=default_fuzz_examples(settings),
        overhead_shares=PREFLIGHT_SHARES if live else (),
        capped_fuzz=live,
    )
