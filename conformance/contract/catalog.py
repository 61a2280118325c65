"""The Moonshot model line-up and each model's documented request-parameter rules, as data.

Two things, both plain data with their sources (kimi-api.md sections):

- `DEFAULT_MODELS`: the line-up `GET /v1/models` answers with (§2), capability fields
  included. The emulator serves it; the suite and the fuzzing strategies read it.
- `rules_for(model_id, thinking)`: the sampling-parameter rules for one model in one
  thinking mode (§3.2, §3.3): which values are fixed, which ranges may be changed,
  how thinking is switched, which `tool_choice` forms are accepted. Every rule names
  its source so a failing check can say where the rule comes from.

Public API: `ModelInfo`, `DEFAULT_MODELS`, `Rule`, `ParameterRules`, `family_of`,
`rules_for`, `ThinkingKind`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DEFAULT_MODELS",
    "ModelInfo",
    "ParameterRules",
    "Rule",
    "ThinkingKind",
    "family_of",
    "rules_for",
]

ThinkingKind = Literal["none", "toggle", "always-on"]

_SPEC = "OpenAPI 2026-08-17_5a0c5b82.json"
_MODELS_TABLE = "kimi-api.md §3.2 Model Parameter Reference (platform.kimi.ai models-overview)"
_LIVE_FIXED = "kimi-api.md §3.2 live rejection texts (new-api fork calibration, 2026-08-27)"
_MIGRATION = "kimi-api.md §3.2 migration guide: temperature range is [0, 1]"


@dataclass(frozen=True)
class ModelInfo:
    """One entry of `GET /v1/models` (kimi-api.md §2), plus the family the rules key on."""

    id: str
    created: int
    context_length: int
    supports_reasoning: bool
    supports_image_in: bool
    supports_video_in: bool
    family: str
    owned_by: str = "moonshot"

    def to_json(self) -> dict[str, Any]:
        """The documented JSON object for this model."""
        return {
            "id": self.id,
            "object": "model",
            "created": self.created,
            "owned_by": self.owned_by,
            "context_length": self.context_length,
            "supports_image_in": self.supports_image_in,
            "supports_video_in": self.supports_video_in,
            "supports_reasoning": self.supports_reasoning,
        }


# The line-up of the 2026-08-17 spec (kimi-api.md §0, §2 "Official model IDs over time").
# `created` is the documented release/spec date at 00:00 UTC; moonshot-v1's is the
# value of the 2024 legacy capture (§2).
DEFAULT_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo("kimi-k3", 1784160000, 1048576, True, True, True, "kimi-k3"),
    ModelInfo("kimi-k2.7-code", 1781222400, 262144, True, True, False, "kimi-k2.7-code"),
    ModelInfo("kimi-k2.7-code-highspeed", 1781481600, 262144, True, True, False, "kimi-k2.7-code"),
    ModelInfo("kimi-k2.6", 1776729600, 262144, True, True, True, "kimi-k2.6"),
    ModelInfo("kimi-k2.5", 1769472000, 262144, True, True, True, "kimi-k2.5"),
    ModelInfo("moonshot-v1-8k", 1712151494, 8192, False, False, False, "moonshot-v1"),
    ModelInfo("moonshot-v1-32k", 1712151494, 32768, False, False, False, "moonshot-v1"),
    ModelInfo("moonshot-v1-128k", 1712151494, 131072, False, False, False, "moonshot-v1"),
    ModelInfo("moonshot-v1-auto", 1712151494, 131072, False, False, False, "moonshot-v1"),
    ModelInfo("moonshot-v1-8k-vision-preview", 1712151494, 8192, False, True, False, "moonshot-v1"),
    ModelInfo(
        "moonshot-v1-32k-vision-preview", 1712151494, 32768, False, True, False, "moonshot-v1"
    ),
    ModelInfo(
        "moonshot-v1-128k-vision-preview", 1712151494, 131072, False, True, False, "moonshot-v1"
    ),
)

# Longest prefix first: "kimi-k2-thinking-turbo" must not match "kimi-k2".
_FAMILY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("kimi-k3", "kimi-k3"),
    ("kimi-k2.7-code", "kimi-k2.7-code"),
    ("kimi-k2.6", "kimi-k2.6"),
    ("kimi-k2.5", "kimi-k2.5"),
    ("kimi-k2-thinking", "kimi-k2-thinking"),
    ("kimi-k2-", "kimi-k2"),
    ("kimi-thinking-preview", "kimi-k2-thinking"),
    ("kimi-latest", "moonshot-v1"),
    ("moonshot-v1", "moonshot-v1"),
)


def family_of(model_id: str) -> str | None:
    """The rule family of a native Moonshot model ID, or None for an unknown ID."""
    if model_id in _THINKING:
        return model_id
    for prefix, family in _FAMILY_PREFIXES:
        if model_id == prefix or model_id.startswith(prefix):
            return family
    return None


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Rule:
    """What one request parameter may be for one model and thinking mode.

    Either `fixed` (the only accepted value; sending it explicitly is accepted) or a
    closed range `[minimum, maximum]` (None: unbounded). `default` is what the server
    uses when the field is left out.
    """

    name: str
    default: Any
    source: str
    fixed: Any = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def modifiable(self) -> bool:
        return self.fixed is None

    def violation(self, value: Any) -> str | None:
        """The documented 400 message for `value`, or None when it is accepted."""
        if self.fixed is not None:
            if isinstance(self.fixed, bool):
                ok = value is self.fixed
            else:
                ok = (
                    isinstance(value, (int, float))
                    and not isinstance(value, bool)
                    and math.isclose(value, self.fixed, abs_tol=1e-9)
                )
            return (
                None
                if ok
                else (f"invalid {self.name}: only {_fmt(self.fixed)} is allowed for this model")
            )
        if isinstance(self.default, bool):
            return (
                None
                if isinstance(value, bool)
                else (f"Invalid request: {self.name} must be a boolean")
            )
        integral = isinstance(self.default, int)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (integral and not float(value).is_integer())
        ):
            kind = "an integer" if integral else "a number"
            return f"Invalid request: {self.name} must be {kind}"
        low = -math.inf if self.minimum is None else self.minimum
        high = math.inf if self.maximum is None else self.maximum
        if not low <= value <= high:
            return (
                f"Invalid request: {self.name} must be in [{_fmt(self.minimum)}, "
                f"{_fmt(self.maximum)}], got {_fmt(value)}"
            )
        return None


ToolChoiceForm = Literal["auto", "none", "required", "function"]


@dataclass(frozen=True)
class ParameterRules:
    """The parameter rules of one model in one thinking mode."""

    model: str
    family: str
    thinking_kind: ThinkingKind
    thinking_kind_source: str
    thinking: bool  # the effective mode the rules below are for
    params: Mapping[str, Rule]
    tool_choice_forms: frozenset[str]
    tool_choice_source: str
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, name: str) -> Rule:
        return self.params[name]


def _fixed(name: str, value: Any, source: str = _LIVE_FIXED) -> Rule:
    return Rule(name, default=value, fixed=value, source=source)


def _fixed_family(temperature: float, *, logprobs_fixed: bool) -> dict[str, Rule]:
    rules = {
        "temperature": _fixed("temperature", temperature, f"{_MODELS_TABLE}; {_LIVE_FIXED}"),
        "top_p": _fixed("top_p", 0.95, f"{_MODELS_TABLE}; {_LIVE_FIXED}"),
        "n": _fixed("n", 1, f"{_MODELS_TABLE}; CN streaming doc (index 57685229787)"),
        "presence_penalty": _fixed("presence_penalty", 0, _MODELS_TABLE),
        "frequency_penalty": _fixed("frequency_penalty", 0, _MODELS_TABLE),
    }
    if logprobs_fixed:
        rules["logprobs"] = _fixed("logprobs", False)
    else:
        rules["logprobs"] = Rule("logprobs", False, f"{_SPEC} ChatRequestCommon (k3 era)")
    return rules


def _modifiable_family(temperature_default: float, source: str) -> dict[str, Rule]:
    spec = f"{_SPEC} MoonshotV1ChatRequest / KimiK2ChatRequest"
    return {
        "temperature": Rule(
            "temperature", temperature_default, f"{source}; {_MIGRATION}", minimum=0, maximum=1
        ),
        "top_p": Rule("top_p", 1.0, spec, minimum=0, maximum=1),
        "n": Rule("n", 1, f"{spec}; {_MODELS_TABLE} (max 5)", minimum=1, maximum=5),
        "presence_penalty": Rule("presence_penalty", 0.0, spec, minimum=-2, maximum=2),
        "frequency_penalty": Rule("frequency_penalty", 0.0, spec, minimum=-2, maximum=2),
        "logprobs": _fixed("logprobs", False),
    }


_THINKING: dict[str, tuple[ThinkingKind, str]] = {
    "kimi-k3": ("always-on", "kimi-api.md §3.3: k3 always thinks; reasoning_effort instead"),
    "kimi-k2.7-code": ("always-on", f"kimi-api.md §3.3; {_SPEC} KimiK27CodeChatRequest"),
    "kimi-k2.6": ("toggle", f"kimi-api.md §3.3; {_SPEC} thinking {{type, keep}}"),
    "kimi-k2.5": ("toggle", f"kimi-api.md §3.3; {_SPEC} thinking {{type}}, default enabled"),
    "kimi-k2-thinking": ("always-on", "kimi-api.md §2: kimi-k2-thinking, thinking always on"),
    "kimi-k2": ("none", "kimi-api.md §3.2: kimi-k2 series has no thinking"),
    "moonshot-v1": ("none", "kimi-api.md §3.2: moonshot-v1 series has no thinking"),
}

_TOOL_CHOICE_SOURCE = (
    "kimi-api.md §3.3 (conflict): OpenAPI 2026-07-13+ accepts auto/none/required/function for "
    "all models; live: the named-function form -> 400 on thinking models"
)


def rules_for(model_id: str, thinking: bool | None = None) -> ParameterRules:
    """The parameter rules for `model_id` with thinking on (True), off (False) or default.

    Raises `KeyError` for an ID that is not a native Moonshot model (see `family_of`).
    For models whose thinking cannot be switched, `thinking` is ignored.
    """
    family = family_of(model_id)
    if family is None:
        raise KeyError(model_id)
    kind, kind_source = _THINKING[family]
    effective = {"always-on": True, "none": False}.get(kind, True if thinking is None else thinking)
    notes: tuple[str, ...] = ()
    if family == "kimi-k3":
        params = _fixed_family(1.0, logprobs_fixed=False)
    elif family == "kimi-k2.7-code":
        params = _fixed_family(1.0, logprobs_fixed=True)
    elif family in {"kimi-k2.6", "kimi-k2.5"}:
        params = _fixed_family(1.0 if effective else 0.6, logprobs_fixed=True)
        notes = ("temperature 1.0 in thinking mode, 0.6 in non-thinking mode (§3.2)",)
    elif family == "kimi-k2-thinking":
        params = _modifiable_family(1.0, f"{_SPEC} KimiK2ThinkingChatRequest default 1.0")
    elif family == "kimi-k2":
        params = _modifiable_family(0.6, f"{_SPEC} KimiK2ChatRequest default 0.6")
    else:
        params = _modifiable_family(0.0, f"{_SPEC} MoonshotV1ChatRequest default 0.0")
        notes = ("when temperature is close to 0, n can only be 1 (§3.2)",)
    forms = {"auto", "none", "required"} | (set() if effective else {"function"})
    return ParameterRules(
        model=model_id,
        family=family,
        thinking_kind=kind,
        thinking_kind_source=kind_source,
        thinking=effective,
        params=params,
        tool_choice_forms=frozenset(forms),
        tool_choice_source=_TOOL_CHOICE_SOURCE,
        notes=notes,
    )
