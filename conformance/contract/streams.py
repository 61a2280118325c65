"""Rules a streamed chat completion must follow, checked on the transcript alone.

Public API:
- `chunks_from_events(events)`: the JSON chunks of a parsed SSE transcript up to
  `[DONE]`, and a `Violation` for every `data:` payload that is not a JSON object;
- `stream_violations(events)`: every rule in `RULES` run over the transcript;
- `reassemble(chunks)`: the `chat.completion`-shaped answer the chunks add up to, so a
  stream can be compared with the non-streamed answer.

The rules (kimi-api.md §3.3, §3.5), one function each in `RULES`, with `rule` ids:
- `stream.json`: every `data:` payload but `[DONE]` is a JSON object;
- `stream.done-last`: `data: [DONE]` is sent, and nothing after it;
- every chunk is a valid `chat.completion.chunk` (the schema's own rule ids, such as
  `required` or `usage.total` for usage arithmetic, with paths rooted at `events[i]`);
- `stream.constant-id`: `id`, `created` and `model` never change;
- `stream.role-first`: `role` comes in the first delta of each choice and only there;
- `stream.one-finish`: each choice finishes exactly once, in its last chunk;
- `stream.usage`: the final chunk carries usage, inside a choice, at the top level, or
  as a trailing `choices: []` chunk (all three are documented);
- `stream.reasoning-first`: `reasoning_content` comes before `content` and `tool_calls`;
- `stream.tool-call-fragments`: a tool call's first fragment carries `index`, `id`, `type`
  and `function.name`; its later fragments only `index` and `function.arguments` (the
  Kimi-K2 tool-call guide's stream; clients concatenate every string they get).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.contract.schemas import Violation, check
from conformance.contract.sse import Event

__all__ = ["DONE", "RULES", "chunks_from_events", "reassemble", "stream_violations"]

DONE = "[DONE]"
CHUNK_SCHEMA = "chat.completion.chunk"
_CONSTANT_FIELDS = ("id", "created", "model")


@dataclass(frozen=True)
class _Chunk:
    event: int  # index of the SSE event it came from
    body: dict[str, Any]


@dataclass(frozen=True)
class _Transcript:
    events: Sequence[Event]
    chunks: list[_Chunk]

    def choices(self) -> Iterable[tuple[_Chunk, int, dict[str, Any]]]:
        """(chunk, position in `choices`, choice) for every well-formed choice."""
        for chunk in self.chunks:
            choices = chunk.body.get("choices")
            if isinstance(choices, list):
                for pos, choice in enumerate(choices):
                    if isinstance(choice, dict):
                        yield chunk, pos, choice


def _path(event: int, *parts: object) -> str:
    return f"events[{event}]" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _order(index: object) -> tuple[int, int, str]:
    """Sort key for choice indexes: integers by value, anything malformed after them."""
    return (0, index, "") if type(index) is int else (1, 0, repr(index))


def _short(value: object, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse(events: Sequence[Event]) -> tuple[list[_Chunk], list[Violation]]:
    chunks: list[_Chunk] = []
    violations: list[Violation] = []
    for i, event in enumerate(events):
        if event.data == DONE:
            break  # clients stop here; `stream.done-last` reports anything after it
        try:
            body = json.loads(event.data)
        except ValueError:
            violations.append(
                Violation(_path(i), "stream.json", _short(event.data), "data is not JSON")
            )
            continue
        if not isinstance(body, dict):
            violations.append(
                Violation(_path(i), "stream.json", _short(body), "data is not a JSON object")
            )
            continue
        chunks.append(_Chunk(i, body))
    return chunks, violations


def chunks_from_events(events: Sequence[Event]) -> tuple[list[dict[str, Any]], list[Violation]]:
    """The JSON object of every `data:` payload before `[DONE]`, and a violation for each
    payload that is not a JSON object. Events after `[DONE]` are left out."""
    chunks, violations = _parse(events)
    return [c.body for c in chunks], violations


# --- the rules -------------------------------------------------------------------------


def _done_last(t: _Transcript) -> list[Violation]:
    done = [i for i, e in enumerate(t.events) if e.data == DONE]
    if not done:
        last = len(t.events) - 1
        value = _short(t.events[-1].data) if t.events else "(no events)"
        return [
            Violation(_path(max(last, 0)), "stream.done-last", value, "no `data: [DONE]` event")
        ]
    return [
        Violation(_path(i), "stream.done-last", _short(t.events[i].data), "event after [DONE]")
        for i in range(done[0] + 1, len(t.events))
    ]


def _schema(t: _Transcript) -> list[Violation]:
    out = []
    for chunk in t.chunks:
        for v in check(CHUNK_SCHEMA, chunk.body):
            # Keep the schema's own rule id ("required", "usage.total"...); only re-root
            # the JSON path ("$.choices[0]") at the event it came from.
            out.append(replace(v, path=_path(chunk.event) + v.path.removeprefix("$")))
    return out


def _constant_id(t: _Transcript) -> list[Violation]:
    if not t.chunks:
        return []
    first = t.chunks[0].body
    return [
        Violation(
            _path(c.event, name),
            "stream.constant-id",
            _short(c.body.get(name)),
            f"`{name}` differs from the first chunk's {_short(first.get(name))}",
        )
        for c in t.chunks[1:]
        for name in _CONSTANT_FIELDS
        if c.body.get(name) != first.get(name)
    ]


def _role_first(t: _Transcript) -> list[Violation]:
    out = []
    seen: set[object] = set()
    for chunk, pos, choice in t.choices():
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            delta = {}  # the schema rule reports the shape
        has_role = "role" in delta
        index = choice.get("index")
        if index not in seen and not has_role:
            out.append(
                Violation(
                    _path(chunk.event, "choices", pos, "delta"),
                    "stream.role-first",
                    _short(delta),
                    f"first delta of choice {index} has no `role`",
                )
            )
        elif index in seen and has_role:
            out.append(
                Violation(
                    _path(chunk.event, "choices", pos, "delta", "role"),
                    "stream.role-first",
                    _short(delta["role"]),
                    f"`role` repeated after the first delta of choice {index}",
                )
            )
        seen.add(index)
    return out


def _one_finish(t: _Transcript) -> list[Violation]:
    out = []
    finished: dict[object, int] = {}  # choice index -> event of its finish chunk
    for chunk, pos, choice in t.choices():
        index = choice.get("index")
        if index in finished:
            out.append(
                Violation(
                    _path(chunk.event, "choices", pos),
                    "stream.one-finish",
                    _short(choice.get("finish_reason")),
                    f"choice {index} continues after it finished in events[{finished[index]}]",
                )
            )
        elif choice.get("finish_reason") is not None:
            finished[index] = chunk.event
    unfinished = {c.get("index") for _, _, c in t.choices()} - set(finished)
    last = t.chunks[-1].event if t.chunks else 0
    out += [
        Violation(_path(last), "stream.one-finish", "null", f"choice {i} never finished")
        for i in sorted(unfinished, key=_order)
    ]
    return out


def _usage(t: _Transcript) -> list[Violation]:
    """Usage is in the final chunk; its arithmetic is the chunk schema's `usage.total`."""
    if not t.chunks:
        return []
    final = t.chunks[-1]
    choices = final.body.get("choices")
    in_choices = isinstance(choices, list) and any(
        isinstance(c, dict) and c.get("usage") is not None for c in choices
    )
    if final.body.get("usage") is not None or in_choices:
        return []
    return [
        Violation(
            _path(final.event),
            "stream.usage",
            _short(final.body),
            "final chunk has no usage (neither at the top level nor in a choice)",
        )
    ]


def _reasoning_first(t: _Transcript) -> list[Violation]:
    out = []
    answering: set[object] = set()  # choices that already sent content or tool_calls
    for chunk, pos, choice in t.choices():
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            continue
        index = choice.get("index")
        if delta.get("reasoning_content") and index in answering:
            out.append(
                Violation(
                    _path(chunk.event, "choices", pos, "delta", "reasoning_content"),
                    "stream.reasoning-first",
                    _short(delta["reasoning_content"]),
                    f"reasoning_content after content or tool_calls in choice {index}",
                )
            )
        if delta.get("content") or delta.get("tool_calls"):
            answering.add(index)
    return out


_FIRST_ONLY = ("id", "type")


def _tool_call_fragments(t: _Transcript) -> list[Violation]:
    out = []
    seen: set[tuple[object, object]] = set()  # (choice index, tool-call index)
    for chunk, pos, choice in t.choices():
        delta = choice.get("delta")
        fragments = delta.get("tool_calls") if isinstance(delta, dict) else None
        if not isinstance(fragments, list):
            continue
        for k, fragment in enumerate(fragments):
            if not isinstance(fragment, dict):
                continue  # the schema rule reports the shape
            path = _path(chunk.event, "choices", pos, "delta", "tool_calls", k)
            index = fragment.get("index")
            raw = fragment.get("function")
            function: dict[str, Any] = raw if isinstance(raw, dict) else {}
            if type(index) is not int:
                out.append(
                    Violation(path, "stream.tool-call-fragments", _short(fragment), "no `index`")
                )
                continue
            key = (choice.get("index"), index)
            if key not in seen:
                seen.add(key)
                missing = [n for n in _FIRST_ONLY if not fragment.get(n)]
                missing += [] if function.get("name") else ["function.name"]
                if missing:
                    out.append(
                        Violation(
                            path,
                            "stream.tool-call-fragments",
                            _short(fragment),
                            f"the first fragment of tool call {index} lacks {', '.join(missing)}",
                        )
                    )
                continue
            repeated = [n for n in _FIRST_ONLY if fragment.get(n) is not None]
            repeated += [] if function.get("name") is None else ["function.name"]
            if repeated:
                out.append(
                    Violation(
                        path,
                        "stream.tool-call-fragments",
                        _short(fragment),
                        f"a later fragment of tool call {index} repeats {', '.join(repeated)} "
                        "(only index and function.arguments follow the first)",
                    )
                )
    return out


Rule = Callable[[_Transcript], list[Violation]]

# In the order a reader should see the failures: framing, shape, then the finer rules.
RULES: tuple[Rule, ...] = (
    _done_last,
    _schema,
    _constant_id,
    _role_first,
    _one_finish,
    _usage,
    _reasoning_first,
    _tool_call_fragments,
)


def stream_violations(events: Sequence[Event]) -> list[Violation]:
    """Every violation of the stream rules in a parsed SSE transcript, framing first."""
    chunks, violations = _parse(events)
    transcript = _Transcript(events, chunks)
    for rule in RULES:
        violations += rule(transcript)
    return violations


# --- reassembly ------------------------------------------------------------------------


def _merge_tool_calls(calls: dict[int, dict[str, Any]], fragments: object) -> None:
    if not isinstance(fragments, list):
        return
    for fragment in fragments:
        if not isinstance(fragment, dict):
            continue
        call = calls.setdefault(
            fragment.get("index", len(calls)),
            {"id": None, "type": None, "function": {"name": None, "arguments": ""}},
        )
        for key in ("id", "type"):
            if fragment.get(key) is not None and call[key] is None:
                call[key] = fragment[key]
        function = fragment.get("function")
        if isinstance(function, dict):
            if function.get("name") is not None and call["function"]["name"] is None:
                call["function"]["name"] = function["name"]
            if isinstance(function.get("arguments"), str):
                call["function"]["arguments"] += function["arguments"]


@dataclass
class _Choice:
    role: str | None = None
    content: list[str] | None = None
    reasoning: list[str] | None = None
    finish_reason: str | None = None
    usage: object = None
    tool_calls: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, choice: dict[str, Any]) -> None:
        delta = choice.get("delta")
        if isinstance(delta, dict):
            self.role = self.role or delta.get("role")
            if isinstance(delta.get("content"), str):
                self.content = [*(self.content or []), delta["content"]]
            if isinstance(delta.get("reasoning_content"), str):
                self.reasoning = [*(self.reasoning or []), delta["reasoning_content"]]
            _merge_tool_calls(self.tool_calls, delta.get("tool_calls"))
        if choice.get("finish_reason") is not None:
            self.finish_reason = choice["finish_reason"]
        if choice.get("usage") is not None:
            self.usage = choice["usage"]

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": self.role or "assistant",
            "content": None if self.content is None else "".join(self.content),
        }
        if self.reasoning is not None:
            message["reasoning_content"] = "".join(self.reasoning)
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        return message


def reassemble(chunks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The `chat.completion` the chunks add up to: one message per choice, usage last seen."""
    choices: dict[Any, _Choice] = {}
    usage: object = None
    head: dict[str, Any] = chunks[0] if chunks else {}
    for chunk in chunks:
        if chunk.get("usage") is not None:
            usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if isinstance(choice, dict):
                choices.setdefault(choice.get("index", 0), _Choice()).add(choice)
    if usage is None:  # the older documented place: inside the choice's last chunk
        usage = next((c.usage for c in reversed(choices.values()) if c.usage is not None), None)
    completion: dict[str, Any] = {
        "id": head.get("id"),
        "object": "chat.completion",
        "created": head.get("created"),
        "model": head.get("model"),
        "choices": [
            {"index": i, "message": c.message(), "finish_reason": c.finish_reason}
            for i, c in sorted(choices.items(), key=lambda item: _order(item[0]))
        ],
    }
    if usage is not None:
        completion["usage"] = usage
    if "system_fingerprint" in head:
        completion["system_fingerprint"] = head["system_fingerprint"]
    return completion
