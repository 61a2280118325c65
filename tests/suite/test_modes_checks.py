"""Each partial/JSON-mode, vision and token-estimate check fails against a server that
breaks its rule, and passes against the reference emulator."""

from __future__ import annotations

import json

import pytest

from tests.suite.chat_helpers import chat_body, edit_request
from tests.suite.conftest import assert_caught, mutant, patch_json, select


def _partial_prefix(body):
    last = body["messages"][-1]
    return last.get("content") if last.get("partial") else None


def _repeat_prefix(request, document):
    prefix = _partial_prefix(chat_body(request) or {})
    if prefix:
        message = document["choices"][0]["message"]
        message["content"] = prefix + message["content"]


def _empty_continuation(request, document):
    if _partial_prefix(chat_body(request) or {}):
        document["choices"][0]["message"]["content"] = ""


def _json_object_is_prose(request, document):
    if ((chat_body(request) or {}).get("response_format") or {}).get("type") == "json_object":
        document["choices"][0]["message"]["content"] = "Sure! Here is your JSON."


def _json_schema_broken(request, document):
    if ((chat_body(request) or {}).get("response_format") or {}).get("type") == "json_schema":
        document["choices"][0]["message"]["content"] = json.dumps({"word": 5})


def _partial_json_allowed(body):
    if _partial_prefix(body) and body.get("response_format"):
        del body["response_format"]
    return body


def _estimate_off_by_ten(request, document):
    document["data"]["total_tokens"] -= 10


def _estimate_as_string(request, document):
    document["data"]["total_tokens"] = str(document["data"]["total_tokens"])


def _data_urls_refused(body):
    for part in _image_parts(body):
        if part["image_url"]["url"].startswith("data:"):
            part["image_url"]["url"] = "https://x.invalid"
    return body


def _public_urls_accepted(body):
    for part in _image_parts(body):
        if part["image_url"]["url"].startswith("https:"):
            part["image_url"]["url"] = "data:image/png;base64,AA=="
    return body


def _image_parts(body):
    for message in body.get("messages", []):
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            if part.get("type") == "image_url":
                yield part


ESTIMATE = "test_estimate_agrees_with_prompt_tokens"
MUTATIONS = {
    # mutation id: (mutation, the one rule it breaks, checks that must report it, a check
    # that must still pass)
    "partial-repeats-the-prefix": (
        patch_json("/chat/completions", _repeat_prefix),
        "partial.continues",
        {"test_partial_mode_continues"},
        "test_json_object_mode",
    ),
    "partial-continues-with-nothing": (
        patch_json("/chat/completions", _empty_continuation),
        "partial.continues",
        {"test_partial_mode_continues"},
        "test_json_object_mode",
    ),
    "partial-with-json-object-accepted": (
        edit_request(_partial_json_allowed),
        "partial.with-json-object",
        {"test_partial_mode_with_json_object_rejected"},
        "test_partial_mode_continues",
    ),
    "json-object-mode-answers-prose": (
        patch_json("/chat/completions", _json_object_is_prose),
        "json-object.mode",
        {"test_json_object_mode"},
        "test_json_schema_mode",
    ),
    "json-schema-mode-breaks-the-schema": (
        patch_json("/chat/completions", _json_schema_broken),
        "json-schema.mode",
        {"test_json_schema_mode"},
        "test_json_object_mode",
    ),
    "estimate-off-by-ten": (
        patch_json("/tokenizers/estimate-token-count", _estimate_off_by_ten),
        "estimate.agrees",
        {ESTIMATE},
        "test_estimate_conforms",
    ),
    "estimate-not-an-integer": (
        patch_json("/tokenizers/estimate-token-count", _estimate_as_string),
        "estimate.document",
        {"test_estimate_conforms"},
        "test_sdk_stream",
    ),
    "image-data-url-refused": (
        edit_request(_data_urls_refused),
        "vision.data-url",
        {"test_image_data_url_accepted"},
        "test_public_image_url_rejected",
    ),
    "public-image-url-accepted": (
        edit_request(_public_urls_accepted),
        "vision.public-url",
        {"test_public_image_url_rejected"},
        "test_image_data_url_accepted",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mode_check_catches_violation(run_suite, name):
    mutation, rule, must_fail, must_pass = MUTATIONS[name]
    with mutant(mutation) as running:
        _, outcomes = run_suite(running, *select(*must_fail, must_pass))
    assert_caught(name, outcomes, must_fail, must_pass, rule=rule)


def test_vision_skipped_when_models_says_no_images(run_suite):
    def no_images(request, document):
        for model in document["data"]:
            model["supports_image_in"] = False

    with mutant(patch_json("/models", no_images)) as running:
        _, outcomes = run_suite(running, "-k", "test_vision")
    for name in ("test_image_data_url_accepted", "test_public_image_url_rejected"):
        assert outcomes[name]["outcome"] == "skipped"
        assert "supports_image_in" in outcomes[name]["reason"]
