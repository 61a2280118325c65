"""Preflight's judgements of the key and the base URL (the end-to-end runs, one per bad
configuration, are in tests/suite/test_preflight_runs.py)."""

import pytest

from conformance.run.preflight import base_url_problem, key_problem

KEY = "sk-" + "Ab1" * 16  # key-shaped, fake


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "MOONSHOT_API_KEY is not set"),
        ("", "MOONSHOT_API_KEY is not set"),
        (KEY + "\n", "surrounding whitespace or a newline"),
        (" " + KEY, "surrounding whitespace or a newline"),
        (f'"{KEY}"', "wrapped in quotes"),
        (f"'{KEY}'", "wrapped in quotes"),
        ("sk-kimi-" + "x" * 40, "Kimi Code key"),
        ("sk-proj-" + "x" * 40, "looks like an OpenAI key"),
    ],
    ids=[
        "unset",
        "empty",
        "newline",
        "leading-space",
        "double-quoted",
        "single-quoted",
        "kimi-code",
        "openai",
    ],
)
def test_implausible_keys_are_named(key, problem):
    message = key_problem(key)
    assert message is not None and problem in message
    if key:
        assert key.strip().strip("\"'") not in message  # never shown


def test_plausible_key_passes():
    assert key_problem(KEY) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://api.moonshot.ai/v1", "http://"),
        ("https://api.moonshot.ai", "missing /v1"),
        ("https://api.moonshot.ai/v1/chat/completions", "full endpoint"),
        ("https://openrouter.ai/api/v1", "not sent there"),
        ("https://api.kimi.com/coding/v1", "Kimi Code"),
        ("https://user:secret@api.moonshot.ai/v1", "credentials"),
        ("not a url", "base URL"),
        ("https://api.moonshot.ai:8443/v1", "port"),
    ],
)
def test_unusable_base_urls_are_named(url, problem):
    message = base_url_problem(url)
    assert message is not None and problem in message
    assert "secret" not in message


@pytest.mark.parametrize(
    "url",
    [
        "https://api.moonshot.ai/v1",
        "https://api.moonshot.cn/v1/",
        "http://127.0.0.1:8000/v1",  # the emulator: only the base-URL check fails
        "https://kimi-proxy.example.test/v1",  # a vendor under audit: likewise
    ],
)
def test_usable_base_urls_pass(url):
    assert base_url_problem(url) is None
