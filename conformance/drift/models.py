"""Drift in the model line-up: two `GET /v1/models` responses, old and new.

A model added is additive. A model removed, or a capability taken away (a smaller
`context_length`, a `supports_*` flag turned off or gone), is breaking **when it can touch
the team**: with `--model ID` only the configured model's losses break, and other models'
losses are reported as additive (information about models the team does not call); without
`--model`, every loss is breaking, because any model may be in use. The configured model's
fate comes first in the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.drift._load import load_json
from conformance.drift.change import Change, Severity
from conformance.errors import UsageError

Models = dict[str, Mapping[str, Any]]


def load_models(path: Path, role: str) -> Models:
    """Parse a `/v1/models` response file into {model id: entry}."""
    return parse_models(load_json(path, role), f"{role} {path}")


def parse_models(document: object, label: str) -> Models:
    data = document.get("data") if isinstance(document, Mapping) else None
    if not isinstance(data, list):
        raise UsageError(
            f"{label} is not a /v1/models response (no 'data' list); "
            f"save the body of GET /v1/models as JSON"
        )
    models: Models = {}
    for entry in data:
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            models[entry["id"]] = entry
    return models


def _capabilities(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in entry.items()
        if key == "context_length" or key.startswith("supports_")
    }


def _capability_change(key: str, before: object, after: object) -> tuple[bool, str]:
    """(is a loss, description) for one capability field that differs."""
    if after is None:
        return True, f"{key} no longer reported (was {before!r})"
    if before is None:
        return False, f"new capability field {key} = {after!r}"
    if isinstance(before, bool) and isinstance(after, bool):
        return before, f"{key} {before!r} -> {after!r}"
    numbers = (int, float)
    if isinstance(before, numbers) and isinstance(after, numbers):
        return after < before, f"{key} {before!r} -> {after!r}"
    return True, f"{key} changed type: {before!r} -> {after!r}"


def model_fate(old: Models, new: Models, model: str) -> str:
    """One sentence on what happened to the configured model."""
    if model in old and model in new:
        if _capabilities(old[model]) == _capabilities(new[model]):
            return f"Configured model {model!r} is still listed, capabilities unchanged."
        return f"Configured model {model!r} is still listed, but its capabilities changed."
    if model in old:
        return f"Configured model {model!r} was REMOVED: requests for it will fail."
    if model in new:
        return f"Configured model {model!r} is newly listed."
    return f"Configured model {model!r} is listed in neither response."


def compare_models(old: Models, new: Models, model: str | None = None) -> list[Change]:
    changes: list[Change] = []

    def loss(model_id: str) -> Severity:
        return "breaking" if model is None or model_id == model else "additive"

    order = sorted(set(old) | set(new))
    if model is not None:
        order = [model, *(model_id for model_id in order if model_id != model)]
        if model not in old and model not in new:
            changes.append(
                Change(
                    "breaking",
                    "models",
                    f"model {model}",
                    "configured model is listed in neither response; check --model",
                )
            )
    for model_id in order:
        where = f"model {model_id}"
        tag = " (configured model)" if model_id == model else ""
        if model_id in old and model_id not in new:
            changes.append(Change(loss(model_id), "models", where, f"model removed{tag}"))
        elif model_id in new and model_id not in old:
            changes.append(Change("additive", "models", where, f"new model{tag}"))
        elif model_id in old:
            before, after = _capabilities(old[model_id]), _capabilities(new[model_id])
            for key in sorted(set(before) | set(after)):
                if before.get(key) == after.get(key) and type(before.get(key)) is type(
                    after.get(key)
                ):
                    continue
                is_loss, what = _capability_change(key, before.get(key), after.get(key))
                changes.append(
                    Change(loss(model_id) if is_loss else "additive", "models", where, what + tag)
                )
    return changes
