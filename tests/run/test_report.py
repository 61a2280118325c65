"""The conformance report: worst outcome wins, integer totals, atomic files."""

import json

from conformance.run.report import (
    CheckResult,
    Report,
    github_annotations,
    write_json,
    write_markdown,
)


def result(outcome, check="test_x", **kw):
    return CheckResult(
        id=f"test_a.py::{check}", endpoint="GET /models", check=check, outcome=outcome, **kw
    )


def test_worse_phase_outcome_wins():
    report = Report()
    report.record(result("passed"))
    report.record(result("error", category="error", reason="teardown broke"))
    report.record(result("skipped"))
    assert report.checks["test_a.py::test_x"].outcome == "error"


def test_json_has_integer_totals_and_one_entry_per_check(tmp_path):
    report = Report(target="emulator", base_url="http://127.0.0.1:1/v1", requests=3, tokens=40)
    report.record(result("passed", check="a"))
    report.record(result("failed", check="b", category="conformance", reason="bad"))
    write_json(report, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert (data["requests"], data["tokens"]) == (3, 40)
    assert data["totals"] == {"passed": 1, "skipped": 0, "failed": 1, "error": 0}
    assert [(c["id"], c["endpoint"], c["outcome"], c["reason"]) for c in data["checks"]] == [
        ("test_a.py::a", "GET /models", "passed", ""),
        ("test_a.py::b", "GET /models", "failed", "bad"),
    ]


def test_markdown_matrix_escapes_pipes(tmp_path):
    report = Report()
    report.record(result("failed", reason="a | b"))
    write_markdown(report, tmp_path / "r.md")
    text = (tmp_path / "r.md").read_text()
    assert "| `GET /models` | `test_x` | ❌ failed | a \\| b |" in text


def test_terminal_lists_leftovers_and_notes():
    report = Report(notes=["balance 1.0 in USD"], leftovers=["file file-123"])
    lines = report.to_terminal()
    assert "note: balance 1.0 in USD" in lines
    assert "NOT CLEANED UP: file file-123" in lines


def test_github_annotations_name_the_check_and_escape_newlines():
    report = Report()
    report.record(result("passed", check="fine"))
    report.record(result("failed", check="bad", category="conformance", reason="a\nb 100%"))
    report.record(result("failed", check="down", category="server", reason="502"))
    assert github_annotations(report) == [
        "::error title=GET /models%3A bad (conformance failure)::a%0Ab 100%25",
        "::error title=GET /models%3A down (server)::502",
    ]
