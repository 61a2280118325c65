"""Every check of the shipped suite says what it sends (`kimi_cost`), and the run plan of
the default live run fits its bounds: checked on the collected suite, nothing sent.

A new check without a declaration, or one that pushes the deterministic checks past 56
requests or the smoke profile past 12, fails here first (the end-to-end runs against the
emulator are in test_budget_runs.py)."""

from __future__ import annotations

import pytest

from conformance.checks.exchanges import SHARED_COSTS
from conformance.run import selection
from conformance.run.config import resolve
from conformance.run.plan import UNDECLARED

KEY = {"MOONSHOT_API_KEY": "sk-" + "Dd4" * 16}


@pytest.fixture
def suite_items(pytester):
    items, _ = pytester.inline_genitems("--pyargs", "conformance.suite", "-p", "no:cacheprovider")
    assert len(items) > 50
    return items


def test_every_check_declares_its_cost(suite_items):
    undeclared = [item.nodeid for item in suite_items if selection._cost_marker(item) is None]
    assert undeclared == []
    defined = {
        name
        for item in suite_items
        for name in (selection.spec_of(item).declaration or UNDECLARED).defines
    }
    for item in suite_items:
        declaration = selection.spec_of(item).declaration
        assert declaration is not None
        assert set(declaration.shares) <= set(SHARED_COSTS) | defined, item.nodeid


def _plan(items, **options):
    settings = resolve({"target": "live", **options}, KEY)
    ordered = selection.in_run_order(items)
    if settings.profile == "smoke":
        ordered, _ = selection.smoke(ordered)
    specs = [
        selection.spec_of(item, skipped="opt in" if item.get_closest_marker("web_search") else None)
        for item in ordered
    ]
    return selection.plan_for(settings, specs, SHARED_COSTS)


def test_the_default_live_plan_fits_with_nothing_left_out(suite_items):
    plan = _plan(suite_items)
    assert plan.fits, plan.summary()
    deterministic = plan.overhead + plan.planned("core") + plan.planned("deep")
    # 55, and one for the default model's reasoning_effort rule (#16's per-model rules)
    assert deterministic.requests <= 56, plan.summary()
    properties = [c for c in plan.checks if c.fuzz_property]
    assert properties and all(c.examples == 12 for c in properties), plan.summary()


def test_the_smoke_plan_is_the_core_checks_within_12_requests(suite_items):
    plan = _plan(suite_items, profile="smoke")
    assert {c.group for c in plan.checks} == {"core"}
    assert plan.planned().requests <= 12, plan.render()


def test_core_comes_first_and_fuzz_properties_last(suite_items):
    groups = [selection.group_of(item) for item in selection.in_run_order(suite_items)]
    assert groups == sorted(groups, key=["core", "deep", "observe", "fuzz"].index)
    last = selection.in_run_order(suite_items)[-2:]
    assert {item.originalname for item in last} == {
        "test_valid_payloads_accepted",
        "test_invalid_payloads_rejected",
    }
