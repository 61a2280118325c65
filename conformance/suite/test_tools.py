"""Function calling on `POST /chat/completions` (kimi-api.md §3.1, §3.3, §3.4).

The tool-call answer is shared with test_streaming (one request per run). Every call in it
must name a declared tool and carry JSON arguments valid against that tool's `parameters`
(K2-Vendor-Verifier "schema accuracy"). The round trip sends the tool result back; a
thinking model needs the assistant turn's `reasoning_content` back, and leaving it out
gets the documented 400. `tool_choice`: `auto` and `none` are documented for every model
(the `required` and named-function forms are contested for some models, §3.3 ⚠, so only
the documented rejection of a named function while thinking is checked).

Tool schemas must be Moonshot Flavored JSON Schema (MFJS, kimi-api.md §3.8): one that is
not gets the captured 400, and a rich one that is (anyOf, `$defs`/`$ref`, enums, nested
objects) is accepted and answered with a call that follows it. Two requests, both small.
"""

import copy
import json

import pytest

from conformance.checks import exchanges as chat_exchanges
from conformance.checks import payloads
from conformance.checks.asserts import expect_error, expect_json
from conformance.contract.tool_checks import tool_call_problems

pytestmark = pytest.mark.kimi_endpoint("POST /chat/completions")

NAME_RULE = (
    "Invalid request: function name is invalid, must start with a letter and can contain "
    "letters, numbers, underscores, and dashes"
)
SPECIFIED_WHILE_THINKING = "tool_choice 'specified' is incompatible with thinking enabled"


def _missing_reasoning(index):
    return (
        "thinking is enabled but reasoning_content is missing in assistant tool call "
        f"message at index {index}"
    )


_round_trip = chat_exchanges.round_trip
_round_trip_request = chat_exchanges.round_trip_request


def _not_thinking(model, params=None):
    if not chat_exchanges.thinks(model):
        return f"{model} does not think: reasoning_content is not required back"
    return None


def _named_allowed(model, params=None):
    from conformance.contract.catalog import rules_for

    if not chat_exchanges.thinks(model) or "function" in rules_for(model, True).tool_choice_forms:
        return f"{model} accepts a named tool_choice (no thinking)"
    return None


def _named_request(model):
    return {
        **chat_exchanges.tool_request(model),
        "max_completion_tokens": payloads.DEFAULT_MAX_TOKENS,
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    }


def _assistant_choice(tool_answer):
    """The answer's choice; a skip when the model made no tool call (its choice under
    `auto`, observed by test_tool_call_made): there is no turn to send back."""
    choice = expect_json(tool_answer, "chat.completion")["choices"][0]
    if not choice["message"].get("tool_calls"):
        pytest.skip(f"the answer made no tool call: {json.dumps(choice['message'])[:160]}")
    return choice


def _assistant_turn(tool_answer):
    """The answer's assistant message (see `_assistant_choice`)."""
    return _assistant_choice(tool_answer)["message"]


@pytest.mark.kimi_cost(shares="chat-tool-answer")
@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("tools.call-made")
def test_tool_call_made(tool_answer):
    """Asked an explicit tool question with `auto`, the model calls the tool (its choice:
    an observation)."""
    document = expect_json(tool_answer, "chat.completion")
    choice = document["choices"][0]
    assert choice["message"].get("tool_calls"), (
        f"no tool call for an explicit tool question (finish_reason {choice['finish_reason']!r})"
    )


@pytest.mark.kimi_core
@pytest.mark.kimi_cost(shares="chat-tool-answer")
@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("tools.call-shape")
def test_tool_call_conforms(tool_answer, tool_body):
    """finish_reason tool_calls; each call: id, type function, declared name, arguments
    that parse as JSON and validate against the tool's parameters schema."""
    choice = _assistant_choice(tool_answer)
    message = choice["message"]
    assert choice["finish_reason"] == "tool_calls", (
        f"an answer carrying tool calls must finish with 'tool_calls', got "
        f"{choice['finish_reason']!r}"
    )
    problems = tool_call_problems(message.get("tool_calls"), tool_body["tools"])
    assert not problems, "tool calls:\n  " + "\n  ".join(problems)


@pytest.mark.kimi_core
@pytest.mark.kimi_cost(shares="chat-tool-answer")
@pytest.mark.kimi_each_model
@pytest.mark.kimi_rule("tools.choice-auto")
def test_tool_choice_auto_accepted(tool_answer):
    expect_json(tool_answer, "chat.completion")


# The round trip's answer, judged by two checks.
ROUND_TRIP = pytest.mark.kimi_cost(shares=("chat-tool-answer", "chat-tool-round-trip"))


@pytest.fixture
def round_trip_answer(kimi_run, _session_cassette, tool_answer, tool_body):
    """The tool result sent back after the assistant turn as it came back (with its
    reasoning_content), with tool_choice `none` (shared: "chat-tool-round-trip")."""
    body = _round_trip(tool_body, _assistant_turn(tool_answer))
    return chat_exchanges.shared(
        kimi_run,
        _session_cassette,
        f"chat-tool-round-trip[{tool_body['model']}]",
        lambda: kimi_run.target.http().post("chat/completions", json=body),
    )


@ROUND_TRIP
@pytest.mark.kimi_rule("tools.round-trip")
def test_tool_result_round_trip(round_trip_answer):
    """The tool result (`role: tool`, `tool_call_id`) after the assistant turn is accepted."""
    expect_json(round_trip_answer, "chat.completion")


@ROUND_TRIP
@pytest.mark.kimi_rule("tools.choice-none")
def test_tool_choice_none_honoured(round_trip_answer):
    """With tool_choice `none` the answer makes no tool call (OpenAI's meaning)."""
    document = expect_json(round_trip_answer, "chat.completion")
    choice = document["choices"][0]
    assert choice["finish_reason"] != "tool_calls" and not choice["message"].get("tool_calls"), (
        f"tool_choice 'none' produced a tool call: {json.dumps(choice)[:200]}"
    )


@pytest.mark.kimi_cost(
    shares="chat-tool-answer",
    chat=lambda m: [_round_trip_request(m, keep_reasoning=False)],
    skips=_not_thinking,
)
@pytest.mark.kimi_rule("tools.reasoning-kept", "error.envelope")
def test_missing_reasoning_content_rejected(raw, tool_answer, tool_body, kimi_model):
    reason = _not_thinking(kimi_model)
    if reason:
        pytest.skip(reason)
    message = _assistant_turn(tool_answer)
    body = _round_trip(tool_body, message, keep_reasoning=False)
    index = len(tool_body["messages"])  # the assistant turn comes right after the prompt
    expect_error(
        raw.post("chat/completions", json=body),
        status=400,
        types=["invalid_request_error"],
        message=_missing_reasoning(index),
    )


@pytest.mark.kimi_cost(chat=lambda m: [_named_request(m)], skips=_named_allowed)
@pytest.mark.kimi_rule("tools.named-while-thinking", "error.envelope")
def test_named_function_rejected_while_thinking(raw, kimi_model):
    reason = _named_allowed(kimi_model)
    if reason:
        pytest.skip(reason)
    expect_error(
        raw.post("chat/completions", json=_named_request(kimi_model)),
        status=400,
        types=["invalid_request_error"],
        message=SPECIFIED_WHILE_THINKING,
    )


def _with_tools(model, *tools):
    return payloads.chat(model, tools=list(tools))


def _function(name):
    tool = copy.deepcopy(chat_exchanges.WEATHER_TOOL)
    tool["function"]["name"] = name
    return tool


def _invalid_name_request(model):
    return _with_tools(model, _function("1 get weather"))


def _duplicate_name_request(model):
    return _with_tools(model, _function("get_weather"), _function("get_weather"))


@pytest.mark.kimi_cost(chat=lambda m: [_invalid_name_request(m)])
@pytest.mark.kimi_rule("tools.function-name", "error.envelope")
def test_invalid_function_name_rejected(raw, kimi_model):
    """A name starting with a digit and holding a space breaks every documented pattern."""
    body = _invalid_name_request(kimi_model)
    expect_error(
        raw.post("chat/completions", json=body),
        status=400,
        types=["invalid_request_error"],
        message=NAME_RULE,
    )


@pytest.mark.kimi_cost(chat=lambda m: [_duplicate_name_request(m)])
@pytest.mark.kimi_rule("tools.duplicate-name")
def test_duplicate_function_name_rejected(raw, kimi_model):
    """Documented text: `function name ... is duplicated` (the name sits in the middle)."""
    body = _duplicate_name_request(kimi_model)
    document = expect_error(
        raw.post("chat/completions", json=body), status=400, types=["invalid_request_error"]
    )
    message = str(document["error"].get("message"))
    assert "function name" in message and "is duplicated" in message, (
        f"expected the documented 'function name ... is duplicated', got {message!r}"
    )


# --- Moonshot Flavored JSON Schema ------------------------------------------------------

# The API's 400 for a tool schema that is not MFJS, quoting walle's error. Evidence:
# captured (kimi-api.md §3.8: MoonshotAI/kimi-cli#2531 with this very schema, #1595,
# #2061; nicobailon/pi-subagents#127 for the raw body).
MFJS_REJECTED = "tools.function.parameters is not a valid moonshot flavored json schema"
MFJS_DETAIL = (
    "At path 'properties.options': when using anyOf, type should be defined in anyOf "
    "items instead of the parent schema"
)
NOT_MFJS_TOOL = {
    "type": "function",
    "function": {
        "name": "ask_questions",
        "description": "Ask the user a question.",
        "parameters": {
            "type": "object",
            "properties": {
                "options": {"type": "array", "anyOf": [{"type": "array"}, {"type": "null"}]}
            },
        },
    },
}
# MFJS with a bit of everything walle allows; the required arguments stay short so a
# small budget holds the call.
RICH_MFJS_TOOL = {
    "type": "function",
    "function": {
        "name": "plan_trip",
        "description": "Plan a trip for one traveller.",
        "parameters": {
            "type": "object",
            "title": "PlanTrip",
            "properties": {
                "mode": {"type": "string", "enum": ["train", "plane"], "description": "How"},
                "traveller": {"$ref": "#/$defs/Person"},
                "budget": {
                    "anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}],
                    "description": "In euros, or null for no limit",
                },
                "stops": {"type": "array", "items": {"$ref": "#/$defs/Stop"}, "maxItems": 5},
            },
            "required": ["mode", "traveller"],
            "additionalProperties": False,
            "$defs": {
                "Person": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                    "required": ["name"],
                    "additionalProperties": False,
                },
                "Stop": {
                    "type": "object",
                    "properties": {
                        "city": {"type": "string"},
                        "nights": {"type": "integer", "minimum": 1},
                    },
                    "required": ["city"],
                },
            },
        },
    },
}
RICH_MAX_TOKENS = 64


def _rich_request(model):
    return payloads.chat(
        model,
        "Plan a train trip for Ada with the plan_trip tool.",
        max_tokens=RICH_MAX_TOKENS,
        tools=[RICH_MFJS_TOOL],
        tool_choice="auto",
    )


# One answer, judged by two checks (defined here: only this module shares it).
RICH_ANSWER = pytest.mark.kimi_cost(
    shares={"chat-rich-tool": {"chat": lambda m: [_rich_request(m)]}}
)


@pytest.fixture(scope="module")
def rich_tool_body(kimi_model):
    return _rich_request(kimi_model)


@pytest.fixture(scope="module")
def rich_tool_answer(kimi_run, _session_cassette, rich_tool_body):
    """One request judged by two checks: accepted, and the call follows the schema."""
    return chat_exchanges.shared(
        kimi_run,
        _session_cassette,
        f"chat-rich-tool[{rich_tool_body['model']}]",
        lambda: kimi_run.target.http().post("chat/completions", json=rich_tool_body),
    )


def _not_mfjs_request(model):
    return payloads.chat(model, tools=[NOT_MFJS_TOOL])


@pytest.mark.kimi_cost(chat=lambda m: [_not_mfjs_request(m)])
@pytest.mark.kimi_rule("tools.mfjs", "error.envelope")
def test_non_mfjs_tool_schema_rejected(raw, kimi_model):
    """`type` beside `anyOf` (the schema of kimi-cli#2531) is not MFJS: the captured 400."""
    body = _not_mfjs_request(kimi_model)
    document = expect_error(
        raw.post("chat/completions", json=body),
        status=400,
        types=["invalid_request_error"],
        message=MFJS_REJECTED,
    )
    message = str(document["error"]["message"])
    assert MFJS_DETAIL in message, (
        f"expected walle's detail <{MFJS_DETAIL}> in the 400, got {message!r}"
    )


@RICH_ANSWER
@pytest.mark.kimi_rule("request.valid-served")
def test_rich_mfjs_tool_schema_accepted(rich_tool_answer):
    """anyOf, `$defs`/`$ref`, enums, nested objects, `title`: all MFJS, so accepted."""
    expect_json(rich_tool_answer, "chat.completion")


@RICH_ANSWER
@pytest.mark.kimi_rule("tools.call-shape")
def test_rich_mfjs_tool_call_conforms(rich_tool_answer, rich_tool_body):
    """The call the model makes with that tool follows its schema (through the `$ref`s)."""
    choice = expect_json(rich_tool_answer, "chat.completion")["choices"][0]
    calls = choice["message"].get("tool_calls")
    if not calls:
        pytest.skip(
            f"the model made no call (finish_reason {choice['finish_reason']!r}, at most "
            f"{RICH_MAX_TOKENS} tokens): nothing to judge"
        )
    problems = tool_call_problems(calls, rich_tool_body["tools"])
    assert not problems, "tool calls:\n  " + "\n  ".join(problems)
