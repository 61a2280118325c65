"""`kimi-conformance list`: every check of the suite with its endpoint, evidence and cost,
from collection alone (nothing sent, nothing started)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.cli import main
from conformance.commands import list_checks


def _listed(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    assert main(["list", "--json", *argv]) == 0
    return list(json.loads(capsys.readouterr().out))


def test_lists_every_check_with_its_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    checks = _listed(capsys)
    ids = {c["id"] for c in checks}
    assert "test_balance.py::test_balance_conforms" in ids and len(ids) == len(checks) > 50
    by_id = {c["id"]: c for c in checks}
    balance = by_id["test_balance.py::test_balance_conforms"]
    assert balance["endpoint"] == "GET /users/me/balance"
    assert balance["cost"] == {  # as the run plan prices it
        "group": "core", "requests": 1, "tokens": 0, "shares": ["balance"], "status": "planned"
    }  # fmt: skip
    assert {c["cost"]["group"] for c in checks if c["cost"]} >= {"core", "deep", "fuzz"}
    assert all(c["endpoint"] for c in checks)
    (web,) = [c for c in checks if c["id"].startswith("test_web_search.py")][:1]
    assert "--web-search" in web["skipped"]
    assert balance["rules"] == ["balance.document"] and balance["evidence"] == ["documented"]
    assert balance["kind"] == "api"
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].split() == ["endpoint", "check", "evidence", "cost"]
    assert "core: 1 req, <=0 tok, shares balance" in text
    assert text.rstrip().endswith(f"{len(checks)} checks")


def test_evidence_and_local_checks_read_as_the_matrix_shows_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    by_id = {c["id"]: c for c in _listed(capsys)}
    advice = by_id["test_modes.py::test_partial_mode_with_json_object_rejected[kimi-k2.6]"]
    assert advice["evidence"] == ["advice"]  # the docs say "do not mix": an observation
    guard = by_id["test_gateway_ids.py::test_gateway_id_refused_before_sending[kimi-k2.6-together]"]
    assert guard["kind"] == "local" and guard["endpoint"] == "local"  # sends nothing
    sent = by_id["test_gateway_ids.py::test_gateway_id_rejected_by_api[kimi-k2.6]"]
    assert sent["kind"] == "api" and sent["endpoint"] == "POST /chat/completions"
    assert sent["evidence"] == ["documented", "documented"]  # one level a rule
    assert main(["list", "-k", "test_gateway_id_rejected_by_api"]) == 0
    row = capsys.readouterr().out.splitlines()[1].split()
    assert row[3] == "documented"  # each level once in the table


def test_k_and_plugin_options_select(capsys: pytest.CaptureFixture[str]) -> None:
    assert [c["id"] for c in _listed(capsys, "-k", "test_balance")] == [
        "test_balance.py::test_balance_conforms"
    ]
    (web,) = [c for c in _listed(capsys, "--web-search") if c["id"].startswith("test_web_search")]
    assert web["skipped"] is None


def test_an_unknown_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown option --frobnicate for `kimi-conformance list`" in err


class _Item:
    """What `_cost` reads of a pytest item: its closest marker by name."""

    def __init__(self, *marks: SimpleNamespace) -> None:
        self.marks = list(marks)

    def get_closest_marker(self, name: str) -> Any:
        return next((m for m in self.marks if m.name == name), None)


def test_cost_reads_the_declared_cost() -> None:
    declared = SimpleNamespace(
        name="kimi_cost", kwargs={"requests": 2, "shares": ("models", "balance"), "chat": len}
    )
    assert list_checks._cost(_Item(declared)) == (  # type: ignore[arg-type]
        "chat=per model, requests=2, shares=models+balance"
    )
    assert list_checks._cost(_Item()) == ""  # type: ignore[arg-type]
