"""`kimi-conformance check-model`: exit codes and one line per ID, through the real CLI."""

from __future__ import annotations

import pytest

from conformance.cli import main


def test_current_ids_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-model", "kimi-k2.6", "kimi-k3", "kimi-k2.7-code-highspeed"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("ok") for line in lines)


@pytest.mark.parametrize(
    ("model_id", "date"),
    [
        ("kimi-latest", "2026-07-09"),
        ("kimi-k2-0711-preview", "2026-06-12"),
        ("moonshot-v1-8k", "2026-08-31"),
        ("kimi-k2.5", "2026-08-31"),
    ],
)
def test_a_retired_id_exits_1_with_date_and_replacement(
    capsys: pytest.CaptureFixture[str], model_id: str, date: str
) -> None:
    assert main(["check-model", model_id]) == 1
    line = capsys.readouterr().out.strip()
    assert line.startswith("FAIL") and date in line and "use 'kimi-k2.6'" in line


def test_a_gateway_id_of_a_retired_model_recommends_a_current_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check-model", "moonshotai/Kimi-K2-Instruct"]) == 1
    line = capsys.readouterr().out.strip()
    assert "kimi-k2-0711-preview" in line and "retired on 2026-06-12" in line
    assert line.endswith("use 'kimi-k2.6'.")


def test_an_unknown_moonshot_shaped_id_warns_with_the_closest_current_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check-model", "kimi-k2.66"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("warn") and "not in the known line-up" in line
    assert "closest current ID: 'kimi-k2.6'" in line


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


def test_json_output_has_one_verdict_per_id_and_the_same_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    key = "sk-" + "Ab1" * 16
    assert main(["check-model", "--json", "kimi-k2.6", "moonshot/kimi-k2-6", key]) == 1
    out = capsys.readouterr().out
    current, gateway, pasted = json.loads(out)
    assert current == {
        "id": "kimi-k2.6", "result": "ok", "status": "current",
        "reason": "'kimi-k2.6' is a current Moonshot model ID.",
        "replacement": None, "retired_on": None,
    }  # fmt: skip
    assert (gateway["result"], gateway["status"]) == ("fail", "foreign")
    assert gateway["replacement"] == "kimi-k2.6" and "AIMLAPI" in gateway["reason"]
    assert pasted["result"] == "fail" and key not in out
    assert main(["check-model", "--json", "kimi-k2.6"]) == 0
    capsys.readouterr()
    main(["check-model", "--json", "moonshot-v1-8k"])
    (retired,) = json.loads(capsys.readouterr().out)
    assert retired["status"] == "retired" and retired["retired_on"] and retired["replacement"]
