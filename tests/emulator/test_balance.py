"""The balance moves with what the emulator serves, at each model's price, and an empty
account gets the documented 429 `exceeded_current_quota_error` (kimi-api.md §4, §8)."""

from __future__ import annotations

import argparse
from typing import Any

import openai
import pytest

from conformance.commands import emulator as command
from conformance.contract.catalog import DEFAULT_MODELS
from conformance.emulator import prices
from conformance.emulator.account import Balance
from conformance.emulator.core import Emulator

HELLO: Any = [{"role": "user", "content": "Say hello to Paris."}]
SEARCH: Any = {"type": "builtin_function", "function": {"name": "$web_search"}}


def available(client: openai.OpenAI) -> float:
    """`GET /users/me/balance` through the SDK's generic `get` (it has no balance method)."""
    document: Any = client.get("/users/me/balance", cast_to=object)
    return float(document["data"]["available_balance"])


def test_every_model_has_a_price_with_a_source() -> None:
    for model in DEFAULT_MODELS:
        price = prices.price_for(model.id, model.family)
        assert price.source and 0 < price.cache_hit <= price.cache_miss < price.output, model.id
        assert price.assumption or "assumption" not in price.source.split(";")[0]


def test_balance_goes_down_by_the_priced_tokens() -> None:
    emulator = Emulator()
    client = emulator.openai_client()
    before = available(client)
    usage: Any = client.chat.completions.create(model="kimi-k2.6", messages=HELLO).usage
    price = prices.PRICES["kimi-k2.6"]
    expected = (usage.prompt_tokens * 0.95 + usage.completion_tokens * 4.00) / 1e6
    assert before - available(client) == pytest.approx(expected, abs=1e-8)
    snapshot = emulator.accounting.snapshot()
    assert snapshot["cost"] == pytest.approx(expected)
    # The same prompt again: a prefix-cache hit, its prompt tokens at the hit rate.
    again: Any = client.chat.completions.create(model="kimi-k2.6", messages=HELLO).usage
    hit = prices.cost(price, again.prompt_tokens, again.prompt_tokens, again.completion_tokens)
    assert emulator.accounting.snapshot()["cost"] == pytest.approx(expected + hit)
    assert emulator.accounting.snapshot()["cached_tokens"] == again.prompt_tokens


def test_a_web_search_call_costs_its_fee() -> None:
    emulator = Emulator()
    client = emulator.openai_client()
    reply: Any = client.chat.completions.create(
        model="kimi-k2.6",
        messages=HELLO,
        tools=[SEARCH],
        extra_body={"thinking": {"type": "disabled"}},
    )
    assert reply.choices[0].message.tool_calls[0].function.name == "$web_search"
    snapshot = emulator.accounting.snapshot()
    assert snapshot["web_search_calls"] == 1
    tokens = prices.cost(
        prices.PRICES["kimi-k2.6"], reply.usage.prompt_tokens, 0, reply.usage.completion_tokens
    )
    assert snapshot["cost"] == pytest.approx(tokens + prices.WEB_SEARCH_FEE)


def test_vouchers_go_first_then_cash_may_go_negative() -> None:
    balance = Balance(cash=1.0, voucher=0.5).charged(0.75)
    assert (balance.voucher, balance.cash, balance.available) == (0.0, 0.75, 0.75)
    owed = balance.charged(1.0)
    assert owed.cash == pytest.approx(-0.25) and owed.available == 0.0


def test_running_out_gives_the_documented_429() -> None:
    emulator = Emulator(balance=Balance(cash=0.00001, voucher=0.0))
    client = emulator.openai_client()
    client.chat.completions.create(model="kimi-k2.6", messages=HELLO)  # spends the last cent
    assert available(client) <= 0
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="kimi-k2.6", messages=HELLO)
    body = info.value.body
    assert isinstance(body, dict) and body["type"] == "exceeded_current_quota_error"


def test_an_empty_account_is_a_setting() -> None:
    emulator = Emulator()
    emulator.balance = Balance.empty()
    with pytest.raises(openai.RateLimitError, match="insufficient balance"):
        emulator.openai_client().chat.completions.create(model="kimi-k2.6", messages=HELLO)


def _args(**kw: Any) -> argparse.Namespace:
    base = {"port": 0, "fault": [], "tier": None, "seed": 0, "key": None, "key_env": None}
    return argparse.Namespace(**{**base, **kw})


def test_the_command_line_balance() -> None:
    assert command._build(_args(balance=0.0)).balance.available == 0
    assert command._build(_args(balance=2.5)).balance == Balance(cash=2.5, voucher=0.0)
    assert command._build(_args(balance=None)).balance == Balance()
