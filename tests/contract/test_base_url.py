"""Base-URL classifier: the official forms pass; each common wrong form is named and fixed."""

from __future__ import annotations

import pytest

from conformance.contract.base_url import (
    OFFICIAL_BASE_URLS,
    BaseUrlVerdict,
    classify_base_url,
    gateway_name,
    host_region,
    is_console_host,
    is_loopback,
)


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://api.moonshot.ai/v1", "international"),
        ("https://api.moonshot.ai/v1/", "international"),
        ("https://api.moonshot.cn/v1", "china"),
        ("https://API.Moonshot.AI/v1", "international"),  # host names are case-insensitive
        ("https://api.moonshot.ai:443/v1", "international"),
    ],
)
def test_official_urls_pass(url: str, region: str) -> None:
    assert classify_base_url(url) == BaseUrlVerdict(url, True, None, None, region)


def test_the_constant_lists_exactly_the_two_official_urls() -> None:
    assert all(classify_base_url(u).official for u in OFFICIAL_BASE_URLS)
    assert len(OFFICIAL_BASE_URLS) == 2


# (url, words the problem must contain, the URL the fix must give)
INTL, CN = OFFICIAL_BASE_URLS
WRONG = [
    ("https://api.moonshot.ai", "missing the /v1", INTL),
    ("https://api.moonshot.cn/", "missing the /v1", CN),
    ("https://api.moonshot.ai/v1/chat/completions", "full endpoint", INTL),
    ("https://api.moonshot.cn/v1/models", "full endpoint", CN),
    ("http://api.moonshot.ai/v1", "http://", INTL),
    ("https://api.moonshot.ai/v2", "not /v1", INTL),
    ("https://api.moonshot.ai:8443/v1", "port", INTL),
    ("https://api.moonshot.ai/v1?x=1", "query", INTL),
    ("https://api.moonshot.ai/anthropic", "Anthropic-compatible", INTL),
    ("https://api.moonshot.cn/anthropic/v1", "Anthropic-compatible", CN),
    ("https://openrouter.ai/api/v1", "OpenRouter", INTL),
    ("https://api.together.xyz/v1", "Together", INTL),
    ("https://api.fireworks.ai/inference/v1", "Fireworks", INTL),
    ("https://api.aimlapi.com/v1", "AIMLAPI", INTL),
    ("https://api.deepinfra.com/v1/openai", "DeepInfra", INTL),
    ("https://gateway.ai.cloudflare.com/v1/acct/gw/workers-ai", "Cloudflare", INTL),
    ("https://api.kimi.com/coding/v1", "Kimi Code", INTL),
    ("https://platform.moonshot.ai/v1", "docs and console", INTL),
    ("https://platform.kimi.ai", "docs and console", INTL),
    ("https://platform.kimi.com/console", "docs and console", CN),
    ("https://api.moonshot.com/v1", "did you mean api.moonshot.ai", INTL),
    ("https://api.moonshoot.ai/v1", "did you mean api.moonshot.ai", INTL),
    ("https://moonshot.ai/v1", "did you mean api.moonshot.ai", INTL),
    ("https://moonshot.cn/v1", "did you mean api.moonshot.cn", CN),
    ("https://example.com/v1", "not Moonshot's official API", INTL),
    ("http://127.0.0.1:8000/v1", "loopback", INTL),
    ("http://localhost:8000/v1", "loopback", INTL),
    ("http://[::1]:9/v1", "loopback", INTL),
    ("api.moonshot.ai/v1", "not an http(s) URL", INTL),
    ("not a url", "not an http(s) URL", INTL),
    ("https://", "not an http(s) URL", INTL),
    ("https://api.moonshot.ai:99999/v1", "not an http(s) URL", INTL),
    ("", "empty", INTL),
    (" https://api.moonshot.ai/v1\n", "whitespace", INTL),
]


@pytest.mark.parametrize(("url", "words", "fixed"), WRONG)
def test_wrong_forms_are_named_with_a_one_sentence_fix(url: str, words: str, fixed: str) -> None:
    verdict = classify_base_url(url)
    assert not verdict.official
    assert verdict.problem is not None and verdict.fix is not None
    assert words in verdict.problem
    assert fixed in verdict.fix
    for sentence in (verdict.problem, verdict.fix):
        assert "\n" not in sentence and sentence.endswith(".")


def test_region_is_reported_for_official_hosts_even_when_the_path_is_wrong() -> None:
    assert classify_base_url("https://api.moonshot.cn/v1/chat/completions").region == "china"
    assert classify_base_url("https://openrouter.ai/api/v1").region is None


@pytest.mark.parametrize(
    "url",
    [
        "https://alice:s3cr3t-passw0rd@api.moonshot.ai/v1",
        "https://s3cr3t-passw0rd@api.moonshot.ai/v1",
        "https://api.moonshot.ai/v1?api_key=sk-s3cr3t-passw0rd",
        "https://example.com/sk-s3cr3t-passw0rd/v1",
    ],
)
def test_credentials_in_the_url_are_never_echoed(url: str) -> None:
    verdict = classify_base_url(url)
    assert not verdict.official
    for text in (verdict.url, verdict.problem, verdict.fix):
        assert "s3cr3t" not in str(text)


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        classify_base_url(None)  # type: ignore[arg-type]


# (host, region, gateway, console, loopback): what the module tells tools of a bare host.
HOSTS = [
    ("api.moonshot.ai", "international", None, False, False),
    ("api.moonshot.cn", "china", None, False, False),
    ("openrouter.ai", None, "OpenRouter", False, False),
    ("bedrock-runtime.us-east-1.amazonaws.com", None, "Amazon Bedrock", False, False),
    ("platform.kimi.com", None, None, True, False),
    ("127.0.0.1", None, None, False, True),
    ("localhost", None, None, False, True),
    ("example.com", None, None, False, False),
]


@pytest.mark.parametrize(("host", "region", "gateway", "console", "loopback"), HOSTS)
def test_host_helpers_agree_with_the_classifier(
    host: str, region: str | None, gateway: str | None, console: bool, loopback: bool
) -> None:
    assert host_region(host) == region
    assert gateway_name(host) == gateway
    assert is_console_host(host) is console
    assert is_loopback(host) is loopback
    verdict = classify_base_url(f"https://{host}/v1")
    assert verdict.region == region
    if gateway:
        assert gateway in str(verdict.problem)
