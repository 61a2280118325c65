"""From pytest's reports to the conformance matrix (called by the plugin's hooks).

A failed check is put in a category (see `conformance.run.outcomes`); a check that would
go over the run's budget becomes a skip with the reason, in the category `budget` (the
plan left it out, or the budget ran out inside it); a replay miss becomes one line that
says how to re-record. What each check spent is added up per group.

Every check names the evidence rules it applies (`@pytest.mark.kimi_rule`, see
`conformance.contract.evidence`). A check of an `advice` or `inferred` rule never fails
the run: what the server did becomes an observation (`observed` in the matrix), unless
`--strict-rules`. A check marked `kimi_local` sends nothing: the matrix labels it `local`.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.errors import UsageError
from conformance.run.report import CheckResult, Report, now, write_json, write_markdown
from conformance.run.selection import check_id as _check_id

if TYPE_CHECKING:
    import pytest

    from conformance.run.config import Settings
    from conformance.run.session import Run

LOCAL = "local"


def endpoint(item: pytest.Item) -> str:
    """What a check exercises, as the matrix shows it: `local` for a check that sends
    nothing, else its `kimi_endpoint` (e.g. `POST /chat/completions`) or its module."""
    if item.get_closest_marker("kimi_local") is not None:
        return LOCAL
    marker = item.get_closest_marker("kimi_endpoint")
    if marker and marker.args:
        return str(marker.args[0])
    return Path(str(item.path)).stem.removeprefix("test_")


def _readable(exc: BaseException) -> str:
    """The check's own sentence: pytest's assertion rewriting appends `assert False` and
    `+ where False = BaseUrlVerdict(...)` lines to the message, which say nothing to a
    reader of the matrix. Without a message, the failed `assert` line is kept."""
    text = str(exc)
    if not isinstance(exc, AssertionError):
        return text
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("assert "):
            return " ".join(lines[:i]) if i else line
    return text


def _one_line(text: str, limit: int = 240) -> str:
    from conformance.recording.scrub import scrubber_from_env

    line = " ".join(str(text).split())
    line = scrubber_from_env().text(line)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def rules_of(item: pytest.Item) -> list[str]:
    """The evidence rules a check names (`@pytest.mark.kimi_rule(id, ...)`), in order."""
    found: list[str] = []
    for marker in item.iter_markers("kimi_rule"):
        found += [str(arg) for arg in marker.args if str(arg) not in found]
    return found


def _level(rules: list[str]) -> str | None:
    """The evidence level of a check: its weakest rule's."""
    from conformance.contract.evidence import LEVELS, rule

    levels = [rule(rule_id).level for rule_id in rules]
    return max(levels, key=LEVELS.index) if levels else None


def judge(
    run: Run, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> None:
    """Categorise one phase's pytest report, adjust it, and record it in the matrix."""
    from conformance.contract.evidence import FAILING
    from conformance.run.budget import BudgetExhausted
    from conformance.run.outcomes import categorize, find
    from conformance.run.report import Observation

    category = None
    reason = ""
    if report.failed and call.excinfo is not None:
        exc = call.excinfo.value
        category = categorize(exc)
        if category == "budget":
            report.outcome = "skipped"
            reason = _one_line(str(find(exc, BudgetExhausted) or exc))
            line = item.location[1] or 0  # None only for items without a source line
            report.longrepr = (str(item.path), line, f"Skipped: {reason}")
        elif category == "missing-recording":
            from conformance.recording.cassettes import missing_recording_message

            funcargs = getattr(item, "funcargs", {})  # a pytest.Function's
            cassette = getattr(funcargs.get("vcr"), "_path", "cassettes/")
            reason = missing_recording_message(item.nodeid, cassette, run.settings.cassettes)
            report.longrepr = reason
        else:
            reason = _one_line(_readable(exc) or type(exc).__name__)
            if category in ("server", "network"):
                # An expected condition, not a bug: one line, no traceback.
                report.longrepr = f"{category} error, not a conformance failure: {reason}"
    elif report.skipped and isinstance(report.longrepr, tuple):
        reason = _one_line(str(report.longrepr[2]).removeprefix("Skipped: "))
    if report.failed:
        _scrub_report(report)
    check_id = _check_id(item)
    requests, tokens = _spent(run)
    if report.when == "call":
        for seen in run.report.pending_observations:  # `checks.asserts.observe`, as it ran
            run.report.observe(replace(seen, check=check_id))
        run.report.pending_observations.clear()
    if report.when != "call" and report.passed:
        # Setup or teardown passing says nothing of the check, but what it cost counts.
        if report.when == "setup":
            run.report.pending[check_id] = (report.duration, requests, tokens)
        else:
            run.report.add_cost(check_id, report.duration, requests, tokens)
        return
    outcome: str = report.outcome
    if report.failed and report.when != "call":
        outcome = "error"
    duration, early_requests, early_tokens = run.report.pending.pop(check_id, (0, 0, 0))
    rules = rules_of(item)
    level = _level(rules)
    observing = report.when == "call" and level is not None and level not in FAILING
    if observing and (report.passed or category == "conformance"):
        followed = report.passed
        what = "followed" if followed else reason
        run.report.observe(Observation(check_id, rules[0], level or "", followed, what))
        if run.report.strict:
            reason = reason if followed else f"--strict-rules: {reason}"
        else:  # an advice or inferred rule: what the server did, never a failure
            outcome, category = "observed", None
            reason = f"followed ({rules[0]})" if followed else f"differs ({rules[0]}): {reason}"
            report.outcome, report.longrepr = "passed", None
    run.report.record(
        CheckResult(
            id=check_id,
            endpoint=endpoint(item),
            check=item.name,
            outcome=outcome,
            category=category,
            reason=reason,
            duration=duration + report.duration,
            requests=early_requests + requests,
            tokens=early_tokens + tokens,
            model=_model(item),
            rules=rules,
            level=level,
            kind="local" if endpoint(item) == LOCAL else "api",
        )
    )


def _spent(run: Run) -> tuple[int, int]:
    """Requests and tokens spent since the last phase was judged."""
    budget = run.target.meter.budget
    spent = (budget.requests, budget.tokens)
    before = run.report.spent_mark
    run.report.spent_mark = spent
    return spent[0] - before[0], spent[1] - before[1]


def _model(item: pytest.Item) -> str | None:
    """The model a check ran for: its `kimi_model` parameter (see conformance.run.matrix)."""
    callspec = getattr(item, "callspec", None)
    model = callspec.params.get("kimi_model") if callspec is not None else None
    return str(model) if model is not None else None


def _scrub_report(report: pytest.TestReport) -> None:
    """Secrets out of what pytest prints and writes (terminal, JUnit XML) for a failure:
    a key split across SSE events is whole again once a check reassembles the stream."""
    from conformance.recording.scrub import scrubber_from_env

    scrub = scrubber_from_env()
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        text = str(report.longrepr)
        if scrub.text(text) != text:
            report.longrepr = scrub.text(text)
    report.sections = [(name, scrub.text(content)) for name, content in report.sections]


def refuse_if_over_budget(run: Run, item: pytest.Item) -> None:
    """Raise `BudgetExhausted` for a check the run plan left out (it does not fit)."""
    planned = run.plan.status_of(_check_id(item)) if run.plan is not None else None
    if planned is not None and planned.status == "budget":
        from conformance.run.budget import BudgetExhausted

        raise BudgetExhausted(f"left out by the run plan: {planned.why}")


def account(run: Run, item: pytest.Item, requests: int, tokens: int) -> None:
    """Add what one check sent (setup, call, teardown) to its group's spend."""
    from conformance.run.selection import group_of

    run.report.spend(group_of(item), requests, tokens)


def starved(run: Run) -> bool:
    """Whether the run cannot count as a pass: checks were left out for the budget, or no
    check ran at all; unless `--allow-partial`."""
    if run.settings.allow_partial:
        return False
    if run.report.not_run():
        return True
    checks = run.report.checks.values()
    return bool(checks) and not any(c.outcome in ("passed", "failed") for c in checks)


def finish(run: Run, *, interrupted: bool, write: bool = True) -> bool:
    """Close the run, and write the report files it was asked for (`write=False`: an
    xdist worker, whose report the controller merges and writes).

    Returns True when the run must fail although every check passed: breaking drift.
    """
    run.report.interrupted = interrupted
    run.close()
    run.report.finished_at = now()
    if run.settings.target == "replay":
        from conformance.recording.cassettes import read_provenance

        try:
            run.report.provenance = read_provenance(run.cassettes)
        except Exception:
            run.report.note("cassette provenance could not be read")
    if write:
        write_reports(run.report, run.settings.report_json, run.settings.report_markdown)
    return run.report.breaking_drift()


def write_reports(report: Report, json_path: Any, markdown_path: Any) -> None:
    if json_path:
        write_json(report, json_path)
    if markdown_path:
        write_markdown(report, markdown_path)


def refuse(
    message: str, settings: Settings | None = None, options: dict[str, Any] | None = None
) -> list[str]:
    """A run stopped before any check (preflight, or settings it cannot use): write the
    reports it was asked for with that failure as their verdict, and return the GitHub
    annotation. `settings` when they resolved, else the raw `options`. A report path that
    cannot be written (it may be the problem) is left absent, never half-written."""
    from conformance.run.report import github_annotations

    source: Settings | _Options = settings if settings is not None else _Options(options or {})
    report = Report(
        target=source.target or "replay",
        base_url=source.base_url or "",
        configured_base_url=source.base_url or "",
        model=source.model,
        preflight_failure=message,
    )
    report.finished_at = report.started_at
    for path, write in ((source.report_json, write_json), (source.report_markdown, write_markdown)):
        if path:
            with contextlib.suppress(OSError, UsageError):
                write(report, path)
    return github_annotations(report)


class _Options:
    """Raw option values, read like settings (those did not resolve)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options

    def __getattr__(self, name: str) -> Any:
        return self._options.get(name)
