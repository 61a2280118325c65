"""Settings precedence: option > environment variable > default, and clean errors."""

import pytest

from conformance.errors import UsageError
from conformance.run.config import DEFAULT_BASE_URL, Secret, resolve

OPTION_URL = "https://api.moonshot.cn/v1"
ENV_URL = "https://proxy.example.test/v1"


@pytest.mark.parametrize(
    ("options", "environ", "expected", "source"),
    [
        ({"base_url": OPTION_URL}, {"MOONSHOT_BASE_URL": ENV_URL}, OPTION_URL, "option"),
        ({}, {"MOONSHOT_BASE_URL": ENV_URL}, ENV_URL, "env"),
        ({}, {}, DEFAULT_BASE_URL, "default"),
        ({}, {"MOONSHOT_BASE_URL": "   "}, DEFAULT_BASE_URL, "default"),
    ],
    ids=["option-beats-env", "env-beats-default", "default", "blank-env-ignored"],
)
def test_base_url_precedence(options, environ, expected, source):
    settings = resolve(options, environ)
    assert settings.base_url == expected
    assert settings.sources["base_url"] == source


@pytest.mark.parametrize(
    ("name", "env_var", "option", "env", "expected"),
    [
        ("model", "KIMI_MODEL_ID", "kimi-k3", "kimi-k2.6", "kimi-k3"),
        ("budget_tokens", "KIMI_BUDGET_TOKENS", "100", "200", 100),
        ("max_requests", "KIMI_MAX_REQUESTS", "7", "9", 7),
        ("rpm", "KIMI_RPM", "3", "6", 3.0),
        ("target", "KIMI_TARGET", "live", "emulator", "live"),
    ],
)
def test_every_setting_has_the_same_precedence(name, env_var, option, env, expected):
    assert getattr(resolve({name: option}, {env_var: env}), name) == expected
    assert getattr(resolve({}, {env_var: env}), name) == type(expected)(env)


def test_defaults():
    settings = resolve({}, {})
    assert (settings.target, settings.model, settings.rpm) == ("replay", None, None)
    assert settings.api_key is None


@pytest.mark.parametrize(
    ("options", "environ", "message"),
    [
        ({"budget_tokens": "lots"}, {}, "--budget-tokens must be a whole number"),
        ({}, {"KIMI_MAX_REQUESTS": "-1"}, "KIMI_MAX_REQUESTS must not be negative"),
        ({"rpm": "0"}, {}, "--rpm must be positive"),
        ({}, {"KIMI_TARGET": "prod"}, "KIMI_TARGET must be one of replay, emulator, live"),
    ],
)
def test_malformed_values_are_usage_errors(options, environ, message):
    with pytest.raises(UsageError, match=message):
        resolve(options, environ)


def test_key_only_from_environment_and_never_shown():
    key = "sk-canary-config-0123456789abcdef"
    settings = resolve({"api_key": "ignored"}, {"MOONSHOT_API_KEY": key})
    assert settings.api_key == Secret(key)
    assert settings.api_key.reveal() == key
    for text in (repr(settings), str(settings), f"{settings.api_key}"):
        assert key not in text
