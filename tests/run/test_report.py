"""The conformance report: worst outcome wins, integer totals, atomic files."""

import json

import pytest

from conformance.run.report import (
    CheckResult,
    Observation,
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
    assert data["totals"] == {"passed": 1, "observed": 0, "skipped": 0, "failed": 1, "error": 0}
    assert [(c["id"], c["endpoint"], c["outcome"], c["reason"]) for c in data["checks"]] == [
        ("test_a.py::a", "GET /models", "passed", ""),
        ("test_a.py::b", "GET /models", "failed", "bad"),
    ]


def test_markdown_matrix_escapes_pipes(tmp_path):
    report = Report()
    report.record(result("failed", reason="a | b"))
    write_markdown(report, tmp_path / "r.md")
    text = (tmp_path / "r.md").read_text()
    assert "| `GET /models` | - | `test_x` | ❌ failed | a \\| b |" in text


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


def test_markdown_lists_failures_first():
    report = Report()
    report.record(result("passed", check="a_fine"))
    report.record(result("skipped", check="b_skipped", reason="opt in"))
    report.record(result("failed", check="z_broken", category="conformance", reason="bad"))
    report.record(result("error", check="y_crashed", category="error", reason="oops"))
    rows = [line for line in report.to_markdown().splitlines() if line.startswith("| `")]
    assert [row.split("`")[3] for row in rows] == ["y_crashed", "z_broken", "b_skipped", "a_fine"]


def test_json_has_the_runs_times_verdict_costs_and_skips_by_reason():
    report = Report()
    report.record(result("passed", check="a", duration=0.5, requests=2, tokens=30))
    report.record(result("passed", check="a", duration=0.25, requests=1, tokens=5))  # teardown
    report.add_cost("test_a.py::a", 0.25, 1, 0)
    report.record(result("skipped", check="b", reason="opt in with --web-search"))
    report.record(result("skipped", check="c", reason="opt in with --web-search"))
    report.finished_at = "2026-01-01T00:00:01Z"
    data = report.to_json()
    assert data["verdict"] == "passed"
    assert data["started_at"].endswith("Z") and data["finished_at"] == "2026-01-01T00:00:01Z"
    (a,) = [c for c in data["checks"] if c["check"] == "a"]
    assert (a["duration"], a["requests"], a["tokens"]) == (1.0, 4, 35)
    assert data["skips_by_reason"] == {"opt in with --web-search": 2}


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        (["passed", "skipped"], "passed"),
        (["passed", "failed"], "failed"),
        (["error"], "failed"),
    ],
)
def test_verdict(outcomes, verdict):
    report = Report()
    for n, outcome in enumerate(outcomes):
        report.record(result(outcome, check=f"c{n}"))
    assert report.verdict() == verdict
    report.interrupted = True
    assert report.verdict() == "interrupted"
    report.preflight_failure = "MOONSHOT_API_KEY is not set"
    assert report.verdict() == "preflight-failed"
    assert github_annotations(report) == [
        "::error title=kimi-conformance%3A preflight failed::MOONSHOT_API_KEY is not set"
    ]


def test_reports_of_xdist_workers_merge_into_one():
    models = {"requests": 3, "endpoints": {"GET /models": {"requests": 3}}}
    files = {"requests": 2, "endpoints": {"POST /files": {"requests": 2}}}
    one = Report(target="emulator", requests=3, tokens=10, started_at="2026-01-01T00:00:02Z",
                 finished_at="2026-01-01T00:00:09Z", notes=["n1"],
                 emulator_accounting=models)  # fmt: skip
    one.record(result("passed", check="a", requests=3))
    two = Report(target="emulator", requests=2, tokens=5, started_at="2026-01-01T00:00:01Z",
                 finished_at="2026-01-01T00:00:08Z", notes=["n1", "n2"], model="kimi-k2.6",
                 emulator_accounting=files)  # fmt: skip
    two.record(result("failed", check="b", category="conformance", reason="bad", requests=2))
    parts = [Report.from_json(part.to_json()) for part in (one, two)]  # through JSON, as xdist
    merged = Report.merge(parts)
    assert sorted(merged.checks) == ["test_a.py::a", "test_a.py::b"]
    assert (merged.requests, merged.tokens, merged.model) == (5, 15, "kimi-k2.6")
    assert (merged.started_at, merged.finished_at) == (
        "2026-01-01T00:00:01Z",
        "2026-01-01T00:00:09Z",
    )
    assert merged.notes == ["n1", "n2"] and merged.verdict() == "failed"
    assert merged.emulator_accounting == {
        "requests": 5,
        "endpoints": {"GET /models": {"requests": 3}, "POST /files": {"requests": 2}},
    }


def test_the_matrix_has_a_model_column(tmp_path):
    report = Report(model="kimi-k2.6", models=["kimi-k3", "kimi-k2.6"])
    report.record(result("passed", check="test_x[kimi-k3]", model="kimi-k3"))
    report.record(result("failed", check="test_x[kimi-k2.6]", model="kimi-k2.6", reason="r"))
    report.record(result("passed", check="test_auth"))
    lines = report.to_terminal()
    assert any(line.startswith("models: kimi-k3, kimi-k2.6; model: kimi-k2.6") for line in lines)
    row = next(line for line in lines if "test_x[kimi-k3]" in line)
    assert row.split()[2] == "kimi-k3"
    assert "| `GET /models` | kimi-k2.6 | `test_x[kimi-k2.6]` | ❌ failed | r |" in (
        report.to_markdown()
    )
    data = report.to_json()
    assert data["models"] == ["kimi-k3", "kimi-k2.6"]
    assert {c["check"]: c["model"] for c in data["checks"]}["test_auth"] is None


def _observed(report, followed, what):
    check = "test_partial_mode_with_json_object_rejected"
    report.record(
        result(
            "observed",
            check=check,
            reason=("followed" if followed else "differs") + " (partial.with-json-object)",
            rules=["partial.with-json-object"],
            level="advice",
        )
    )
    report.observe(
        Observation(f"test_a.py::{check}", "partial.with-json-object", "advice", followed, what)
    )


def test_observations_are_shown_apart_from_failures(tmp_path):
    report = Report()
    report.record(result("passed", check="fine", rules=["chat.completion"], level="documented"))
    _observed(report, False, "expected 400, got 200")
    lines = report.to_terminal()
    row = next(line for line in lines if "test_partial_mode_with_json_object_rejected" in line)
    assert "observed (advice)" in row and "differs (partial.with-json-object)" in row
    assert (
        "observations: 1 advice/inferred rules not followed "
        "(not failures; --strict-rules fails them)" in lines
    )
    assert lines[-1] == "1 passed, 1 observed"
    write_json(report, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["totals"]["observed"] == 1 and data["totals"]["failed"] == 0
    assert data["observations"] == [
        {
            "check": "test_a.py::test_partial_mode_with_json_object_rejected",
            "rule": "partial.with-json-object",
            "level": "advice",
            "followed": False,
            "what": "expected 400, got 200",
        }
    ]
    assert data["checks"][1]["rules"] == ["partial.with-json-object"]
    assert data["checks"][1]["level"] == "advice" and data["checks"][1]["kind"] == "api"
    write_markdown(report, tmp_path / "r.md")
    markdown = (tmp_path / "r.md").read_text()
    assert "🔎 observed (advice)" in markdown
    assert "- partial.with-json-object (advice) test_a.py::" in markdown


def test_observations_the_server_followed_are_not_listed_as_differing():
    report = Report()
    _observed(report, True, "followed")
    assert report.differing() == []
    assert not any(line.startswith("observations:") for line in report.to_terminal())


def test_observations_are_warnings_on_github_unless_strict():
    report = Report()
    _observed(report, False, "expected 400, got 200")
    assert github_annotations(report) == [
        "::warning title=observation%3A partial.with-json-object (advice)::"
        "test_a.py::test_partial_mode_with_json_object_rejected: expected 400, got 200"
    ]
    report.strict = True
    assert github_annotations(report) == []  # under --strict the check failed instead


def test_observations_survive_the_xdist_merge():
    one, two = Report(strict=True), Report(strict=True)
    _observed(one, False, "expected 400, got 200")
    two.observe(Observation("test_b.py::x", "tools.orphan-message", "inferred", True, "followed"))
    merged = Report.merge([Report.from_json(part.to_json()) for part in (one, two)])
    assert merged.strict is True
    assert [(o.rule, o.followed) for o in merged.observations] == [
        ("partial.with-json-object", False),
        ("tools.orphan-message", True),
    ]
    assert merged.checks["test_a.py::test_partial_mode_with_json_object_rejected"].level == "advice"
