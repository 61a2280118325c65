"""Property-based fuzzing of `POST /chat/completions` payloads (Hypothesis).

Properties (strategies, oracle and runner in `conformance.strategies`):
- a valid payload for the model under test, streamed or not, gets 200 and an answer that
  passes every schema and invariant;
- an invalid payload (one named family per documented 400) gets a 4xx with the error
  envelope;
- nothing gets a 5xx, a hang or a body that is not JSON;
- every example in `fuzz_regressions.json` (failures found earlier) is replayed each run.

Where the requests go: in `replay`, the in-process emulator (random payloads cannot match
recordings; the report says so); in `emulator`, the loopback emulator through a client that
is not charged to the run's request cap; `live`, the run's metered client (budget, cap,
pacing), with the small live profile. Examples per property: `--fuzz-examples N`
(`KIMI_FUZZ_EXAMPLES`), else 200 offline and 10 live. Runs are derandomized when `CI` is
set; no Hypothesis database is written unless you loaded a Hypothesis settings profile.

A failure shows the minimal payload (secrets scrubbed), the answer, a curl line to
reproduce it, and the entry to append to `fuzz_regressions.json` to keep it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from conformance import strategies
from conformance.run.budget import BudgetExhausted
from conformance.strategies import oracle
from conformance.strategies.runner import Campaign

pytestmark = [pytest.mark.kimi_endpoint("POST /chat/completions"), pytest.mark.kimi_unrecorded]

REGRESSIONS = Path(__file__).with_name("fuzz_regressions.json")
IN_PROCESS_NOTE = (
    "fuzzing (test_fuzz.py) ran against the in-process emulator: random payloads cannot "
    "match recordings"
)


def _client(kimi_run: Any) -> Any:
    import httpx

    target = kimi_run.settings.target
    if target == "live":
        return kimi_run.target.http()
    if target == "emulator":  # loopback; not charged to the run's request cap
        return httpx.Client(
            base_url=kimi_run.target.base_url.rstrip("/") + "/",
            headers={"Authorization": f"Bearer {kimi_run.target.api_key.reveal()}"},
            timeout=10.0,
        )
    from conformance.emulator.core import DEFAULT_KEY, Emulator

    kimi_run.report.note(IN_PROCESS_NOTE)
    return httpx.Client(
        base_url="https://api.moonshot.ai/v1/",
        transport=Emulator().httpx_transport(),
        headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
        timeout=10.0,
    )


@pytest.fixture(scope="module")
def campaign(kimi_run: Any, kimi_model: str, kimi_models: Any) -> Iterator[Campaign]:
    client = _client(kimi_run)

    def send(body: dict[str, Any]) -> oracle.Exchange:
        try:
            return oracle.send(client, body)
        except BudgetExhausted as exc:
            if fuzz.failed:  # stop shrinking cheaply; Hypothesis keeps the smallest failure
                hypothesis.reject()
            pytest.skip(f"fuzzing stopped, the run's budget is spent: {exc}")

    live = kimi_run.settings.target == "live"
    fuzz = Campaign(
        send,
        kimi_model,
        profile=strategies.LIVE if live else strategies.OFFLINE,
        examples=kimi_run.settings.fuzz_examples,
        models_document=kimi_models,
    )
    yield fuzz
    client.close()


def test_valid_payloads_accepted(campaign: Campaign) -> None:
    """Valid payloads, streamed or not: 200 and an answer passing every schema/invariant."""
    campaign.valid()


def test_invalid_payloads_rejected(campaign: Campaign) -> None:
    """Invalid payloads, each breaking one documented rule: a 4xx with the error envelope."""
    campaign.invalid()


def _regressions() -> list[dict[str, Any]]:
    return list(json.loads(REGRESSIONS.read_text(encoding="utf-8"))["examples"])


def with_model(value: Any, model: str) -> Any:
    """A regression body with its `"{model}"` placeholders set to `model`."""
    if isinstance(value, dict):
        return {k: with_model(v, model) for k, v in value.items()}
    if isinstance(value, list):
        return [with_model(v, model) for v in value]
    return model if value == "{model}" else value


@pytest.mark.parametrize("example", _regressions(), ids=lambda example: example["id"])
def test_regression_example(campaign: Campaign, example: dict[str, Any]) -> None:
    """A failure found earlier, kept in fuzz_regressions.json: it must stay fixed."""
    exchange = campaign.send(with_model(example["body"], campaign.model))
    if example["expect"] == "valid":
        oracle.expect_valid(exchange)
    else:
        oracle.expect_invalid(exchange, example.get("family") or "regression")
