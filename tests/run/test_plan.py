"""The run plan, priced before any request: shared answers once, checks fitted in run
order, fuzz properties on what is left, and a plan that says what does not fit and how
to make it fit."""

from __future__ import annotations

import pytest

from conformance.run.cost import Cost, worst_case_tokens
from conformance.run.plan import UNDECLARED, CheckSpec, Declaration, make_plan

BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 8}
SHARED = {
    "models": Declaration(requests=1),
    "balance": Declaration(requests=1),
    "answer": Declaration(chat=lambda model: [BODY]),
}
ONE_CHAT = Declaration(chat=lambda model: [BODY])
PROPERTY = Declaration(example_tokens=100)


def spec(name: str, declaration: Declaration | None, group: str = "deep", **kw) -> CheckSpec:
    return CheckSpec(id=f"test_x.py::{name}", group=group, declaration=declaration, **kw)


ROOMY = Cost(100, 100_000)


def plan(specs, caps=ROOMY, **kw):
    kw.setdefault("model", "m")
    return make_plan(specs, shared=SHARED, caps=caps, **kw)


def test_shared_answers_are_paid_once_by_the_first_check_that_reads_them():
    result = plan(
        [
            spec("a", Declaration(shares=("answer",)), "core"),
            spec("b", Declaration(shares=("answer",))),
            spec("c", Declaration(requests=2, shares=("answer",))),
        ]
    )
    costs = [c.cost for c in result.checks]
    one = Cost(1, worst_case_tokens(BODY))
    assert costs == [one, Cost(), Cost(2, 0)]
    assert result.planned() == one + Cost(2, 0)
    assert result.planned("core") == one and result.fits


def test_the_live_preflight_is_overhead_and_its_answers_are_shared():
    result = plan(
        [spec("valid_key", Declaration(shares=("models",)), "core")],
        overhead_shares=("models", "balance"),
    )
    assert result.overhead == Cost(2, 0)
    assert result.checks[0].cost == Cost()
    assert result.planned() == Cost(2, 0)


def test_checks_that_do_not_fit_are_left_out_in_run_order_and_the_fix_is_named():
    specs = [
        spec("core", ONE_CHAT, "core"),
        spec("big", Declaration(requests=5)),
        spec("small", Declaration(requests=1)),
    ]
    result = plan(specs, caps=Cost(3, 100_000))
    assert [c.status for c in result.checks] == ["planned", "budget", "planned"]
    assert not result.fits
    assert result.over_budget[0].id == "test_x.py::big"
    assert result.needed.requests == 7
    assert result.advice() == "--max-requests 7"
    assert "does not fit" in result.over_budget[0].why or "needs" in result.over_budget[0].why
    assert any("to fit: --max-requests 7" in line for line in result.summary())


def test_the_token_ceiling_is_priced_by_the_worst_case():
    tokens = worst_case_tokens(BODY)
    result = plan([spec("a", ONE_CHAT), spec("b", ONE_CHAT)], caps=Cost(10, 2 * tokens - 1))
    assert [c.status for c in result.checks] == ["planned", "budget"]
    assert result.advice() == f"--budget-tokens {2 * tokens}"


def test_minimum_caps_of_the_core_checks():
    result = plan(
        [spec("core", ONE_CHAT, "core"), spec("deep", Declaration(requests=9))],
        overhead_shares=("models", "balance"),
    )
    assert result.minimum("core") == Cost(3, worst_case_tokens(BODY))
    assert result.minimum("deep") == Cost(12, worst_case_tokens(BODY))


def test_a_check_that_sends_nothing_for_the_model_costs_nothing():
    def skips(model, params):
        return f"{model} does not think" if params.get("mode") == "on" else None

    declaration = Declaration(chat=lambda model: [BODY], skips=skips)
    result = plan(
        [
            spec("x[on]", declaration, params={"mode": "on"}),
            spec("x[off]", declaration, params={"mode": "off"}),
            spec("web", ONE_CHAT, skipped="opt in with --web-search"),
        ]
    )
    assert [(c.status, c.cost.requests) for c in result.checks] == [
        ("skips", 0),
        ("planned", 1),
        ("skips", 0),
    ]
    assert result.checks[0].why == "m does not think"


def test_bodies_per_parameter_and_per_model_are_priced():
    bodies = Declaration(chat_with_params=lambda model, p: [{**BODY, "n": p["n"]}])
    result = plan([spec("n2", bodies, params={"n": 2}), spec("n3", bodies, params={"n": 3})])
    assert [c.cost.tokens for c in result.checks] == [
        worst_case_tokens({**BODY, "n": 2}),
        worst_case_tokens({**BODY, "n": 3}),
    ]
    per_model = Declaration(requests=lambda model: 2 if model == "big" else 1)
    assert plan([spec("a", per_model)], model="big").planned() == Cost(2, 0)
    assert plan([spec("a", per_model)], model="small").planned() == Cost(1, 0)


def test_an_undeclared_check_is_not_assumed_free():
    result = plan([spec("new", None)])
    assert result.checks[0].cost == UNDECLARED.own_cost("m") == Cost(1, 1024)


def test_fuzz_properties_share_what_is_left_with_a_fixed_number_each():
    specs = [
        spec("deterministic", Declaration(requests=10)),
        spec("regression", ONE_CHAT, "fuzz"),
        spec("valid", PROPERTY, "fuzz"),
        spec("invalid", PROPERTY, "fuzz"),
    ]
    roomy = plan(specs, caps=Cost(100, 100_000), fuzz_examples=12)
    assert [c.examples for c in roomy.checks[2:]] == [12, 12]
    tight = plan(specs, caps=Cost(19, 100_000), fuzz_examples=12)  # 8 requests left
    assert [c.examples for c in tight.checks[2:]] == [4, 4]
    assert tight.fits  # fewer examples is not a check left out
    caps = Cost(100, worst_case_tokens(BODY) + 450)  # 450 tokens left: 2 x 2 x 100 fit
    by_tokens = plan(specs, caps=caps, fuzz_examples=12)
    assert [c.examples for c in by_tokens.checks[2:]] == [2, 2]
    starved = plan(specs, caps=Cost(11, 100_000), fuzz_examples=12)
    assert [c.status for c in starved.checks[2:]] == ["budget", "budget"]
    assert not starved.fits


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"fuzz_examples": 0}, "fuzzing is off"),
        ({"target": "replay"}, "replay does not run fuzz properties"),
    ],
)
def test_fuzz_properties_off(kw, why):
    result = plan([spec("valid", PROPERTY, "fuzz")], **kw)
    assert result.checks[0].status == "off" and why in result.checks[0].why
    assert result.fits and result.planned() == Cost()


def test_on_the_emulator_fuzzing_is_counted_not_capped():
    result = plan(
        [spec("valid", PROPERTY, "fuzz")],
        caps=Cost(5, 100),
        target="emulator",
        fuzz_examples=200,
        capped_fuzz=False,
    )
    assert result.checks[0].status == "planned" and result.checks[0].examples == 200


def test_fuzz_now_takes_a_fixed_share_of_what_the_run_has_left():
    specs = [spec("valid", PROPERTY, "fuzz"), spec("invalid", PROPERTY, "fuzz")]
    result = plan(specs, fuzz_examples=12)
    assert result.fuzz_now("test_x.py::valid", Cost(10, 100_000), 12) == (5, "")
    assert result.fuzz_now("test_x.py::invalid", Cost(10, 100_000), 12) == (10, "")
    assert result.fuzz_now("test_x.py::invalid", Cost(10, 50), 12)[0] == 0
    assert "nothing left" in result.fuzz_now("test_x.py::invalid", Cost(0, 0), 12)[1]
    with pytest.raises(KeyError, match="not a fuzz property"):  # e.g. an id without its model
        result.fuzz_now("test_x.py::valid[kimi-k2.6]", Cost(10, 100_000), 12)


def test_the_plan_as_json_and_as_lines():
    result = plan(
        [spec("a", ONE_CHAT, "core"), spec("b", Declaration(requests=3, shares=("answer",)))],
        overhead_shares=("models",),
    )
    document = result.to_json()
    assert document["planned"]["requests"] == 6  # preflight 1, a 1, b 3 + the answer 1
    assert document["by_group"]["core"]["requests"] == 1
    assert [c["id"] for c in document["checks"]] == ["test_x.py::a", "test_x.py::b"]
    lines = result.render()
    assert lines[0].startswith("plan (full, model m): at most 6 requests (preflight 1, core 1")
    assert any("shares answer" in line for line in lines)


def test_declarations_from_markers():
    assert Declaration.from_marker((2,), {}).requests == 2
    assert Declaration.from_marker((), {"shares": "models"}).shares == ("models",)
    with pytest.raises(TypeError, match="unknown arguments"):
        Declaration.from_marker((), {"request": 1})
