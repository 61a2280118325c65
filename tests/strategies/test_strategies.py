"""The public fuzzing strategies: valid requests validate against `chat.request` and
follow the model's rules; each invalid family breaks its rule; the oracle judges answers
and writes failures a person can act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from conformance import strategies
from conformance.contract import schemas
from conformance.contract.catalog import DEFAULT_MODELS, LEGACY_MODELS, rules_for
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.strategies import oracle
from conformance.strategies.runner import fuzz_settings
from conformance.strategies.text import ASTRAL, CONTROL, ZERO_WIDTH

FAST = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
# One model per rule family: fixed sampling (toggle, always-on, k3) and modifiable ranges
# (moonshot-v1, retired: served here on purpose).
LINEUP = (*DEFAULT_MODELS, *LEGACY_MODELS)
FAMILY_MODELS = sorted({m.family: m.id for m in LINEUP}.values())
EMULATOR = Emulator(models=LINEUP)
CLIENT = httpx.Client(
    base_url="https://api.moonshot.ai/v1/",
    transport=EMULATOR.httpx_transport(),
    headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
)
REGRESSIONS = Path(__file__).parents[2] / "conformance" / "suite" / "fuzz_regressions.json"


def _thinking(body: dict[str, Any]) -> bool | None:
    thinking = body.get("thinking")
    return None if thinking is None else thinking["type"] == "enabled"


def _tool_order_problems(messages: list[dict[str, Any]]) -> list[str]:
    calls: set[str] = set()
    problems = []
    for i, message in enumerate(messages):
        if message["role"] == "tool" and message.get("tool_call_id") not in calls:
            problems.append(f"tool message {i} answers no earlier call")
        for call in message.get("tool_calls") or []:
            calls.add(call["id"])
    last = messages[-1]
    if not (last["role"] in ("user", "tool") or last.get("partial") is True):
        problems.append(f"ends with {last['role']}")
    return problems


@pytest.mark.parametrize("model", FAMILY_MODELS)
@FAST
@given(data=st.data())
def test_valid_requests_validate_and_follow_the_models_rules(model: str, data: Any) -> None:
    body = data.draw(strategies.chat_requests(model, stream=None))
    assert schemas.check("chat.request", body) == []
    rules = rules_for(model, _thinking(body))
    for name, rule in rules.params.items():
        if name in body:
            assert rule.violation(body[name]) is None, (name, body[name])
    if body.get("n", 1) > 1:
        assert body["temperature"] >= 0.01
    assert ("thinking" in body) <= (rules_for(model).thinking_kind == "toggle")
    choice = body.get("tool_choice")
    if choice is not None:
        form = choice if isinstance(choice, str) else "function"
        assert form in rules.tool_choice_forms
    assert _tool_order_problems(body["messages"]) == []
    if rules.thinking:
        for message in body["messages"]:
            if message.get("tool_calls"):
                assert isinstance(message.get("reasoning_content"), str)


@FAST
@given(strategies.chat_requests(FAMILY_MODELS[0], profile=strategies.LIVE, stream=None))
def test_live_profile_is_cheap(body: dict[str, Any]) -> None:
    assert body["max_completion_tokens"] <= strategies.LIVE.max_completion_tokens
    if rules_for(body["model"]).thinking_kind == "toggle":
        assert body["thinking"] == {"type": "disabled"}
    assert len(json.dumps(body["messages"])) < 20_000


TOGGLE = next(m.id for m in DEFAULT_MODELS if rules_for(m.id).thinking_kind == "toggle")


@settings(max_examples=10, deadline=None, database=None)
@given(strategies.chat_requests(TOGGLE, profile=strategies.LIVE))
def test_the_live_profile_switches_thinking_off_where_it_can(body: dict[str, Any]) -> None:
    assert body["thinking"] == {"type": "disabled"}


@pytest.mark.parametrize("model", ["moonshot-v1-8k"])
@FAST
@given(data=st.data())
def test_requests_fit_a_small_context_window(model: str, data: Any) -> None:
    body = data.draw(strategies.chat_requests(model))
    response = oracle.send(CLIENT, body)
    assert oracle.valid_problems(response) == []


@pytest.mark.parametrize(
    "wanted",
    [
        lambda s: any(ord(c) > 0xFFFF for c in s),
        lambda s: any(c in CONTROL for c in s),
        lambda s: any(c in ZERO_WIDTH for c in s),
        lambda s: any("\u0590" <= c <= "\u06ff" for c in s),  # Hebrew / Arabic
        lambda s: any("\u4e00" <= c <= "\u9fff" for c in s),  # CJK
        lambda s: len(s) > 1000,
    ],
    ids=["astral", "control", "zero-width", "rtl", "cjk", "long"],
)
def test_stress_text_reaches_every_hostile_kind(wanted: Any) -> None:
    text = find(
        strategies.stress_text(long_size=2000),
        wanted,
        settings=settings(database=None, max_examples=2000),
    )
    assert text.strip() and text.encode("utf-8")


def test_the_hostile_alphabet_has_astral_characters() -> None:
    assert any(ord(c) > 0xFFFF for c in ASTRAL)


@FAST
@given(strategies.message_names())
def test_message_names_are_encodable_strings(name: str) -> None:
    assert name and name.encode("utf-8")


def test_message_names_go_past_64_characters() -> None:
    name = find(strategies.message_names(), lambda n: len(n) > 64, settings=settings(database=None))
    assert len(name) == 65


@FAST
@given(strategies.function_names())
def test_function_names_match_every_documented_rule(name: str) -> None:
    for pattern in (r"^[a-zA-Z_][a-zA-Z0-9-_]{2,63}$", r"^[a-zA-Z_][a-zA-Z0-9-_]{0,255}$"):
        import re

        assert re.match(pattern, name)


@pytest.mark.parametrize("family", sorted(strategies.FAMILIES))
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_each_invalid_family_is_rejected_by_the_reference_emulator(family: str, data: Any) -> None:
    model = FAMILY_MODELS[0]
    drawn, body = data.draw(strategies.invalid_requests(model, families=(family,)))
    assert drawn == family
    exchange = oracle.send(CLIENT, body)
    assert exchange.response is not None, exchange.error
    assert oracle.invalid_problems(exchange) == [], (family, exchange.response.text)
    assert exchange.response.status_code == 400


SCHEMA_FAMILIES = (
    "empty-messages",
    "unknown-role",
    "wrong-type-content",
    "too-many-stop",
    "unknown-tool-type",
    "malformed-response-format",
)


@pytest.mark.parametrize("family", SCHEMA_FAMILIES)
@settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_families_the_schema_expresses_fail_chat_request(family: str, data: Any) -> None:
    _, body = data.draw(strategies.invalid_requests(FAMILY_MODELS[0], families=(family,)))
    assert schemas.check("chat.request", body) != []


def test_unknown_family_is_named() -> None:
    with pytest.raises(ValueError, match="unknown invalid families"):
        find(
            strategies.invalid_requests("kimi-k2.6", families=("nope",)),
            lambda _: True,
            settings=settings(database=None),
        )


# -- the oracle --------------------------------------------------------------------------


def _exchange(status: int, body: bytes, content_type: str = "application/json") -> Any:
    request = httpx.Request("POST", "https://api.moonshot.ai/v1/chat/completions")
    response = httpx.Response(
        status, content=body, headers={"content-type": content_type}, request=request
    )
    payload = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    return oracle.Exchange(payload, "https://api.moonshot.ai/v1/", response=response)


def test_oracle_passes_a_conforming_answer_and_flags_broken_ones() -> None:
    body = {"model": FAMILY_MODELS[0], "messages": [{"role": "user", "content": "hi"}]}
    good = oracle.send(CLIENT, body)
    assert oracle.valid_problems(good) == []
    assert oracle.valid_problems(oracle.send(CLIENT, {**body, "stream": True})) == []
    assert oracle.invalid_problems(_exchange(200, b"{}")) != []
    assert oracle.invalid_problems(_exchange(400, b'{"message": "x"}')) != []
    typed = b'{"error": {"message": "x", "type": "invalid_request_error"}}'
    assert oracle.invalid_problems(_exchange(400, typed)) == []
    assert good.response is not None, good.error
    echoed = json.loads(good.response.text)
    echoed["model"] = "other"
    wrong = _exchange(200, json.dumps(echoed).encode())
    wrong = oracle.Exchange(body, wrong.base_url, response=wrong.response)
    assert any("does not echo" in p for p in oracle.valid_problems(wrong))


ERROR_400 = b'{"error": {"message": "Invalid request: x", "type": "invalid_request_error"}}'


@pytest.mark.parametrize(
    ("status", "body", "content_type", "problem"),
    [
        (404, ERROR_400.replace(b"invalid_request_error", b"resource_not_found_error"), None,
         "an invalid request answered 404, not 400"),
        (422, ERROR_400, None, "an invalid request answered 422, not 400"),
        (400, ERROR_400.replace(b"invalid_request_error", b"content_filter"), None,
         "error.type is 'content_filter', not 'invalid_request_error'"),
        (200, ERROR_400, None, "an invalid request answered 200, not 400"),
        (400, b"<html><body>Bad Request</body></html>", "text/html",
         "the body is not JSON (text/html)"),
        (400, b"", None, "the body is empty, not JSON"),
    ],
    ids=["404", "422", "other-type", "200-error-shaped", "html-400", "empty-400"],
)  # fmt: skip
def test_a_documented_invalid_family_expects_400_invalid_request_error(
    status: int, body: bytes, content_type: str | None, problem: str
) -> None:
    """Not any 4xx: the documented 400 with `invalid_request_error`; a 200 carrying an
    error-shaped body, an HTML or empty 400 each get one readable line."""
    exchange = _exchange(status, body, content_type or "application/json")
    assert problem in oracle.invalid_problems(exchange)
    with pytest.raises(oracle.FuzzFailure) as caught:
        oracle.expect_invalid(exchange, "unknown-role")
    assert caught.value.args[0].splitlines()[0].startswith("invalid request (unknown-role): ")
    assert problem in caught.value.args[0].splitlines()[0]


@pytest.mark.parametrize(
    ("status", "category"),
    [(429, "server"), (500, "server"), (502, "server"), (503, "server"), (None, "network")],
)
def test_outages_are_server_or_network_never_conformance(status: int | None, category: str):
    from conformance.run.outcomes import categorize

    if status is None:
        payload = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        exchange = oracle.Exchange(payload, "http://127.0.0.1:1/v1/", error="connection failed")
    else:
        exchange = _exchange(status, b'{"error": {"message": "busy", "type": "server_error"}}')
    assert oracle.outage(exchange) is not None
    assert oracle.valid_problems(exchange) == oracle.invalid_problems(exchange) == []
    for judge in (oracle.expect_valid, lambda e: oracle.expect_invalid(e, "unknown-role")):
        with pytest.raises(oracle.Outage) as caught:
            judge(exchange)
        assert categorize(caught.value) == category
        assert "\n" not in str(caught.value) and "not a conformance failure" in str(caught.value)


def test_an_undocumented_family_is_an_observation_unless_strict() -> None:
    body = {
        "model": FAMILY_MODELS[0],
        "messages": [
            {"role": "tool", "tool_call_id": "nobody", "content": "x"},
            {"role": "user", "content": "hi"},
        ],
    }
    accepted = _exchange(200, json.dumps({"id": "chatcmpl-1"}).encode())
    accepted = oracle.Exchange(body, accepted.base_url, response=accepted.response)
    seen = oracle.expect_invalid(accepted, "orphan-tool-message")
    assert seen is not None
    assert seen == oracle.Seen("orphan-tool-message", "tools.orphan-message", False, seen.what)
    assert seen.what == "an invalid request answered 200, not 400"
    with pytest.raises(oracle.FuzzFailure):
        oracle.expect_invalid(accepted, "orphan-tool-message", strict=True)
    rejected = oracle.Exchange(body, accepted.base_url, response=_exchange(400, ERROR_400).response)
    assert oracle.expect_invalid(rejected, "orphan-tool-message") == oracle.Seen(
        "orphan-tool-message", "tools.orphan-message", True, "400 invalid_request_error"
    )


def test_each_family_names_a_registered_rule() -> None:
    from conformance.contract.evidence import RULES
    from conformance.strategies.invalid import FAMILY_RULES, family_rule

    assert set(FAMILY_RULES) == set(strategies.FAMILIES)
    assert set(FAMILY_RULES.values()) <= set(RULES)
    levels = {family: RULES[rule].level for family, rule in FAMILY_RULES.items()}
    assert {f for f, level in levels.items() if level in ("advice", "inferred")} == {
        "orphan-tool-message",
        "duplicate-function-name",
    }
    fixed = {"model": "kimi-k2.6", "temperature": 0.5, "messages": []}
    ranged = {"model": "moonshot-v1-8k", "temperature": 1.5, "messages": []}
    assert family_rule("bad-sampling-value", fixed) == "params.fixed"
    assert family_rule("bad-sampling-value", ranged) == "params.range"


def test_failure_report_scrubs_secrets_and_says_how_to_reproduce(monkeypatch) -> None:
    secret = "sk-" + "s3cr3t" * 8
    monkeypatch.setenv("MOONSHOT_API_KEY", secret)
    exchange = _exchange(400, json.dumps({"error": {"message": f"key {secret}"}}).encode())
    exchange = oracle.Exchange(
        {"model": "m", "messages": [{"role": "user", "content": secret}]},
        exchange.base_url,
        response=exchange.response,
    )
    with pytest.raises(oracle.FuzzFailure) as caught:
        oracle.expect_valid(exchange)
    message = str(caught.value)
    assert secret not in message
    first, *rest = message.splitlines()
    assert first == "valid request: a valid request answered 400, not 200"
    assert [line.split(":")[0] for line in rest] == ["payload", "answer", "reproduce", "keep it"]
    assert '"$MOONSHOT_API_KEY"' in message and '"model": "{model}"' in message


def test_fuzz_settings_write_no_database_and_derandomize_in_ci(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert fuzz_settings(5).database is None
    assert fuzz_settings(5).derandomize is False
    monkeypatch.setenv("CI", "true")
    assert fuzz_settings(5).derandomize is True
    assert fuzz_settings(7).max_examples == 7


def test_regression_examples_are_well_formed() -> None:
    examples = json.loads(REGRESSIONS.read_text(encoding="utf-8"))["examples"]
    assert len({e["id"] for e in examples}) == len(examples)
    for example in examples:
        assert example["expect"] in ("valid", "invalid") and example["why"]
        assert example["body"]["model"] == "{model}"
        if example["expect"] == "valid":
            assert schemas.check("chat.request", example["body"]) == [], example["id"]
        else:
            assert example["family"] in strategies.FAMILIES


def test_stream_options_strategy_follows_the_schema() -> None:
    """`stream_options` is drawn by hand (no schema-to-strategy library at run time): every
    draw validates against chat.request's `stream_options`, every form is drawn, and a key
    the schema gains makes this fail until the strategy draws it too."""
    from jsonschema import Draft7Validator

    from conformance.strategies.requests import _stream_options

    schema = schemas.bundle("chat.request")["properties"]["stream_options"]
    assert set(schema["properties"]) == {"include_usage"}
    validator = Draft7Validator(schema)
    seen: set[str] = set()

    @FAST
    @given(_stream_options())
    def draw(value: Any) -> None:
        assert validator.is_valid(value), value
        seen.add("null" if value is None else ",".join(f"{k}={v}" for k, v in value.items()))

    draw()
    assert {"null", "", "include_usage=True", "include_usage=False"} <= seen


@FAST
@given(strategies.tools())
def test_generated_tool_schemas_are_mfjs(tools: list[dict[str, Any]]) -> None:
    """The emulator, like the API, refuses a tool schema that is not MFJS: the valid
    requests must only carry MFJS schemas (warnings, e.g. over 5 levels, are allowed)."""
    from conformance.contract import mfjs

    assert [str(v) for v in mfjs.check_document(tools) if v.is_error] == []
