"""The builtin `$web_search` tool (kimi-api.md §3.7). Billed per call ($0.005): these
checks run only with `--web-search` (the plugin skips `web_search`-marked checks).

Round trip: declare `{"type": "builtin_function", "function": {"name": "$web_search"}}`;
the answer finishes with `tool_calls` holding a `builtin_function` call named
`$web_search` whose arguments are a JSON object; sending those arguments back unchanged
as the tool result is accepted.
"""

import json

import pytest

from conformance.checks import payloads
from conformance.checks.asserts import expect_json
from conformance.contract.tool_checks import tool_call_problems

pytestmark = [pytest.mark.kimi_endpoint("POST /chat/completions"), pytest.mark.web_search]

WEB_SEARCH = {"type": "builtin_function", "function": {"name": "$web_search"}}


def _search(model):
    return payloads.chat(
        model,
        "Search the web: what is the capital of France? One word.",
        max_tokens=payloads.DEFAULT_MAX_TOKENS * 4,
        tools=[WEB_SEARCH],
    )


# The second request carries the search results back: priced with room for them.
@pytest.mark.kimi_cost(chat=lambda m: [_search(m)] * 2, tokens=2048)
@pytest.mark.kimi_rule("web-search.round-trip")
def test_web_search_round_trip(raw, kimi_model):
    body = _search(kimi_model)
    document = expect_json(raw.post("chat/completions", json=body), "chat.completion")
    choice = document["choices"][0]
    assert choice["finish_reason"] == "tool_calls", (
        f"$web_search should be called first, got finish_reason {choice['finish_reason']!r}"
    )
    message = choice["message"]
    problems = tool_call_problems(message.get("tool_calls"), [WEB_SEARCH])
    assert not problems, "$web_search calls:\n  " + "\n  ".join(problems)
    results = [
        {
            "role": "tool",
            "tool_call_id": call["id"],
            "name": call["function"]["name"],
            "content": call["function"]["arguments"],  # sent back unchanged (§3.7)
        }
        for call in message["tool_calls"]
    ]
    assistant = {k: v for k, v in message.items() if k in ("role", "content", "tool_calls")}
    if "reasoning_content" in message:
        assistant["reasoning_content"] = message["reasoning_content"]
    body["messages"] += [assistant, *results]
    answer = expect_json(raw.post("chat/completions", json=body), "chat.completion")
    assert answer["choices"][0]["message"]["role"] == "assistant", json.dumps(answer)[:200]
