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
    "CURRENT_MODELS",
    "DEFAULT_MODELS",
    "LEGACY_MODELS",
    "FieldRule",
    "ModelInfo",
    "ParameterRules",
    "Rule",
    "ThinkingKind",
    "current_ids",
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


# The current line-up (kimi-api.md §0 "2026-09": the CN chat page lists only kimi-k3,
# kimi-k2.7-code(-highspeed) and kimi-k2.6; §2 "Official model IDs over time"). `created`
# is the documented release/spec date at 00:00 UTC. The emulator serves it, the shipped
# recordings list it, and `--models all` expands to it.
DEFAULT_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo("kimi-k3", 1784160000, 1048576, True, True, True, "kimi-k3"),
    ModelInfo("kimi-k2.7-code", 1781222400, 262144, True, True, False, "kimi-k2.7-code"),
    ModelInfo("kimi-k2.7-code-highspeed", 1781481600, 262144, True, True, False, "kimi-k2.7-code"),
    ModelInfo("kimi-k2.6", 1776729600, 262144, True, True, True, "kimi-k2.6"),
)
CURRENT_MODELS = DEFAULT_MODELS

# Listed by the 2026-08-17 spec, retired ~2026-08-31 (kimi-api.md §0; `retired.py`): not
# served by default. An emulator built with them (`Emulator(models=DEFAULT_MODELS +
# LEGACY_MODELS)`) shows the old line-up, e.g. to exercise the modifiable-sampling rules.
# moonshot-v1's `created` is the value of the 2024 legacy capture (§2).
LEGACY_MODELS: tuple[ModelInfo, ...] = (
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


def current_ids() -> tuple[str, ...]:
    """The IDs of the current line-up, newest first."""
    return tuple(model.id for model in CURRENT_MODELS)


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

# How the API answers a request field's value: honours it (200), refuses it (400
# `invalid_request_error`), or either of the two, when the doc generations conflict or the
# field is not in the model's request schema (Moonshot accepts unknown fields silently,
# kimi-api.md §3.1): both documented answers pass.
Answer = Literal["accepted", "refused", "refused-or-ignored"]


@dataclass(frozen=True)
class FieldRule:
    """What one non-sampling field may be for one model: `thinking.type`, `thinking.keep`
    or `reasoning_effort` (kimi-api.md §3.1, §3.3).

    `accepted`: the documented values the model honours (empty when the field is not in
    the model's request schema); `default`: what the server uses when it is left out;
    `refused`: documented values that get 400; any other value gets `otherwise`.
    """

    name: str
    accepted: tuple[Any, ...]
    default: Any
    source: str
    refused: tuple[Any, ...] = ()
    otherwise: Answer = "refused"

    def answer(self, value: Any) -> Answer:
        if value in self.accepted:
            return "accepted"
        if value in self.refused:
            return "refused"
        return self.otherwise

    @property
    def in_schema(self) -> bool:
        return bool(self.accepted)


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
    # `thinking.type`, `thinking.keep`, `reasoning_effort` (see `FieldRule`).
    fields: Mapping[str, FieldRule] = field(default_factory=dict)

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


_UNKNOWN_FIELDS = (
    "kimi-api.md §3.1: unknown fields are accepted silently (live captures, 2026-09-01)"
)
_K3_CALIBRATION = (
    "kimi-api.md §3.1: live calibration 2026-08-27 (index 59177137580): the official endpoint "
    "does NOT enum-check reasoning_effort strings and silently ignores the K2.x thinking field"
)


def _not_in_schema(name: str, why: str) -> FieldRule:
    return FieldRule(name, (), None, f"{why}; {_UNKNOWN_FIELDS}", otherwise="refused-or-ignored")


def _fields(family: str) -> dict[str, FieldRule]:
    """The thinking switch and reasoning effort of one family (kimi-api.md §3.3)."""
    effort = _not_in_schema(
        "reasoning_effort", f"kimi-api.md §3.1: k3 only; not in {family}'s request schema"
    )
    if family == "kimi-k3":
        no_thinking = f"kimi-api.md §3.3: k3 has no thinking field ({_SPEC} KimiK3ChatRequest)"
        return {
            "thinking.type": FieldRule(
                "thinking.type",
                (),
                None,
                f"{no_thinking}; {_K3_CALIBRATION}",
                otherwise="refused-or-ignored",
            ),
            "thinking.keep": _not_in_schema("thinking.keep", no_thinking),
            "reasoning_effort": FieldRule(
                "reasoning_effort",
                ("low", "high", "max"),
                "max",
                f"{_SPEC} KimiK3ChatRequest reasoning_effort enum low/high/max, default max "
                f"(a value outside it is refused by the schema); {_K3_CALIBRATION}",
                otherwise="refused-or-ignored",
            ),
        }
    if family == "kimi-k2.7-code":
        source = f"{_SPEC} KimiK27CodeChatRequest thinking (kimi-api.md §3.3)"
        return {
            "thinking.type": FieldRule(
                "thinking.type",
                ("enabled",),
                "enabled",
                f"{source}: type only accepts 'enabled'; 'disabled' returns an error",
                refused=("disabled",),
            ),
            "thinking.keep": FieldRule(
                "thinking.keep",
                ("all", None),
                "all",
                f"{source}: keep only accepts 'all' (null or omitted: 'all')",
            ),
            "reasoning_effort": effort,
        }
    if family in {"kimi-k2.6", "kimi-k2.5"}:
        source = f"{_SPEC} {'KimiK26' if family == 'kimi-k2.6' else 'KimiK25'}ChatRequest"
        keep = (
            FieldRule(
                "thinking.keep",
                ("all", None),
                None,
                f"{source} thinking.keep 'all' or null (default null)",
            )
            if family == "kimi-k2.6"
            else FieldRule(
                "thinking.keep",
                (),
                None,
                f"{source}: thinking has only type (additional properties false)",
            )
        )
        return {
            "thinking.type": FieldRule(
                "thinking.type",
                ("enabled", "disabled"),
                "enabled",
                f"{source} thinking.type enabled/disabled, default enabled (kimi-api.md §3.3)",
            ),
            "thinking.keep": keep,
            "reasoning_effort": effort,
        }
    why = f"kimi-api.md §3.2/§3.3: {family} has no thinking switch in its request schema"
    return {
        "thinking.type": _not_in_schema("thinking.type", why),
        "thinking.keep": _not_in_schema("thinking.keep", why),
        "reasoning_effort": effort,
    }


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
        fields=_fields(family),
    )
