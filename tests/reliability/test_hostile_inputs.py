"""Broken and hostile inputs: each is one clear line, or a clean failure of the checks it
affects; nothing is executed, nothing half-written, no traceback.

(Hostile answers — non-UTF-8 bytes, a 50 MB body, a stream that never ends — are in
test_fault_matrix.py and test_limits.py.)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conformance._resources import cassettes_dir, schemas_dir

REPLAY = ("--pyargs", "conformance.suite", "-p", "no:cacheprovider", "--tb=short")
BALANCE = "test_balance_conforms"
# Checks with a cassette of their own (answers several checks share are in session/).
NO_HEADER = "test_bad_credentials_rejected[no-header]"
EMPTY_FILE = "test_file_upload_rejected[empty-file]"
# A check that needs a model carries the (default) model in its id.
GATEWAY = "test_gateway_id_rejected_by_api[kimi-k2.6]"
ENVELOPE = "test_provoked_400_has_error_envelope[kimi-k2.6]"
VALID_KEY = "test_valid_key_accepted"


@pytest.fixture
def replay(pytester, monkeypatch):
    def run(*args):
        for name in ("MOONSHOT_API_KEY", "MOONSHOT_BASE_URL", "KIMI_MODEL_ID", "KIMI_TARGET"):
            monkeypatch.delenv(name, raising=False)
        return pytester.runpytest_inprocess(*REPLAY, *args)

    return run


def output_of(result) -> str:
    return "\n".join(result.outlines + result.errlines)


def assert_no_traceback(result) -> None:
    output = output_of(result)
    assert "Traceback" not in output and "INTERNALERROR" not in output, output[-3000:]


# -- corrupted cassettes ------------------------------------------------------------------

MARKER = "kimi-conformance-yaml-tag-ran"

CORRUPTIONS = {
    # cassette (relative to cassettes/): what is done to it
    f"test_auth/{NO_HEADER}.yaml": lambda text: text.replace("interactions:", "interactions: [", 1),
    f"test_files/{EMPTY_FILE}.yaml": lambda text: text[: len(text) // 2],
    f"test_gateway_ids/{GATEWAY}.yaml": lambda text: text.replace("version: 1", "version: 99"),
    f"test_chat/{ENVELOPE}.yaml": lambda _text: (
        f"!!python/object/apply:os.system ['touch {MARKER}']\n...\n"
    ),
}
EXPECTED_REASON = {
    NO_HEADER: "invalid YAML",
    EMPTY_FILE: "is unusable (",  # invalid YAML or "truncated", by where the cut falls
    GATEWAY: "unknown cassette format version 99",
    ENVELOPE: "YAML tag !!python/object/apply:os.system",  # a long path cuts the rest
}


def test_corrupted_cassettes_fail_their_checks_in_one_line(replay, pytester, monkeypatch):
    folder = pytester.path / "cassettes"
    shutil.copytree(cassettes_dir(), folder)
    for name, corrupt in CORRUPTIONS.items():
        path = folder / name
        path.write_text(corrupt(path.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setenv("KIMI_CONFORMANCE_CASSETTES", str(folder))
    monkeypatch.chdir(pytester.path)
    report = pytester.path / "report.json"
    selected = [
        "test_bad_credentials_rejected",
        "empty-file",
        "test_gateway_id_rejected_by_api",
        "test_provoked_400_has_error_envelope",
        "test_chat_completion_conforms",
        "test_sdk_stream",
    ]
    result = replay("-k", " or ".join(selected), "--report-json", str(report))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert_no_traceback(result)
    assert not list(pytester.path.rglob(MARKER)), "a YAML tag was executed"
    checks = {c["check"]: c for c in json.loads(report.read_text())["checks"]}
    for check, why in EXPECTED_REASON.items():
        assert checks[check]["outcome"] in ("failed", "error"), checks[check]
        assert why in checks[check]["reason"], checks[check]["reason"]
        assert checks[check]["category"] == "error"  # not the API's fault
    assert output_of(result).count("re-record it with `kimi-conformance run --target emulator") >= 4
    # the intact cassettes still replay
    assert checks["test_chat_completion_conforms[kimi-k2.6-sdk]"]["outcome"] == "passed"
    assert checks["test_sdk_stream[kimi-k2.6]"]["outcome"] == "passed"
    assert checks["test_bad_credentials_rejected[invalid-key]"]["outcome"] == "passed"


# -- schemas ------------------------------------------------------------------------------


def test_a_missing_schemas_folder_is_one_line(replay, monkeypatch, tmp_path):
    monkeypatch.setenv("KIMI_CONFORMANCE_SCHEMAS", str(tmp_path / "nowhere"))
    result = replay("-k", BALANCE, "--report-json", str(tmp_path / "r.json"))
    assert result.ret != pytest.ExitCode.OK
    assert_no_traceback(result)
    assert "KIMI_CONFORMANCE_SCHEMAS" in output_of(result)


def test_a_damaged_schema_fails_checks_as_errors_in_one_line(replay, monkeypatch, tmp_path):
    folder = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), folder)
    (folder / "balance.json").write_text('{"type": "object", ', encoding="utf-8")
    monkeypatch.setenv("KIMI_CONFORMANCE_SCHEMAS", str(folder))
    report = tmp_path / "r.json"
    result = replay("-k", f"{BALANCE} or {VALID_KEY}", "--report-json", str(report))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert_no_traceback(result)
    checks = {c["check"]: c for c in json.loads(report.read_text())["checks"]}
    # One registry holds every schema: the checks fail, on our data, not the API's.
    for check in (BALANCE, VALID_KEY):
        assert checks[check]["outcome"] == "failed", checks[check]
        assert checks[check]["category"] == "error"
        assert "balance.json is not valid JSON" in checks[check]["reason"]


# -- report paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/report.json", "does not exist"),
        ("a-file/report.json", "does not exist"),
        (".", "it is a folder"),
    ],
    ids=["missing-folder", "parent-is-a-file", "a-folder"],
)
def test_an_unusable_report_path_is_refused_before_anything_runs(replay, tmp_path, where, message):
    (tmp_path / "a-file").write_text("not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = replay("-k", BALANCE, "--report-json", str(tmp_path / where))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1 and message in errors[0], result.errlines
    assert_no_traceback(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "something was written"


def test_a_report_is_replaced_whole_never_half_written(replay, tmp_path):
    report = tmp_path / "r.json"
    report.write_text("old")
    result = replay("-k", BALANCE, "--report-json", str(report), "--report-markdown",
                    str(tmp_path / "r.md"))  # fmt: skip
    assert result.ret == pytest.ExitCode.OK
    assert json.loads(report.read_text())["totals"]["passed"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "r.md"]  # no temp files


@pytest.mark.parametrize(
    ("name", "value"),
    [("KIMI_READ_TIMEOUT", "soon"), ("KIMI_MAX_ANSWER_BYTES", "-5")],
)
def test_a_bad_limit_is_one_line(replay, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    result = replay("-k", BALANCE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1 and name in errors[0], result.errlines
    assert_no_traceback(result)


def test_the_checkout_keeps_its_cassettes():
    assert (Path(cassettes_dir()) / f"test_auth/{NO_HEADER}.yaml").exists()
    assert (Path(cassettes_dir()) / "session/balance.yaml").exists()
