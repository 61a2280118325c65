"""`kimi-conformance run` hands its options to the suite, and the rest to pytest."""

import argparse

import pytest

from conformance.commands import run


def parse(*argv):
    parser = argparse.ArgumentParser()
    run.add_arguments(parser)
    namespace, extra = parser.parse_known_args(argv)
    namespace.extra = extra
    return run.pytest_args(namespace)


def test_no_arguments_is_the_replay_suite_in_isolation():
    assert parse() == ["--pyargs", "conformance.suite", "-c", str(run.SUITE_INI)]


def test_options_flags_and_pytest_arguments_are_forwarded():
    argv = parse("--live", "--drift", "--model", "kimi-k3", "--rpm", "3", "-k", "chat", "-x")
    assert argv[4:] == ["--live", "--drift", "--model", "kimi-k3", "--rpm", "3", "-k", "chat", "-x"]


def test_unknown_target_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_:
        parse("--target", "prod")
    assert exit_.value.code == 2


def test_there_is_no_key_option():
    with pytest.raises(SystemExit):
        parser = argparse.ArgumentParser()
        run.add_arguments(parser)
        parser.parse_args(["--api-key", "x"])
