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
    ):
        assert option in text
    assert "--api-key" not in text  # the key is never an option


def test_markers_are_declared(pytester):
    result = pytester.runpytest_inprocess("--markers")
    for marker in ("kimi_endpoint(name)", "web_search", "kimi_unrecorded"):
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
    annotation = "::error title=base URL%3A test_base_url_is_official (conformance failure)::"
    assert (annotation in result.stdout.str()) is on_actions
    if on_actions:
        result.stdout.fnmatch_lines([f"{annotation}*OpenRouter*"])
