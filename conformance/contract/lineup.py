"""Which model IDs are current, retired (since when, use what) or unknown: one answer.

The catalog (`catalog.CURRENT_MODELS`, with its per-model rules) says what is current; the
retired table (`retired.RETIRED`) says what left and when; the gateway classifier
(`model_ids.classify`) says whether an ID is Moonshot's at all. `standing(model_id)`
combines the three, and everything that judges a model ID uses it: `check-model`,
`lint`, `--models`, the emulator's `GET /models` (which serves the current line-up) and
the shipped recordings (`tests/contract/test_lineup.py` fails when any two disagree).

Public API: `Standing`, `Status`, `standing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from conformance.contract.catalog import current_ids, family_of
from conformance.contract.model_ids import classify
from conformance.contract.retired import Retirement, retirement

__all__ = ["Standing", "Status", "standing"]

# `current`: in the catalog's line-up; `retired`: in the retired table (404 now);
# `unknown`: a Moonshot-shaped ID in neither (newer than this catalog, or a typo);
# `foreign`: not a Moonshot model ID (a gateway's, Kimi Code's, or malformed).
Status = Literal["current", "retired", "unknown", "foreign"]


@dataclass(frozen=True)
class Standing:
    model_id: str
    status: Status
    line: str  # one sentence a user can act on
    replacement: str | None = None  # the current model to use instead, when known
    retired: Retirement | None = None
    has_rules: bool = False  # the catalog knows the model's parameter rules


def standing(model_id: str) -> Standing:
    """Judge `model_id` against the line-up, the retired table and the gateway patterns."""
    verdict = classify(model_id)
    if not verdict.native:
        return Standing(model_id, "foreign", verdict.reason, verdict.suggestion)
    if model_id in current_ids():
        return Standing(
            model_id,
            "current",
            f"{model_id!r} is a current Moonshot model ID.",
            has_rules=True,
        )
    entry = retirement(model_id)
    if entry is not None:
        return Standing(
            model_id,
            "retired",
            f"{model_id!r} was retired on {entry.retired_on.isoformat()} and now answers 404 "
            f"resource_not_found_error; use '{entry.replacement}'.",
            entry.replacement,
            entry,
        )
    return Standing(
        model_id,
        "unknown",
        f"{model_id!r} is shaped like a Moonshot model ID but is not in the known line-up "
        f"({', '.join(current_ids())}); use it if GET /v1/models lists it.",
        has_rules=family_of(model_id) is not None,
    )
