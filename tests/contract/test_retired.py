"""The retired-model table: every documented retirement is found, current models are not."""

from __future__ import annotations

import re
from datetime import date

import pytest

from conformance.contract.model_ids import classify
from conformance.contract.retired import RETIRED, retirement

RETIRED_IDS = [
    "kimi-thinking-preview", "kimi-k2-0711-preview", "kimi-k2-0905-preview",
    "kimi-k2-turbo-preview", "kimi-k2-thinking", "kimi-k2-thinking-turbo", "kimi-latest",
    "kimi-latest-32k", "kimi-k2.5", "moonshot-v1-8k", "moonshot-v1-32k", "moonshot-v1-128k",
    "moonshot-v1-auto", "moonshot-v1-8k-vision-preview", "moonshot-v1-128k-vision-preview",
]  # fmt: skip
CURRENT_IDS = [
    "kimi-k2.6", "kimi-k2.7-code", "kimi-k2.7-code-highspeed", "kimi-k3", "kimi-k2.55",
    "kimi-k2.5-preview", "kimi-k3-thinking", "moonshot-v2-8k", "Kimi-K2.5", "",
]  # fmt: skip


@pytest.mark.parametrize("model_id", RETIRED_IDS)
def test_retired_ids_are_found_with_a_current_replacement(model_id: str) -> None:
    entry = retirement(model_id)
    assert entry is not None
    assert retirement(entry.replacement) is None and classify(entry.replacement).native


@pytest.mark.parametrize("model_id", CURRENT_IDS)
def test_current_and_unrelated_ids_are_not_retired(model_id: str) -> None:
    assert retirement(model_id) is None


def test_every_entry_is_dated_sourced_and_a_valid_pattern() -> None:
    for entry in RETIRED:
        re.compile(entry.pattern)
        assert date(2026, 1, 1) <= entry.retired_on <= date(2026, 12, 31)
        assert "kimi-api.md" in entry.source
