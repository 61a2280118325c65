"""Is a base URL Moonshot's official OpenAI-compatible API, and if not, what is it?

One function: `classify_base_url(url) -> BaseUrlVerdict`; and, for tools that judge a
host in its context (the integration linter), what this module knows of hosts:
`host_region`, `gateway_name`, `is_console_host`, `is_loopback`.

Official means: `https`, host exactly `api.moonshot.ai` (international) or `api.moonshot.cn`
(China), path exactly `/v1` (a trailing slash tolerated), no credentials, query or fragment
(kimi-api.md §1). Everything else gets a one-sentence `problem` and a one-sentence `fix`
naming the common mistakes: a missing `/v1`, a full endpoint used as the base, `http://`,
credentials in the URL (redacted, never echoed), a gateway's or Kimi Code's URL, the
Anthropic-compatible route, the docs/console host, a mistyped host, loopback (the emulator).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from urllib.parse import SplitResult, urlsplit

__all__ = [
    "OFFICIAL_BASE_URLS",
    "BaseUrlVerdict",
    "classify_base_url",
    "gateway_name",
    "host_region",
    "is_console_host",
    "is_loopback",
    "official_host_meant",
    "redact_url",
]

OFFICIAL_BASE_URLS = ("https://api.moonshot.ai/v1", "https://api.moonshot.cn/v1")
_REGIONS = {"api.moonshot.ai": "international", "api.moonshot.cn": "china"}
_OFFICIAL_HOSTS = tuple(_REGIONS)


@dataclass(frozen=True)
class BaseUrlVerdict:
    """The judgement on one base URL. `url` is redacted: credentials never appear in it."""

    url: str
    official: bool
    problem: str | None  # one sentence: what is wrong
    fix: str | None  # one sentence: what to set instead
    region: str | None  # "international" | "china", when the host is an official one
    loopback: bool = False  # a test setup (the emulator, a local proxy), nothing else wrong


# Third-party hosts serving Kimi models under their own base URL and model IDs.
_GATEWAYS: dict[str, str] = {
    "openrouter.ai": "OpenRouter",
    "api.together.xyz": "Together AI",
    "api.together.ai": "Together AI",
    "api.fireworks.ai": "Fireworks",
    "api.aimlapi.com": "AIMLAPI",
    "api.deepinfra.com": "DeepInfra",
    "api.groq.com": "Groq",
    "api.siliconflow.cn": "SiliconFlow",
    "api.siliconflow.com": "SiliconFlow",
    "api.novita.ai": "Novita",
    "integrate.api.nvidia.com": "NVIDIA NIM",
    "api.studio.nebius.com": "Nebius",
    "inference.baseten.co": "Baseten",
    "llm.chutes.ai": "Chutes",
    "ai-gateway.vercel.sh": "Vercel AI Gateway",
    "router.requesty.ai": "Requesty",
    "dashscope.aliyuncs.com": "Alibaba Model Studio",
    "dashscope-intl.aliyuncs.com": "Alibaba Model Studio",
    "api.openai.com": "OpenAI",
}
_GATEWAY_SUFFIXES: dict[str, str] = {
    ".cloudflare.com": "Cloudflare Workers AI",
    ".amazonaws.com": "Amazon Bedrock",
    ".googleapis.com": "Google Vertex AI",
    ".azure.com": "Azure AI Foundry",
    ".ollama.com": "Ollama",
}
_CONSOLE_HOSTS = (
    "platform.moonshot.ai",
    "platform.moonshot.cn",
    "platform.kimi.ai",
    "platform.kimi.com",
    "test-platform.kimi.ai",
)
_CONSOLE_REGION = {".cn": "china", "com": "china"}  # platform.moonshot.cn, platform.kimi.com
_LOOPBACK = re.compile(r"^(localhost|127(?:\.\d{1,3}){3}|::1|0\.0\.0\.0)$")
_ENDPOINTS = re.compile(
    r"/(chat/completions|completions|models|files|batches|users/me/balance|"
    r"tokenizers/estimate-token-count|embeddings)(/.*)?$"
)


def redact_url(url: str) -> str:
    """`url` without secrets: `user:password@` becomes `***@`, an `sk-…` key is cut."""
    url = re.sub(r"(?<=://)[^/@\s]*@", "***@", url.strip())
    return re.sub(r"sk-[A-Za-z0-9_-]{4,}", "sk-…", url)  # a key pasted into a path or query


def _verdict(
    url: str, problem: str | None = None, fix: str | None = None, region: str | None = None
) -> BaseUrlVerdict:
    return BaseUrlVerdict(redact_url(url), problem is None, problem, fix, region)


def _official(region: str | None) -> str:
    if region == "china":
        return OFFICIAL_BASE_URLS[1]
    return OFFICIAL_BASE_URLS[0]


def _parse(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return parts


def host_region(host: str) -> str | None:
    """ "international" or "china" for Moonshot's official API hosts, else None."""
    return _REGIONS.get(host)


def is_console_host(host: str) -> bool:
    """The docs and console site (platform.moonshot.ai, platform.kimi.com, ...)."""
    return host in _CONSOLE_HOSTS


def is_loopback(host: str) -> bool:
    """localhost, 127.x.x.x, ::1 or 0.0.0.0: an emulator or a local proxy."""
    return _LOOPBACK.match(host) is not None


def gateway_name(host: str) -> str | None:
    """The third-party gateway serving Kimi models at `host` (e.g. "OpenRouter"), or None."""
    if host in _GATEWAYS:
        return _GATEWAYS[host]
    return next((name for sfx, name in _GATEWAY_SUFFIXES.items() if host.endswith(sfx)), None)


def official_host_meant(host: str) -> str | None:
    """The official host `host` was probably meant to be (`api.moonshot.ia` ->
    `api.moonshot.ai`), if it is a near miss of one; None for an official host, a host
    that is something else on purpose (Kimi Code, the console, a gateway) or any other."""
    if host in _REGIONS or host in _CONSOLE_HOSTS or host.endswith("kimi.com"):
        return None
    return None if gateway_name(host) else _mistyped(host)


def _mistyped(host: str) -> str | None:
    """The official host `host` was probably meant to be, if it is a near miss."""
    if host in {"moonshot.ai", "www.moonshot.ai", "moonshot.cn", "www.moonshot.cn"}:
        return "api." + host.removeprefix("www.")
    if re.fullmatch(r"(api\.)?(moonshot|kimi)\.(com|net|org|io)", host) or host == "api.kimi.ai":
        return "api.moonshot.ai"
    match = difflib.get_close_matches(host, _OFFICIAL_HOSTS, n=1, cutoff=0.8)
    return match[0] if match else None


def classify_base_url(url: str) -> BaseUrlVerdict:
    """Judge `url` as an OpenAI-compatible base URL for the Moonshot API."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
    shown = redact_url(url)
    parts = _parse(url)
    if parts is None:
        return _verdict(
            url,
            f"{shown!r} is not an http(s) URL with a host." if shown else "The base URL is empty.",
            f"Set the base URL to {OFFICIAL_BASE_URLS[0]} (or {OFFICIAL_BASE_URLS[1]} in China).",
        )
    host = parts.hostname or ""
    region = _REGIONS.get(host)
    official = _official(region)
    path = re.sub(r"/+$", "", parts.path)

    if url != url.strip():
        return _verdict(
            url, "The base URL has surrounding whitespace.", f"Set it to {official}.", region
        )
    if parts.username is not None or parts.password is not None:
        return _verdict(
            url,
            "The base URL carries credentials (user:password@), which leak into logs.",
            f"Remove them, set the base URL to {official} and the key in MOONSHOT_API_KEY.",
            region,
        )
    if _LOOPBACK.match(host):
        verdict = _verdict(
            url,
            f"{shown} is a loopback address (e.g. the kimi-conformance emulator), "
            "not the official API.",
            f"That is fine for testing; for production use {OFFICIAL_BASE_URLS[0]}.",
        )
        return replace(verdict, loopback=True)
    if host == "api.kimi.com" or (host.endswith(".kimi.com") and "/coding" in path):
        return _verdict(
            url,
            f"{shown} is the Kimi Code (subscription) endpoint, which takes separate "
            "sk-kimi- keys and its own model IDs.",
            f"For the Moonshot platform API use {OFFICIAL_BASE_URLS[0]} with a platform key.",
        )
    if host in _CONSOLE_HOSTS:
        return _verdict(
            url,
            f"{host} is the Moonshot docs and console site, not the API host.",
            f"Set the base URL to {_official(_CONSOLE_REGION.get(host[-3:]))}.",
        )
    gateway = gateway_name(host)
    if gateway:
        return _verdict(
            url,
            f"{shown} is {gateway}'s API, not Moonshot's; it takes its own keys and model IDs.",
            f"Keep it only with {gateway}'s key and IDs; for Moonshot use {OFFICIAL_BASE_URLS[0]}.",
        )
    if region is None:
        meant = _mistyped(host)
        if meant:
            return _verdict(
                url,
                f"The host {host} is not Moonshot's API host (did you mean {meant}?).",
                f"Set the base URL to {_official(_REGIONS[meant])}.",
            )
        return _verdict(
            url,
            f"{shown} is not Moonshot's official API (host {host}).",
            f"If you mean Moonshot, set the base URL to {OFFICIAL_BASE_URLS[0]}.",
        )
    # An official host from here on: judge scheme, port and path.
    if path.startswith("/anthropic"):
        return _verdict(
            url,
            f"{shown} is the Anthropic-compatible route, not the OpenAI-compatible API.",
            f"With an OpenAI client set the base URL to {official}.",
            region,
        )
    if parts.scheme != "https":
        return _verdict(
            url,
            "The base URL uses http://, which sends the key in clear text.",
            f"Use https: {official}.",
            region,
        )
    if parts.port not in (None, 443) or parts.query or parts.fragment:
        return _verdict(
            url,
            "The base URL has a port, query or fragment the API does not use.",
            f"Set it to exactly {official}.",
            region,
        )
    if path == "":
        return _verdict(
            url, "The base URL is missing the /v1 path.", f"Set it to {official}.", region
        )
    endpoint = _ENDPOINTS.search(path)
    if endpoint and path.startswith("/v1/"):
        return _verdict(
            url,
            f"The base URL is a full endpoint (/v1/{endpoint[1]}); clients append that themselves.",
            f"Set it to {official}.",
            region,
        )
    if path != "/v1":
        return _verdict(
            url, f"The base URL path {path!r} is not /v1.", f"Set it to {official}.", region
        )
    return _verdict(url, region=region)
