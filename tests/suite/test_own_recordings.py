"""Your own recordings: `--cassettes DIR` (or KIMI_CONFORMANCE_CASSETTES) records a run
into DIR and replays it offline; re-recording leaves the files as they were; recording
never writes into the installed package; `--drift` on replay is refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.errors import UsageError
from conformance.run import session
from conformance.run.config import resolve

SOME = (
    "test_balance_conforms or test_chat_completion_conforms or test_models_list_conforms"
    " or test_file_upload_rejected"  # multipart uploads
)


@pytest.fixture
def suite(pytester, monkeypatch):
    for name in ("MOONSHOT_API_KEY", "MOONSHOT_BASE_URL", "KIMI_MODEL_ID", "KIMI_TARGET",
                 "KIMI_CONFORMANCE_CASSETTES"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)

    def run(*args: str):
        report = pytester.path / "r.json"
        report.unlink(missing_ok=True)
        result = pytester.runpytest_inprocess(
            "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "--tb=short", "-k", SOME,
            "--report-json", str(report), *args,
        )  # fmt: skip
        data = json.loads(report.read_text()) if report.exists() else None
        return result, data

    return run


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))
    }


def test_record_once_then_replay_offline_from_your_folder(suite, tmp_path, monkeypatch):
    own = tmp_path / "recordings"  # created by the recording run
    result, data = suite("--target", "emulator", "--record-mode=rewrite", "--cassettes", str(own))
    assert result.ret == 0 and data["totals"]["passed"] >= 4, result.outlines[-20:]
    first = _files(own)
    assert "session/models.yaml" in first and len(first) >= 4
    provenance = json.loads((own / "PROVENANCE.json").read_text())
    assert {e["source"] for e in provenance.values()} == {"emulator"}
    assert {e["host"] for e in provenance.values()} == {"127.0.0.1"}  # no ephemeral port

    # Re-recording the same answers from a new emulator (a new port) changes no cassette.
    suite("--target", "emulator", "--record-mode=rewrite", "--cassettes", str(own))
    assert _files(own) == first
    text = "\n".join(body.decode() for body in first.values())
    assert "127.0.0.1:" not in text and "\n      date:" not in text.lower()
    # nor which decoders the recording machine had (zstd with `zstandard` installed), nor
    # an upload's random multipart boundary
    assert "accept-encoding" not in text.lower()
    assert "multipart/form-data; boundary=kimi-conformance-boundary" in text

    # Replay from the folder (option, then the variable), offline.
    result, data = suite("--cassettes", str(own))
    assert result.ret == 0 and data["target"] == "replay", result.outlines[-20:]
    assert data["totals"]["passed"] == len(data["checks"]) >= 4
    assert set(data["provenance"]) == set(provenance)
    monkeypatch.setenv("KIMI_CONFORMANCE_CASSETTES", str(own))
    result, data = suite()
    assert result.ret == 0 and data["totals"]["passed"] >= 4


def test_a_missing_recording_in_your_folder_names_the_command_with_it(suite, tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    result, data = suite("--cassettes", str(own))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    reasons = {c["reason"] for c in data["checks"]}
    assert all(f"--record-mode=rewrite --cassettes {own}" in reason for reason in reasons)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cassettes", "{tmp}/none"), "--cassettes {tmp}/none: no such folder; record into it"),
        (("--drift",), "--drift compares new answers with the recordings, and replay has none"),
    ],
)
def test_refused_in_one_line(suite, tmp_path, args, message):
    result, _ = suite(*(arg.format(tmp=tmp_path) for arg in args))
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert len(errors) == 1 and message.format(tmp=tmp_path) in errors[0]


def test_recording_never_writes_into_the_installed_package(monkeypatch, tmp_path):
    """(tests/test_packaging.py shows it against a real installed wheel.)"""
    monkeypatch.delenv("KIMI_CONFORMANCE_CASSETTES", raising=False)
    monkeypatch.setattr("conformance._resources.is_installed_data", lambda path: True)
    settings = resolve({"target": "emulator", "record_mode": "rewrite"}, {})
    with pytest.raises(UsageError) as refused:
        session.check_settings(settings)
    assert "would write into the installed package" in str(refused.value)
    assert "--cassettes DIR" in str(refused.value)
    own = resolve({"target": "emulator", "record_mode": "rewrite", "cassettes": tmp_path}, {})
    session.check_settings(own)  # into a folder of yours: fine
