"""Tell a native Moonshot model ID from a third-party gateway's ID for the same model.

Two functions: `classify(model_id) -> Verdict` and `closest(model_id, candidates)`; and
the two rules a run applies with them: `refuse_gateway_model(model)` (a gateway's ID is
refused before anything is sent) and `choose_model(models_document, configured)` (the
model tested is always one `GET /models` lists).

Gateways publish Kimi models under their own IDs (kimi-api.md §10): provider prefixes
(`moonshotai/kimi-k2.6`, `moonshot/…`, `kimi/…`, `Pro/moonshotai/…`, `~moonshotai/…`,
`@cf/moonshotai/…`, `accounts/fireworks/models/…`), Bedrock's dotted prefixes
(`moonshotai.kimi-k2.5`), tags (`:free`, `:exacto`, `:cloud`, `:1t`), variant suffixes
(`-maas`, `-TEE`, `-fast`, Fireworks' router `-turbo`), Hugging Face capitalisation
(`Kimi-K2.6`, `Kimi-K2-Instruct`) and version dots written as dashes (`kimi-k2-6`) or as
`p` (`kimi-k2p6`). The Moonshot API answers all of them with 404 `resource_not_found_error`.

The classifier works by pattern, not by a list, so that IDs of models released tomorrow
are judged the same way: it peels the gateway decorations off, normalises the rest, and
accepts the result when it has a native shape (`kimi-k<major>[.<minor>][-word…]`,
`moonshot-v<n>-…`, `kimi-<word>…`). Whether a native-shaped ID is current, retired or
unknown is `conformance.contract.lineup`'s job; a gateway ID is translated only to a
*current* model: to the retired table's replacement when its Moonshot form was retired,
and to nothing (use an ID `GET /models` lists) when its Moonshot form is unknown.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.errors import UsageError

__all__ = [
    "MODEL_CHOICE_RULE",
    "Verdict",
    "choose_model",
    "classify",
    "closest",
    "refuse_gateway_model",
]

OPENROUTER = "OpenRouter"
OPENROUTER_STYLE = "OpenRouter/Vercel/Novita/NVIDIA NIM-style"
HF_STYLE = "Together/DeepInfra/Hugging Face-style"
FIREWORKS = "Fireworks"
CLOUDFLARE = "Cloudflare Workers AI"
AIMLAPI = "AIMLAPI"
LITELLM = "LiteLLM/Requesty/AIMLAPI-style"
BEDROCK = "Amazon Bedrock"
SILICONFLOW = "SiliconFlow"
CHUTES = "Chutes"
VERTEX = "Google Vertex AI"
ALIBABA = "Alibaba Model Studio"
OLLAMA = "Ollama"
KIMI_CODE = "Kimi Code"
GATEWAY = "a gateway"

_API = "the Moonshot API"

MODEL_CHOICE_RULE = (
    "newest listed model whose thinking can be switched off (cheapest to test), "
    "else the newest listed model"
)


@dataclass(frozen=True)
class Verdict:
    """The judgement on one model ID."""

    model_id: str
    native: bool  # plausible native Moonshot ID
    gateway: str | None  # the likely gateway/provider whose ID this is, when recognisable
    suggestion: str | None  # the current native ID to use instead, when derivable
    reason: str  # one sentence a user can act on
    # The Moonshot form of a non-native ID, current or not (`Kimi-K2-Instruct` ->
    # `kimi-k2-0711-preview`, retired): what the sampling rules of a version key on.
    native_equivalent: str | None = None


# --- native shapes ------------------------------------------------------------------------

# Words that never occur in a native Moonshot ID but do in gateways' and Hugging Face's
# names: variant suffixes and open-weights naming.
_FOREIGN_WORDS = frozenset({"instruct", "base", "fast", "maas", "tee", "free", "exacto"})
_PARAM_SIZE = re.compile(r"^a?\d+b$")  # 72b, a3b: open-weights sizes, not API models

_KIMI_K = re.compile(r"^kimi-k(?P<major>\d+)(?:\.(?P<minor>\d+))?(?P<rest>(?:-[a-z0-9]+)*)$")
_MOONSHOT_V = re.compile(r"^moonshot-v\d+(?:-[a-z0-9]+)+$")
_KIMI_WORD = re.compile(r"^kimi-[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_KIMI_CODE = re.compile(r"^(?:kimi-for-coding|k(?P<major>\d+)(?:p(?P<minor>\d+))?)$")
_KEY_SHAPED = re.compile(r"^\s*sk-[A-Za-z0-9_-]{16,}\s*$")


def _native_shape(model_id: str) -> bool:
    """True when `model_id` has a Moonshot platform ID's shape (lower case, no gateway marks)."""
    if _MOONSHOT_V.fullmatch(model_id):
        return True
    match = _KIMI_K.fullmatch(model_id)
    if match is None:
        # `kimi-<word>…` (kimi-latest, kimi-thinking-preview), but not a mangled `kimi-k2p6`.
        if not _KIMI_WORD.fullmatch(model_id) or re.match(r"kimi-k\d|kimi-for-coding$", model_id):
            return False
        words = model_id.split("-")[1:]
    else:
        words = match["rest"].split("-")[1:]
        # `kimi-k2-6`: a one- or two-digit number right after the major is a dashed minor
        # (dates like `kimi-k2-0905-preview` have four digits).
        if words and re.fullmatch(r"\d{1,2}", words[0]):
            return False
    return not any(w in _FOREIGN_WORDS or _PARAM_SIZE.match(w) for w in words)


# --- peeling gateway decorations ------------------------------------------------------------

# (pattern on the original ID, gateway, what the mark is); the first match names the gateway.
_PREFIXES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^@cf/(?:[^/]+/)?"), CLOUDFLARE, "the '@cf/' prefix"),
    (re.compile(r"^accounts/[^/]+/routers/"), FIREWORKS, "an 'accounts/…/routers/' path"),
    (re.compile(r"^accounts/[^/]+/models/"), FIREWORKS, "an 'accounts/…/models/' path"),
    (re.compile(r"^Pro/(?:[^/]+/)?", re.I), SILICONFLOW, "the 'Pro/' prefix"),
    (re.compile(r"^~[^/]+/"), OPENROUTER, "the '~provider/' alias prefix"),
    (re.compile(r"^moonshot(?:ai)?\.(?=kimi|moonshot)", re.I), BEDROCK, "a dotted vendor prefix"),
    (re.compile(r"^kimi/", re.I), ALIBABA, "the 'kimi/' prefix"),
    (re.compile(r"^moonshot/", re.I), LITELLM, "the 'moonshot/' prefix"),
    (re.compile(r"^moonshotai/", re.I), OPENROUTER_STYLE, "the 'moonshotai/' prefix"),
    (re.compile(r"^[^/\s]+/"), GATEWAY, "a 'provider/' prefix"),
)
_TAG = re.compile(r":(?P<tag>[^:/]*)$")
_TAG_GATEWAY = {"free": OPENROUTER, "exacto": OPENROUTER, "cloud": OLLAMA}
_SUFFIXES: tuple[tuple[str, str], ...] = (("-maas", VERTEX), ("-tee", CHUTES), ("-fast", GATEWAY))
_VENDOR_DASH = re.compile(r"^moonshot-(?=kimi-)")  # Alibaba's `moonshot-kimi-k2-instruct`


@dataclass
class _Peeled:
    core: str
    marks: list[tuple[str | None, str]]  # (gateway or None for a mere typo, what the mark is)


def _peel(model_id: str) -> _Peeled:
    rest = model_id
    marks: list[tuple[str | None, str]] = []
    router = False
    # Prefixes nest (`Pro/moonshotai/…`, `@cf/moonshotai/…`): peel until none is left.
    while True:
        for pattern, gateway, mark in _PREFIXES:
            found = pattern.match(rest)
            if found:
                marks.append((gateway, mark))
                router = router or "routers" in found.group(0)
                rest = rest[found.end() :]
                break
        else:
            break
    tag = _TAG.search(rest)
    if tag:
        name = tag["tag"].lower()
        marks.append((_TAG_GATEWAY.get(name, OLLAMA), f"the ':{tag['tag']}' tag"))
        rest = rest[: tag.start()]
    lowered = rest.lower()
    if rest != lowered:
        # `Kimi-K2.6`, `Kimi-K2-Instruct`: Hugging Face repo names, reused by many gateways.
        hf = re.match(r"Kimi-[A-Z0-9]", rest) is not None
        marks.append((HF_STYLE if hf else None, "capital letters"))
        rest = lowered
    if _VENDOR_DASH.match(rest):
        marks.append((ALIBABA, "a 'moonshot-' vendor prefix"))
        rest = rest[len("moonshot-") :]
    for suffix, gateway in _SUFFIXES:
        if rest.endswith(suffix):
            marks.append((gateway, f"the '{suffix}' variant suffix"))
            rest = rest[: -len(suffix)]
    # `-turbo` is native in `kimi-k2-turbo-preview` / `kimi-k2-thinking-turbo`, but straight
    # after a minor version under a gateway's marks it is a router variant (Fireworks'
    # `kimi-k2p6-turbo`, DeepInfra's `Kimi-K2.5-Turbo`).
    turbo = re.match(r"^(kimi-k\d+(?:[.p-]\d{1,2}))-turbo$", rest)
    if turbo and (marks or router):
        marks.append((FIREWORKS if router else GATEWAY, "the '-turbo' router suffix"))
        rest = turbo[1]
    return _Peeled(rest, marks)


def _native_version(core: str) -> tuple[str, str | None]:
    """Rewrite `kimi-k2p6…` / `kimi-k2-6…` to `kimi-k2.6…`; return it and the mark, if any."""
    found = re.match(r"^kimi-k(\d+)p(\d+)(?=-|$)", core)
    if found:
        return f"kimi-k{found[1]}.{found[2]}{core[found.end() :]}", "the version dot written as 'p'"
    found = re.match(r"^kimi-k(\d+)-(\d{1,2})(?=-|$)", core)
    if found:
        return f"kimi-k{found[1]}.{found[2]}{core[found.end() :]}", "the version dot written as '-'"
    return core, None


# Open-weights (Hugging Face) and gateway names for the first kimi-k2 releases, whose API
# IDs were dated previews: `Kimi-K2-Instruct` = kimi-k2-0711-preview, and so on.
_K2_LEGACY = re.compile(r"kimi-k2(?:-instruct)?(?:-(?P<date>\d{4}))?(?:-(?P<kind>preview|turbo))?")


def _native_equivalent(core: str) -> str | None:
    legacy = _K2_LEGACY.fullmatch(core)
    if legacy:
        if legacy["kind"] == "turbo" and not legacy["date"]:
            return "kimi-k2-turbo-preview"
        return f"kimi-k2-{legacy['date'] or '0711'}-preview"
    core = re.sub(r"-instruct(?=-|$)", "", core)
    return core if _native_shape(core) else None


# --- the public functions ---------------------------------------------------------------------


def _current(equivalent: str | None) -> tuple[str | None, str]:
    """The current model to suggest for a Moonshot form, and a clause on why it differs."""
    from conformance.contract.catalog import current_ids
    from conformance.contract.retired import retirement

    if equivalent is None or equivalent in current_ids():
        return equivalent, ""
    entry = retirement(equivalent)
    if entry is not None:
        return entry.replacement, (
            f" for '{equivalent}', which Moonshot retired on {entry.retired_on.isoformat()}"
        )
    return None, (
        f" for '{equivalent}', which is not in the known line-up ({', '.join(current_ids())})"
    )


def _kimi_code(model_id: str, match: re.Match[str]) -> Verdict:
    equivalent = None
    if match["major"]:
        equivalent = f"kimi-k{match['major']}" + (f".{match['minor']}" if match["minor"] else "")
    suggestion, why = _current(equivalent)
    instead = f"use '{suggestion}'" if suggestion else "use an ID listed by GET /v1/models"
    return Verdict(
        model_id,
        native=False,
        gateway=KIMI_CODE,
        suggestion=suggestion,
        reason=(
            f"{model_id!r} is a Kimi Code (subscription) model ID{why}, served only by "
            f"api.kimi.com/coding with Kimi Code keys; with {_API} {instead}."
        ),
        native_equivalent=equivalent,
    )


def classify(model_id: str) -> Verdict:
    """Judge `model_id`: a plausible native Moonshot ID, or whose ID it is and what to use."""
    if not isinstance(model_id, str):
        raise TypeError(f"model_id must be a str, not {type(model_id).__name__}")
    if not model_id.strip():
        return Verdict(
            model_id,
            False,
            None,
            None,
            "The model ID is empty; set it to an ID listed by GET /v1/models, e.g. 'kimi-k2.6'.",
        )
    if _KEY_SHAPED.match(model_id):
        return Verdict(
            model_id,
            False,
            None,
            None,
            "The model ID looks like an API key (sk-…); put the key in MOONSHOT_API_KEY and "
            "the model ID (e.g. 'kimi-k2.6') here.",
        )
    if _native_shape(model_id):
        return Verdict(
            model_id, True, None, None, f"{model_id!r} is a plausible Moonshot model ID."
        )

    text = model_id.strip()
    marks: list[tuple[str | None, str]] = []
    if text != model_id:
        marks.append((None, "surrounding whitespace"))
    code = _KIMI_CODE.match(text.lower())
    if code and "/" not in text:
        return _kimi_code(model_id, code)
    peeled = _peel(text)
    marks += peeled.marks
    core, version_mark = _native_version(peeled.core)
    if version_mark:
        marks.append((_version_gateway(version_mark, marks), version_mark))
    equivalent = _native_equivalent(core)
    suggestion, why = _current(equivalent)
    gateway = _name_gateway(marks)
    what = ", ".join(dict.fromkeys(mark for _, mark in marks)) or "an unfamiliar shape"
    if suggestion is None:
        reason = (
            f"{model_id!r} is not a Moonshot model ID ({what}){why}; "
            f"use an ID listed by GET /v1/models, e.g. 'kimi-k2.6'."
        )
    elif gateway is None:
        reason = f"{model_id!r} is not a Moonshot model ID ({what}){why}; use '{suggestion}'."
    elif why:
        reason = (
            f"{model_id!r} is a third-party model ID (likely {gateway}; {what}){why}; "
            f"use '{suggestion}'."
        )
    else:
        reason = (
            f"{model_id!r} is a third-party model ID (likely {gateway}; {what}); "
            f"{_API} expects '{suggestion}'."
        )
    return Verdict(model_id, False, gateway, suggestion, reason, equivalent)


def _version_gateway(version_mark: str, marks: list[tuple[str | None, str]]) -> str | None:
    if version_mark.endswith("'p'"):
        return FIREWORKS  # Fireworks writes every version dot as `p` (kimi-k2p6)
    if any(gateway == LITELLM for gateway, _ in marks):
        return AIMLAPI  # `moonshot/kimi-k2-6`: AIMLAPI's dashed slugs
    return None  # a bare `kimi-k2-6` is a typo, not a gateway's ID


# A tag or suffix names a gateway more precisely than a shared prefix such as `moonshotai/`,
# and capitalisation under `moonshotai/` is the Together/DeepInfra/Hugging Face family.
_SPECIFICITY = (
    CLOUDFLARE,
    FIREWORKS,
    BEDROCK,
    SILICONFLOW,
    CHUTES,
    VERTEX,
    OPENROUTER,
    OLLAMA,
    ALIBABA,
    AIMLAPI,
    HF_STYLE,
    LITELLM,
    OPENROUTER_STYLE,
    GATEWAY,
)


def _name_gateway(marks: list[tuple[str | None, str]]) -> str | None:
    """The most specific gateway among the marks; None when they are only typos."""
    names = {gateway for gateway, _ in marks}
    return next((name for name in _SPECIFICITY if name in names), None)


def closest(model_id: str, candidates: Iterable[str]) -> str | None:
    """The candidate (e.g. an ID from GET /v1/models) `model_id` most likely meant, or None."""
    pool = [c for c in candidates if isinstance(c, str)]
    if not pool:
        return None
    if model_id in pool:
        return model_id
    verdict = classify(model_id)
    wanted = verdict.suggestion or model_id.strip().lower()
    if wanted in pool:
        return wanted
    by_lower = {c.lower(): c for c in pool}
    match = difflib.get_close_matches(wanted, list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None


def refuse_gateway_model(model: str | None) -> None:
    """A third-party gateway's model ID is refused before anything is sent."""
    if not model:
        return
    verdict = classify(model)
    if not verdict.native:
        raise UsageError(f"model {model!r} is not a Moonshot model ID: {verdict.reason}")


def choose_model(models_document: Any, configured: str | None) -> tuple[str | None, str]:
    """The model the chat checks use, taken from this run's `GET /models`, and why.

    Returns (None, reason) when the configured model is not listed.
    """
    from conformance.contract.catalog import rules_for

    listed = [m for m in models_document.get("data", []) if isinstance(m, dict) and "id" in m]
    ids = [m["id"] for m in listed]
    if configured:
        if configured in ids:
            return configured, "configured (KIMI_MODEL_ID or --model), listed by GET /models"
        hint = closest(configured, ids)
        return None, (
            f"configured model {configured!r} is not listed by GET /models"
            + (f"; closest listed: {hint!r}" if hint else "")
            + f"; listed: {', '.join(ids) or 'none'}"
        )
    if not listed:
        return None, "GET /models listed no models"

    def newest_first(model: dict[str, Any]) -> tuple[int, str]:
        created = model.get("created")
        return (-created if isinstance(created, int) else 0, str(model["id"]))

    def can_disable_thinking(model: dict[str, Any]) -> bool:
        try:
            return rules_for(model["id"]).thinking_kind in ("toggle", "none")
        except Exception:
            return False

    cheap = sorted(filter(can_disable_thinking, listed), key=newest_first)
    chosen = cheap[0] if cheap else sorted(listed, key=newest_first)[0]
    return chosen["id"], f"chosen: {MODEL_CHOICE_RULE}"
