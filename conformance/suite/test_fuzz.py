"""Property-based fuzzing of `POST /chat/completions` payloads (Hypothesis).

Properties (strategies, oracle and runner in `conformance.strategies`):
- a valid payload for the model under test, streamed or not, gets 200 and an answer that
  passes every schema and invariant;
- an invalid payload (one named family per way to get a 400) gets 400
  `invalid_request_error` with the error envelope where Moonshot documents that answer;
  where the rule is advice or inferred (an orphan tool message, duplicate function
  names) what the server did is an observation (a failure with `--strict-rules`);
- nothing gets a body that is not JSON; a 429, a 5xx or no answer is a `server` or
  `network` error (after the documented retries), never a conformance failure;
- every example in `fuzz_regressions.json` (failures found earlier) is replayed each run.

Where the requests go, and what they cost:

- `live`: the run's metered client. The properties come last in the run and take a fixed
  number of examples from what the deterministic checks left (`--fuzz-examples N` at
  most, default 12, the live profile: short texts, a few completion tokens, and no body
  whose worst case is over `LIVE_EXAMPLE_TOKENS`); shrinking a failure may send at most
  `LIVE_SHRINK_REQUESTS` more. If the budget still runs out inside a property, it ends as
  a budget outcome saying how many examples ran.
- `emulator`: the loopback emulator, 200 examples per property by default; counted in
  the run's spend, never refused by its caps (the emulator is free).
- `replay`: the properties do not run (random payloads match no recording); the
  regression examples play from their recordings like every other check.

`--fuzz-examples 0` turns the properties off. Runs are derandomized when `CI` is set; no
Hypothesis database is written unless you loaded a Hypothesis settings profile.

A failure shows the minimal payload (secrets scrubbed), the answer, a curl line to
reproduce it, and the entry to append to `fuzz_regressions.json` to keep it. One found
live whose shrinking was cut short is shown as found, with the commands that shrink it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import strategies
from conformance.checks.asserts import observe
from conformance.run.budget import BudgetExhausted
from conformance.strategies import oracle
from conformance.strategies.runner import NOT_MINIMAL, Campaign, FuzzStopped, StopFuzzing

pytestmark = [pytest.mark.kimi_endpoint("POST /chat/completions"), pytest.mark.kimi_fuzz]

REGRESSIONS = Path(__file__).with_name("fuzz_regressions.json")
LIVE_EXAMPLE_TOKENS = 400  # live: a drawn body that could spend more is not sent
LIVE_SHRINK_REQUESTS = 20
REPLAY_SKIP = (
    "fuzz properties do not run on replay (random payloads match no recording): "
    "use --target emulator or --live"
)


def _client(kimi_run: Any) -> Any:
    """The properties' client: the run's own (metered) on live; on the emulator target
    one whose requests are counted in the run's spend but never refused by its caps."""
    if kimi_run.settings.target != "emulator":
        return kimi_run.target.http()
    from dataclasses import replace

    from conformance.run.budget import Uncapped

    meter = replace(kimi_run.target.meter, budget=Uncapped(kimi_run.target.meter.budget))
    return replace(kimi_run.target, meter=meter, _clients=[]).http()


@pytest.fixture(scope="module")
def campaign(kimi_run: Any, kimi_model: str, kimi_models: Any) -> Iterator[Campaign]:
    client = _client(kimi_run)
    live = kimi_run.settings.target == "live"

    def send(body: dict[str, Any]) -> oracle.Exchange:
        try:
            return oracle.send(client, body)
        except BudgetExhausted as exc:
            raise StopFuzzing(str(exc)) from None

    fuzz = Campaign(
        send,
        kimi_model,
        profile=strategies.LIVE if live else strategies.OFFLINE,
        examples=kimi_run.settings.fuzz_examples,
        models_document=kimi_models,
        shrink_requests=LIVE_SHRINK_REQUESTS if live else None,
        accept=_within(LIVE_EXAMPLE_TOKENS) if live else None,
        strict=kimi_run.settings.strict,
    )
    yield fuzz
    client.close()


def _within(tokens: int) -> Any:
    from conformance.run.cost import worst_case_tokens

    return lambda body: worst_case_tokens(body) <= tokens


def _property(request: pytest.FixtureRequest, kimi_run: Any, campaign: Campaign, run: Any) -> None:
    """Run one property with the examples the run can still afford."""
    from conformance.run.selection import check_id

    name = request.node.originalname
    if kimi_run.settings.target == "replay":
        pytest.skip(REPLAY_SKIP)
    if campaign.configured <= 0:
        pytest.skip("fuzzing is off (--fuzz-examples 0)")
    if kimi_run.settings.target == "live":
        examples, why = kimi_run.fuzz_examples(check_id(request.node), campaign.configured)
        if examples <= 0:
            raise BudgetExhausted(why)
        campaign.examples = examples
    try:
        run()
    except FuzzStopped as stopped:
        raise BudgetExhausted(str(stopped)) from None
    except oracle.FuzzFailure as failure:
        if NOT_MINIMAL not in str(failure):
            raise
        raise oracle.FuzzFailure(
            f"{failure}; shrink it offline: kimi-conformance run --target emulator -k {name} "
            f"(if the emulator fails it too), or live with more budget: "
            f"kimi-conformance run --live -k {name} --max-requests 200"
        ) from None
    kimi_run.report.note(f"{name}: {campaign.ran} examples")


_PROPERTY = pytest.mark.kimi_cost(example_tokens=LIVE_EXAMPLE_TOKENS)


@_PROPERTY
@pytest.mark.kimi_unrecorded
@pytest.mark.kimi_rule("request.valid-served", "chat.completion", "stream.chunk")
def test_valid_payloads_accepted(request: Any, kimi_run: Any, campaign: Campaign) -> None:
    """Valid payloads, streamed or not: 200 and an answer passing every schema/invariant."""
    _property(request, kimi_run, campaign, campaign.valid)


@_PROPERTY
@pytest.mark.kimi_unrecorded
@pytest.mark.kimi_rule("request.invalid-400", "error.envelope")
def test_invalid_payloads_rejected(request: Any, kimi_run: Any, campaign: Campaign) -> None:
    """Invalid payloads, each breaking one rule: 400 `invalid_request_error` with the error
    envelope where the rule is documented; an observation where it is advice or inferred."""
    _property(request, kimi_run, campaign, campaign.invalid)
    for seen in campaign.observations():
        observe(kimi_run, seen.rule, seen.followed, f"{seen.family}: {seen.what}")


def _regressions() -> list[dict[str, Any]]:
    return list(json.loads(REGRESSIONS.read_text(encoding="utf-8"))["examples"])


def with_model(value: Any, model: str) -> Any:
    """A regression body with its `"{model}"` placeholders set to `model`."""
    if isinstance(value, dict):
        return {k: with_model(v, model) for k, v in value.items()}
    if isinstance(value, list):
        return [with_model(v, model) for v in value]
    return model if value == "{model}" else value


def _example(example: dict[str, Any]) -> Any:
    """A regression example as a test case marked with the rule it breaks."""
    from conformance.strategies.invalid import family_rule

    if example["expect"] == "valid":
        rules = ["request.valid-served", "chat.completion"]
    else:
        rules = [family_rule(example.get("family") or "", example["body"])]
    return pytest.param(example, id=example["id"], marks=pytest.mark.kimi_rule(*rules))


@pytest.mark.kimi_cost(chat_with_params=lambda model, p: [with_model(p["example"]["body"], model)])
@pytest.mark.parametrize("example", [_example(e) for e in _regressions()])
def test_regression_example(kimi_run: Any, example: dict[str, Any], kimi_model: str) -> None:
    """A failure found earlier, kept in fuzz_regressions.json: it must stay fixed."""
    exchange = oracle.send(kimi_run.target.http(), with_model(example["body"], kimi_model))
    if example["expect"] == "valid":
        oracle.expect_valid(exchange)
    else:  # judged strictly here; the example's rule level decides whether it fails the run
        oracle.expect_invalid(exchange, example.get("family") or "regression", strict=True)
