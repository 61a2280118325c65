"""Model line-up drift: two /v1/models responses; the configured model's fate first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.drift import Change, compare_models, load_models, model_fate
from conformance.drift.models import parse_models
from conformance.errors import UsageError


def entry(model_id: str, **fields: Any) -> dict[str, Any]:
    base = {
        "id": model_id,
        "object": "model",
        "created": 1,
        "owned_by": "moonshot",
        "context_length": 262144,
        "supports_image_in": True,
        "supports_video_in": True,
        "supports_reasoning": True,
    }
    return {**base, **fields}


def line_up(*entries: dict[str, Any]) -> dict[str, Any]:
    return parse_models({"object": "list", "data": list(entries)}, "test")


def m(severity: str, model_id: str, what: str) -> Change:
    return Change(severity, "models", f"model {model_id}", what)  # type: ignore[arg-type]


OLD = line_up(entry("kimi-k2.6"), entry("kimi-k2.5"), entry("moonshot-v1-8k", context_length=8192))


def test_identical_line_ups_have_no_changes() -> None:
    assert compare_models(OLD, OLD) == []
    assert compare_models(OLD, OLD, "kimi-k2.6") == []
    assert model_fate(OLD, OLD, "kimi-k2.6") == (
        "Configured model 'kimi-k2.6' is still listed, capabilities unchanged."
    )


def test_a_new_model_is_additive() -> None:
    new = line_up(*OLD.values(), entry("kimi-k3"))
    assert compare_models(OLD, new) == [m("additive", "kimi-k3", "new model")]


def test_without_a_configured_model_every_removal_is_breaking() -> None:
    new = line_up(entry("kimi-k2.6"))
    assert compare_models(OLD, new) == [
        m("breaking", "kimi-k2.5", "model removed"),
        m("breaking", "moonshot-v1-8k", "model removed"),
    ]


def test_with_a_configured_model_only_its_loss_breaks_and_it_comes_first() -> None:
    new = line_up(entry("kimi-k2.6"))
    changes = compare_models(OLD, new, "moonshot-v1-8k")
    assert changes == [
        m("breaking", "moonshot-v1-8k", "model removed (configured model)"),
        m("additive", "kimi-k2.5", "model removed"),
    ]
    assert "REMOVED" in model_fate(OLD, new, "moonshot-v1-8k")
    # A retired model the team does not use is information, not a failure.
    assert [c.severity for c in compare_models(OLD, new, "kimi-k2.6")] == ["additive", "additive"]


@pytest.mark.parametrize(
    ("change", "severity", "what"),
    [
        ({"context_length": 131072}, "breaking", "context_length 262144 -> 131072"),
        ({"context_length": 1048576}, "additive", "context_length 262144 -> 1048576"),
        ({"supports_video_in": False}, "breaking", "supports_video_in True -> False"),
        (
            {"context_length": "262144"},
            "breaking",
            "context_length changed type: 262144 -> '262144'",
        ),
    ],
)
def test_capability_changes_of_the_configured_model(
    change: dict[str, Any], severity: str, what: str
) -> None:
    new = line_up(
        entry("kimi-k2.6", **change),
        entry("kimi-k2.5"),
        entry("moonshot-v1-8k", context_length=8192),
    )
    assert compare_models(OLD, new, "kimi-k2.6") == [
        m(severity, "kimi-k2.6", what + " (configured model)")
    ]
    assert "capabilities changed" in model_fate(OLD, new, "kimi-k2.6")


def test_capability_fields_appearing_and_disappearing() -> None:
    old = line_up({"id": "kimi-k2.6", "supports_reasoning": False})
    new = line_up({"id": "kimi-k2.6", "context_length": 262144})
    assert compare_models(old, new) == [
        m("additive", "kimi-k2.6", "new capability field context_length = 262144"),
        m("breaking", "kimi-k2.6", "supports_reasoning no longer reported (was False)"),
    ]
    # Fields that are not capabilities (created, owned_by) are not compared.
    assert compare_models(line_up(entry("x", created=1)), line_up(entry("x", created=2))) == []


def test_a_configured_model_listed_nowhere_is_breaking() -> None:
    changes = compare_models(OLD, OLD, "kimi-k9")
    assert changes == [
        m("breaking", "kimi-k9", "configured model is listed in neither response; check --model")
    ]
    assert model_fate(OLD, OLD, "kimi-k9").endswith("listed in neither response.")


def test_files_that_are_not_models_responses_are_usage_errors(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"object": "list", "data": [entry("kimi-k2.6")]}))
    assert list(load_models(path, "old response")) == ["kimi-k2.6"]
    path.write_text(json.dumps([entry("kimi-k2.6")]))
    with pytest.raises(UsageError, match="not a /v1/models response"):
        load_models(path, "old response")
    path.write_text("{")
    with pytest.raises(UsageError, match="is not JSON"):
        load_models(path, "old response")
