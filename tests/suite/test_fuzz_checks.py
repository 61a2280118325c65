"""The fuzz properties find faults that only some inputs trigger, within the default
200 examples, and shrink each to a small payload; against the reference emulator they pass.

The properties run in-process against the mutated emulator (`Campaign` over its httpx
`MockTransport`: over loopback, each 5xx costs the live path's one-second retry, and
shrinking sends hundreds); one run through the suite (`run_suite`, live code path on
loopback) shows the wiring: category, reason, reproduction line, no key in the output.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import httpx
import pytest

from conformance.contract.model_ids import choose_model

# Imported here once, so pytester's in-process runs share one copy of Hypothesis's
# modules with this process (each run drops the modules it imported itself).
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import Request
from conformance.strategies import oracle
from conformance.strategies.runner import Campaign
from conformance.suite import test_fuzz
from tests.suite import fuzz_helpers
from tests.suite.conftest import MutantEmulator, failed, mutant

VALID = "test_valid_payloads_accepted"
INVALID = "test_invalid_payloads_rejected"
BIG_BUDGET = ("--max-requests", "1000000", "--budget-tokens", "1000000000")
REGRESSIONS = json.loads(
    (Path(test_fuzz.__file__).with_name("fuzz_regressions.json")).read_text(encoding="utf-8")
)["examples"]


def the_suites_model() -> str:
    models = Emulator().models
    model, _ = choose_model({"data": [m.to_json() for m in models]}, None)
    assert model is not None
    return model


def campaign_against(mutation=None) -> tuple[Campaign, httpx.Client]:
    """The fuzz properties, with their offline default of 200 examples (derandomized, so
    the test is reproducible), against the in-process emulator with `mutation` applied."""
    emulator = MutantEmulator(mutation or (lambda request, handle: handle(request)))
    client = httpx.Client(
        base_url="https://api.moonshot.ai/v1/",
        transport=emulator.httpx_transport(),
        headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
    )
    send = functools.partial(oracle.send, client)
    return Campaign(send, the_suites_model(), derandomize=True), client


def minimal_payload(message: str) -> dict:
    found = re.search(r"^payload: (\{.*\})$", message, re.MULTILINE)
    assert found, message
    return json.loads(found.group(1))


def test_reference_emulator_passes_every_property():
    campaign, client = campaign_against()
    assert campaign.examples == 200
    campaign.valid()
    campaign.invalid()
    assert all(seen.followed for seen in campaign.observations()), campaign.observations()
    assert {seen.rule for seen in campaign.observations()} == {
        "tools.orphan-message",
        "tools.duplicate-name",
    }
    for example in REGRESSIONS:
        exchange = oracle.send(client, test_fuzz.with_model(example["body"], campaign.model))
        check = oracle.valid_problems if example["expect"] == "valid" else oracle.invalid_problems
        assert oracle.outage(exchange) is None and check(exchange) == [], example["id"]


FAULTS = {
    # fault: (mutation, property that must find it, what the minimal payload must show,
    #         the first line of the failure, the regression example that catches it)
    "astral-500": (
        fuzz_helpers.astral_500,
        "valid",
        lambda body: any(ord(c) > 0xFFFF for c in json.dumps(body, ensure_ascii=False)),
        "valid request: answered 500, a server error",
        "astral-and-control-characters",
    ),
    "long-name-500": (
        fuzz_helpers.long_name_500,
        "valid",
        lambda body: [len(m["name"]) for m in body["messages"] if "name" in m] == [65],
        "valid request: answered 500, a server error",
        "message-name-over-64-characters",
    ),
    "unknown-role-200": (
        fuzz_helpers.unknown_role_200,
        "invalid",
        lambda body: any(m["role"] not in fuzz_helpers.ROLES for m in body["messages"]),
        "invalid request (unknown-role): an invalid request answered 200, not 400",
        "unknown-role",
    ),
    "tool-pair-non-json-502": (
        fuzz_helpers.tool_pair_502,
        "valid",
        lambda body: "tool,tool" in ",".join(m["role"] for m in body["messages"]),
        "valid request: answered 502, a server error",
        None,
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fuzzing_finds_and_shrinks(fault):
    """Found and shrunk; a 5xx only some inputs get (the server answers a plain request)
    is the server's fault, reported as `server`, never as the API's conformance."""
    from conformance.run.outcomes import categorize

    mutation, prop, shows, headline, regression = FAULTS[fault]
    campaign, client = campaign_against(mutation)
    with pytest.raises(oracle.FuzzFailure) as caught:
        getattr(campaign, prop)()
    assert categorize(caught.value) == ("conformance" if "200" in fault else "server")
    message = str(caught.value)
    assert message.splitlines()[0] == headline
    minimal = minimal_payload(message)
    assert shows(minimal), minimal
    assert len(minimal["messages"]) <= 6 and len(json.dumps(minimal)) < 900, minimal
    assert "reproduce: curl" in message and "keep it: append" in message
    if regression:
        example = next(e for e in REGRESSIONS if e["id"] == regression)
        exchange = oracle.send(client, test_fuzz.with_model(example["body"], campaign.model))
        check = oracle.valid_problems if example["expect"] == "valid" else oracle.invalid_problems
        found = oracle.outage(exchange) or check(exchange)
        assert found, f"regression example {regression} misses {fault}"


def test_a_server_that_is_down_stops_the_campaign_as_an_outage():
    """Every request 503: after the first example and one plain request that fails too,
    the property stops (nothing shrunk, nothing more sent) with a `server` error."""
    from conformance.run.outcomes import categorize

    sent = []

    def down(request, handle):
        sent.append(request.path)
        return fuzz_helpers._server_error(503)

    campaign, _ = campaign_against(down)
    with pytest.raises(oracle.Outage) as caught:
        campaign.valid()
    assert categorize(caught.value) == "server"
    assert str(caught.value).startswith("server error, not a conformance failure: answered 503")
    assert len(sent) == 2  # the first example and the plain request
    sent.clear()
    with pytest.raises(oracle.Outage):
        campaign.invalid()  # the first family stops the whole property
    assert len(sent) == 2


def test_suite_wiring_reports_a_found_fault_and_passes_a_conforming_server(run_suite):
    """Through the suite (live code path, loopback): the failure is a conformance failure
    whose reason starts with what went wrong; the output shows how to reproduce it and
    never the key; against the reference emulator every fuzz check passes."""
    with mutant(fuzz_helpers.unknown_role_200) as running:
        result, outcomes = run_suite(
            running,
            "-k",
            f"{INVALID} or unknown-role",
            "--tb=short",
            "--fuzz-examples",
            "200",
            *BIG_BUDGET,
        )
    assert failed(outcomes) == {INVALID, "test_regression_example[unknown-role]"}
    assert outcomes[INVALID]["category"] == "conformance"
    assert outcomes[INVALID]["reason"].startswith(
        "invalid request (unknown-role): an invalid request answered 200, not 400"
    )
    output = result.stdout.str()
    assert "reproduce: curl" in output and running.api_key not in output
    with mutant() as running:
        result, outcomes = run_suite(running, "-k", "test_fuzz", "--fuzz-examples", "20")
    assert {VALID, INVALID} <= set(outcomes) and failed(outcomes) == set()
    assert result.ret == 0


# -- the emulator fix the fuzzer prompted --------------------------------------------------


def _post(body):
    request = Request(
        "POST",
        "/chat/completions",
        headers={"authorization": f"Bearer {DEFAULT_KEY}", "content-type": "application/json"},
        body=json.dumps(body).encode(),
    )
    return Emulator().handle(request)


def test_emulator_rejects_a_tool_message_answering_no_call():
    from conformance.contract.catalog import rules_for

    # thinking off: a thinking model would also want reasoning_content on the tool call
    models = Emulator().models
    model = next(m.id for m in models if rules_for(m.id).thinking_kind == "toggle")
    off = {"thinking": {"type": "disabled"}}
    call = {"id": "c1", "type": "function", "function": {"name": "f00", "arguments": "{}"}}
    tools = [{"type": "function", "function": {"name": "f00", "parameters": {"type": "object"}}}]
    user = {"role": "user", "content": "hi"}
    answer = {"role": "tool", "tool_call_id": "c1", "content": "ok"}
    good = _post(
        {
            "model": model,
            "tools": tools,
            "messages": [user, {"role": "assistant", "content": "", "tool_calls": [call]}, answer],
            **off,
        }
    )
    assert good.status == 200
    for messages in ([answer, user], [user, {**answer, "tool_call_id": "c2"}], [user, answer]):
        response = _post({"model": model, "tools": tools, "messages": messages, **off})
        assert response.status == 400
        assert "must answer a tool call" in json.loads(response.body)["error"]["message"]
