"""One conformance run: its settings, target, clients, chosen model and report.

Opened once per pytest session by the plugin, when the first suite check runs (never at
collection), and closed at the end. Knows nothing of pytest.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance._write import check_writable
from conformance.contract.model_ids import refuse_gateway_model
from conformance.errors import UsageError
from conformance.run.budget import Budget, Pacer
from conformance.run.clients import Target
from conformance.run.config import Secret, Settings
from conformance.run.report import Report
from conformance.run.transport import Limits, Meter

if TYPE_CHECKING:
    from conformance.emulator.server import RunningEmulator
    from conformance.run.matrix import Matrix
    from conformance.run.plan import Plan
    from conformance.run.preflight import Preflight

# Replayed requests carry no real key: recordings are matched without headers.
REPLAY_KEY = "sk-replay-placeholder"


@dataclass
class Run:
    settings: Settings
    target: Target
    report: Report
    emulator: RunningEmulator | None = None  # the emulator target's server
    preflight: Preflight | None = None  # a live run's
    # Answers the run fetched itself and several checks judge ("models", "balance"), and
    # the suite's shared answers (`conformance.checks.exchanges.shared`), by name.
    answers: dict[str, Any] = field(default_factory=dict)
    plan: Plan | None = None  # the run plan, priced before any request
    matrix: Matrix | None = None  # the models the checks run for
    # With --drift: this run's answers are recorded here (scrubbed), then compared with
    # the recorded baseline in cassettes/ when the run ends.
    drift_dir: Path | None = None
    _cleanups: list[Callable[[], list[str]]] = field(default_factory=list, repr=False)
    _model_drift: list[dict[str, str]] = field(default_factory=list, repr=False)
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack, repr=False)

    @classmethod
    def open(cls, settings: Settings) -> Run:
        """Start the run and, for a live one, run the preflight (closing it on failure)."""
        run = cls.start(settings)
        if settings.target == "live":
            from conformance.run.preflight import run_preflight

            try:
                run.preflight = run_preflight(settings, run.target, run.answers)
            except BaseException:
                run.close()
                raise
        return run

    @classmethod
    def start(cls, settings: Settings) -> Run:
        check_settings(settings)
        from conformance.run.matrix import matrix_for

        matrix = matrix_for(settings)
        meter = Meter(
            budget=Budget(max_requests=settings.max_requests, max_tokens=settings.budget_tokens),
            pacer=Pacer(settings.rpm),
        )
        stack = contextlib.ExitStack()
        emulator = None
        if settings.target == "emulator":
            from conformance.emulator.server import serve

            emulator = stack.enter_context(serve())
            base_url, key = emulator.base_url, Secret(emulator.api_key)
        elif settings.target == "live":
            assert settings.api_key is not None  # check_settings refused a live run without
            base_url, key = settings.base_url, settings.api_key
        else:
            base_url, key = settings.base_url, Secret(REPLAY_KEY)
        report = Report(
            target=settings.target,
            base_url=base_url,
            configured_base_url=settings.base_url,
            model=matrix.primary,
            models=list(matrix.models),
            model_choice=_choice(matrix),
            strict=settings.strict,
        )
        target = Target(name=settings.target, base_url=base_url, api_key=key, meter=meter)
        stack.callback(target.close)
        if settings.cassettes is not None and settings.record_mode != "none":
            settings.cassettes.mkdir(parents=True, exist_ok=True)
        drift_dir = None
        if settings.drift:
            drift_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kimi-drift-")))
        run = cls(
            settings=settings,
            target=target,
            report=report,
            emulator=emulator,
            matrix=matrix,
            drift_dir=drift_dir,
            _stack=stack,
        )
        return run

    def use_plan(self, plan: Plan, replan: Callable[[str], Plan] | None = None) -> None:
        """Take the run plan; a live run whose preflight chose another model than the plan
        expected has it priced again (`replan(model)`) before any check."""
        if replan is not None and self.preflight is not None and self.preflight.model != plan.model:
            plan = replan(self.preflight.model)
        self.plan = plan
        self.report.profile = plan.profile
        self.report.plan = plan.to_json()

    def fuzz_examples(self, check_id: str, wanted: int) -> tuple[int, str]:
        """How many examples the fuzz property `check_id` may send now: a fixed number
        from what the run has left (shared with the properties after it), and why none."""
        from conformance.run.cost import Cost

        left = Cost(*self.target.meter.budget.left())
        if self.plan is None:
            return wanted, ""
        return self.plan.fuzz_now(check_id, left, wanted)

    @property
    def cassettes(self) -> Path:
        """The recordings this run replays or records: `--cassettes DIR`, else the shipped."""
        from conformance._resources import cassettes_dir

        return self.settings.cassettes or cassettes_dir()

    def note_model_drift(self, models_document: dict[str, Any]) -> None:
        """One line in the report (and, with --drift, one change) per model the catalog
        and this run's `GET /models` disagree on (see `conformance.run.matrix`)."""
        from conformance.run.matrix import model_drift

        if self.matrix is None:
            return
        for severity, model, line in model_drift(self.matrix, models_document):
            self.report.note(line)
            change = {"severity": severity, "source": "models", "where": f"model {model}",
                      "what": line}  # fmt: skip
            if change not in self._model_drift:
                self._model_drift.append(change)

    def on_close(self, cleanup: Callable[[], list[str]]) -> None:
        """Run `cleanup` when the run ends, even after a failure or Ctrl-C; it returns
        what it could not clean up (e.g. ids of files left on the account)."""
        self._cleanups.append(cleanup)

    def close(self) -> None:
        for cleanup in reversed(self._cleanups):
            try:
                self.report.leftovers.extend(cleanup())
            except Exception as exc:
                self.report.leftovers.append(f"cleanup failed ({type(exc).__name__})")
        self._cleanups.clear()
        if self.target.meter.rate_limited and self.settings.rpm is None:
            from conformance.run.progress import rate_limit_hint

            self.report.note(rate_limit_hint(self.target.meter.rate_limited))
        if self.drift_dir is not None:
            self._compare_with_baseline(self.drift_dir)
            self.report.drift = [*(self.report.drift or []), *self._model_drift]
        budget = self.target.meter.budget
        self.report.requests, self.report.tokens = budget.requests, budget.tokens
        if self.emulator is not None:
            with contextlib.suppress(Exception):
                self.report.emulator_accounting = self.emulator.emulator.accounting.snapshot()
        self._stack.close()

    def _compare_with_baseline(self, recordings: Path) -> None:
        from conformance.drift import compare_recordings

        if not any(recordings.rglob("*.yaml")):
            self.report.note("drift: nothing was recorded in this run, nothing compared")
            return
        changes, notes = compare_recordings(recordings, self.cassettes)
        observed = self._observed_cassettes()
        self.report.drift = [
            {
                # a change in what an advice/inferred check saw is an observation, not a
                # break of the contract (unless --strict)
                "severity": "observation"
                if c.severity == "breaking" and c.where.split(" ")[0] in observed
                else c.severity,
                "source": c.source,
                "where": c.where,
                "what": c.what,
            }
            for c in changes
        ]
        self.report.drift += [
            {
                "severity": "observation",
                "source": "observations",
                "where": seen.check,
                "what": f"{seen.rule} ({seen.level}): {seen.what}",
            }
            for seen in self.report.differing()
        ]
        for note in notes:
            self.report.note(f"drift: {note}")

    def _observed_cassettes(self) -> set[str]:
        """The cassette files of the checks whose answers are observations."""
        if self.settings.strict:
            return set()
        return {
            f"{check.check}.yaml"
            for check in self.report.checks.values()
            if check.outcome == "observed"
        }


def _choice(matrix: Matrix) -> str:
    from conformance.contract.model_ids import MODEL_CHOICE_RULE

    if matrix.requested == "default":
        return f"default: {MODEL_CHOICE_RULE}"
    others = "; the model-dependent checks run for each of " + matrix.ids
    how = "--models all" if matrix.requested == "all" else "--models/--model"
    return f"{how}; once-only checks use {matrix.primary} ({MODEL_CHOICE_RULE})" + (
        others if len(matrix.models) > 1 else ""
    )


def check_settings(settings: Settings) -> None:
    """Refuse settings the run could not use, before anything is sent or started.

    Pure: reads the settings, the environment (the transport's limits) and whether the
    report folders are writable. Raises `UsageError` with one line.
    """
    refuse_gateway_model(settings.model)
    for path in (settings.report_json, settings.report_markdown):
        if path is not None and str(path) != "-":  # "-": standard output
            check_writable(path)
    Limits.from_env()
    _check_recordings(settings)
    if settings.target == "live" and not settings.api_key:
        raise UsageError(
            "MOONSHOT_API_KEY is not set; export your key from "
            "https://platform.kimi.ai/console/api-keys (never pass it as an option)"
        )


RECORD_OWN = "kimi-conformance run --live --record-mode=all --cassettes DIR"


def _check_recordings(settings: Settings) -> None:
    """Where recordings are read and written: never into the installed package, a replay
    folder that exists, and --drift only where there are new answers to compare."""
    from conformance._resources import cassettes_dir, is_installed_data

    recording = settings.record_mode != "none"
    if settings.drift and settings.target == "replay":
        raise UsageError(
            "--drift compares new answers with the recordings, and replay has none (it plays "
            "the recordings back); use --live --drift, or compare recordings you made with "
            "`kimi-conformance drift --responses DIR`"
        )
    if settings.cassettes is None:
        if recording and is_installed_data(cassettes_dir()):
            raise UsageError(
                f"--record-mode={settings.record_mode} would write into the installed package "
                f"({cassettes_dir()}); record into a folder of yours with --cassettes DIR "
                "(or KIMI_CONFORMANCE_CASSETTES)"
            )
        return
    folder = settings.cassettes
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--cassettes {folder}: not a folder; name a folder of recordings")
    if not recording and not folder.is_dir():
        raise UsageError(
            f"--cassettes {folder}: no such folder; record into it first with `{RECORD_OWN}`"
        )
    if recording and not folder.is_dir() and not folder.parent.is_dir():
        raise UsageError(
            f"--cassettes {folder}: its parent folder {folder.parent} does not exist; create it"
        )
