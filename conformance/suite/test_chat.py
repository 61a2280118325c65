"""`POST /chat/completions`, non-streamed, through raw HTTP and through the `openai` SDK."""

import pytest

from conformance.checks import payloads
from conformance.checks.asserts import expect_error, expect_json

pytestmark = pytest.mark.kimi_endpoint("POST /chat/completions")

PATHS = ["raw", "sdk"]


def send(path, kimi_run, body):
    """POST the body through one client path; return the HTTP response (raw or SDK's)."""
    if path == "raw":
        return kimi_run.target.http().post("chat/completions", json=body)
    import openai

    client = kimi_run.target.openai()
    try:
        return client.chat.completions.with_raw_response.create(
            **payloads.for_sdk(body)
        ).http_response
    except openai.APIStatusError as error:  # 4xx/5xx: the SDK raises; check its response
        return error.response


@pytest.mark.parametrize("path", PATHS)
def test_chat_completion_conforms(path, kimi_run, kimi_model):
    document = expect_json(send(path, kimi_run, payloads.chat(kimi_model)), "chat.completion")
    assert document["model"] == kimi_model, (
        f"the answer's model {document['model']!r} does not echo the requested {kimi_model!r}"
    )


def test_chat_completion_parsed_by_sdk(sdk, kimi_model):
    completion = sdk.chat.completions.create(**payloads.for_sdk(payloads.chat(kimi_model)))
    assert completion.choices, "the SDK parsed no choices"
    assert completion.choices[0].message.role == "assistant"
    assert completion.usage is not None and completion.usage.total_tokens > 0


def test_max_completion_tokens_honoured(raw, kimi_model):
    limit = 1
    body = payloads.chat(kimi_model, "Count from 1 to 100, separated by spaces.", max_tokens=limit)
    document = expect_json(raw.post("chat/completions", json=body), "chat.completion")
    choice = document["choices"][0]
    assert choice["finish_reason"] == "length", (
        f"max_completion_tokens={limit} should stop the answer with finish_reason 'length', "
        f"got {choice['finish_reason']!r}"
    )
    completion_tokens = document["usage"]["completion_tokens"]
    assert completion_tokens <= limit, (
        f"max_completion_tokens={limit} but usage.completion_tokens={completion_tokens}"
    )


@pytest.mark.parametrize("path", PATHS)
def test_provoked_400_has_error_envelope(path, kimi_run, kimi_model):
    body = {**payloads.chat(kimi_model), "messages": []}
    expect_error(
        send(path, kimi_run, body),
        status=400,
        types=["invalid_request_error"],
        message="messages must not be empty",
    )
