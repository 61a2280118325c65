"""From pytest's reports to the conformance matrix (called by the plugin's hooks).

A failed check is put in a category (see `conformance.run.outcomes`); a check that would
go over the run's budget becomes a skip with the reason; a replay miss becomes one line
that says how to re-record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance._resources import SUITE_DIR
from conformance.run.report import CheckResult, write_json, write_markdown


def _endpoint(item: Any) -> str:
    marker = item.get_closest_marker("kimi_endpoint")
    if marker and marker.args:
        return str(marker.args[0])
    return Path(str(item.path)).stem.removeprefix("test_")


def _one_line(text: str, limit: int = 240) -> str:
    from conformance.recording.scrub import scrubber_from_env

    line = " ".join(str(text).split())
    line = scrubber_from_env().text(line)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _check_id(item: Any) -> str:
    path = Path(str(item.path)).resolve()
    try:
        rel = path.relative_to(SUITE_DIR).as_posix()
    except ValueError:
        rel = path.name
    return f"{rel}::{item.name}"


def judge(run: Any, item: Any, call: Any, report: Any) -> None:
    """Categorise one phase's pytest report, adjust it, and record it in the matrix."""
    from conformance.run.budget import BudgetExhausted
    from conformance.run.outcomes import categorize, find

    category = None
    reason = ""
    if report.failed and call.excinfo is not None:
        exc = call.excinfo.value
        category = categorize(exc)
        if category == "budget":
            report.outcome = "skipped"
            reason = _one_line(str(find(exc, BudgetExhausted) or exc))
            report.longrepr = (str(item.path), item.location[1], f"Skipped: {reason}")
            category = None
        elif category == "missing-recording":
            from conformance.recording.cassettes import missing_recording_message

            cassette = getattr(item.funcargs.get("vcr"), "_path", "cassettes/")
            reason = missing_recording_message(item.nodeid, cassette)
            report.longrepr = reason
        else:
            reason = _one_line(str(exc) or type(exc).__name__)
            if category in ("server", "network"):
                # An expected condition, not a bug: one line, no traceback.
                report.longrepr = f"{category} error, not a conformance failure: {reason}"
    elif report.skipped and isinstance(report.longrepr, tuple):
        reason = _one_line(str(report.longrepr[2]).removeprefix("Skipped: "))
    if report.failed:
        _scrub_report(report)
    if report.when != "call" and report.passed:
        return  # setup/teardown passing says nothing; the call phase records the check
    outcome = report.outcome
    if report.failed and report.when != "call":
        outcome = "error"
    run.report.record(
        CheckResult(
            id=_check_id(item),
            endpoint=_endpoint(item),
            check=item.name,
            outcome=outcome,
            category=category,
            reason=reason,
        )
    )


def _scrub_report(report: Any) -> None:
    """Secrets out of what pytest prints and writes (terminal, JUnit XML) for a failure:
    a key split across SSE events is whole again once a check reassembles the stream."""
    from conformance.recording.scrub import scrubber_from_env

    scrub = scrubber_from_env()
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        text = str(report.longrepr)
        if scrub.text(text) != text:
            report.longrepr = scrub.text(text)
    report.sections = [(name, scrub.text(content)) for name, content in report.sections]


def finish(run: Any, *, interrupted: bool) -> bool:
    """Close the run, and write the report files it was asked for.

    Returns True when the run must fail although every check passed: breaking drift.
    """
    run.report.interrupted = interrupted
    run.close()
    if run.settings.target == "replay":
        from conformance._resources import cassettes_dir
        from conformance.recording.cassettes import read_provenance

        try:
            run.report.provenance = read_provenance(cassettes_dir())
        except Exception:
            run.report.note("cassette provenance could not be read")
    if run.settings.report_json:
        write_json(run.report, run.settings.report_json)
    if run.settings.report_markdown:
        write_markdown(run.report, run.settings.report_markdown)
    return run.report.breaking_drift()
