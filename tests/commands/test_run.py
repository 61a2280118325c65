"""`kimi-conformance run` hands its options to the suite, and the rest to pytest."""

import argparse
import json
import os

import pytest

from conformance.commands import run


def parse(*argv):
    parser = argparse.ArgumentParser()
    run.add_arguments(parser)
    namespace, extra = parser.parse_known_args(argv)
    namespace.extra = extra
    return run.pytest_args(namespace)


OWN_PLUGINS = ["-p", "conformance.plugin", "-p", "pytest_recording.plugin"]


def test_no_arguments_is_the_replay_suite_in_isolation():
    assert parse() == ["--pyargs", "conformance.suite", "-c", str(run.SUITE_INI), *OWN_PLUGINS]


def test_options_flags_and_pytest_arguments_are_forwarded():
    argv = parse("--live", "--drift", "--model", "kimi-k3", "--rpm", "3", "-k", "chat", "-x")
    assert argv[8:] == ["--live", "--drift", "--model", "kimi-k3", "--rpm", "3", "-k", "chat", "-x"]


def test_strict_is_the_plugins_strict_rules():
    """pytest owns `--strict`; the command's `--strict` is the plugin's `--strict-rules`."""
    assert parse("--strict")[8:] == ["--strict-rules"]


@pytest.mark.parametrize("workers", [("-n", "2"), ("-nauto",), ("--numprocesses=2",)])
def test_asking_for_workers_loads_xdist(workers):
    assert parse(*workers)[8:10] == ["-p", "xdist.plugin"]
    assert "xdist.plugin" not in parse("-k", "chat")


def test_workers_without_pytest_xdist_are_one_line(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "xdist" else real(name, *a)
    )
    code, _, err = _cli("-n", "2", capsys=capsys)
    assert code == 2 and err.count("\n") == 1
    assert "-n needs pytest-xdist, which is not installed: pip install pytest-xdist" in err


SPY = """
import json, os

def pytest_configure(config):
    names = [name for name, _ in config.pluginmanager.list_name_plugin()]
    with open(os.environ["SPY_OUT"], "w") as out:
        json.dump(names, out)
"""


def test_installed_plugins_are_not_auto_loaded_into_the_run(tmp_path, monkeypatch, capsys):
    """pytest-randomly would reorder the run plan, pytest-socket block the emulator: the
    suite runs with its own plugins (and those named with -p), whatever else is installed."""
    (tmp_path / "spy_plugin.py").write_text(SPY)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SPY_OUT", str(tmp_path / "names.json"))
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    code, _, _ = _cli("-p", "spy_plugin", "-k", "test_balance_conforms", capsys=capsys)
    names = json.loads((tmp_path / "names.json").read_text())
    assert code == 0 and {"conformance.plugin", "pytest_recording.plugin", "spy_plugin"} <= set(
        names
    )
    # hypothesis is a dependency, so its pytest plugin is installed: not loaded here
    assert "hypothesispytest" not in names and "timeout" not in names, names
    assert "PYTEST_DISABLE_PLUGIN_AUTOLOAD" not in os.environ  # restored after the run


def test_unknown_target_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_:
        parse("--target", "prod")
    assert exit_.value.code == 2


def test_there_is_no_key_option():
    with pytest.raises(SystemExit):
        parser = argparse.ArgumentParser()
        run.add_arguments(parser)
        parser.parse_args(["--api-key", "x"])


def _cli(*argv, capsys):
    from conformance.cli import main

    code = main(["run", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--frobnicate",), "unknown option --frobnicate for `kimi-conformance run`"),
        (("--tagret", "emulator"), "unknown option --tagret"),
        (("--fuzz-exmaples=3",), "did you mean --fuzz-examples?"),
    ],
)
def test_an_unknown_option_is_one_line_exit_2(argv, message, capsys):
    code, out, err = _cli(*argv, capsys=capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("kimi-conformance: error: ") and message in err
    assert "usage: pytest" not in out + err and "Traceback" not in out + err


def test_pytest_options_and_plugin_options_still_pass(capsys):
    code, out, _ = _cli("--collect-only", "-q", "-p", "no:randomly", "-p", "pytest_timeout",
                        "--timeout", "5", "--record-mode", "none", "-k", "test_balance",
                        capsys=capsys)  # fmt: skip
    assert code == 0 and "test_balance_conforms" in out


def test_another_plugins_option_names_the_way_to_load_it(capsys):
    code, _, err = _cli("--timeout", "5", capsys=capsys)
    assert code == 2 and "unknown option --timeout" in err and "-p NAME loads it" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--live", "--target", "replay"), "--live and --target replay conflict"),
        (("--report-json", "-", "--report-markdown", "-"), "both ask for stdout"),
    ],
)
def test_conflicting_options_are_refused(argv, message, capsys):
    code, _, err = _cli(*argv, capsys=capsys)
    assert code == 2 and message in err and err.count("\n") == 1


def test_the_plugin_refuses_the_conflict_too(pytester):
    result = pytester.runpytest_inprocess(
        "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "--live", "--target", "emulator"
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert any("--live and --target emulator conflict" in line for line in result.errlines)


def test_report_json_dash_writes_the_report_alone_to_stdout(tmp_path):
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOONSHOT_", "KIMI_"))}
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--target", "emulator",
         "-k", "test_balance_conforms", "--report-json", "-"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout)
    assert data["verdict"] == "passed" and data["totals"]["passed"] == 1
    assert "Kimi API conformance matrix" in done.stderr  # pytest's output, on stderr
    assert not (tmp_path / "-").exists()
