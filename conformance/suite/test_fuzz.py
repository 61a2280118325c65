"""Property-based fuzzing of `POST /chat/completions` payloads (Hypothesis).

Properties (strategies and oracle in `conformance.strategies`):
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
import os
import warnings
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given

from conformance import strategies
from conformance.budget import BudgetExhausted
from conformance.strategies import oracle

pytestmark = [pytest.mark.kimi_endpoint("POST /chat/completions"), pytest.mark.kimi_unrecorded]

REGRESSIONS = Path(__file__).with_name("fuzz_regressions.json")
IN_PROCESS_NOTE = (
    "fuzzing (test_fuzz.py) ran against the in-process emulator: random payloads cannot "
    "match recordings"
)


class Fuzzer:
    """Where fuzzed requests go, and how many examples each property draws."""

    def __init__(self, kimi_run: Any, model: str, models_document: Any) -> None:
        target = kimi_run.settings.target
        self.live = target == "live"
        self.profile = strategies.LIVE if self.live else strategies.OFFLINE
        self.model = model
        self.context_length = strategies.context_length_of(model, models_document)
        self.examples = kimi_run.settings.fuzz_examples or self.profile.examples
        self.client = self._client(kimi_run, target)
        self.failed = False  # a property found a failure (shrinking may then hit the budget)

    @staticmethod
    def _client(kimi_run: Any, target: str) -> Any:
        import httpx

        if target == "live":
            return kimi_run.target.http()
        if target == "emulator":  # loopback; not charged to the run's request cap
            key = kimi_run.target.api_key.reveal()
            return httpx.Client(
                base_url=kimi_run.target.base_url.rstrip("/") + "/",
                headers={"Authorization": f"Bearer {key}"},
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

    def settings(self) -> hypothesis.settings:
        options: dict[str, Any] = {
            "max_examples": self.examples,
            "deadline": None,
            "derandomize": bool(os.environ.get("CI")),
            "report_multiple_bugs": False,
            "print_blob": False,
            "suppress_health_check": [
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.filter_too_much,
            ],
        }
        if getattr(hypothesis.settings, "_current_profile", "default") == "default":
            options["database"] = None  # no .hypothesis/ under the project by default
        return hypothesis.settings(**options)

    def send(self, body: dict[str, Any]) -> oracle.Exchange:
        try:
            return oracle.send(self.client, body)
        except BudgetExhausted as exc:
            if self.failed:  # stop shrinking cheaply; Hypothesis keeps the smallest failure
                hypothesis.reject()
            pytest.skip(f"fuzzing stopped, the run's budget is spent: {exc}")

    def run(self, strategy: Any, check: Any) -> None:
        @self.settings()
        @given(strategy)
        def prop(example: Any) -> None:
            try:
                check(example)
            except oracle.FuzzFailure:
                self.failed = True
                raise

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", hypothesis.errors.HypothesisWarning)
            prop()


@pytest.fixture(scope="module")
def fuzzer(kimi_run: Any, kimi_model: str, kimi_models: Any) -> Fuzzer:
    return Fuzzer(kimi_run, kimi_model, kimi_models)


def test_valid_payloads_accepted(fuzzer: Fuzzer) -> None:
    """Valid payloads, streamed or not: 200 and an answer passing every schema/invariant."""
    requests = strategies.chat_requests(
        fuzzer.model, profile=fuzzer.profile, stream=None, context_length=fuzzer.context_length
    )
    fuzzer.run(requests, lambda body: oracle.expect_valid(fuzzer.send(body)))


def test_invalid_payloads_rejected(fuzzer: Fuzzer) -> None:
    """Invalid payloads, each breaking one documented rule: a 4xx with the error envelope."""
    requests = strategies.invalid_requests(
        fuzzer.model, profile=fuzzer.profile, context_length=fuzzer.context_length
    )
    fuzzer.run(requests, lambda pair: oracle.expect_invalid(fuzzer.send(pair[1]), pair[0]))


def _regressions() -> list[dict[str, Any]]:
    return list(json.loads(REGRESSIONS.read_text(encoding="utf-8"))["examples"])


def _with_model(value: Any, model: str) -> Any:
    if isinstance(value, dict):
        return {k: _with_model(v, model) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_model(v, model) for v in value]
    return model if value == "{model}" else value


@pytest.mark.parametrize("example", _regressions(), ids=lambda example: example["id"])
def test_regression_example(fuzzer: Fuzzer, example: dict[str, Any]) -> None:
    """A failure found earlier, kept in fuzz_regressions.json: it must stay fixed."""
    exchange = fuzzer.send(_with_model(example["body"], fuzzer.model))
    if example["expect"] == "valid":
        oracle.expect_valid(exchange)
    else:
        oracle.expect_invalid(exchange, example.get("family") or "regression")
