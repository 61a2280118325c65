"""Preflight, end to end: each bad configuration of a live run ends before any test with
its own one-line message, pytest's usage-error exit code (4), and no traceback."""

from __future__ import annotations

import pytest

from conformance.emulator.account import Balance
from tests.suite.conftest import mutant

KEY_SHAPED = "sk-" + "Zz9" * 16  # fake
ONE_RUN = ("-p", "no:cacheprovider", "--live", "--tb=no")


@pytest.fixture
def live_run(pytester, monkeypatch):
    def run(*args, key=KEY_SHAPED):
        for name in ("MOONSHOT_API_KEY", "MOONSHOT_BASE_URL", "KIMI_MODEL_ID", "KIMI_TARGET"):
            monkeypatch.delenv(name, raising=False)
        if key is not None:
            monkeypatch.setenv("MOONSHOT_API_KEY", key)
        return pytester.runpytest_inprocess("--pyargs", "conformance.suite", *ONE_RUN, *args)

    return run


def assert_refused(result, message, secret=None):
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.errlines
    assert len(errors) == 1 and message in errors[0], result.errlines
    output = "\n".join(result.outlines + result.errlines)
    assert "Traceback" not in output
    assert "passed" not in output and "failed" not in output  # no test ran
    if secret:
        assert secret not in output


@pytest.mark.parametrize(
    ("args", "key", "message"),
    [
        ((), None, "MOONSHOT_API_KEY is not set"),
        ((), KEY_SHAPED + "\n", "surrounding whitespace or a newline"),
        ((), f'"{KEY_SHAPED}"', "wrapped in quotes"),
        (("--base-url", "http://api.moonshot.ai/v1"), KEY_SHAPED, "http://"),
        (("--base-url", "https://api.moonshot.ai"), KEY_SHAPED, "missing /v1"),
        (
            ("--base-url", "https://api.moonshot.ai/v1/chat/completions"),
            KEY_SHAPED,
            "full endpoint",
        ),
        (("--base-url", "https://openrouter.ai/api/v1"), KEY_SHAPED, "OpenRouter"),
        (("--model", "moonshotai/kimi-k2.6"), KEY_SHAPED, "not a Moonshot model ID"),
    ],
    ids=[
        "missing-key",
        "key-trailing-newline",
        "quoted-key",
        "http-base",
        "base-without-v1",
        "base-is-endpoint",
        "gateway-base-url",
        "gateway-model-id",
    ],
)
def test_bad_configuration_refused_before_sending(live_run, args, key, message):
    assert_refused(live_run(*args, key=key), message, secret=KEY_SHAPED)


def test_unlisted_model_refused_with_closest_listed(live_run):
    with mutant() as running:
        result = live_run(
            "--base-url", running.base_url, "--model", "kimi-k2.66", key=running.api_key
        )
    assert_refused(result, "'kimi-k2.66' is not listed by GET /models; closest listed: 'kimi-k2.6'")


def test_zero_balance_refused(live_run):
    with mutant(balance=Balance(cash=0.0, voucher=0.0)) as running:
        result = live_run("--base-url", running.base_url, key=running.api_key)
    assert_refused(result, "the account balance is 0")


def test_key_rejected_by_the_server_names_the_region_rule(live_run):
    with mutant() as running:
        result = live_run("--base-url", running.base_url, key=KEY_SHAPED)
    assert_refused(result, "the key was rejected", secret=KEY_SHAPED)


def test_unreachable_server_is_one_line(live_run):
    with mutant() as running:
        base_url = running.base_url  # the server is stopped when the block ends
    assert_refused(live_run("--base-url", base_url), "could not reach")
