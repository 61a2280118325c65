"""The plugin's wiring, as a user's pytest run sees it (pytester, plugin loaded through
its entry point like after `pip install`)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest


def test_options_are_one_group_with_help(pytester):
    result = pytester.runpytest_inprocess("--help")
    text = result.stdout.str()
    assert "Kimi (Moonshot AI) API conformance:" in text
    for option in (
        "--target",
        "--live",
        "--base-url",
        "--model",
        "--budget-tokens",
        "--max-requests",
        "--rpm",
        "--report-json",
        "--report-markdown",
        "--fuzz-examples",
        "--web-search",
        "--drift",
        "--strict-rules",
    ):
        assert option in text
    assert "--api-key" not in text  # the key is never an option


def test_markers_are_declared(pytester):
    result = pytester.runpytest_inprocess("--markers")
    for marker in (
        "kimi_endpoint(name)",
        "web_search",
        "kimi_unrecorded",
        "kimi_rule",
        "kimi_local",
    ):
        result.stdout.fnmatch_lines([f"@pytest.mark.{marker}*"])


def test_unrelated_runs_are_untouched(pytester, monkeypatch):
    """A project's own tests: no run starts, no matrix, nothing heavy imported, even with
    suite options and a broken environment (the settings are only read for the suite)."""
    monkeypatch.setenv("KIMI_MAX_REQUESTS", "not a number")
    pytester.makepyfile(
        test_mine="""
        import sys

        def test_plugin_loaded_lazily():
            heavy = ("conformance.run.session", "conformance.emulator.core", "openai", "httpx2")
            assert not [name for name in heavy if name in sys.modules]
        """
    )
    # Only this plugin: another installed plugin may import httpx2 itself (langsmith's,
    # which comes with the `compat` extra's langchain-openai, does).
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess(
        "-p", "conformance.plugin", "--live", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)
    assert "conformance matrix" not in result.stdout.str()


def test_option_beats_environment_through_the_plugin(pytester, monkeypatch):
    monkeypatch.setenv("MOONSHOT_BASE_URL", "https://api.moonshot.cn/v1")
    report = pytester.path / "r.json"
    pytester.runpytest_inprocess(
        "--pyargs",
        "conformance.suite",
        "-p",
        "no:cacheprovider",
        "-k",
        "base_url",
        "--base-url",
        "https://api.moonshot.ai/v1",
        "--report-json",
        str(report),
    )
    assert json.loads(report.read_text())["configured_base_url"] == "https://api.moonshot.ai/v1"
    pytester.runpytest_inprocess(
        "--pyargs",
        "conformance.suite",
        "-p",
        "no:cacheprovider",
        "-k",
        "base_url",
        "--report-json",
        str(report),
    )
    assert json.loads(report.read_text())["configured_base_url"] == "https://api.moonshot.cn/v1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--budget-tokens", "many"), "--budget-tokens must be a whole number"),
        (("--report-json", "no/such/folder/r.json"), "folder no/such/folder does not exist"),
        (
            ("--target", "emulator", "--model", "openrouter/moonshotai/kimi-k2.6"),
            "not a Moonshot model ID",
        ),
    ],
)
def test_bad_settings_end_the_run_with_one_line(pytester, args, message):
    result = pytester.runpytest_inprocess(
        "--pyargs", "conformance.suite", "-p", "no:cacheprovider", *args
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_live_refuses_xdist(pytester, monkeypatch):
    monkeypatch.setenv("MOONSHOT_API_KEY", "sk-" + "x1" * 24)
    result = pytester.runpytest_inprocess(
        "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "--live", "-n", "2"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "cannot run under pytest-xdist" in result.stderr.str()


def test_kimi_emulator_fixture_for_users(pytester):
    pytester.makepyfile(
        test_users_integration=textwrap.dedent(
            """
            def test_my_integration(kimi_emulator):
                client = kimi_emulator.openai_client()
                model = client.models.list().data[0].id
                reply = client.chat.completions.create(
                    model=model, messages=[{"role": "user", "content": "hi"}],
                    max_completion_tokens=8,
                )
                assert reply.choices[0].message.role == "assistant"
                assert kimi_emulator.emulator.accounting.snapshot()["requests"] == 2

            def test_state_is_fresh(kimi_emulator):
                assert kimi_emulator.emulator.accounting.snapshot()["requests"] == 0
            """
        )
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_kimi_run_is_the_suites_alone(pytester):
    """The plugin provides `kimi_run` (the suite's conftest imports nothing of the plugin);
    a project's own test that asks for it is skipped, and no run starts."""
    pytester.makepyfile(test_mine="def test_wants_the_run(kimi_run):\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*kimi_run is the conformance suite's run*"])
    assert "conformance matrix" not in result.stdout.str()


def test_pyargs_entry_point_is_installed():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlib.metadata import entry_points as e;"
            "print([p.value for p in e(group='pytest11') if p.name == 'kimi_conformance'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "conformance.plugin" in done.stdout


@pytest.mark.parametrize("on_actions", [True, False])
def test_failures_become_github_annotations_on_actions(pytester, monkeypatch, on_actions):
    if on_actions:
        monkeypatch.setenv("GITHUB_ACTIONS", "true")
    else:
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    result = pytester.runpytest_inprocess(
        "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-k", "base_url",
        "--base-url", "https://openrouter.ai/api/v1",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    annotation = "::error title=local%3A test_base_url_is_official (conformance failure)::"
    assert (annotation in result.stdout.str()) is on_actions
    if on_actions:
        result.stdout.fnmatch_lines([f"{annotation}*OpenRouter*"])


# -- nothing happens at collection: IDEs and `pytest --co` collect constantly -------------

SUITE = ("--pyargs", "conformance.suite", "-p", "no:cacheprovider")


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("MOONSHOT_API_KEY", "MOONSHOT_BASE_URL", "KIMI_MODEL_ID", "KIMI_TARGET"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def servers_started(monkeypatch):
    """Every emulator server the run starts (the emulator target's), counted."""
    from conformance.emulator import server

    started = []
    real = server.serve

    def serve(*args, **kwargs):
        started.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(server, "serve", serve)
    return started


@pytest.mark.parametrize("target", ["replay", "emulator"])
def test_collect_only_opens_no_run_offline(pytester, clean_env, servers_started, target):
    report = pytester.path / "r.json"
    # When the suite is only collected, no run opens: no server, no report, no matrix.
    result = pytester.runpytest_inprocess(
        *SUITE, "--target", target, "--collect-only", "-q", "--report-json", str(report)
    )
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["* tests collected*"])
    assert servers_started == []
    assert not report.exists()
    assert "conformance matrix" not in result.stdout.str()
    # Then the run opens when the first check runs (the emulator target's server with it).
    result = pytester.runpytest_inprocess(
        *SUITE, "--target", target, "-k", "test_balance_conforms", "--report-json", str(report)
    )
    result.assert_outcomes(passed=1)
    assert len(servers_started) == (target == "emulator")
    assert json.loads(report.read_text())["totals"]["passed"] == 1


def test_collect_only_sends_nothing_live(pytester, clean_env):
    from tests.suite.conftest import mutant

    received = []

    def record(request, handle):
        received.append(f"{request.method} {request.path}")
        return handle(request)

    with mutant(record) as running:
        clean_env.setenv("MOONSHOT_API_KEY", running.api_key)
        live = (*SUITE, "--live", "--base-url", running.base_url)
        # When a live run is only collected, not one request reaches the API (no preflight).
        result = pytester.runpytest_inprocess(*live, "--collect-only", "-q")
        assert result.ret == pytest.ExitCode.OK
        assert received == []
        # Then the preflight happens when the first check runs.
        result = pytester.runpytest_inprocess(*live, "-k", "test_balance_conforms")
    result.assert_outcomes(passed=1)
    assert received[:2] == ["GET /models", "GET /users/me/balance"]


def test_a_failed_preflight_at_the_first_check_is_one_line_and_exit_4(pytester, clean_env):
    from tests.suite.conftest import mutant

    with mutant(lambda request, handle: handle(request)) as running:
        clean_env.setenv("MOONSHOT_API_KEY", "sk-" + "Wr0ng" * 10)  # not the server's key
        result = pytester.runpytest_inprocess(
            *SUITE, "--live", "--base-url", running.base_url, "-k", "test_balance_conforms"
        )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1 and "the key was rejected" in errors[0], result.errlines
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "passed" not in output
