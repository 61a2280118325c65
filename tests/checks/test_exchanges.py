"""`shared` sends once per run inside its cassette, keeps the answer on the run (where the
live preflight leaves its own), and does not remember a failure; the shared bodies follow
the model's thinking rules; every shared answer has a price for the run plan."""

from __future__ import annotations

import contextlib

import pytest

from conformance.checks import exchanges as chat_exchanges


class FakeRun:
    def __init__(self) -> None:
        self.answers: dict = {}


def _recorder(opened: list[str]):
    @contextlib.contextmanager
    def cassette(name: str):
        opened.append(name)
        yield

    return cassette


def test_shared_sends_once_per_run():
    run = FakeRun()
    opened: list[str] = []
    sent: list[int] = []

    def send():
        sent.append(1)
        return len(sent)

    cassette = _recorder(opened)
    assert chat_exchanges.shared(run, cassette, "a", send) == 1
    assert chat_exchanges.shared(run, cassette, "a", send) == 1
    assert chat_exchanges.shared(run, cassette, "b", send) == 2
    assert opened == ["a", "b"]
    assert chat_exchanges.shared(FakeRun(), cassette, "a", send) == 3  # another run


def test_shared_uses_what_the_preflight_fetched():
    run = FakeRun()
    run.answers["models"] = "fetched by the preflight"
    assert chat_exchanges.shared(run, _recorder([]), "models", lambda: 1 / 0) == (
        "fetched by the preflight"
    )


def test_shared_does_not_remember_a_failure():
    run, calls = FakeRun(), []

    def send():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("server error")
        return "ok"

    with pytest.raises(RuntimeError):
        chat_exchanges.shared(run, _recorder([]), "x", send)
    assert chat_exchanges.shared(run, _recorder([]), "x", send) == "ok"


def test_tool_request_thinks_where_the_model_can():
    assert chat_exchanges.tool_request("kimi-k2.6")["thinking"] == {"type": "enabled"}
    assert "thinking" not in chat_exchanges.tool_request("moonshot-v1-8k")
    assert chat_exchanges.thinks("kimi-k3") and not chat_exchanges.thinks("moonshot-v1-8k")
    assert not chat_exchanges.thinks("not-a-kimi-model")


def test_every_shared_answer_is_priced():
    from conformance.run.cost import worst_case_tokens

    costs = chat_exchanges.SHARED_COSTS
    assert {"models", "balance", "chat-tool-stream", "chat-tool-answer"} <= set(costs)
    tool = costs["chat-tool-answer"].own_cost("kimi-k2.6")
    assert tool.requests == 1
    assert tool.tokens == worst_case_tokens(chat_exchanges.tool_request("kimi-k2.6"))
    assert tool.tokens > chat_exchanges.TOOL_MAX_TOKENS  # the prompt is priced too
