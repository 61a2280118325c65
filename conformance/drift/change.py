"""The one record every drift source produces, and the rule that turns records into an exit code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["breaking", "additive"]
Source = Literal["spec", "models", "responses"]
FailOn = Literal["breaking", "additive", "never"]

SEVERITIES: tuple[Severity, ...] = ("breaking", "additive")
FAIL_ON: tuple[FailOn, ...] = ("breaking", "additive", "never")


@dataclass(frozen=True)
class Change:
    """One difference between a baseline and something newer.

    `breaking`: code written against the baseline may stop working (a field gone, a type
    changed, a model retired, a value it does not know). `additive`: the API grew or relaxed
    (a new optional field, a new model, a wider pattern); nothing that worked stops working.
    """

    severity: Severity
    source: Source
    where: str
    what: str


def ordered(changes: Iterable[Change]) -> list[Change]:
    """Breaking first; otherwise keep the order the source produced (it is meaningful)."""
    return sorted(changes, key=lambda change: SEVERITIES.index(change.severity))


def counts(changes: Iterable[Change]) -> dict[Severity, int]:
    tally: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
    for change in changes:
        tally[change.severity] += 1
    return tally


def fails(changes: Iterable[Change], fail_on: FailOn) -> bool:
    """Whether `changes` should fail the run under `--fail-on fail_on`."""
    if fail_on == "never":
        return False
    if fail_on == "additive":
        return any(True for _ in changes)
    return any(change.severity == "breaking" for change in changes)
