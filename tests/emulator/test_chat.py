"""`POST /chat/completions`: the documented 400/404s with their exact texts, and the answer."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from conformance.contract.catalog import DEFAULT_MODELS, LEGACY_MODELS
from conformance.contract.schemas import check
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import Request

# moonshot-v1 (retired 2026-08-31) is the family whose sampling may be changed: served here
# on purpose, next to the current line-up.
WITH_LEGACY = (*DEFAULT_MODELS, *LEGACY_MODELS)
USER = [{"role": "user", "content": "What is the weather in Paris?"}]
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 2},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            },
            "required": ["city", "unit", "days", "tags"],
        },
    },
}


def post(body: dict[str, Any], emulator: Emulator | None = None) -> tuple[int, Any]:
    request = Request(
        "POST",
        "/chat/completions",
        {},
        {"authorization": f"Bearer {DEFAULT_KEY}"},
        json.dumps(body).encode(),
    )
    response = (emulator or Emulator(models=WITH_LEGACY)).handle(request)
    if response.stream is not None:
        return response.status, b"".join(response.stream)
    return response.status, json.loads(response.body)


def ok(body: dict[str, Any]) -> dict[str, Any]:
    status, document = post(body)
    assert status == 200, document
    assert check("chat.completion", document) == []
    return document


def chunks(body: dict[str, Any]) -> list[dict[str, Any]]:
    status, raw = post({**body, "stream": True})
    assert status == 200
    events = raw.decode().split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    docs = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
    for doc in docs:
        assert check("chat.completion.chunk", doc) == []
    return docs


def rejected(body: dict[str, Any], status: int, type_: str, message: str) -> None:
    got_status, document = post(body)
    assert check("error", document) == []
    assert (got_status, document) == (status, {"error": {"message": message, "type": type_}})


# --- documented 4xx, exact texts -------------------------------------------------------------


@pytest.mark.parametrize("model", ["kimi-k2.8", "moonshotai/kimi-k2.6", "kimi-latest", "gpt-4o"])
def test_unknown_or_gateway_model_is_404(model: str) -> None:
    rejected(
        {"model": model, "messages": USER},
        404,
        "resource_not_found_error",
        f"Not found the model {model} or Permission denied",
    )


@pytest.mark.parametrize("messages", [[], None, "hi"])
def test_empty_messages(messages: Any) -> None:
    rejected(
        {"model": "kimi-k2.6", "messages": messages},
        400,
        "invalid_request_error",
        "Invalid request: messages must not be empty",
    )


@pytest.mark.parametrize("role", ["developer", "function", "", None])
def test_invalid_role(role: Any) -> None:
    status, document = post({"model": "kimi-k2.6", "messages": [{"role": role, "content": "x"}]})
    assert status == 400 and document["error"]["type"] == "invalid_request_error"
    assert "invalid role" in document["error"]["message"]


def test_empty_content_is_rejected_but_tool_call_turns_may_be_empty() -> None:
    status, _ = post({"model": "kimi-k2.6", "messages": [{"role": "user", "content": ""}]})
    assert status == 400
    ok(
        {
            "model": "moonshot-v1-8k",
            "messages": [
                *USER,
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "id": "functions.get_weather:0",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "functions.get_weather:0", "content": "sunny"},
            ],
            "tools": [WEATHER],
        }
    )


@pytest.mark.parametrize(
    ("model", "extra", "message"),
    [
        (
            "kimi-k2.6",
            {"temperature": 0.7},
            "invalid temperature: only 1 is allowed for this model",
        ),
        (
            "kimi-k2.6",
            {"temperature": 1.0, "thinking": {"type": "disabled"}},
            "invalid temperature: only 0.6 is allowed for this model",
        ),
        (
            "kimi-k2.5",
            {"temperature": 0.2, "thinking": {"type": "disabled"}},
            "invalid temperature: only 0.6 is allowed for this model",
        ),
        ("kimi-k3", {"temperature": 0.6}, "invalid temperature: only 1 is allowed for this model"),
        ("kimi-k2.7-code", {"top_p": 1.0}, "invalid top_p: only 0.95 is allowed for this model"),
        ("kimi-k2.6", {"n": 2}, "invalid n: only 1 is allowed for this model"),
        (
            "kimi-k2.6",
            {"presence_penalty": 0.5},
            "invalid presence_penalty: only 0 is allowed for this model",
        ),
        (
            "kimi-k2.6",
            {"frequency_penalty": -1},
            "invalid frequency_penalty: only 0 is allowed for this model",
        ),
        ("kimi-k2.6", {"logprobs": True}, "invalid logprobs: only false is allowed for this model"),
        (
            "kimi-k3",
            {"top_logprobs": 3},
            "Invalid request: logprobs must be set to true if top_logprobs is used",
        ),
    ],
)
def test_fixed_sampling_parameters_reject_other_values(
    model: str, extra: dict[str, Any], message: str
) -> None:
    rejected({"model": model, "messages": USER, **extra}, 400, "invalid_request_error", message)


@pytest.mark.parametrize(
    ("model", "extra"),
    [
        (
            "kimi-k2.6",
            {
                "temperature": 1.0,
                "top_p": 0.95,
                "n": 1,
                "presence_penalty": 0,
                "frequency_penalty": 0,
                "logprobs": False,
            },
        ),
        ("kimi-k2.6", {"temperature": 0.6, "thinking": {"type": "disabled"}}),
        ("kimi-k2.6", {"thinking": {"type": "enabled", "keep": "all"}, "temperature": 1}),
        (
            "kimi-k3",
            {"temperature": 1, "logprobs": True, "top_logprobs": 2, "reasoning_effort": "low"},
        ),
        ("kimi-k2.7-code", {"temperature": 1.0, "thinking": {"type": "enabled"}}),
        ("moonshot-v1-8k", {"temperature": 0.3, "top_p": 0.5, "n": 3, "presence_penalty": 1.5}),
    ],
)
def test_default_values_are_accepted(model: str, extra: dict[str, Any]) -> None:
    document = ok({"model": model, "messages": USER, **extra})
    assert len(document["choices"]) == extra.get("n", 1)


@pytest.mark.parametrize("temperature", [-0.1, 1.01, 2])
def test_temperature_range_is_0_to_1_where_modifiable(temperature: float) -> None:
    status, document = post(
        {"model": "moonshot-v1-8k", "messages": USER, "temperature": temperature}
    )
    assert status == 400 and "temperature must be in [0, 1]" in document["error"]["message"]


def test_n_limits() -> None:
    assert post({"model": "moonshot-v1-8k", "messages": USER, "n": 6, "temperature": 0.5})[0] == 400
    status, document = post({"model": "moonshot-v1-8k", "messages": USER, "n": 2})
    assert status == 400  # temperature defaults to 0 on moonshot-v1: n must be 1
    assert document["error"]["message"] == (
        "Invalid request: n must be 1 when temperature is close to 0"
    )


def test_more_than_five_stop_strings() -> None:
    rejected(
        {"model": "kimi-k2.6", "messages": USER, "stop": list("abcdef")},
        400,
        "invalid_request_error",
        "Invalid request: stop must not have more than 5 strings",
    )
    rejected(
        {"model": "kimi-k2.6", "messages": USER, "stop": ["x" * 33]},
        400,
        "invalid_request_error",
        "Invalid request: each stop string must not exceed 32 bytes",
    )
    ok({"model": "kimi-k2.6", "messages": USER, "stop": list("abcde")})


def test_tool_choice_rules() -> None:
    named = {"type": "function", "function": {"name": "get_weather"}}
    rejected(
        {"model": "kimi-k2.6", "messages": USER, "tools": [WEATHER], "tool_choice": named},
        400,
        "invalid_request_error",
        "tool_choice 'specified' is incompatible with thinking enabled",
    )
    rejected(
        {"model": "kimi-k3", "messages": USER, "tool_choice": "required"},
        400,
        "invalid_request_error",
        "Invalid request: tool_choice 'required' needs tools",
    )
    ok({"model": "kimi-k3", "messages": USER, "tool_choice": "none"})
    ok({"model": "kimi-k3", "messages": USER, "tool_choice": "auto"})
    document = ok(
        {
            "model": "kimi-k2.6",
            "messages": USER,
            "tools": [WEATHER],
            "tool_choice": named,
            "thinking": {"type": "disabled"},
            "temperature": 0.6,
        }
    )
    assert document["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"


@pytest.mark.parametrize(
    ("tool", "message"),
    [
        (
            {"function": {"name": "f", "parameters": {}}},
            "Invalid request: unknown tool type: , "
            "currently only function and plugin are supported",
        ),
        (
            {"type": "function", "function": {"name": "9lives", "parameters": {}}},
            "Invalid request: function name is invalid, must start with a letter and can contain "
            "letters, numbers, underscores, and dashes",
        ),
        (  # the whole name must match: `$` alone lets a trailing newline through
            {"type": "function", "function": {"name": "get_weather\n", "parameters": {}}},
            "Invalid request: function name is invalid, must start with a letter and can contain "
            "letters, numbers, underscores, and dashes",
        ),
    ],
)
def test_tool_definition_errors(tool: dict[str, Any], message: str) -> None:
    rejected(
        {"model": "kimi-k2.6", "messages": USER, "tools": [tool]},
        400,
        "invalid_request_error",
        message,
    )


def test_duplicate_function_names() -> None:
    rejected(
        {"model": "kimi-k2.6", "messages": USER, "tools": [WEATHER, WEATHER]},
        400,
        "invalid_request_error",
        "Invalid request: function name get_weather is duplicated",
    )


def test_partial_mode_with_json_object_is_rejected() -> None:
    status, document = post(
        {
            "model": "kimi-k2.6",
            "response_format": {"type": "json_object"},
            "messages": [*USER, {"role": "assistant", "content": "{", "partial": True}],
        }
    )
    assert status == 400 and "partial mode" in document["error"]["message"]


def test_thinking_tool_turn_without_reasoning_content() -> None:
    turn = {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "functions.get_weather:0",
                "type": "function",
                "function": {"name": "get_weather", "arguments": "{}"},
            }
        ],
    }
    rejected(
        {
            "model": "kimi-k2.6",
            "tools": [WEATHER],
            "messages": [
                *USER,
                turn,
                {"role": "tool", "tool_call_id": "functions.get_weather:0", "content": "ok"},
            ],
        },
        400,
        "invalid_request_error",
        "thinking is enabled but reasoning_content is missing in assistant tool call message at "
        "index 1",
    )


def test_public_image_urls_are_rejected() -> None:
    content = [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]
    rejected(
        {"model": "kimi-k2.6", "messages": [{"role": "user", "content": content}]},
        400,
        "invalid_request_error",
        "unsupported image url",
    )


def test_k27_code_cannot_disable_thinking() -> None:
    status, _ = post(
        {"model": "kimi-k2.7-code", "messages": USER, "thinking": {"type": "disabled"}}
    )
    assert status == 400


def test_context_limit() -> None:
    rejected(
        {"model": "moonshot-v1-8k", "messages": USER, "max_tokens": 8190},
        400,
        "invalid_request_error",
        "Your request exceeded model token limit : 8192",
    )


# --- the answer ---------------------------------------------------------------------------


def test_usage_arithmetic() -> None:
    single = ok({"model": "kimi-k2.6", "messages": USER})["usage"]
    assert single["total_tokens"] == single["prompt_tokens"] + single["completion_tokens"]
    assert single["completion_tokens_details"]["reasoning_tokens"] > 0
    usage = ok({"model": "moonshot-v1-8k", "messages": USER})["usage"]
    assert "completion_tokens_details" not in usage


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_is_honoured_with_finish_reason_length(field: str) -> None:
    document = ok({"model": "moonshot-v1-8k", "messages": USER, field: 3})
    assert document["choices"][0]["finish_reason"] == "length"
    assert document["usage"]["completion_tokens"] == 3
    thinking = ok({"model": "kimi-k2.6", "messages": USER, field: 3})["choices"][0]
    assert thinking["finish_reason"] == "length" and thinking["message"]["content"] == ""
    assert thinking["message"]["reasoning_content"]


def test_reasoning_only_for_thinking_models() -> None:
    assert ok({"model": "kimi-k2.6", "messages": USER})["choices"][0]["message"][
        "reasoning_content"
    ]
    off = ok({"model": "kimi-k2.6", "messages": USER, "thinking": {"type": "disabled"}})
    assert "reasoning_content" not in off["choices"][0]["message"]
    assert (
        "reasoning_content"
        not in ok({"model": "moonshot-v1-8k", "messages": USER})["choices"][0]["message"]
    )


def test_partial_mode_does_not_repeat_the_prefix() -> None:
    prefix = "Once upon a time"
    message = ok(
        {
            "model": "kimi-k2.6",
            "messages": [*USER, {"role": "assistant", "content": prefix, "partial": True}],
        }
    )["choices"][0]["message"]
    assert message["content"] and not message["content"].startswith(prefix)


def test_json_mode_returns_a_json_object() -> None:
    content = ok(
        {"model": "kimi-k2.6", "messages": USER, "response_format": {"type": "json_object"}}
    )["choices"][0]["message"]["content"]
    assert isinstance(json.loads(content), dict)


def test_json_schema_mode_satisfies_the_schema() -> None:
    schema = WEATHER["function"]["parameters"]
    content = ok(
        {
            "model": "kimi-k2.6",
            "messages": USER,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "w", "schema": schema},
            },
        }
    )["choices"][0]["message"]["content"]
    jsonschema.validate(json.loads(content), schema)


def test_tool_call_arguments_satisfy_the_parameters() -> None:
    choice = ok({"model": "kimi-k2.6", "messages": USER, "tools": [WEATHER]})["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    assert call["id"] == "functions.get_weather:0" and call["type"] == "function"
    jsonschema.validate(
        json.loads(call["function"]["arguments"]), WEATHER["function"]["parameters"]
    )


def test_after_a_tool_result_the_model_answers_in_text() -> None:
    messages = [
        *USER,
        {
            "role": "assistant",
            "content": "",
            "reasoning_content": "r",
            "tool_calls": [
                {
                    "id": "functions.get_weather:0",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "functions.get_weather:0", "content": "sunny"},
    ]
    choice = ok({"model": "kimi-k2.6", "messages": messages, "tools": [WEATHER]})["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["content"]
    required = ok(
        {"model": "kimi-k3", "messages": messages, "tools": [WEATHER], "tool_choice": "required"}
    )["choices"][0]
    assert required["message"]["tool_calls"][0]["id"] == "functions.get_weather:1"


def test_stop_strings_cut_the_content() -> None:
    content = ok({"model": "moonshot-v1-8k", "messages": USER})["choices"][0]["message"]["content"]
    cut = ok({"model": "moonshot-v1-8k", "messages": USER, "stop": ["Paris"]})
    assert cut["choices"][0]["message"]["content"] == content[: content.index("Paris")]


# --- streaming ------------------------------------------------------------------------------


def test_stream_framing() -> None:
    docs = chunks({"model": "kimi-k2.6", "messages": USER})
    deltas = [d["choices"][0]["delta"] for d in docs]
    assert deltas[0] == {"role": "assistant", "content": ""}
    assert all("role" not in d for d in deltas[1:])
    kinds = [next(iter(d)) for d in deltas[1:-1]]
    assert kinds == sorted(kinds, key=["reasoning_content", "content"].index)  # reasoning first
    finishes = [d["choices"][0]["finish_reason"] for d in docs]
    assert finishes[:-1] == [None] * (len(docs) - 1) and finishes[-1] == "stop"
    whole = ok({"model": "kimi-k2.6", "messages": USER})
    assert docs[-1]["usage"] == whole["usage"]
    text = "".join(d.get("content", "") for d in deltas)
    assert text == whole["choices"][0]["message"]["content"]


def test_stream_include_usage_adds_a_trailing_chunk() -> None:
    docs = chunks(
        {"model": "kimi-k2.6", "messages": USER, "stream_options": {"include_usage": True}}
    )
    assert docs[-1]["choices"] == [] and docs[-1]["usage"]["total_tokens"] > 0


def test_stream_tool_call_fragments_reassemble() -> None:
    docs = chunks({"model": "kimi-k2.6", "messages": USER, "tools": [WEATHER]})
    fragments = [tc for d in docs for tc in d["choices"][0]["delta"].get("tool_calls", [])]
    assert fragments[0]["id"] == "functions.get_weather:0"
    assert fragments[0]["function"]["name"] == "get_weather"
    assert all("id" not in f and f["index"] == 0 for f in fragments[1:])
    arguments = "".join(f["function"]["arguments"] for f in fragments)
    jsonschema.validate(json.loads(arguments), WEATHER["function"]["parameters"])
    assert docs[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_stream_is_lazy() -> None:
    request = Request(
        "POST",
        "/chat/completions",
        {},
        {"authorization": f"Bearer {DEFAULT_KEY}"},
        json.dumps({"model": "kimi-k2.6", "messages": USER, "stream": True}).encode(),
    )
    stream = Emulator().handle(request).stream
    assert stream is not None and not isinstance(stream, (list, tuple, bytes))
    assert next(iter(stream)).startswith(b"data: {")


# --- the per-model thinking switch and reasoning effort (catalog FieldRules) ------------


@pytest.mark.parametrize("effort", ["low", "high", "max"])
def test_k3_takes_each_documented_reasoning_effort_and_still_thinks(effort: str) -> None:
    answer = ok({"model": "kimi-k3", "messages": USER, "reasoning_effort": effort})
    assert answer["choices"][0]["message"]["reasoning_content"]


@pytest.mark.parametrize("effort", ["medium", "", 3])
def test_k3_refuses_a_reasoning_effort_outside_the_spec_enum(effort: Any) -> None:
    status, document = post({"model": "kimi-k3", "messages": USER, "reasoning_effort": effort})
    assert status == 400 and document["error"]["type"] == "invalid_request_error"
    assert "low, high, max" in document["error"]["message"]


@pytest.mark.parametrize("model", ["kimi-k2.6", "kimi-k2.7-code-highspeed"])
def test_reasoning_effort_is_ignored_where_it_is_not_in_the_schema(model: str) -> None:
    answer = ok({"model": model, "messages": USER, "reasoning_effort": "low"})
    assert answer["model"] == model


@pytest.mark.parametrize("kind", ["disabled", "enabled"])
def test_k3_ignores_the_thinking_switch_and_keeps_thinking(kind: str) -> None:
    answer = ok({"model": "kimi-k3", "messages": USER, "thinking": {"type": kind}})
    assert answer["choices"][0]["message"]["reasoning_content"]


@pytest.mark.parametrize("model", ["kimi-k2.7-code", "kimi-k2.7-code-highspeed"])
def test_k27_code_keep_accepts_only_all(model: str) -> None:
    for keep in ("all", None):
        ok({"model": model, "messages": USER, "thinking": {"type": "enabled", "keep": keep}})
    status, document = post(
        {"model": model, "messages": USER, "thinking": {"type": "enabled", "keep": "none"}}
    )
    assert status == 400 and "keep" in document["error"]["message"]
