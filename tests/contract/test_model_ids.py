"""The gateway-ID classifier, driven by kimi-api.md §10's table and by generated IDs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.contract import model_ids
from conformance.contract.catalog import current_ids
from conformance.contract.lineup import standing
from conformance.contract.model_ids import (
    MODEL_CHOICE_RULE,
    Verdict,
    choose_model,
    classify,
    closest,
    refuse_gateway_model,
)
from conformance.errors import UsageError

# Every ID in kimi-api.md §10, by gateway row: (id, gateway named, native ID suggested).
# The first kimi-k2 releases map to their dated API previews (Kimi-K2-Instruct = 0711).
K2_0711, K2_0905 = "kimi-k2-0711-preview", "kimi-k2-0905-preview"
OR, ORS, HF = model_ids.OPENROUTER, model_ids.OPENROUTER_STYLE, model_ids.HF_STYLE
GATEWAY_IDS: list[tuple[str, str | None, str | None]] = [
    # OpenRouter
    ("moonshotai/kimi-k2", ORS, K2_0711),
    ("moonshotai/kimi-k2:free", OR, K2_0711),
    ("moonshotai/kimi-k2-0905", ORS, K2_0905),
    ("moonshotai/kimi-k2-0905:exacto", OR, K2_0905),
    ("moonshotai/kimi-k2-thinking", ORS, "kimi-k2-thinking"),
    ("moonshotai/kimi-k2.5", ORS, "kimi-k2.5"),
    ("moonshotai/kimi-k2.6", ORS, "kimi-k2.6"),
    ("moonshotai/kimi-k2.6:free", OR, "kimi-k2.6"),
    ("moonshotai/kimi-k2.7-code", ORS, "kimi-k2.7-code"),
    ("~moonshotai/kimi-latest", OR, "kimi-latest"),
    # open-weights models Moonshot's API never served: no native equivalent
    ("moonshotai/kimi-dev-72b", ORS, None),
    ("moonshotai/kimi-dev-72b:free", OR, None),
    ("moonshotai/kimi-linear-48b-a3b-instruct", ORS, None),
    ("moonshotai/kimi-vl-a3b-thinking", ORS, None),
    ("moonshotai/kimi-vl-a3b-thinking:free", OR, None),
    # Vercel AI Gateway
    ("moonshotai/kimi-k2-turbo", ORS, "kimi-k2-turbo-preview"),
    ("moonshotai/kimi-k2-thinking-turbo", ORS, "kimi-k2-thinking-turbo"),
    ("moonshotai/kimi-k2.7-code-highspeed", ORS, "kimi-k2.7-code-highspeed"),
    # AIMLAPI (dots as dashes), LiteLLM, Requesty
    ("moonshot/kimi-k2-preview", model_ids.LITELLM, K2_0711),
    ("moonshot/kimi-k2-5", model_ids.AIMLAPI, "kimi-k2.5"),
    ("moonshot/kimi-k2-6", model_ids.AIMLAPI, "kimi-k2.6"),
    ("moonshot/kimi-k3", model_ids.LITELLM, "kimi-k3"),
    ("moonshot/kimi-k2-0711-preview", model_ids.LITELLM, K2_0711),
    ("moonshot/kimi-k2.6", model_ids.LITELLM, "kimi-k2.6"),
    ("moonshot/kimi-k2-thinking-turbo", model_ids.LITELLM, "kimi-k2-thinking-turbo"),
    # Together, DeepInfra, Hugging Face, Nebius, Baseten (capitalised)
    ("moonshotai/Kimi-K2-Instruct", HF, K2_0711),
    ("moonshotai/Kimi-K2-Instruct-0905", HF, K2_0905),
    ("moonshotai/Kimi-K2-Thinking", HF, "kimi-k2-thinking"),
    ("moonshotai/Kimi-K2.5", HF, "kimi-k2.5"),
    ("moonshotai/Kimi-K2.5-Turbo", HF, "kimi-k2.5"),
    ("moonshotai/Kimi-K2.5-fast", HF, "kimi-k2.5"),
    ("moonshotai/Kimi-K2.6", HF, "kimi-k2.6"),
    ("moonshotai/Kimi-K2.7-Code", HF, "kimi-k2.7-code"),
    ("moonshotai/Kimi-K2-Base", HF, None),
    ("moonshotai/Kimi-K3", HF, "kimi-k3"),
    ("moonshotai/Kimi-Dev-72B", HF, None),
    # Groq, Novita, NVIDIA NIM (lower case)
    ("moonshotai/kimi-k2-instruct", ORS, K2_0711),
    ("moonshotai/kimi-k2-instruct-0905", ORS, K2_0905),
    # Fireworks
    ("accounts/fireworks/models/kimi-k2-instruct", model_ids.FIREWORKS, K2_0711),
    ("accounts/fireworks/models/kimi-k2-instruct-0905", model_ids.FIREWORKS, K2_0905),
    ("accounts/fireworks/models/kimi-k2-thinking", model_ids.FIREWORKS, "kimi-k2-thinking"),
    ("accounts/fireworks/models/kimi-k2p5", model_ids.FIREWORKS, "kimi-k2.5"),
    ("accounts/fireworks/models/kimi-k2p6", model_ids.FIREWORKS, "kimi-k2.6"),
    ("accounts/fireworks/models/kimi-k2p7-code", model_ids.FIREWORKS, "kimi-k2.7-code"),
    ("accounts/fireworks/routers/kimi-k2p5-turbo", model_ids.FIREWORKS, "kimi-k2.5"),
    ("accounts/fireworks/routers/kimi-k2p6-fast", model_ids.FIREWORKS, "kimi-k2.6"),
    ("accounts/fireworks/routers/kimi-k2p6-turbo", model_ids.FIREWORKS, "kimi-k2.6"),
    ("accounts/fireworks/routers/kimi-k2p7-code-fast", model_ids.FIREWORKS, "kimi-k2.7-code"),
    # SiliconFlow
    ("Pro/moonshotai/Kimi-K2-Instruct", model_ids.SILICONFLOW, K2_0711),
    ("Pro/moonshotai/Kimi-K2-Instruct-0905", model_ids.SILICONFLOW, K2_0905),
    ("Pro/moonshotai/Kimi-K2.5", model_ids.SILICONFLOW, "kimi-k2.5"),
    ("Pro/moonshotai/Kimi-K2.6", model_ids.SILICONFLOW, "kimi-k2.6"),
    # Chutes
    ("moonshotai/Kimi-K2.5-TEE", model_ids.CHUTES, "kimi-k2.5"),
    ("moonshotai/Kimi-K2.6-TEE", model_ids.CHUTES, "kimi-k2.6"),
    ("moonshotai/Kimi-K2-Thinking-TEE", model_ids.CHUTES, "kimi-k2-thinking"),
    # Cloudflare Workers AI
    ("@cf/moonshotai/kimi-k2.5", model_ids.CLOUDFLARE, "kimi-k2.5"),
    ("@cf/moonshotai/kimi-k2.6", model_ids.CLOUDFLARE, "kimi-k2.6"),
    ("@cf/moonshotai/kimi-k2.7-code", model_ids.CLOUDFLARE, "kimi-k2.7-code"),
    # Amazon Bedrock (two prefixes)
    ("moonshot.kimi-k2-thinking", model_ids.BEDROCK, "kimi-k2-thinking"),
    ("moonshotai.kimi-k2.5", model_ids.BEDROCK, "kimi-k2.5"),
    # Google Vertex
    ("moonshotai/kimi-k2-thinking-maas", model_ids.VERTEX, "kimi-k2-thinking"),
    # Azure AI Foundry deployment names (Hugging Face spelling)
    ("Kimi-K2.6", HF, "kimi-k2.6"),
    # Alibaba Model Studio
    ("kimi/kimi-k2.5", model_ids.ALIBABA, "kimi-k2.5"),
    ("moonshot-kimi-k2-instruct", model_ids.ALIBABA, K2_0711),
    # Ollama Cloud
    ("kimi-k2:1t", model_ids.OLLAMA, K2_0711),
    ("kimi-k2.6:cloud", model_ids.OLLAMA, "kimi-k2.6"),
    # Kimi Code (a separate product, separate keys)
    ("kimi-for-coding", model_ids.KIMI_CODE, None),
    ("k2p5", model_ids.KIMI_CODE, "kimi-k2.5"),
    ("k2p6", model_ids.KIMI_CODE, "kimi-k2.6"),
    ("k2p7", model_ids.KIMI_CODE, "kimi-k2.7"),
    ("k3", model_ids.KIMI_CODE, "kimi-k3"),
    # Not a gateway, just a slip: no gateway named, the fix still given
    ("kimi-k2-6", None, "kimi-k2.6"),
    ("kimi-k2p6", model_ids.FIREWORKS, "kimi-k2.6"),
    ("KIMI-K2.6", None, "kimi-k2.6"),
    (" kimi-k2.6", None, "kimi-k2.6"),
    ("kimi-k2.6\n", None, "kimi-k2.6"),
    ("openai/kimi-k2.6", model_ids.GATEWAY, "kimi-k2.6"),
]

NATIVE_IDS = [
    # documented (kimi-api.md §2), retired ones included: retirement is retired.py's job
    "kimi-k2.6", "kimi-k2.5", "kimi-k3", "kimi-k2.7-code", "kimi-k2.7-code-highspeed",
    "moonshot-v1-8k", "moonshot-v1-32k", "moonshot-v1-128k", "moonshot-v1-auto",
    "moonshot-v1-8k-vision-preview", "moonshot-v1-128k-vision-preview",
    "kimi-k2-0711-preview", "kimi-k2-0905-preview", "kimi-k2-turbo-preview",
    "kimi-k2-thinking", "kimi-k2-thinking-turbo", "kimi-latest", "kimi-thinking-preview",
    # plausible future ones
    "kimi-k4", "kimi-k3.1-code-highspeed", "kimi-k3.5", "kimi-k10.12-vision",
    "moonshot-v2-1m",
]  # fmt: skip


@pytest.mark.parametrize(("model_id", "gateway", "suggestion"), GATEWAY_IDS)
def test_gateway_ids_are_flagged_named_and_mapped(
    model_id: str, gateway: str | None, suggestion: str | None
) -> None:
    verdict = classify(model_id)
    assert not verdict.native
    assert (verdict.gateway, verdict.native_equivalent) == (gateway, suggestion)
    if suggestion is not None:
        assert suggestion in verdict.reason
        assert classify(suggestion).native or verdict.gateway == model_ids.KIMI_CODE
    # Translated only to a current model: a retired Moonshot form to its replacement.
    current = standing(suggestion).status == "current" if suggestion else False
    if current:
        assert verdict.suggestion == suggestion
    elif verdict.suggestion is not None:
        assert standing(verdict.suggestion).status == "current", verdict
        assert f"'{verdict.suggestion}'" in verdict.reason and "retired on" in verdict.reason
    assert "\n" not in verdict.reason


@pytest.mark.parametrize("model_id", NATIVE_IDS)
def test_native_ids_pass(model_id: str) -> None:
    verdict = classify(model_id)
    assert verdict == Verdict(model_id, True, None, None, verdict.reason)
    assert "plausible" in verdict.reason


@pytest.mark.parametrize(
    "model_id", ["", "   ", "gpt-4o", "claude-3-opus", "kimi-k2.6:", "moonshotai/", "a/b/c"]
)
def test_malformed_and_foreign_ids_fail_without_a_suggestion(model_id: str) -> None:
    verdict = classify(model_id)
    assert not verdict.native
    assert verdict.suggestion is None or verdict.suggestion == "kimi-k2.6"
    assert verdict.reason.endswith(".")
    assert "/v1/models" in verdict.reason or "kimi-k2.6" in verdict.reason


def test_a_key_pasted_as_model_id_is_not_echoed() -> None:
    fake = "sk-" + "FAKEFAKE" * 6
    verdict = classify(fake)
    assert not verdict.native
    assert fake not in verdict.reason and "FAKEFAKE" not in verdict.reason


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        classify(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model_id", "candidates", "expected"),
    [
        ("kimi-k2.6", ["kimi-k2.6", "kimi-k3"], "kimi-k2.6"),
        ("moonshotai/kimi-k2.6", ["kimi-k2.6", "kimi-k3"], "kimi-k2.6"),
        (
            "accounts/fireworks/models/kimi-k2p7-code",
            ["kimi-k2.7-code", "kimi-k3"],
            "kimi-k2.7-code",
        ),
        ("kimi-k2.66", ["kimi-k2.6", "kimi-k3"], "kimi-k2.6"),
        ("KIMI-K3", ["kimi-k2.6", "kimi-k3"], "kimi-k3"),
        ("totally-different", ["kimi-k2.6", "kimi-k3"], None),
        ("kimi-k2.6", [], None),
    ],
)
def test_closest(model_id: str, candidates: list[str], expected: str | None) -> None:
    assert closest(model_id, candidates) == expected


# --- generated future IDs -------------------------------------------------------------------

# Native suffix words. Excluded on purpose: the gateway variant words (`fast`, `tee`, `maas`,
# `instruct`, `base`), and `turbo`, which is native in `kimi-k2-turbo-preview` but a router
# variant in Fireworks' `kimi-k2p6-turbo`: the classifier drops it only after a minor version
# under a gateway's marks, which the table above checks case by case.
_WORDS = st.sampled_from(
    ["code", "highspeed", "thinking", "preview", "vision", "mini", "pro", "max", "long", "0905"]
)


@st.composite
def future_native_ids(draw: st.DrawFn) -> tuple[str, int, int | None, str]:
    major = draw(st.integers(3, 99))  # k2 without a minor is history: the table maps it
    minor = draw(st.none() | st.integers(0, 9))
    suffix = "".join(f"-{w}" for w in draw(st.lists(_WORDS, max_size=3)))
    version = f"{major}" + (f".{minor}" if minor is not None else "")
    return f"kimi-k{version}{suffix}", major, minor, suffix


def _capitalise(model_id: str) -> str:
    return "-".join(w.upper() if w.startswith("k") and w[1:2].isdigit() else w.capitalize()
                    for w in model_id.split("-"))  # fmt: skip


PREFIXES = [
    "moonshotai/", "moonshot/", "kimi/", "Pro/moonshotai/", "~moonshotai/", "@cf/moonshotai/",
    "accounts/fireworks/models/", "accounts/acme/routers/", "moonshot.", "moonshotai.",
    "openrouter/moonshotai/",
]  # fmt: skip
SUFFIXES = [":free", ":exacto", ":cloud", ":1t", "-maas", "-TEE", "-fast"]


@settings(max_examples=150, deadline=None)
@given(future_native_ids(), st.sampled_from(PREFIXES), st.sampled_from(SUFFIXES))
def test_every_gateway_transformation_of_a_future_id_is_flagged_and_maps_back(
    drawn: tuple[str, int, int | None, str], prefix: str, suffix: str
) -> None:
    native, major, minor, rest = drawn
    assert classify(native).native, native
    variants = [prefix + native, native + suffix, _capitalise(native), prefix + _capitalise(native)]
    if minor is not None:
        variants += [f"kimi-k{major}-{minor}{rest}", f"kimi-k{major}p{minor}{rest}"]
        variants += [f"{prefix}kimi-k{major}p{minor}{rest}{suffix}"]
    for variant in variants:
        verdict = classify(variant)
        assert not verdict.native, variant
        assert verdict.native_equivalent == native, (variant, verdict)
        # never suggested unless current: an ID newer than the catalog is not vouched for
        assert verdict.suggestion in (None, *current_ids()), (variant, verdict)


# -- the rules a run applies: the model tested comes from GET /models --------------------

LISTED = {
    "object": "list",
    "data": [
        {"id": "kimi-k2.7-code", "created": 1781222400},  # newest, thinking always on
        {"id": "kimi-k2.6", "created": 1776729600},  # newest with the thinking toggle
        {"id": "kimi-k2.5", "created": 1769472000},
    ],
}


def test_a_configured_model_is_used_when_listed() -> None:
    assert choose_model(LISTED, "kimi-k2.5") == (
        "kimi-k2.5",
        "configured (KIMI_MODEL_ID or --model), listed by GET /models",
    )


def test_an_unlisted_configured_model_is_refused_with_the_closest_listed() -> None:
    model, why = choose_model(LISTED, "kimi-k2.66")
    assert model is None
    assert "'kimi-k2.66' is not listed by GET /models; closest listed: 'kimi-k2.6'" in why


def test_unconfigured_the_newest_model_whose_thinking_can_be_switched_off() -> None:
    assert choose_model(LISTED, None) == ("kimi-k2.6", f"chosen: {MODEL_CHOICE_RULE}")
    always_thinking = {"data": [LISTED["data"][0]]}
    assert choose_model(always_thinking, None)[0] == "kimi-k2.7-code"
    assert choose_model({"data": []}, None) == (None, "GET /models listed no models")


def test_a_gateway_model_is_refused_before_anything_is_sent() -> None:
    refuse_gateway_model(None)
    refuse_gateway_model("kimi-k2.6")
    with pytest.raises(UsageError, match="is not a Moonshot model ID"):
        refuse_gateway_model("moonshotai/kimi-k2.6")
