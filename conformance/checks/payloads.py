"""Small, cheap request bodies for the checks, following the model's documented rules.

Every body asks for few tokens, and switches thinking off where the model has the
toggle (reasoning tokens are billed as completion tokens).
"""

from __future__ import annotations

from typing import Any

DEFAULT_MAX_TOKENS = 16
# What a model that always thinks (kimi-k3, kimi-k2.7-code) may spend reasoning before it
# answers: added to a check's budget where the answer must not be cut (JSON modes).
REASONING_ROOM = 256


def thinking(model: str, *, enabled: bool) -> dict[str, Any]:
    """`{"thinking": {"type": "enabled"|"disabled"}}` for models with the toggle, else
    nothing (models that always think, or never do, take no `thinking` field)."""
    from conformance.contract.catalog import rules_for

    try:
        kind = rules_for(model).thinking_kind
    except KeyError:
        return {}
    if kind != "toggle":
        return {}
    return {"thinking": {"type": "enabled" if enabled else "disabled"}}


def reasoning_room(model: str) -> int:
    """`REASONING_ROOM` for a model that thinks even with `thinking_off`, else 0."""
    from conformance.contract.catalog import rules_for

    try:
        return REASONING_ROOM if rules_for(model, False).thinking else 0
    except KeyError:
        return 0


def thinking_off(model: str) -> dict[str, Any]:
    return thinking(model, enabled=False)


def thinking_on(model: str) -> dict[str, Any]:
    return thinking(model, enabled=True)


def chat(
    model: str,
    content: str = "Reply with the single word: hello.",
    *,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "max_completion_tokens": max_tokens,
        **thinking_off(model),
        **extra,
    }


# Fields the `openai` SDK has no keyword for: they travel in `extra_body`.
_SDK_EXTRA = ("thinking", "partial")


def for_sdk(body: dict[str, Any]) -> dict[str, Any]:
    """The same body as keyword arguments for `client.chat.completions.create`."""
    kwargs = {k: v for k, v in body.items() if k not in _SDK_EXTRA}
    extra = {k: body[k] for k in _SDK_EXTRA if k in body}
    if extra:
        kwargs["extra_body"] = extra
    return kwargs
