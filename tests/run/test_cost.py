"""The worst case of a request, known before it is sent: the prompt estimate never falls
below what a server counts, and `max_completion_tokens` (or the documented default) is
added for each choice."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from conformance.emulator import tokens as emulator_tokens
from conformance.run.cost import (
    DEFAULT_COMPLETION,
    PER_IMAGE,
    Cost,
    prompt_estimate,
    request_worst_case,
    worst_case_tokens,
)
from conformance.suite.test_vision import one_pixel_png

MESSAGES = [{"role": "user", "content": "Reply with the single word: hello."}]


def test_completion_limit_and_choices_are_added():
    body = {"model": "m", "messages": MESSAGES, "max_completion_tokens": 16}
    prompt = prompt_estimate(MESSAGES)
    assert worst_case_tokens(body) == prompt + 16
    assert worst_case_tokens({**body, "n": 3}) == prompt + 48
    legacy = {"model": "m", "messages": MESSAGES, "max_tokens": 5}
    assert worst_case_tokens(legacy) == prompt + 5
    unbounded = {"model": "m", "messages": MESSAGES}
    assert worst_case_tokens(unbounded) == prompt + DEFAULT_COMPLETION


@pytest.mark.parametrize(
    "content",
    [
        "Reply with the single word: hello.",
        "Count from 1 to 100, separated by spaces.",
        "\U0001f600 \U0002000e \x00\x1f\t e\u0301 \u200b \u05e9\u05dc\u05d5\u05dd",
        "天气怎么样" * 20,
        '{"type": "object", "properties": {"city": {"type": "string"}}}' * 5,
    ],
    ids=["short", "digits", "astral-and-controls", "cjk", "json"],
)
def test_prompt_estimate_is_above_the_emulators_count(content):
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": content}]
    assert prompt_estimate(messages) >= emulator_tokens.count_prompt(messages)


def test_tools_are_priced():
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    assert prompt_estimate(MESSAGES, tools) > prompt_estimate(MESSAGES)


def test_an_image_of_known_size_is_priced_by_its_pixels_an_unknown_one_generously():
    data_url = "data:image/png;base64," + base64.b64encode(one_pixel_png()).decode()

    def with_image(url):
        return [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": url}},
                    {"type": "text", "text": "What colour?"},
                ],
            }
        ]

    sized = prompt_estimate(with_image(data_url))
    unknown = prompt_estimate(with_image("https://example.com/pixel.png"))
    assert sized < 200 < PER_IMAGE < unknown
    # the base64 text is not priced as text: a bigger file of the same size costs the same
    assert prompt_estimate(with_image(data_url + "A" * 4000)) == sized
    big = bytearray(one_pixel_png())
    big[16:24] = struct.pack(">II", 2800, 2800)  # IHDR width, height
    big_url = "data:image/png;base64," + base64.b64encode(bytes(big)).decode()
    assert prompt_estimate(with_image(big_url)) == sized - 1 + 100 * 100  # 28-pixel tiles


def test_only_chat_completions_are_priced_by_body():
    body = json.dumps({"model": "m", "messages": MESSAGES, "max_completion_tokens": 4}).encode()
    assert request_worst_case("POST", "/v1/chat/completions", body) > 4
    assert request_worst_case("POST", "/v1/tokenizers/estimate-token-count", body) == 0
    assert request_worst_case("GET", "/v1/models", None) == 0
    assert request_worst_case("POST", "/v1/chat/completions", b"not json") == 0


def test_cost_arithmetic():
    assert Cost(1, 10) + Cost(2, 5) == Cost(3, 15)
    assert Cost(1, 10) * 3 == Cost(3, 30)
    assert Cost(3, 30).fits(Cost(3, 30)) and not Cost(4, 0).fits(Cost(3, 30))
    assert str(Cost(2, 7)) == "2 requests, 7 tokens"
