"""`kimi-conformance check-model`: exit codes and one line per ID, through the real CLI."""

from __future__ import annotations

import pytest

from conformance.cli import main


def test_native_ids_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-model", "kimi-k2.6", "moonshot-v1-8k-vision-preview"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("ok") for line in lines)


def test_a_gateway_id_exits_1_naming_gateway_and_native_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check-model", "kimi-k2.6", "accounts/fireworks/models/kimi-k2p6"]) == 1
    ok, bad = capsys.readouterr().out.splitlines()
    assert ok.startswith("ok")
    assert bad.startswith("FAIL") and "Fireworks" in bad and "'kimi-k2.6'" in bad


def test_kimi_code_ids_are_called_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-model", "kimi-for-coding"]) == 1
    assert "Kimi Code" in capsys.readouterr().out


def test_no_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check-model"])
    assert exc.value.code == 2
    assert "required" in capsys.readouterr().err


def test_a_key_given_as_model_id_is_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    fake = "sk-" + "FAKEFAKE" * 6
    assert main(["check-model", fake]) == 1
    out = capsys.readouterr()
    assert "FAKEFAKE" not in out.out + out.err
