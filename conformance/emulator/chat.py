"""`POST /chat/completions`: validation with the documented 400s, a deterministic answer,
and its SSE rendering.

`create(body, models, ids)` validates a parsed request body and returns a `Completion`
(the non-streamed JSON body and the token counts); `sse_events(completion)` renders the
same answer as the documented stream, lazily, one event per chunk. Content is derived from
the seed and the request, so the same request gets the same answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.contract.catalog import ModelInfo, ParameterRules, rules_for
from conformance.contract.instances import instance_for
from conformance.contract.mfjs import FUNCTION_NAME  # the widest documented rule, §3.1
from conformance.emulator import tokens
from conformance.emulator.http import ApiError
from conformance.emulator.ids import Ids, digest
from conformance.emulator.json_mode import json_reply
from conformance.emulator.tool_schemas import enforce as enforce_mfjs

__all__ = ["Completion", "create", "invalid", "sse_events"]

ROLES = ("system", "user", "assistant", "tool")
MAX_STOP = 5
MAX_STOP_BYTES = 32
DEFAULT_MAX_TOKENS = 1024

_SENTENCES = (
    "The emulator answers every request with deterministic text.",
    "Nothing here comes from a real model.",
    "Ask again with the same seed and you will get the same words.",
    "This reply exists so that clients can be tested offline.",
    "Tokens are counted by a simple and stable rule.",
)


def invalid(message: str, *, rule: str) -> ApiError:
    """A 400 `invalid_request_error` applying the evidence rule `rule`."""
    return ApiError(400, "invalid_request_error", message, rule=rule)


def not_found(model: str) -> ApiError:
    return ApiError(
        404,
        "resource_not_found_error",
        f"Not found the model {model} or Permission denied",
        rule="model.unknown-404",
    )


@dataclass(frozen=True)
class Completion:
    body: dict[str, Any]  # the chat.completion JSON object
    stream: bool
    include_usage: bool
    prompt_tokens: int
    completion_tokens: int


# --- validation -------------------------------------------------------------------------


def _check_content(message: dict[str, Any], index: int) -> None:
    content = message.get("content")
    role = message["role"]
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict) or part.get("type") not in {
                "text",
                "image_url",
                "video_url",
            }:
                raise invalid(
                    f"Invalid request: message at index {index} has a content part that is "
                    "not a text, image_url or video_url object",
                    rule="chat.content-shape",
                )
            kind = part["type"]
            if kind != "text":
                ref = part.get(kind)
                url = ref.get("url") if isinstance(ref, dict) else ref
                if not isinstance(url, str) or not url.startswith(("data:", "ms://")):
                    raise invalid("unsupported image url", rule="vision.public-url")
    elif content is not None and not isinstance(content, str):
        raise invalid(
            f"Invalid request: message at index {index} content must be a string or an array",
            rule="chat.content-shape",
        )
    empty = content is None or content == "" or content == []
    if not empty:
        return
    if role == "assistant" and (message.get("tool_calls") or message.get("partial")):
        return
    if role == "system" and message.get("tools"):  # k3 dynamic tool message
        return
    raise invalid(
        f"Invalid request: message at index {index} content must not be empty",
        rule="chat.content-not-empty",
    )


def _check_tool_answer(message: dict[str, Any], index: int, calls: set[str]) -> None:
    """A tool message answers a call of an earlier assistant message, by its id (the
    guides' rule, kimi-api.md §3.1: "tool messages carry tool_call_id")."""
    if message.get("tool_call_id") not in calls:
        raise invalid(
            f"Invalid request: tool message at index {index} must answer a tool call of an "
            "earlier assistant message (its tool_call_id matches no call)",
            rule="tools.orphan-message",
        )


def _check_messages(messages: Any, rules: ParameterRules) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise invalid("Invalid request: messages must not be empty", rule="chat.messages-not-empty")
    calls: set[str] = set()
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise invalid(
                f"Invalid request: message at index {i} must be an object",
                rule="request.invalid-400",
            )
        role = message.get("role")
        if role not in ROLES:
            raise invalid(
                f"Invalid request: message at index {i} has an invalid role {role!r}; "
                "role must be one of system, user, assistant, tool",
                rule="chat.role",
            )
        _check_content(message, i)
        if role == "tool":
            _check_tool_answer(message, i, calls)
        if role == "assistant" and isinstance(message.get("tool_calls"), list):
            calls.update(
                str(c["id"]) for c in message["tool_calls"] if isinstance(c, dict) and "id" in c
            )
        if message.get("partial") is True and (role != "assistant" or i != len(messages) - 1):
            raise invalid(
                "Invalid request: partial mode needs the last message to be an assistant "
                "message with partial: true",
                rule="partial.last-message",
            )
        if (
            rules.thinking
            and role == "assistant"
            and message.get("tool_calls")
            and message.get("reasoning_content") is None
        ):
            raise invalid(
                "thinking is enabled but reasoning_content is missing in assistant tool call "
                f"message at index {i}",
                rule="tools.reasoning-kept",
            )
    return messages


def _check_tools(tools: Any) -> list[dict[str, Any]]:
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise invalid("Invalid request: tools must be an array", rule="tools.shape")
    names: set[str] = set()
    for tool in tools:
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind not in {"function", "builtin_function"}:
            raise invalid(
                f"Invalid request: unknown tool type: {kind or ''}, currently only function "
                "and plugin are supported",
                rule="tools.type",
            )
        function = tool.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(name, str):
            raise invalid("Invalid request: function name is required", rule="tools.shape")
        if kind == "function" and FUNCTION_NAME.fullmatch(name) is None:
            raise invalid(
                "Invalid request: function name is invalid, must start with a letter and can "
                "contain letters, numbers, underscores, and dashes",
                rule="tools.function-name",
            )
        if name in names:
            raise invalid(
                f"Invalid request: function name {name} is duplicated", rule="tools.duplicate-name"
            )
        names.add(name)
        params = function.get("parameters")
        if params is not None and not isinstance(params, dict):
            raise invalid(
                f"Invalid request: parameters of function {name} must be an object",
                rule="tools.shape",
            )
    return tools


def _check_tool_choice(choice: Any, tools: list[dict[str, Any]], rules: ParameterRules) -> Any:
    if choice is None:
        return "auto"
    if isinstance(choice, str):
        if choice not in {"auto", "none", "required"}:
            raise invalid(
                "Invalid request: tool_choice must be one of auto, none, required or a "
                "function object",
                rule="tools.choice-shape",
            )
        if choice not in rules.tool_choice_forms:
            raise invalid(
                f"Invalid request: tool_choice {choice} is not supported", rule="tools.choice-shape"
            )
        if choice == "required" and not tools:
            raise invalid(
                "Invalid request: tool_choice 'required' needs tools", rule="tools.choice-shape"
            )
        return choice
    function = choice.get("function") if isinstance(choice, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise invalid(
            "Invalid request: tool_choice must be one of auto, none, required or a function object",
            rule="tools.choice-shape",
        )
    if "function" not in rules.tool_choice_forms:
        raise invalid(
            "tool_choice 'specified' is incompatible with thinking enabled",
            rule="tools.named-while-thinking",
        )
    if function["name"] not in {t["function"]["name"] for t in tools}:
        raise invalid(
            f"Invalid request: tool_choice names function {function['name']}, which is not in "
            "tools",
            rule="tools.choice-unknown-function",
        )
    return choice


def _thinking_mode(body: dict[str, Any], model: str) -> bool | None:
    """The requested thinking switch (None: the model's default); 400 on a refused value.

    The rules are the catalog's (`FieldRule`s `thinking.type` / `thinking.keep`): where the
    field is not in the model's schema (kimi-k3) it is ignored, as the live API does."""
    family_rules = rules_for(model)
    thinking = body.get("thinking")
    kind = family_rules.fields["thinking.type"]
    if thinking is None or not kind.in_schema:
        return None  # ignored, like the live API does for k3 (kimi-api.md §3.1)
    requested = thinking.get("type") if isinstance(thinking, dict) else None
    if isinstance(thinking, dict) and requested in kind.refused:
        raise invalid(
            f"Invalid request: thinking cannot be {requested} for {model}", rule="thinking.switch"
        )
    if kind.answer(requested) != "accepted":
        raise invalid(
            f"Invalid request: thinking.type must be one of {', '.join(kind.accepted)}",
            rule="thinking.switch",
        )
    assert isinstance(thinking, dict)
    keep = family_rules.fields["thinking.keep"]
    if "keep" in thinking and keep.answer(thinking["keep"]) != "accepted":
        if not keep.in_schema:
            raise invalid(
                "Invalid request: thinking.keep is not supported for this model",
                rule="thinking.switch",
            )
        raise invalid(
            'Invalid request: thinking.keep must be "all" or null', rule="thinking.switch"
        )
    return requested == "enabled"


def _check_reasoning_effort(body: dict[str, Any], rules: ParameterRules) -> None:
    """k3's `reasoning_effort` enum (spec); elsewhere the field is ignored (§3.1)."""
    value = body.get("reasoning_effort")
    effort = rules.fields["reasoning_effort"]
    if value is None or not effort.in_schema:
        return
    if effort.answer(value) != "accepted":
        raise invalid(
            f"Invalid request: reasoning_effort must be one of {', '.join(effort.accepted)}",
            rule="request.invalid-400",
        )


def _check_int(body: dict[str, Any], name: str, minimum: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise invalid(
            f"Invalid request: {name} must be an integer >= {minimum}", rule="request.invalid-400"
        )
    return value


def _check_stop(stop: Any) -> list[str]:
    if stop is None:
        return []
    items = [stop] if isinstance(stop, str) else stop
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise invalid(
            "Invalid request: stop must be a string or an array of strings", rule="params.stop"
        )
    if len(items) > MAX_STOP:
        raise invalid(
            f"Invalid request: stop must not have more than {MAX_STOP} strings", rule="params.stop"
        )
    if any(len(s.encode()) > MAX_STOP_BYTES for s in items):
        raise invalid(
            f"Invalid request: each stop string must not exceed {MAX_STOP_BYTES} bytes",
            rule="params.stop",
        )
    return [s for s in items if s]


def _check_response_format(value: Any) -> dict[str, Any]:
    if value is None:
        return {"type": "text"}
    if not isinstance(value, dict) or value.get("type") not in {
        "text",
        "json_object",
        "json_schema",
    }:
        raise invalid(
            "Invalid request: response_format.type must be one of text, json_object, json_schema",
            rule="chat.response-format",
        )
    if value["type"] == "json_schema":
        spec = value.get("json_schema")
        if (
            not isinstance(spec, dict)
            or not isinstance(spec.get("name"), str)
            or not isinstance(spec.get("schema"), dict)
        ):
            raise invalid(
                "Invalid request: response_format.json_schema needs name and schema",
                rule="chat.response-format",
            )
    return value


def _check_sampling(body: dict[str, Any], rules: ParameterRules) -> int:
    for name, rule in rules.params.items():
        if name in body and body[name] is not None:
            message = rule.violation(body[name])
            if message:
                raise invalid(message, rule="params.range" if rule.modifiable else "params.fixed")
    if body.get("top_logprobs") is not None and body.get("logprobs") is not True:
        raise invalid(
            "Invalid request: logprobs must be set to true if top_logprobs is used",
            rule="params.logprobs",
        )
    n = body.get("n") or 1
    temperature = body.get("temperature")
    if temperature is None:
        temperature = rules.params["temperature"].default
    if n > 1 and temperature < 0.01:
        raise invalid(
            "Invalid request: n must be 1 when temperature is close to 0",
            rule="params.n-needs-temperature",
        )
    return int(n)


# --- the answer -------------------------------------------------------------------------


def _last_text(messages: Sequence[dict[str, Any]]) -> str:
    for message in reversed(messages):
        content = message.get("content")
        if isinstance(content, str) and content and message.get("role") == "user":
            return content
        if isinstance(content, list):
            texts = [p.get("text", "") for p in content if p.get("type") == "text"]
            if any(texts):
                return " ".join(texts)
    return ""


def _reply(key: bytes, messages: Sequence[dict[str, Any]]) -> str:
    topic = " ".join(_last_text(messages).split()[:6]) or "nothing in particular"
    extra = _SENTENCES[key[0] % len(_SENTENCES)]
    return f"You wrote about: {topic}. {extra}"


def _reasoning(messages: Sequence[dict[str, Any]]) -> str:
    return (
        f"The conversation has {len(messages)} message(s). "
        "I will answer briefly, as the emulator always does."
    )


def _truncate(text: str, budget: int) -> tuple[str, int, bool]:
    parts = tokens.split(text)
    if len(parts) <= budget:
        return text, len(parts), False
    return "".join(parts[:budget]), budget, True


def _apply_stop(text: str, stops: list[str]) -> str:
    cut = min((text.find(s) for s in stops if s in text), default=-1)
    return text if cut < 0 else text[:cut]


def _tool_call_index(messages: Sequence[dict[str, Any]]) -> int:
    return sum(len(m.get("tool_calls") or []) for m in messages if m.get("role") == "assistant")


def _pick_tool(
    tools: list[dict[str, Any]], choice: Any, messages: Sequence[dict[str, Any]]
) -> dict[str, Any] | None:
    if not tools or choice == "none":
        return None
    if isinstance(choice, dict):
        name = choice["function"]["name"]
        return next(t for t in tools if t["function"]["name"] == name)
    if choice == "required" or messages[-1].get("role") != "tool":
        return tools[0]
    return None


def _tool_call(tool: dict[str, Any], index: int, key: bytes) -> dict[str, Any]:
    name = tool["function"]["name"]
    if tool["type"] == "builtin_function":
        arguments = {
            "search_result": {"search_id": key.hex()[:16]},
            "usage": {"total_tokens": 1000 + key[1]},
        }
        call_id = f"t-{name.lstrip('$')}-{index + 1:03d}"
    else:
        arguments = instance_for(tool["function"].get("parameters") or {"type": "object"})
        call_id = f"functions.{name}:{index}"
    return {
        "id": call_id,
        "type": tool["type"],
        "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)},
    }


def _choice(
    index: int,
    key: bytes,
    body: dict[str, Any],
    rules: ParameterRules,
    tools: list[dict[str, Any]],
    tool_choice: Any,
    budget: int,
    stops: list[str],
    response_format: dict[str, Any],
) -> tuple[dict[str, Any], int, int]:
    """One choice, its completion tokens and its reasoning tokens."""
    messages = body["messages"]
    used = 0
    message: dict[str, Any] = {"role": "assistant", "content": ""}
    reasoning_tokens = 0
    if rules.thinking:
        reasoning, reasoning_tokens, cut = _truncate(_reasoning(messages), budget)
        message["reasoning_content"] = reasoning
        used = reasoning_tokens
        if cut:
            return {"index": index, "message": message, "finish_reason": "length"}, used, used
    remaining = budget - used
    tool = _pick_tool(tools, tool_choice, messages)
    if tool is not None:
        call = _tool_call(tool, _tool_call_index(messages), key)
        cost = tokens.count(call["function"]["arguments"]) + tokens.count(call["function"]["name"])
        if cost <= remaining:
            message["tool_calls"] = [call]
            finish = {"index": index, "message": message, "finish_reason": "tool_calls"}
            return finish, used + cost, reasoning_tokens
    if response_format["type"] == "json_object":
        text = json.dumps(json_reply(messages, _reply(key, messages)), ensure_ascii=False)
    elif response_format["type"] == "json_schema":
        schema = response_format["json_schema"]["schema"]
        text = json.dumps(instance_for(schema), ensure_ascii=False)
    else:
        text = _apply_stop(_reply(key, messages), stops)
    text, spent, cut = _truncate(text, remaining)
    message["content"] = text
    finish_reason = (
        "length" if cut or (tool is not None and "tool_calls" not in message) else ("stop")
    )
    choice: dict[str, Any] = {"index": index, "message": message, "finish_reason": finish_reason}
    if body.get("logprobs") is True:
        choice["logprobs"] = {
            "content": [
                {"token": t, "logprob": 0.0, "bytes": list(t.encode()), "top_logprobs": []}
                for t in tokens.split(text)
            ]
        }
    return choice, used + spent, reasoning_tokens


def create(body: Any, models: Mapping[str, ModelInfo], ids: Ids) -> Completion:
    """Validate a chat request body and build the answer; raises `ApiError` (documented)."""
    if not isinstance(body, dict):
        raise invalid(
            "Invalid request: the request body must be a JSON object", rule="request.invalid-400"
        )
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid("Invalid request: model is required", rule="request.invalid-400")
    info = models.get(model)
    if info is None:
        raise not_found(model)
    rule_id = model if _known_family(model) else info.family
    thinking = _thinking_mode(body, rule_id)
    rules = rules_for(rule_id, thinking)
    messages = _check_messages(body.get("messages"), rules)
    tools = _check_tools(body.get("tools"))
    tool_choice = _check_tool_choice(body.get("tool_choice"), tools, rules)
    _check_reasoning_effort(body, rules)
    n = _check_sampling(body, rules)
    stops = _check_stop(body.get("stop"))
    response_format = _check_response_format(body.get("response_format"))
    enforce_mfjs(body)
    partial = messages[-1].get("partial") is True
    if partial and response_format["type"] == "json_object":
        raise invalid(
            "Invalid request: partial mode cannot be combined with response_format json_object",
            rule="partial.with-json-object",
        )
    max_tokens = _check_int(body, "max_completion_tokens", 1)
    if max_tokens is None:
        max_tokens = _check_int(body, "max_tokens", 1)
    if not isinstance(body.get("stream", False), bool):
        raise invalid("Invalid request: stream must be a boolean", rule="request.invalid-400")
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise invalid(
            "Invalid request: stream_options must be an object", rule="request.invalid-400"
        )
    prompt = tokens.count_prompt(messages, tools)
    if prompt + (max_tokens or 0) > info.context_length:
        raise invalid(
            f"Your request exceeded model token limit : {info.context_length}",
            rule="chat.token-limit",
        )
    budget = max_tokens if max_tokens is not None else DEFAULT_MAX_TOKENS

    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False)
    # The text does not depend on how it is delivered: streamed or not, the same words.
    semantic = json.dumps(
        {k: v for k, v in body.items() if k not in {"stream", "stream_options"}},
        sort_keys=True,
        ensure_ascii=False,
    )
    choices = []
    completion = reasoning = 0
    for i in range(n):
        key = digest(ids.seed, semantic, str(i))
        choice, spent, thought = _choice(
            i, key, body, rules, tools, tool_choice, budget, stops, response_format
        )
        choices.append(choice)
        completion += spent
        reasoning += thought
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if rules.thinking:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    document = {
        "id": "chatcmpl-" + ids.hex_for(canonical, 24),
        "object": "chat.completion",
        "created": ids.timestamp_for(canonical),
        "model": model,
        "choices": choices,
        "usage": usage,
    }
    return Completion(
        body=document,
        stream=bool(body.get("stream")),
        include_usage=bool((options or {}).get("include_usage")),
        prompt_tokens=prompt,
        completion_tokens=completion,
    )


def _known_family(model: str) -> bool:
    try:
        rules_for(model)
    except KeyError:
        return False
    return True


# --- streaming --------------------------------------------------------------------------


def _event(payload: Any) -> bytes:
    return (
        b"data: "
        + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        + (b"\n\n")
    )


def _pieces(text: str, per_chunk: int = 3) -> Iterator[str]:
    parts = tokens.split(text)
    for i in range(0, len(parts), per_chunk):
        yield "".join(parts[i : i + per_chunk])


def _choice_deltas(choice: dict[str, Any]) -> Iterator[dict[str, Any]]:
    message = choice["message"]
    yield {"role": "assistant", "content": ""}
    for piece in _pieces(message.get("reasoning_content") or ""):
        yield {"reasoning_content": piece}
    for piece in _pieces(message.get("content") or ""):
        yield {"content": piece}
    for i, call in enumerate(message.get("tool_calls") or []):
        yield {
            "tool_calls": [
                {
                    "index": i,
                    "id": call["id"],
                    "type": call["type"],
                    "function": {"name": call["function"]["name"], "arguments": ""},
                }
            ]
        }
        arguments = call["function"]["arguments"]
        for start in range(0, len(arguments), 16):
            yield {
                "tool_calls": [
                    {
                        "index": i,
                        "function": {"arguments": arguments[start : start + 16]},
                    }
                ]
            }


def sse_events(completion: Completion) -> Iterator[bytes]:
    """The answer as SSE events, generated lazily: role first, reasoning before content,
    tool-call fragments by index, one finish chunk per choice, then `data: [DONE]`.

    Usage is sent so that a client adding up the top-level `usage` of every chunk (as
    LangChain and pydantic-ai do) counts it once:

    - without `stream_options.include_usage`: on the last finish chunk, at the top level
      (the 2026 CN doc example, kimi-api.md §3.5);
    - with it: inside the last choice of its finish chunk (the captured Kimi shape and the
      migration guide's "end data block of each choice"), `usage: null` at the top level of
      every chunk but the trailing `choices: []` one, which carries it (the documented
      `include_usage` text).
    """
    doc = completion.body
    head = {k: doc[k] for k in ("id", "created", "model")}
    head = {"id": head["id"], "object": "chat.completion.chunk", **head}
    usage_field = {"usage": None} if completion.include_usage else {}
    last = len(doc["choices"]) - 1
    for choice in doc["choices"]:
        for delta in _choice_deltas(choice):
            yield _event(
                {
                    **head,
                    "choices": [{"index": choice["index"], "delta": delta, "finish_reason": None}],
                    **usage_field,
                }
            )
        ending: dict[str, Any] = {
            "index": choice["index"],
            "delta": {},
            "finish_reason": choice["finish_reason"],
        }
        finish: dict[str, Any] = {**head, "choices": [ending], **usage_field}
        if choice["index"] == last:
            if completion.include_usage:
                ending["usage"] = doc["usage"]
            else:
                finish["usage"] = doc["usage"]
        yield _event(finish)
    if completion.include_usage:
        yield _event({**head, "choices": [], "usage": doc["usage"]})
    yield b"data: [DONE]\n\n"
