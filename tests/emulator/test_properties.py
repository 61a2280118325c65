"""Generate valid requests for every endpoint; every emulator answer validates against
`schemas/` (streamed ones chunk by chunk), and the usage arithmetic holds."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.contract.catalog import DEFAULT_MODELS, rules_for
from conformance.contract.schemas import check
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import Request, Response

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AUTH = {"authorization": f"Bearer {DEFAULT_KEY}", "content-type": "application/json"}
MODELS = [m.id for m in DEFAULT_MODELS]

text = st.text(min_size=1, max_size=40).filter(str.strip)
user = st.builds(lambda t: {"role": "user", "content": t}, text)
turn = st.one_of(
    user,
    st.builds(lambda t: {"role": "assistant", "content": t}, text),
    st.builds(lambda t: {"role": "system", "content": t}, text),
)
messages = st.builds(lambda head, last: [*head, last], st.lists(turn, max_size=3), user)
names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_-]{0,20}", fullmatch=True)
scalar = st.sampled_from(
    [
        {"type": "string"},
        {"type": "integer", "minimum": 3},
        {"type": "number", "maximum": -1},
        {"type": "boolean"},
        {"type": "string", "enum": ["a", "b"]},
        {"type": "array", "items": {"type": "string"}, "minItems": 2},
    ]
)
parameters = st.dictionaries(names, scalar, max_size=4).map(
    lambda props: {"type": "object", "properties": props, "required": sorted(props)}
)


def _tool(name: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


tools = st.lists(
    st.builds(
        _tool,
        names,
        parameters,
    ),
    max_size=3,
    unique_by=lambda t: t["function"]["name"],
)


@st.composite
def chat_requests(draw: st.DrawFn) -> dict[str, Any]:
    model = draw(st.sampled_from(MODELS))
    body: dict[str, Any] = {"model": model, "messages": draw(messages)}
    thinking = None
    if rules_for(model).thinking_kind == "toggle" and draw(st.booleans()):
        thinking = draw(st.booleans())
        body["thinking"] = {"type": "enabled" if thinking else "disabled"}
    rules = rules_for(model, thinking)
    temperature = rules["temperature"]
    if draw(st.booleans()):
        body["temperature"] = (
            temperature.fixed if not temperature.modifiable else draw(st.floats(0.01, 1))
        )
    if rules["n"].modifiable and body.get("temperature", 0) >= 0.01:
        body["n"] = draw(st.integers(1, 3))
    chosen_tools = draw(tools)
    if chosen_tools:
        body["tools"] = chosen_tools
        body["tool_choice"] = draw(st.sampled_from(["auto", "none", "required"]))
    if draw(st.booleans()):
        body["max_completion_tokens"] = draw(st.integers(1, 80))
    if draw(st.booleans()):
        body["stop"] = draw(st.lists(st.text(min_size=1, max_size=5), max_size=5))
    body["stream"] = draw(st.booleans())
    if body["stream"] and draw(st.booleans()):
        body["stream_options"] = {"include_usage": True}
    if not chosen_tools and draw(st.booleans()):
        body["response_format"] = {"type": "json_object"}
    return body


def post(path: str, body: Any) -> Response:
    return Emulator().handle(Request("POST", path, {}, AUTH, json.dumps(body).encode()))


@SETTINGS
@given(chat_requests())
def test_every_chat_answer_validates(body: dict[str, Any]) -> None:
    response = post("/chat/completions", body)
    assert response.status == 200, response.body
    if response.stream is None:
        document = json.loads(response.body)
        assert check("chat.completion", document) == []
        usage = document["usage"]
        assert len(document["choices"]) == body.get("n", 1)
    else:
        events = b"".join(response.stream).decode().split("\n\n")
        assert events[-2:] == ["data: [DONE]", ""]
        chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
        for chunk in chunks:
            assert check("chat.completion.chunk", chunk) == []
        usage = chunks[-1]["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    if "max_completion_tokens" in body:
        per_choice = usage["completion_tokens"] / body.get("n", 1)
        assert per_choice <= body["max_completion_tokens"]


@SETTINGS
@given(st.sampled_from(MODELS), messages)
def test_every_estimate_validates_and_matches_chat(model: str, msgs: list[Any]) -> None:
    body = {"model": model, "messages": msgs}
    estimate = json.loads(post("/tokenizers/estimate-token-count", body).body)
    assert check("token-estimate", estimate) == []
    completion = json.loads(post("/chat/completions", body).body)
    assert estimate["data"]["total_tokens"] == completion["usage"]["prompt_tokens"]


@settings(max_examples=30, deadline=None)
@given(st.floats(-100, 100, allow_nan=False), st.floats(0, 100, allow_nan=False))
def test_every_balance_validates(cash: float, voucher: float) -> None:
    from conformance.emulator.account import Balance

    emulator = Emulator(balance=Balance(cash=cash, voucher=voucher))
    response = emulator.handle(Request("GET", "/users/me/balance", {}, AUTH))
    assert check("balance", json.loads(response.body)) == []


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(
        ["/chat/completions", "/tokenizers/estimate-token-count", "/batches", "/files"]
    ),
    st.binary(max_size=200),
    st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=x", ""]),
)
def test_arbitrary_bodies_never_get_a_500(path: str, raw: bytes, content_type: str) -> None:
    headers = {"authorization": f"Bearer {DEFAULT_KEY}", "content-type": content_type}
    response = Emulator().handle(Request("POST", path, {}, headers, raw))
    assert 400 <= response.status < 500
    assert check("error", json.loads(response.body)) == []


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "model",
                "messages",
                "temperature",
                "n",
                "tools",
                "stop",
                "tool_choice",
                "max_tokens",
                "thinking",
                "response_format",
                "stream",
                "top_p",
                "logprobs",
            ]
        ),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-3, 9),
            st.text(max_size=5),
            st.lists(st.integers(), max_size=2),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        ),
    ).map(lambda d: {"model": "kimi-k2.6", "messages": [{"role": "user", "content": "x"}], **d})
)
def test_malformed_chat_fields_get_documented_errors_not_500(body: dict[str, Any]) -> None:
    response = post("/chat/completions", body)
    assert response.status in {200, 400, 404}, response.body
    if response.status != 200:
        assert check("error", json.loads(response.body)) == []


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.builds(
            lambda i, ctx, flags, fam: __import__(
                "conformance.contract.catalog", fromlist=["ModelInfo"]
            ).ModelInfo(f"kimi-k2.6-{i}", 1_700_000_000 + i, ctx, *flags, fam),
            st.integers(0, 10**6),
            st.integers(1, 2**21),
            st.tuples(st.booleans(), st.booleans(), st.booleans()),
            st.sampled_from(["kimi-k2.6", "moonshot-v1", "kimi-k3"]),
        ),
        max_size=4,
        unique_by=lambda m: m.id,
    )
)
def test_every_model_line_up_validates(line_up: list[Any]) -> None:
    response = Emulator(models=line_up).handle(Request("GET", "/models", {}, AUTH))
    document = json.loads(response.body)
    assert check("models.list", document) == []
    assert [m["id"] for m in document["data"]] == [m.id for m in line_up]


@settings(max_examples=30, deadline=None)
@given(
    st.text(st.characters(codec="utf-8", exclude_characters='"\\\r\n'), min_size=1, max_size=20),
    st.sampled_from(["file-extract", "image", "video", "batch"]),
    st.binary(min_size=1, max_size=300),
)
def test_every_upload_validates(filename: str, purpose: str, content: bytes) -> None:
    import httpx

    with httpx.Client(
        transport=Emulator().httpx_transport(),
        base_url="https://api.moonshot.ai/v1",
        headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
    ) as c:
        response = c.post("/files", files={"file": (filename, content)}, data={"purpose": purpose})
        assert response.status_code == 200, response.text
        assert check("file", response.json()) == []
        assert check("file.list", c.get("/files").json()) == []
