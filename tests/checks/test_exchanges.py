"""`shared` sends once per run inside its cassette, forgets the run when it closes, and
does not remember a failure; the shared bodies follow the model's thinking rules."""

from __future__ import annotations

import contextlib

import pytest

from conformance.checks import exchanges as chat_exchanges


class FakeRun:
    def __init__(self) -> None:
        self.cleanups: list = []

    def on_close(self, callback) -> None:
        self.cleanups.append(callback)

    def close(self) -> list[str]:
        return [left for cleanup in self.cleanups for left in cleanup()]


def _recorder(opened: list[str]):
    @contextlib.contextmanager
    def cassette(name: str):
        opened.append(name)
        yield

    return cassette


def test_shared_sends_once_per_run_and_forgets_on_close():
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
    assert run.close() == []
    assert chat_exchanges.shared(FakeRun(), cassette, "a", send) == 3


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
