"""Preflight, end to end: each bad configuration of a live run ends before any test with
its own one-line message, pytest's usage-error exit code (4), and no traceback."""

from __future__ import annotations

import json

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
    ran = "\n".join(line for line in output.splitlines() if not line.startswith("::error"))
    assert "passed" not in ran and "failed" not in ran  # no test ran
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
    result = live_run("--base-url", base_url)
    assert_refused(result, "could not reach")
    # what went wrong at the root, not the SDK's "Connection error." wrapping it
    assert "(network: ConnectionRefusedError: [Errno 111] Connection refused)" in "\n".join(
        result.errlines
    ), result.errlines


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("https://api.moonshot.ia/v1", "did you mean api.moonshot.ai?"),
        ("https://api.moonshot.com/v1", "did you mean api.moonshot.ai?"),
    ],
)
def test_a_mistyped_host_is_refused_before_the_key_goes_there(live_run, base_url, message):
    result = live_run("--base-url", base_url)
    assert_refused(result, message, secret=KEY_SHAPED)
    assert "could not reach" not in "\n".join(result.errlines)


def test_a_bearer_prefixed_key_is_refused(live_run):
    assert_refused(live_run(key=f"Bearer {KEY_SHAPED}"), "starts with 'Bearer '", KEY_SHAPED)


def test_a_refused_run_leaves_its_reports_an_annotation_and_the_line_last(
    live_run, pytester, monkeypatch
):
    """CI's most common failure leaves something behind: both reports, with the preflight
    failure as their verdict, a GitHub annotation, and the one useful line printed last."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    report, markdown = pytester.path / "r.json", pytester.path / "r.md"
    result = live_run(
        "--base-url", "https://api.moonshot.ia/v1",
        "--report-json", str(report), "--report-markdown", str(markdown),
    )  # fmt: skip
    assert_refused(result, "did you mean api.moonshot.ai?")
    data = json.loads(report.read_text())
    assert data["verdict"] == "preflight-failed"
    assert "did you mean api.moonshot.ai?" in data["preflight_failure"]
    assert data["checks"] == [] and data["requests"] == 0
    assert data["started_at"] and data["finished_at"]
    text = markdown.read_text()
    assert "Preflight failed" in text and "did you mean api.moonshot.ai?" in text
    annotations = [line for line in result.outlines if line.startswith("::error")]
    assert len(annotations) == 1 and "preflight failed" in annotations[0]
    assert "did you mean api.moonshot.ai?" in annotations[0]
    last = [line for line in result.errlines if line.strip()][-1]
    assert last.startswith("ERROR: ") and "did you mean api.moonshot.ai?" in last
    assert KEY_SHAPED not in report.read_text() + text


def test_a_report_path_that_cannot_be_written_stays_absent(live_run, pytester):
    """The unusable JSON path is the problem: no file there, nothing half-written; the
    Markdown report it could write says why the run stopped."""
    report = pytester.path / "missing" / "r.json"
    result = live_run("--report-json", str(report), "--report-markdown", "r.md")
    assert_refused(result, f"cannot write {report}")
    assert not report.parent.exists()
    assert f"Preflight failed: cannot write {report}" in (pytester.path / "r.md").read_text()


def test_the_emulators_401_gives_no_region_advice(live_run):
    with mutant() as running:
        result = live_run("--base-url", running.base_url, key=KEY_SHAPED)
    assert_refused(result, "the key that server expects")
    assert "platform.kimi" not in "\n".join(result.errlines)
