"""`POST /chat/completions`, non-streamed, through raw HTTP and through the `openai` SDK.

Each client path's answer is shared by several checks: raw HTTP asks for at most one
completion token (its answer is checked against the schema and for
`max_completion_tokens` being honoured); through the SDK's `with_raw_response` the run's
tool-call request is sent once (`tool_answer_sdk`, also judged by the tool checks): its
raw answer against the schema, the parsed one for what the SDK makes of it.
"""

import pytest

from conformance.checks import exchanges, payloads
from conformance.checks.asserts import expect_error, expect_json

pytestmark = pytest.mark.kimi_endpoint("POST /chat/completions")


@pytest.fixture
def raw_answer(kimi_run, _session_cassette, kimi_model):
    """Raw HTTP's answer to `exchanges.length_request` (shared: "chat-raw")."""
    body = exchanges.length_request(kimi_model)
    return exchanges.shared(
        kimi_run,
        _session_cassette,
        f"chat-raw[{kimi_model}]",
        lambda: kimi_run.target.http().post("chat/completions", json=body),
    )


@pytest.fixture
def sdk_answer(tool_answer_sdk):
    """The SDK's raw answer to the run's tool-call request (shared: "chat-tool-answer")."""
    return tool_answer_sdk


def _conforms(response, kimi_model):
    document = expect_json(response, "chat.completion")
    assert document["model"] == kimi_model, (
        f"the answer's model {document['model']!r} does not echo the requested {kimi_model!r}"
    )
    return document


@pytest.mark.kimi_core
@pytest.mark.kimi_each_model
@pytest.mark.parametrize(
    "path",
    [
        pytest.param("raw", marks=pytest.mark.kimi_cost(shares="chat-raw")),
        pytest.param("sdk", marks=pytest.mark.kimi_cost(shares="chat-tool-answer")),
    ],
)
@pytest.mark.kimi_rule("chat.completion", "chat.model-echo")
def test_chat_completion_conforms(path, request, kimi_model):
    answer = request.getfixturevalue(f"{path}_answer")
    _conforms(answer if path == "raw" else answer.http_response, kimi_model)


@pytest.mark.kimi_core
@pytest.mark.kimi_cost(shares="chat-tool-answer")
@pytest.mark.kimi_rule("chat.completion", "chat.model-echo")
def test_chat_completion_parsed_by_sdk(sdk_answer, kimi_model):
    _conforms(sdk_answer.http_response, kimi_model)
    completion = sdk_answer.parse()
    assert completion.choices, "the SDK parsed no choices"
    assert completion.choices[0].message.role == "assistant"
    assert completion.usage is not None and completion.usage.total_tokens > 0


@pytest.mark.kimi_core
@pytest.mark.kimi_cost(shares="chat-raw")
@pytest.mark.kimi_rule("chat.max-tokens-length")
def test_max_completion_tokens_honoured(raw_answer, kimi_model):
    limit = exchanges.length_request(kimi_model)["max_completion_tokens"]
    document = expect_json(raw_answer, "chat.completion")
    choice = document["choices"][0]
    assert choice["finish_reason"] == "length", (
        f"max_completion_tokens={limit} should stop the answer with finish_reason 'length', "
        f"got {choice['finish_reason']!r}"
    )
    completion_tokens = document["usage"]["completion_tokens"]
    assert completion_tokens <= limit, (
        f"max_completion_tokens={limit} but usage.completion_tokens={completion_tokens}"
    )


def _empty_messages(model):
    return {**payloads.chat(model), "messages": []}


# Raw HTTP only: the server sees the same bytes from the SDK, and every other 400 check
# judges the envelope too.
@pytest.mark.kimi_core
@pytest.mark.kimi_cost(chat=lambda model: [_empty_messages(model)])
@pytest.mark.kimi_rule("chat.messages-not-empty", "error.envelope")
def test_provoked_400_has_error_envelope(kimi_run, kimi_model):
    response = kimi_run.target.http().post("chat/completions", json=_empty_messages(kimi_model))
    expect_error(
        response,
        status=400,
        types=["invalid_request_error"],
        message="messages must not be empty",
    )


NOT_JSON = b'{"model": "kimi-conformance", "messages": [ this is not JSON'


@pytest.mark.kimi_cost(requests=1)  # names no model: no tokens
@pytest.mark.kimi_rule("request.not-json", "error.envelope")
def test_non_json_body_rejected(kimi_run):
    """A body that is not JSON: 400 `invalid_request_error` in the error envelope, not a
    5xx, not a 200 carrying an error, not an HTML page."""
    response = kimi_run.target.http().post(
        "chat/completions", content=NOT_JSON, headers={"content-type": "application/json"}
    )
    expect_error(response, status=400, types=["invalid_request_error"])
