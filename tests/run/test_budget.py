"""The request cap, the token budget and RPM pacing."""

import pytest

from conformance.run.budget import Budget, BudgetExhausted, Pacer


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
