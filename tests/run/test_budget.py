"""The request cap, the token ceiling and RPM pacing."""

import pytest

from conformance.run.budget import Budget, BudgetExhausted, Pacer, Uncapped


def test_request_cap_refuses_the_request_beyond_it():
    budget = Budget(max_requests=2, max_tokens=100)
    budget.take_request()
    budget.take_request()
    with pytest.raises(BudgetExhausted, match="request cap reached"):
        budget.take_request()
    assert budget.requests == 2


def test_token_budget_refuses_requests_once_spent():
    budget = Budget(max_requests=10, max_tokens=50)
    budget.take_request()
    budget.charge_tokens(50)
    assert budget.reason() == "token budget spent (50 of --budget-tokens 50)"
    with pytest.raises(BudgetExhausted):
        budget.take_request()


def test_token_ceiling_refuses_a_request_whose_worst_case_could_cross_it():
    budget = Budget(max_requests=10, max_tokens=100)
    budget.charge_tokens(60)
    budget.take_request(worst_tokens=40)  # could reach 100 exactly: allowed
    with pytest.raises(BudgetExhausted, match="could spend up to 41 tokens, 60 of"):
        budget.take_request(worst_tokens=41)
    assert budget.requests == 1
    budget.take_request()  # a request that cannot spend tokens (GET /models) still goes
    assert budget.left() == (8, 40)


def test_uncapped_counts_without_refusing():
    budget = Budget(max_requests=1, max_tokens=10)
    budget.take_request()
    uncapped = Uncapped(budget)
    uncapped.take_request(worst_tokens=1000)
    uncapped.charge_tokens(50)
    assert (budget.requests, budget.tokens) == (2, 50)


def test_pacer_spaces_requests_by_60_over_rpm():
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(3, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.wait()
    assert slept == [20.0, 20.0]


def test_no_pacing_without_rpm():
    pacer = Pacer(None, clock=lambda: 0.0, sleep=lambda s: pytest.fail("slept"))
    pacer.wait()
    pacer.wait()
