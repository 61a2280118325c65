"""Retired Moonshot model IDs: a dated table, each entry with its source.

One function: `retirement(model_id) -> Retirement | None`; the table is `RETIRED`.

A retired ID answers 404 `resource_not_found_error` ("Not found the model <id> or
Permission denied", kimi-api.md §8). Dates are the earliest date a source shows the model
gone: for the spec removals, the first OpenAPI snapshot without it; for the ~2026-08-31
wave, the date third-party probes report. Entries match by pattern so that the dated
variants of a family (`kimi-k2-<MMDD>-preview`, `moonshot-v1-<tier>[-vision-preview]`)
are covered without listing each one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["RETIRED", "Retirement", "retirement"]

_SPEC_0612 = (
    "kimi-api.md §0/§2: absent from the official OpenAPI from 2026-06-12_474dd14c.json; "
    "promptfoo.dev/docs/providers/moonshot: 'discontinued in 2026 — use kimi-k2.6'"
)
_WAVE_0831 = (
    "kimi-api.md §0/§2: jkjk02/kimi-probe server/probes/basic.py RETIRED_MODELS "
    "('官方于 2026-08-31 前已下线这些模型'); 404 'Not found the model … or Permission denied' (§8)"
)


@dataclass(frozen=True)
class Retirement:
    """One retired family: which IDs, since when, what to use instead, and the source."""

    pattern: str  # a regular expression matched against the whole ID
    retired_on: date  # earliest date a source shows the ID gone
    replacement: str
    source: str

    def matches(self, model_id: str) -> bool:
        return re.fullmatch(self.pattern, model_id) is not None


RETIRED: tuple[Retirement, ...] = (
    Retirement(
        r"kimi-thinking-preview",
        date(2026, 5, 1),
        "kimi-k2.6",
        "kimi-api.md §2: 2025 model, retired; not in any OpenAPI snapshot "
        "(first: 2026-05-01_3ec3cdde.json); LiteLLM moonshot transformation.py",
    ),
    Retirement(r"kimi-k2-\d{4}-preview", date(2026, 6, 12), "kimi-k2.6", _SPEC_0612),
    Retirement(r"kimi-k2-turbo-preview", date(2026, 6, 12), "kimi-k2.6", _SPEC_0612),
    Retirement(r"kimi-k2-thinking(?:-turbo)?", date(2026, 6, 12), "kimi-k2.6", _SPEC_0612),
    Retirement(
        r"kimi-latest(?:-\d+k)?",
        date(2026, 7, 9),
        "kimi-k2.6",
        "kimi-api.md §2/§8: 'Not found the model kimi-latest or Permission denied' "
        "(report of 2026-07-09, index 54553984694); promptfoo: discontinued in 2026",
    ),
    Retirement(r"kimi-k2\.5", date(2026, 8, 31), "kimi-k2.6", _WAVE_0831),
    Retirement(
        r"moonshot-v1-[a-z0-9]+(?:-vision-preview)?", date(2026, 8, 31), "kimi-k2.6", _WAVE_0831
    ),
)


def retirement(model_id: str) -> Retirement | None:
    """The table entry that retires `model_id` (exact, case-sensitive), or None."""
    return next((entry for entry in RETIRED if entry.matches(model_id)), None)
