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
        (f"Bearer {KEY}", "starts with 'Bearer '; set the key alone"),
        (f"bearer  {KEY}", "starts with 'Bearer '; set the key alone"),
        (KEY[:20] + " " + KEY[20:], "contains whitespace"),
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
        "bearer-prefix",
        "lowercase-bearer",
        "inner-space",
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
        "http://127.0.0.1:8000/v1",  # the emulator: the base-URL check skips
        "http://[::1]:8000/v1",  # loopback as the base-URL check reads it (is_loopback),
        "http://localhost:8000/v1",  # so http:// is not "the key in clear text"
        "http://0.0.0.0:8000/v1",
        "https://kimi-proxy.example.test/v1",  # a vendor under audit: likewise
    ],
)
def test_usable_base_urls_pass(url):
    assert base_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "meant"),
    [
        ("https://api.moonshot.ia/v1", "api.moonshot.ai"),
        ("https://api.moonshot.com/v1", "api.moonshot.ai"),
        ("https://api.moonshot.ccn/v1", "api.moonshot.cn"),
    ],
)
def test_a_mistyped_official_host_is_refused_naming_the_hosts_and_the_closest(url, meant):
    """The key must not go to a near miss of Moonshot's host (a typo, or a squatter)."""
    message = base_url_problem(url)
    assert message is not None
    assert f"did you mean {meant}?" in message
    assert "api.moonshot.ai (international) or api.moonshot.cn (China)" in message
    assert message.endswith(f"set the base URL to https://{meant}/v1")


@pytest.mark.parametrize(
    ("url", "fixed"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/v1"),
        ("http://localhost:8000/v1/chat/completions", "http://localhost:8000/v1"),
        ("https://kimi-proxy.example.test", "https://kimi-proxy.example.test/v1"),
    ],
)
def test_a_local_or_other_base_url_gets_one_coherent_fix(url, fixed):
    """No "missing /v1" next to "that is fine for testing": one problem, the URL to set."""
    message = base_url_problem(url)
    assert message is not None and message.endswith(f"set it to {fixed}")
    assert "fine for testing" not in message and "production" not in message
