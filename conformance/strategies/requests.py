"""Whole `POST /chat/completions` bodies whose optional parameters follow the rules of
the model under test, read from `conformance.contract.catalog.rules_for` (never hard-coded here).

A `Profile` bounds the size and cost of what is drawn: `OFFLINE` for the emulator,
`LIVE` for the real API (short texts, at most a few completion tokens, thinking off
where the model lets it be switched off).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance.contract.catalog import DEFAULT_MODELS, ParameterRules, Rule, rules_for
from conformance.strategies.messages import conversations
from conformance.strategies.text import identifiers, stress_text
from conformance.strategies.tools import parameter_schemas, tools

__all__ = ["LIVE", "OFFLINE", "Profile", "chat_requests", "context_length_of", "sampling"]

MAX_STOP = 5  # kimi-api.md §3.1: "maxItems: 5"
MAX_STOP_BYTES = 32  # "each string must not exceed 32 bytes"


@dataclass(frozen=True)
class Profile:
    """How big and how costly drawn requests may be."""

    name: str
    examples: int  # default Hypothesis examples per property
    max_turns: int
    max_text: int
    long_text: int  # 0: never draw long texts
    max_completion_tokens: int
    vary_thinking: bool  # False: thinking off where the model has the toggle


OFFLINE = Profile("offline", 200, 4, 40, 4000, 32, vary_thinking=True)
LIVE = Profile("live", 12, 2, 24, 200, 4, vary_thinking=False)


def _value(rule: Rule, *, low: float | None = None) -> st.SearchStrategy[Any]:
    """An accepted value for `rule`: the fixed one, or one inside its documented range."""
    if not rule.modifiable:
        return st.just(rule.fixed)
    if isinstance(rule.default, bool):
        return st.booleans()
    minimum = rule.minimum if low is None else max(low, rule.minimum or low)
    if isinstance(rule.default, int):
        return st.integers(int(minimum or 0), int(rule.maximum or 1_000))
    return st.floats(minimum, rule.maximum, allow_nan=False, allow_infinity=False)


@st.composite
def sampling(draw: st.DrawFn, rules: ParameterRules) -> dict[str, Any]:
    """Sampling parameters (temperature, top_p, n, penalties, logprobs) each left out or
    set to a value the model accepts. "When temperature is close to 0, n can only be 1"
    (§3.2): n > 1 comes with an explicit temperature of at least 0.01."""
    body: dict[str, Any] = {}
    for name, rule in sorted(rules.params.items()):
        if draw(st.booleans()):
            body[name] = draw(_value(rule))
    if body.get("n", 1) > 1:
        body["temperature"] = draw(_value(rules["temperature"], low=0.01))
    if body.get("logprobs") is True and draw(st.booleans()):
        body["top_logprobs"] = draw(st.integers(0, 20))
    return body


@functools.cache
def _stops() -> st.SearchStrategy[Any]:
    one = stress_text(max_size=8, blank=True).filter(lambda s: len(s.encode()) <= MAX_STOP_BYTES)
    return st.one_of(st.none(), one, st.lists(one, max_size=MAX_STOP))


@functools.cache
def _response_formats(partial: bool) -> st.SearchStrategy[dict[str, Any]]:
    kinds: list[st.SearchStrategy[dict[str, Any]]] = [st.just({"type": "text"})]
    if not partial:  # "Do not mix Partial Mode with response_format=json_object" (§3.6)
        kinds.append(st.just({"type": "json_object"}))
    kinds.append(
        st.builds(
            lambda name, schema: {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema},
            },
            identifiers(1, 20),
            parameter_schemas(max_depth=1),
        )
    )
    return st.one_of(kinds)


def _stream_options() -> st.SearchStrategy[Any]:
    """`stream_options` as chat.request's schema has it: null, or an object with at most
    a boolean `include_usage` (no other key: the API may refuse what it does not know).
    Written by hand; tests/strategies shows every draw validates against the schema."""
    return st.none() | st.fixed_dictionaries({}, optional={"include_usage": st.booleans()})


def _thinking(draw: st.DrawFn, model: str, profile: Profile) -> tuple[dict[str, Any], bool | None]:
    kind = rules_for(model).thinking_kind
    if kind != "toggle":
        return {}, None
    if not profile.vary_thinking:
        return {"thinking": {"type": "disabled"}}, False
    choice = draw(st.sampled_from([None, True, False]))
    if choice is None:
        return {}, None
    return {"thinking": {"type": "enabled" if choice else "disabled"}}, choice


def _tool_choice(
    draw: st.DrawFn, rules: ParameterRules, declared: list[dict[str, Any]]
) -> dict[str, Any]:
    forms = sorted(rules.tool_choice_forms - (set() if declared else {"required", "function"}))
    form = draw(st.sampled_from([None, *forms]))
    if form is None:
        return {}
    if form == "function":
        name = draw(st.sampled_from([t["function"]["name"] for t in declared]))
        return {"tool_choice": {"type": "function", "function": {"name": name}}}
    return {"tool_choice": form}


def _fits(messages: list[Any], declared: list[Any], max_tokens: int, context: int) -> bool:
    """Input + max_completion_tokens within the context window ("Your request exceeded
    model token limit" otherwise, §3.1), counted pessimistically: a token covers at least
    one UTF-8 byte, plus room for each message's framing."""
    size = len(json.dumps([messages, declared], ensure_ascii=False).encode())
    return size + 16 * len(messages) + max_tokens <= context


def context_length_of(model: str, models_document: Any = None) -> int:
    """The model's `context_length` from a `GET /models` document, else the catalog's."""
    listed = (models_document or {}).get("data") or [m.to_json() for m in DEFAULT_MODELS]
    for entry in listed:
        if isinstance(entry, dict) and entry.get("id") == model:
            value = entry.get("context_length")
            if isinstance(value, int) and value > 0:
                return value
    return 8192  # the smallest documented window: safe for an unknown model


@st.composite
def chat_requests(
    draw: st.DrawFn,
    model: str,
    *,
    profile: Profile = OFFLINE,
    stream: bool | None = False,
    context_length: int | None = None,
) -> dict[str, Any]:
    """A valid chat request for `model` (its rules from `catalog.rules_for`).

    `stream`: False (not streamed), True (streamed, sometimes with
    `stream_options.include_usage`) or None (either). `context_length`: the model's
    window (default: `context_length_of(model)`); requests always fit in it.
    """
    context = context_length or context_length_of(model)
    thinking_field, thinking = _thinking(draw, model, profile)
    rules = rules_for(model, thinking)
    declared = draw(st.one_of(st.just([]), tools()))
    messages = draw(
        conversations(
            tools=declared,
            thinking=rules.thinking,
            max_turns=profile.max_turns,
            max_size=profile.max_text,
            long_size=min(profile.long_text, context // 16),
        )
    )
    max_tokens = draw(st.integers(1, profile.max_completion_tokens))
    assume(_fits(messages, declared, max_tokens, context))
    body: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_completion_tokens": max_tokens,
        **thinking_field,
    }
    if declared:
        body["tools"] = declared
        body.update(_tool_choice(draw, rules, declared))
    body.update(draw(sampling(rules)))
    stops = draw(_stops())
    if stops is not None:
        body["stop"] = stops
    if draw(st.booleans()):
        body["response_format"] = draw(_response_formats(messages[-1].get("partial") is True))
    streamed = draw(st.booleans()) if stream is None else stream
    if streamed:
        body["stream"] = True
        if draw(st.booleans()):
            body["stream_options"] = draw(_stream_options())
    elif draw(st.booleans()):
        body["stream"] = False
    return body
