"""Each partial/JSON-mode, vision and token-estimate check fails against a server that
breaks its rule, and passes against the reference emulator."""

from __future__ import annotations

import json

import pytest

from tests.suite.chat_helpers import chat_body, combine, edit_request
from tests.suite.conftest import assert_caught, mutant, patch_json

SELECT = ("-k", "test_modes or test_vision or test_token_estimate or test_sdk_stream")


def _partial_prefix(body):
    last = body["messages"][-1]
    return last.get("content") if last.get("partial") else None


def _repeat_prefix_and_break_json(request, document):
    body = chat_body(request) or {}
    message = document["choices"][0]["message"]
    prefix = _partial_prefix(body)
    if prefix:
        message["content"] = prefix + message["content"]
    kind = (body.get("response_format") or {}).get("type")
    if kind == "json_object":
        message["content"] = "Sure! Here is your JSON."
    if kind == "json_schema":
        message["content"] = json.dumps({"word": 5})


def _partial_json_allowed(body):
    if _partial_prefix(body) and body.get("response_format"):
        del body["response_format"]
    return body


def _estimate_off_by_ten(request, document):
    document["data"]["total_tokens"] -= 10


def _image_rules_swapped(body):
    for message in body.get("messages", []):
        for part in message.get("content") if isinstance(message.get("content"), list) else []:
            if part.get("type") == "image_url":
                url = part["image_url"]["url"]
                part["image_url"]["url"] = (
                    "data:image/png;base64,AA=="
                    if url.startswith("https:")
                    else "https://x.invalid"
                )
    return body


def _estimate_as_string(request, document):
    document["data"]["total_tokens"] = str(document["data"]["total_tokens"])


MUTATIONS = {
    # mutation id: (mutation, checks that must fail, a check that must still pass)
    "modes-broken-estimate-off": (
        combine(
            edit_request(_partial_json_allowed),
            patch_json("/chat/completions", _repeat_prefix_and_break_json),
            patch_json("/tokenizers/estimate-token-count", _estimate_off_by_ten),
        ),
        {
            "test_partial_mode_continues",
            "test_partial_mode_with_json_object_rejected",
            "test_json_object_mode",
            "test_json_schema_mode",
            "test_estimate_agrees_with_prompt_tokens",
        },
        "test_estimate_conforms",
    ),
    "image-urls-swapped-estimate-not-integer": (
        combine(
            edit_request(_image_rules_swapped),
            patch_json("/tokenizers/estimate-token-count", _estimate_as_string),
        ),
        {
            "test_image_data_url_accepted",
            "test_public_image_url_rejected",
            "test_estimate_conforms",
            "test_estimate_agrees_with_prompt_tokens",
        },
        "test_json_object_mode",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mode_check_catches_violation(run_suite, name):
    mutation, must_fail, must_pass = MUTATIONS[name]
    with mutant(mutation) as running:
        _, outcomes = run_suite(running, *SELECT)
    assert_caught(name, outcomes, must_fail, must_pass)


def test_vision_skipped_when_models_says_no_images(run_suite):
    def no_images(request, document):
        for model in document["data"]:
            model["supports_image_in"] = False

    with mutant(patch_json("/models", no_images)) as running:
        _, outcomes = run_suite(running, "-k", "test_vision")
    for name in ("test_image_data_url_accepted", "test_public_image_url_rejected"):
        assert outcomes[name]["outcome"] == "skipped"
        assert "supports_image_in" in outcomes[name]["reason"]
