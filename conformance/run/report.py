"""The conformance matrix: what ran, against what, at what cost.

Built during the run by the plugin's hooks, printed at the end (terminal), and written
as JSON (`--report-json`) and Markdown (`--report-markdown`, ready for
`$GITHUB_STEP_SUMMARY`). Files are written atomically: a reader never sees half a report.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance._write import write_atomic

# Worse outcomes win when a check's setup, call and teardown disagree. `observed`: the
# check of an advice or inferred rule ran; what the server did is an observation.
_RANK = {"passed": 0, "observed": 1, "skipped": 2, "failed": 3, "error": 4}


@dataclass
class CheckResult:
    id: str  # test id within the suite, e.g. "test_chat.py::test_chat_completion[sdk]"
    endpoint: str  # e.g. "POST /chat/completions"; "local" for a check that sends nothing
    check: str  # the check's name, e.g. "test_chat_completion[sdk]"
    outcome: str  # passed | observed | failed | skipped | error
    category: str | None = None  # why it did not pass (see conformance.run.outcomes)
    reason: str = ""  # one line, secrets scrubbed
    duration: float = 0.0  # seconds, setup + call + teardown
    requests: int = 0  # requests sent while the check ran (shared answers: the first user)
    tokens: int = 0
    model: str | None = None  # the model the check ran for (None: it needs no model)
    rules: list[str] = field(default_factory=list)  # the evidence rules it applies
    level: str | None = None  # their evidence level (conformance.contract.evidence)
    kind: str = "api"  # api: judges the server's answers; local: sends nothing


@dataclass(frozen=True)
class Observation:
    """What the server did where the rule is only advice or inferred: reported, never a
    failure (unless `--strict-rules`)."""

    check: str  # the check's id
    rule: str
    level: str  # advice | inferred
    followed: bool  # whether the server did what the rule expects
    what: str  # what the server did, one line


def now() -> str:
    """The current time as the report writes it: ISO 8601, UTC, seconds."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Report:
    target: str = "replay"
    base_url: str = ""  # where requests went (no key, ever)
    configured_base_url: str = ""
    model: str | None = None  # the primary model (the once-only checks use it)
    models: list[str] = field(default_factory=list)  # the run's model matrix
    model_choice: str = ""  # how the model was chosen
    provenance: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    checks: dict[str, CheckResult] = field(default_factory=dict)
    requests: int = 0
    tokens: int = 0
    emulator_accounting: dict[str, Any] | None = None
    interrupted: bool = False
    leftovers: list[str] = field(default_factory=list)  # what cleanup could not remove
    drift: list[dict[str, str]] | None = None  # with --drift: changes against the baseline
    # The one-line reason the run was refused before any check ran (preflight, settings).
    preflight_failure: str | None = None
    started_at: str = field(default_factory=now)
    finished_at: str | None = None
    # Bookkeeping of the hooks (not reported): the meter's counts when the last phase was
    # judged, and what a passing setup cost before its check's call phase is recorded.
    spent_mark: tuple[int, int] = field(default=(0, 0), repr=False)
    pending: dict[str, tuple[float, int, int]] = field(default_factory=dict, repr=False)
    profile: str = "full"
    plan: dict[str, Any] | None = None  # the run plan (`conformance.run.plan.Plan.to_json`)
    # What the checks of each group sent (setup, call and teardown); the rest of
    # `requests` is the run's own (the live preflight, the end-of-run cleanup).
    spent_by_group: dict[str, dict[str, int]] = field(default_factory=dict)
    strict: bool = False  # --strict-rules: observations fail the run too
    observations: list[Observation] = field(default_factory=list)
    # Observations made by the check running now, stamped with its id when it is judged.
    pending_observations: list[Observation] = field(default_factory=list, repr=False)

    def record(self, result: CheckResult) -> None:
        """Record one phase of a check: the worst outcome wins, the costs add up."""
        previous = self.checks.get(result.id)
        if previous is not None:
            result.duration += previous.duration
            result.requests += previous.requests
            result.tokens += previous.tokens
            if _RANK[result.outcome] <= _RANK[previous.outcome]:
                previous.duration = result.duration
                previous.requests, previous.tokens = result.requests, result.tokens
                return
        self.checks[result.id] = result

    def add_cost(self, check_id: str, duration: float, requests: int, tokens: int) -> None:
        check = self.checks.get(check_id)
        if check is not None:
            check.duration += duration
            check.requests += requests
            check.tokens += tokens

    def verdict(self) -> str:
        """One word for the whole run: preflight-failed, interrupted, failed, partial (checks
        left out for the budget) or passed."""
        if self.preflight_failure is not None:
            return "preflight-failed"
        if self.interrupted:
            return "interrupted"
        totals = self.totals()
        if totals["failed"] or totals["error"] or self.breaking_drift():
            return "failed"
        if self.not_run():
            return "partial"  # every check that ran passed, some were left out (budget)
        return "passed"

    def skips_by_reason(self) -> dict[str, int]:
        counts = Counter(c.reason or "-" for c in self.checks.values() if c.outcome == "skipped")
        return dict(counts.most_common())

    def spend(self, group: str, requests: int, tokens: int) -> None:
        row = self.spent_by_group.setdefault(group, {"requests": 0, "tokens": 0})
        row["requests"] += requests
        row["tokens"] += tokens

    def not_run(self) -> list[CheckResult]:
        """The checks left out because the run's budget could not pay for them."""
        return [c for c in self.checks.values() if c.category == "budget"]

    def observe(self, observation: Observation) -> None:
        if observation not in self.observations:
            self.observations.append(observation)

    def differing(self) -> list[Observation]:
        """The observations where the server did not do what the rule expects."""
        return [o for o in self.observations if not o.followed]

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(_RANK, 0)
        for check in self.checks.values():
            counts[check.outcome] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "kimi_conformance_version": __version__,
            "verdict": self.verdict(),
            "preflight_failure": self.preflight_failure,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "target": self.target,
            "base_url": self.base_url,
            "configured_base_url": self.configured_base_url,
            "model": self.model,
            "models": self.models,
            "model_choice": self.model_choice,
            "requests": self.requests,
            "tokens": self.tokens,
            "spent_by_group": self.spent_by_group,
            "profile": self.profile,
            "plan": self.plan,
            "not_run_for_budget": [c.id for c in self.not_run()],
            "totals": self.totals(),
            "skips_by_reason": self.skips_by_reason(),
            "interrupted": self.interrupted,
            "leftovers": self.leftovers,
            "drift": self.drift,
            "strict": self.strict,
            "observations": [asdict(o) for o in self.observations],
            "provenance": self.provenance,
            "notes": self.notes,
            "emulator_accounting": self.emulator_accounting,
            "checks": [
                {**asdict(check), "duration": round(check.duration, 4)}
                for check in self.checks.values()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """The report `to_json` wrote (how xdist workers hand theirs to the controller)."""
        report = cls(
            **{k: data[k] for k in _COPIED if k in data},
            checks={c["id"]: CheckResult(**c) for c in data.get("checks", [])},
            observations=[Observation(**o) for o in data.get("observations", [])],
        )
        return report

    @classmethod
    def merge(cls, parts: list[Report]) -> Report:
        """One report of a run split over processes (pytest-xdist workers): every check,
        the costs added up, the earliest start and the latest end."""
        if not parts:
            return cls()
        first = parts[0]
        merged = cls(
            target=first.target,
            base_url=first.base_url,
            configured_base_url=first.configured_base_url,
            model=next((p.model for p in parts if p.model), None),
            models=next((p.models for p in parts if p.models), []),
            model_choice=next((p.model_choice for p in parts if p.model_choice), ""),
            started_at=min(p.started_at for p in parts),
            finished_at=max((p.finished_at or "" for p in parts), default="") or None,
            interrupted=any(p.interrupted for p in parts),
            requests=sum(p.requests for p in parts),
            tokens=sum(p.tokens for p in parts),
            profile=first.profile,
            plan=first.plan,
            strict=first.strict,
        )
        for part in parts:
            merged.provenance.update(part.provenance)
            for seen in part.observations:
                merged.observe(seen)
            for note in part.notes:
                merged.note(note)
            merged.leftovers += part.leftovers
            for group, row in part.spent_by_group.items():
                merged.spend(group, row["requests"], row["tokens"])
            for check in part.checks.values():
                merged.record(check)
            if part.drift is not None:
                merged.drift = [*(merged.drift or []), *part.drift]
            if part.emulator_accounting is not None:
                merged.emulator_accounting = _added(
                    merged.emulator_accounting, part.emulator_accounting
                )
        return merged

    def _rows(self, *, failures_first: bool = False) -> list[tuple[str, str, str, str, str]]:
        rows = []

        def order(c: CheckResult) -> tuple[int, str, str, str]:
            rank = -_RANK[c.outcome] if failures_first else 0
            return (rank, c.endpoint, c.check, c.model or "")

        for check in sorted(self.checks.values(), key=order):
            if check.category:
                outcome = f"{check.outcome} ({check.category})"
            elif check.outcome == "observed":
                outcome = f"observed ({check.level})"
            else:
                outcome = check.outcome
            rows.append((check.endpoint, check.model or "-", check.check, outcome, check.reason))
        return rows

    def _header_lines(self) -> list[str]:
        lines = [
            f"target: {self.target}   base URL: {self.base_url}"
            + (
                f" (configured: {self.configured_base_url})"
                if self.configured_base_url and self.configured_base_url != self.base_url
                else ""
            ),
            (f"models: {', '.join(self.models)}; " if len(self.models) > 1 else "")
            + f"model: {self.model or '-'}"
            + (f" ({self.model_choice})" if self.model_choice else ""),
            self._spend_line(),
        ]
        if self.plan:
            planned = self.plan["planned"]
            lines.append(
                f"plan ({self.profile}): at most {planned['requests']} requests and "
                f"{planned['tokens']} tokens; caps {self.plan['caps']['requests']} requests, "
                f"{self.plan['caps']['tokens']} tokens"
            )
        over = self.not_run()
        if over:
            lines.append(
                f"NOT RUN for the budget: {len(over)} checks "
                f"({', '.join(c.check for c in over[:8])}{', ...' if len(over) > 8 else ''})"
                + (
                    f"; to fit: {self.plan['advice']}"
                    if self.plan and self.plan.get("advice")
                    else ""
                )
            )
        if self.provenance:
            sources = sorted({str(p.get("source", "?")) for p in self.provenance.values()})
            lines.append(f"recordings: {len(self.provenance)} cassettes from {', '.join(sources)}")
        lines += [f"note: {note}" for note in self.notes]
        lines += [f"NOT CLEANED UP: {item}" for item in self.leftovers]
        if self.drift is not None:
            breaking = sum(1 for change in self.drift if change["severity"] == "breaking")
            lines.append(
                f"drift against the recorded baseline: {len(self.drift)} changes, "
                f"{breaking} breaking"
            )
            lines += [
                f"  {c['severity']}: {c['where']}: {c['what']}"
                for c in sorted(self.drift, key=lambda c: c["severity"] != "breaking")
            ]
        return lines

    def _spend_line(self) -> str:
        groups = ", ".join(
            f"{name} {row['requests']}"
            for name, row in self.spent_by_group.items()
            if row["requests"]
        )
        detail = f" (by group: {groups})" if groups else ""
        if self.target == "replay":
            return (
                f"replayed: {self.requests} recorded answers{detail}; nothing was sent"
                if self.requests
                else "replayed: nothing; nothing was sent"
            )
        line = f"spent: {self.requests} requests, {self.tokens} tokens{detail}"
        if self.emulator_accounting is not None:
            served = self.emulator_accounting
            line += (
                f"; the emulator served {served.get('requests', 0)} requests, "
                f"{served.get('tokens', 0)} tokens"
            )
        return line

    def _observation_lines(self) -> list[str]:
        differing = self.differing()
        if not differing:
            return []
        verdict = (
            "failed (--strict-rules)" if self.strict else "not failures; --strict-rules fails them"
        )
        lines = [f"observations: {len(differing)} advice/inferred rules not followed ({verdict})"]
        lines += [f"  {o.rule} ({o.level}) {o.check}: {o.what}" for o in differing]
        return lines

    def breaking_drift(self) -> bool:
        return any(change["severity"] == "breaking" for change in self.drift or ())

    def to_terminal(self) -> list[str]:
        rows = self._rows()
        if not rows:
            return self._header_lines()
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = [*self._header_lines(), ""]
        for endpoint, model, check, outcome, reason in rows:
            line = (
                f"{endpoint:<{widths[0]}}  {model:<{widths[1]}}  {check:<{widths[2]}}  "
                f"{outcome:<{widths[3]}}"
            )
            lines.append((line + (f"  {reason}" if reason else "")).rstrip())
        totals = self.totals()
        observations = self._observation_lines()
        lines += ["", *observations] if observations else []
        lines.append("")
        lines.append(", ".join(f"{n} {k}" for k, n in totals.items() if n))
        return lines

    def to_markdown(self) -> str:
        out = ["## Kimi API conformance", ""]
        if self.preflight_failure is not None:
            cell = self.preflight_failure.replace("`", "'")
            out += [f"**❌ Preflight failed: {cell}**", "", "No check ran.", ""]
            out += [f"- {line}" for line in self._header_lines()]
            return "\n".join([*out, ""])
        out += [f"- {line}" for line in self._header_lines()]
        out += ["", "| endpoint | model | check | outcome | reason |", "|---|---|---|---|---|"]
        for endpoint, model, check, outcome, reason in self._rows(failures_first=True):
            icon = {"passed": "✅", "skipped": "⏭️", "observed": "🔎"}.get(outcome.split()[0], "❌")
            cell = reason.replace("|", "\\|")
            out.append(f"| `{endpoint}` | {model} | `{check}` | {icon} {outcome} | {cell} |")
        observations = self._observation_lines()
        if observations:
            out += ["", observations[0], ""]
            out += [f"- {line.strip()}" for line in observations[1:]]
        totals = self.totals()
        out += ["", ", ".join(f"{n} {k}" for k, n in totals.items() if n), ""]
        return "\n".join(out)


# Fields `from_json` takes back as they were written.
_COPIED = (
    "target", "base_url", "configured_base_url", "model", "models", "model_choice", "provenance",
    "notes", "requests", "tokens", "emulator_accounting", "interrupted", "leftovers", "drift",
    "preflight_failure", "started_at", "finished_at", "profile", "plan", "spent_by_group",
    "strict",
)  # fmt: skip


def _added(a: Any, b: Any) -> Any:
    """Counters added up, however nested (the emulators' accountings of xdist workers)."""
    if a is None:
        return b
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _added(a.get(k), b.get(k)) if k in a and k in b else a.get(k, b.get(k))
                for k in {**a, **b}}  # fmt: skip
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a + b
    return a


def _escape(text: str, *, property_: bool = False) -> str:
    """GitHub workflow-command escaping (data; properties also escape ':' and ',')."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_annotations(report: Report) -> list[str]:
    """One `::error` workflow command per failed check (or for the preflight failure that
    stopped the run before any check), so GitHub shows it on the run, and one `::warning`
    per observation that differs from its advice or inferred rule."""
    if report.preflight_failure is not None:
        title = _escape("kimi-conformance: preflight failed", property_=True)
        return [f"::error title={title}::{_escape(report.preflight_failure)}"]
    lines = []
    for check in report.checks.values():
        if check.outcome not in ("failed", "error"):
            continue
        kind = "conformance failure" if check.category == "conformance" else check.category
        title = _escape(f"{check.endpoint}: {check.check} ({kind or 'error'})", property_=True)
        lines.append(f"::error title={title}::{_escape(check.reason or check.outcome)}")
    if not report.strict:
        for seen in report.differing():
            title = _escape(f"observation: {seen.rule} ({seen.level})", property_=True)
            lines.append(f"::warning title={title}::{_escape(f'{seen.check}: {seen.what}')}")
    return lines


STDOUT = "-"  # a report path meaning "standard output"


def _write(path: Path, text: str) -> None:
    if str(path) == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(path, text)


def write_json(report: Report, path: Path) -> None:
    _write(path, json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")


def write_markdown(report: Report, path: Path) -> None:
    _write(path, report.to_markdown())
