"""Partial mode and JSON modes of `POST /chat/completions` (kimi-api.md §3.6).

- Partial mode: the last message `{"role": "assistant", "content": <prefix>, "partial":
  true}` is continued: new text, and "the API response does not include the
  leading_text". "Do not mix Partial Mode with response_format=json_object" is advice:
  the docs do not say what the API answers, so its check reports an observation (a 400
  is what the emulator, like OpenAI, answers).
- JSON mode: `{"type": "json_object"}` gives content that parses as a JSON object;
  `{"type": "json_schema", ...}` gives content valid against the schema.
"""

import json

import pytest

from conformance.checks import exchanges, payloads
from conformance.checks.asserts import expect_error, expect_json

pytestmark = pytest.mark.kimi_endpoint("POST /chat/completions")

PREFIX = "Red, green,"
JSON_MAX_TOKENS = 48  # room for a small JSON object; a cut one would not parse
# (plus payloads.REASONING_ROOM for a model that always thinks)
GREETING_SCHEMA = {
    "type": "object",
    "properties": {"word": {"type": "string"}},
    "required": ["word"],
    "additionalProperties": False,
}


# A model that always thinks (thinking cannot be switched off) reasons before it continues.
THINKING_MAX_TOKENS = 128


def _always_thinks(model):
    return payloads.thinking_off(model) == {} and exchanges.thinks(model)


def _partial(model, **extra):
    tokens = THINKING_MAX_TOKENS if _always_thinks(model) else payloads.DEFAULT_MAX_TOKENS
    body = payloads.chat(
        model, "Name three colours, separated by commas.", max_tokens=tokens, **extra
    )
    body["messages"].append({"role": "assistant", "content": PREFIX, "partial": True})
    return body


def _content(document):
    choice = document["choices"][0]
    content = choice["message"].get("content")
    assert isinstance(content, str), f"expected text content, got {content!r}"
    return content, choice["finish_reason"]


@pytest.mark.kimi_cost(chat=lambda m: [_partial(m)])
@pytest.mark.kimi_rule("partial.continues")
def test_partial_mode_continues(raw, kimi_model):
    """The answer continues the prefix: new text, without the prefix repeated."""
    document = expect_json(
        raw.post("chat/completions", json=_partial(kimi_model)), "chat.completion"
    )
    content, finish = _content(document)
    message = document["choices"][0]["message"]
    if not content.strip() and finish == "length" and message.get("reasoning_content"):
        pytest.skip("the model reasoned until max_completion_tokens: no continuation to judge")
    assert content.strip(), (
        f"partial mode must continue after the prefix {PREFIX!r}, got empty content "
        f"(finish_reason {finish!r})"
    )
    assert not content.startswith(PREFIX) and not content.lstrip().startswith(PREFIX.strip()), (
        f"partial mode must continue after the prefix, not repeat it: {content[:80]!r}"
    )


def _partial_json(model):
    return _partial(model, response_format={"type": "json_object"})


@pytest.mark.kimi_cost(chat=lambda m: [_partial_json(m)])
@pytest.mark.kimi_rule("partial.with-json-object")
def test_partial_mode_with_json_object_rejected(raw, kimi_model):
    body = _partial_json(kimi_model)
    expect_error(
        raw.post("chat/completions", json=body), status=400, types=["invalid_request_error"]
    )


def _json_content(document, kind):
    content, finish = _content(document)
    try:
        value = json.loads(content)
    except ValueError:
        raise AssertionError(
            f"response_format {kind} gave content that is not JSON "
            f"(finish_reason {finish!r}): {content[:120]!r}"
        ) from None
    return value


def _json_object(model):
    return payloads.chat(
        model,
        'Reply with a JSON object of the form {"answer": "hello"} and nothing else.',
        max_tokens=JSON_MAX_TOKENS + payloads.reasoning_room(model),
        response_format={"type": "json_object"},
    )


def _json_schema(model):
    return payloads.chat(
        model,
        'Reply with a JSON object {"word": "hello"}.',
        max_tokens=JSON_MAX_TOKENS + payloads.reasoning_room(model),
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "greeting", "schema": GREETING_SCHEMA, "strict": True},
        },
    )


@pytest.mark.kimi_cost(chat=lambda m: [_json_object(m)])
@pytest.mark.kimi_rule("json-object.mode")
def test_json_object_mode(raw, kimi_model):
    body = _json_object(kimi_model)
    document = expect_json(raw.post("chat/completions", json=body), "chat.completion")
    value = _json_content(document, "json_object")
    assert isinstance(value, dict), f"json_object mode gave a {type(value).__name__}: {value!r}"


@pytest.mark.kimi_cost(chat=lambda m: [_json_schema(m)])
@pytest.mark.kimi_rule("json-schema.mode")
def test_json_schema_mode(raw, kimi_model):
    from jsonschema import Draft202012Validator

    body = _json_schema(kimi_model)
    document = expect_json(raw.post("chat/completions", json=body), "chat.completion")
    value = _json_content(document, "json_schema")
    errors = [e.message for e in Draft202012Validator(GREETING_SCHEMA).iter_errors(value)]
    assert not errors, f"json_schema mode content {value!r} breaks the schema: {errors}"
