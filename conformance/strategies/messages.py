"""Message lists that are valid by the documented rules (kimi-api.md §3.1, §3.3, §3.6).

- roles `system`, `user`, `assistant`, `tool`; `content` never empty, a string or (on
  user messages) a list of text parts; an optional `name` on any message;
- an assistant message may call tools declared in `tools`: it carries `tool_calls`
  (ids opaque; these use the API's own `functions.<name>:<idx>` form), content may then
  be empty, and with thinking on it keeps its `reasoning_content` (§3.3: a 400 otherwise);
- a `tool` message only right after the assistant message whose call it answers, with
  the matching `tool_call_id`, one per call;
- the conversation ends with a user message, the tool answers of the last call, or an
  assistant message with `partial: true` (partial mode, §3.6).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from hypothesis import strategies as st

from conformance.contract.instances import instance_for
from conformance.strategies.text import message_names, stress_text

__all__ = ["contents", "conversations"]


@functools.cache
def contents(
    *, max_size: int = 40, long_size: int = 0, parts: bool = True
) -> st.SearchStrategy[Any]:
    """Non-empty `content`: a string, or (with `parts`) a list of `text` parts."""
    text = stress_text(max_size=max_size, long_size=long_size)
    if not parts:
        return text
    part = text.map(lambda t: {"type": "text", "text": t})
    return st.one_of(text, text, st.lists(part, min_size=1, max_size=3))


@functools.cache
def _turns(calls: bool, max_turns: int) -> st.SearchStrategy[list[str]]:
    kinds = ("user", "assistant", "call") if calls else ("user", "assistant")
    return st.lists(st.sampled_from(kinds), max_size=max_turns)


@functools.cache
def _optional_names() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), message_names())


def _with_name(message: dict[str, Any], name: str | None) -> dict[str, Any]:
    return message if name is None else {**message, "name": name}


@st.composite
def conversations(
    draw: st.DrawFn,
    *,
    tools: list[dict[str, Any]] | None = None,
    thinking: bool = False,
    max_turns: int = 4,
    max_size: int = 40,
    long_size: int = 0,
    partial: bool = True,
) -> list[dict[str, Any]]:
    """A valid `messages` list; tool calls only name functions in `tools`."""
    text = contents(max_size=max_size, long_size=long_size, parts=False)
    names = _optional_names()
    messages: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 1))):
        messages.append(_with_name({"role": "system", "content": draw(text)}, draw(names)))
    calls = 0
    user = contents(max_size=max_size, long_size=long_size)
    turns = ["user", *draw(_turns(bool(tools), max_turns))]
    for kind in turns:
        if kind == "user":
            messages.append(_with_name({"role": "user", "content": draw(user)}, draw(names)))
        elif kind == "assistant":
            reply: dict[str, Any] = {"role": "assistant", "content": draw(text)}
            messages.append(_with_name(reply, draw(names)))
        else:
            assert tools is not None
            chosen = draw(st.lists(st.sampled_from(tools), min_size=1, max_size=2))
            turn, answers = _tool_turn(draw, chosen, calls, thinking, text)
            calls += len(chosen)
            messages += [turn, *answers]
    ending = draw(st.sampled_from(("user", "partial") if partial else ("user",)))
    if messages and messages[-1]["role"] == "tool" and draw(st.booleans()):
        return messages  # the model answers the tool results
    if ending == "partial":
        prefix = {"role": "assistant", "content": draw(text), "partial": True}
        return [*messages, {"role": "user", "content": draw(user)}, _with_name(prefix, draw(names))]
    return [*messages, _with_name({"role": "user", "content": draw(user)}, draw(names))]


def _tool_turn(
    draw: st.DrawFn,
    chosen: list[dict[str, Any]],
    first: int,
    thinking: bool,
    text: st.SearchStrategy[str],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []
    for offset, tool in enumerate(chosen):
        function = tool["function"]
        arguments = instance_for(function.get("parameters") or {"type": "object"})
        calls.append(
            {
                "id": f"functions.{function['name']}:{first + offset}",
                "type": "function",
                "function": {
                    "name": function["name"],
                    "arguments": json.dumps(arguments, ensure_ascii=False),
                },
            }
        )
    turn: dict[str, Any] = {
        "role": "assistant",
        "content": draw(st.sampled_from(("", None))),
        "tool_calls": calls,
    }
    if thinking:
        turn["reasoning_content"] = draw(text)
    answers = []
    for call in calls:
        answer = {"role": "tool", "tool_call_id": call["id"], "content": draw(text)}
        if draw(st.booleans()):
            answer["name"] = call["function"]["name"]
        answers.append(answer)
    return turn, answers
