"""Invalid chat requests, one named family per documented way to get a 400.

Each family starts from a valid request for the model under test (`chat_requests`) and
breaks exactly one documented rule, so a 200 can only mean the server ignored that rule.
`invalid_requests(model)` draws `(family, body)` pairs across all families.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from conformance.contract.catalog import rules_for
from conformance.strategies.requests import (
    MAX_STOP,
    MAX_STOP_BYTES,
    OFFLINE,
    Profile,
    chat_requests,
)
from conformance.strategies.text import stress_text
from conformance.strategies.tools import tools

__all__ = ["FAMILIES", "FAMILY_RULES", "ROLES", "family_rule", "invalid_requests"]

ROLES = ("system", "user", "assistant", "tool")
Body = dict[str, Any]
Family = Callable[[st.DrawFn, Body], Body]


def _user_indexes(body: Body) -> list[int]:
    return [i for i, m in enumerate(body["messages"]) if m["role"] == "user"]


def _empty_messages(draw: st.DrawFn, body: Body) -> Body:
    return {**body, "messages": []}


def _unknown_role(draw: st.DrawFn, body: Body) -> Body:
    role = draw(
        st.one_of(
            st.sampled_from(["", "bot", "human", "model", "moderator", "User", "SYSTEM"]),
            stress_text(max_size=12, blank=True),
        ).filter(lambda r: r not in ROLES)
    )
    index = draw(st.sampled_from(_user_indexes(body)))
    body["messages"][index]["role"] = role
    return body


def _missing_content(draw: st.DrawFn, body: Body) -> Body:
    index = draw(st.sampled_from(_user_indexes(body)))
    message = body["messages"][index]
    if draw(st.booleans()):
        del message["content"]
    else:
        message["content"] = draw(st.sampled_from([None, "", []]))
    return body


def _wrong_type_content(draw: st.DrawFn, body: Body) -> Body:
    index = draw(st.sampled_from(_user_indexes(body)))
    body["messages"][index]["content"] = draw(
        st.one_of(
            st.integers(),
            st.booleans(),
            st.dictionaries(st.text(max_size=5), st.text(max_size=5), min_size=1),
            st.lists(st.one_of(st.integers(), st.text(max_size=5)), min_size=1, max_size=3),
            st.just([{"type": "audio", "audio": "x"}]),
        )
    )
    return body


def _orphan_tool_message(draw: st.DrawFn, body: Body) -> Body:
    """A tool message that answers no call: at the start, or with an unknown id."""
    known = {
        call["id"] for message in body["messages"] for call in (message.get("tool_calls") or [])
    }
    call_id = draw(stress_text(max_size=20).filter(lambda s: s not in known))
    orphan = {"role": "tool", "tool_call_id": call_id, "content": draw(stress_text())}
    index = draw(st.sampled_from(_user_indexes(body)))
    body["messages"].insert(index, orphan)
    return body


def _bad_sampling(draw: st.DrawFn, body: Body) -> Body:
    """A sampling value outside the model's documented range, or other than its fixed one."""
    rules = rules_for(body["model"], _thinking(body))
    name = draw(st.sampled_from(sorted(n for n, r in rules.params.items() if n != "logprobs")))
    rule = rules[name]
    if not rule.modifiable:
        bad = st.one_of(st.integers(-10, 10), st.floats(-10, 10, allow_nan=False)).filter(
            lambda v: rule.violation(v) is not None
        )
    else:
        low, high = rule.minimum or 0, rule.maximum or 1
        below = st.floats(low - 100, low, exclude_max=True, allow_nan=False)
        above = st.floats(high, high + 100, exclude_min=True, allow_nan=False)
        if isinstance(rule.default, int):
            below, above = (
                st.integers(int(low) - 100, int(low) - 1),
                st.integers(int(high) + 1, int(high) + 100),
            )
        bad = st.one_of(below, above, st.just(str(rule.default)))
    body[name] = draw(bad)
    if name == "n":
        body["temperature"] = rules["temperature"].fixed or 0.5
    return body


def _thinking(body: Body) -> bool | None:
    thinking = body.get("thinking")
    return None if not isinstance(thinking, dict) else thinking.get("type") == "enabled"


def _too_many_stop(draw: st.DrawFn, body: Body) -> Body:
    body["stop"] = draw(
        st.lists(st.text(min_size=1, max_size=4), min_size=MAX_STOP + 1, max_size=MAX_STOP + 5)
    )
    return body


def _stop_too_long(draw: st.DrawFn, body: Body) -> Body:
    long = stress_text(min_size=MAX_STOP_BYTES // 4 + 1, max_size=64).filter(
        lambda s: len(s.encode()) > MAX_STOP_BYTES
    )
    body["stop"] = draw(st.one_of(long.map(lambda s: [s]), long))
    return body


def _add_tool(draw: st.DrawFn, body: Body) -> dict[str, Any]:
    """A new, well-formed tool appended to `body["tools"]` (its name not yet declared)."""
    declared = body.setdefault("tools", [])
    taken = {t["function"]["name"] for t in declared}
    tool = draw(tools(max_size=1).filter(lambda ts: ts[0]["function"]["name"] not in taken))[0]
    declared.insert(draw(st.integers(0, len(declared))), tool)
    return tool


def _unknown_tool_type(draw: st.DrawFn, body: Body) -> Body:
    tool = _add_tool(draw, body)
    kind = draw(
        st.one_of(st.none(), st.sampled_from(["", "retrieval", "code_interpreter", "Function"]))
    )
    if kind is None:
        del tool["type"]
    else:
        tool["type"] = kind
    return body


def _invalid_function_name(draw: st.DrawFn, body: Body) -> Body:
    """A name no documented rule accepts: empty, a leading digit, a character outside
    `[a-zA-Z0-9_-]`, or longer than 256 characters."""
    name = draw(
        st.one_of(
            st.just(""),
            st.from_regex(r"[0-9][a-zA-Z0-9_]{0,10}", fullmatch=True),
            st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,5}[ .:/@$,!][a-zA-Z0-9_]{0,5}", fullmatch=True),
            st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,5}", fullmatch=True).map(lambda s: s + "名"),
            st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{256,300}", fullmatch=True),
        )
    )
    _add_tool(draw, body)["function"]["name"] = name
    return body


def _duplicate_function_name(draw: st.DrawFn, body: Body) -> Body:
    if not body.get("tools"):
        _add_tool(draw, body)
    declared = body["tools"]
    twin = copy.deepcopy(draw(st.sampled_from(declared)))
    declared.insert(draw(st.integers(0, len(declared))), twin)
    return body


def _malformed_response_format(draw: st.DrawFn, body: Body) -> Body:
    body["response_format"] = draw(
        st.one_of(
            st.sampled_from(["json_object", "json", 1, True, [], {}]),
            st.sampled_from(["json", "xml", "JSON_OBJECT", "", "yaml"]).map(lambda t: {"type": t}),
            st.sampled_from([{}, {"name": "x"}, {"schema": {"type": "object"}}]).map(
                lambda spec: {"type": "json_schema", "json_schema": spec}
            ),
            st.just({"type": "json_schema"}),
        )
    )
    return body


FAMILIES: dict[str, Family] = {
    "empty-messages": _empty_messages,
    "unknown-role": _unknown_role,
    "missing-content": _missing_content,
    "wrong-type-content": _wrong_type_content,
    "orphan-tool-message": _orphan_tool_message,
    "bad-sampling-value": _bad_sampling,
    "too-many-stop": _too_many_stop,
    "stop-too-long": _stop_too_long,
    "unknown-tool-type": _unknown_tool_type,
    "invalid-function-name": _invalid_function_name,
    "duplicate-function-name": _duplicate_function_name,
    "malformed-response-format": _malformed_response_format,
}


# The evidence rule each family breaks (`conformance.contract.evidence`): only documented
# and captured rules make a 200 a failure; the others are observations.
FAMILY_RULES: dict[str, str] = {
    "empty-messages": "chat.messages-not-empty",
    "unknown-role": "chat.role",
    "missing-content": "chat.content-not-empty",
    "wrong-type-content": "chat.content-shape",
    "orphan-tool-message": "tools.orphan-message",
    "bad-sampling-value": "params.fixed",  # or params.range: see family_rule
    "too-many-stop": "params.stop",
    "stop-too-long": "params.stop",
    "unknown-tool-type": "tools.type",
    "invalid-function-name": "tools.function-name",
    "duplicate-function-name": "tools.duplicate-name",
    "malformed-response-format": "chat.response-format",
}


def family_rule(family: str, body: Body | None = None) -> str:
    """The rule a body of `family` breaks: a bad sampling value breaks `params.fixed` when
    the parameter is fixed for the model, `params.range` when it may be changed."""
    if family != "bad-sampling-value" or body is None:
        return FAMILY_RULES[family]
    try:
        rules = rules_for(str(body.get("model")), _thinking(body))
    except KeyError:
        return FAMILY_RULES[family]
    for name, rule in rules.params.items():
        if name in body and rule.violation(body[name]) is not None:
            return "params.fixed" if not rule.modifiable else "params.range"
    return FAMILY_RULES[family]


@st.composite
def invalid_requests(
    draw: st.DrawFn,
    model: str,
    *,
    profile: Profile = OFFLINE,
    families: tuple[str, ...] | None = None,
    context_length: int | None = None,
) -> tuple[str, Body]:
    """`(family, body)`: a request for `model` that breaks exactly one documented rule."""
    names = sorted(FAMILIES) if families is None else list(families)
    unknown = sorted(set(names) - set(FAMILIES))
    if unknown:
        raise ValueError(f"unknown invalid families {unknown}; known: {sorted(FAMILIES)}")
    family = draw(st.sampled_from(names))
    valid = chat_requests(model, profile=profile, stream=False, context_length=context_length)
    body = copy.deepcopy(draw(valid))
    return family, FAMILIES[family](draw, body)
