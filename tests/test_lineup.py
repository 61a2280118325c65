"""One line-up: the catalog, the retired table, `check-model`, `lint`, the emulator's
`GET /models` and the shipped recordings agree on which IDs are current, retired (with the
date) or unknown. `views()` asks each of them; a test fails when any two disagree, and
`test_a_disagreement_is_caught` shows that it would."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import yaml

from conformance._resources import cassettes_dir
from conformance.cli import main
from conformance.contract import catalog, retired
from conformance.contract.catalog import CURRENT_MODELS, LEGACY_MODELS, current_ids, rules_for
from conformance.contract.lineup import standing
from conformance.contract.model_ids import classify
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import Request
from conformance.lint import scan_text

# Every model ID kimi-api.md §2 and §0 name as gone, one per retired family at least.
RETIRED_IDS = (
    "kimi-latest",
    "kimi-latest-8k",
    "kimi-thinking-preview",
    "kimi-k2-0711-preview",
    "kimi-k2-0905-preview",
    "kimi-k2-turbo-preview",
    "kimi-k2-thinking",
    "kimi-k2-thinking-turbo",
    *(model.id for model in LEGACY_MODELS),
)
UNKNOWN_IDS = ("kimi-k9", "kimi-k3.5-mini", "moonshot-v2-1m")
ALL_IDS = (*current_ids(), *RETIRED_IDS, *UNKNOWN_IDS)


def _check_model(model_id: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check-model", model_id])
    line = out.getvalue()
    if code == 1 and "retired on" in line:
        return "retired"
    return {0: "unknown" if line.startswith("warn") else "current"}.get(code, "foreign")


def _lint(model_id: str) -> str:
    findings = scan_text("app.py", f'model = "{model_id}"\n')
    return "retired" if any(f.rule == "retired-model" for f in findings) else "not retired"


def _listed_by_emulator() -> list[str]:
    request = Request("GET", "/models", {}, {"authorization": f"Bearer {DEFAULT_KEY}"}, b"")
    return [m["id"] for m in json.loads(Emulator().handle(request).body)["data"]]


def _listed_by_recordings(root: Path) -> list[str]:
    cassette = yaml.safe_load((root / "session" / "models.yaml").read_text())
    [interaction] = cassette["interactions"]
    return [m["id"] for m in json.loads(interaction["response"]["body"]["string"])["data"]]


def _recorded_models(root: Path) -> set[str]:
    """Every model a shipped recording asks for, except where a check sends a wrong ID on
    purpose (the gateway-ID checks)."""
    models = set()
    for path in root.rglob("*.yaml"):
        if path.parent.name == "test_gateway_ids":
            continue
        for interaction in yaml.safe_load(path.read_text())["interactions"]:
            body = interaction["request"].get("body")
            if not body:
                continue
            with contextlib.suppress(ValueError, TypeError):
                document = json.loads(body)
                if isinstance(document, dict) and isinstance(document.get("model"), str):
                    models.add(document["model"])
    return models


def views(
    ids: Iterable[str],
    *,
    listed: Iterable[str],
    recorded_listed: Iterable[str],
    recorded: Iterable[str],
    judge: Callable[[str], str] = lambda m: standing(m).status,
) -> list[str]:
    """Every disagreement between the views of the line-up, one line each."""
    problems = []
    listed, recorded_listed = list(listed), list(recorded_listed)
    current = set(current_ids())
    if listed != list(current_ids()):
        problems.append(f"emulator GET /models {listed} != catalog {list(current_ids())}")
    if recorded_listed != list(current_ids()):
        problems.append(f"recorded GET /models {recorded_listed} != catalog")
    for model in sorted(set(recorded) - current):
        problems.append(f"a shipped recording asks for {model!r}, which is not current")
    for model_id in ids:
        status = judge(model_id)
        in_catalog = model_id in current
        in_table = retired.retirement(model_id) is not None
        if (status == "current") != in_catalog or (status == "retired") != in_table:
            problems.append(f"{model_id}: {status}; in catalog {in_catalog}, in table {in_table}")
        if in_catalog and in_table:
            problems.append(f"{model_id}: both current and retired")
        if _check_model(model_id) != status:
            problems.append(f"{model_id}: check-model says {_check_model(model_id)}, not {status}")
        if (_lint(model_id) == "retired") != (status == "retired"):
            problems.append(f"{model_id}: lint says {_lint(model_id)}, standing {status}")
    return problems


def test_every_view_of_the_line_up_agrees() -> None:
    root = cassettes_dir()
    problems = views(
        ALL_IDS,
        listed=_listed_by_emulator(),
        recorded_listed=_listed_by_recordings(root),
        recorded=_recorded_models(root),
    )
    assert problems == []


def test_a_disagreement_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    current = list(current_ids())
    assert views([], listed=[*current, "kimi-k2.5"], recorded_listed=current, recorded=[])
    assert views([], listed=current, recorded_listed=current[1:], recorded=[])
    assert views([], listed=current, recorded_listed=current, recorded=["moonshot-v1-8k"])
    # The retired table and the catalog disagreeing about kimi-k3:
    entry = retired.Retirement(r"kimi-k3", retired.date(2026, 9, 1), "kimi-k2.6", "test")
    monkeypatch.setattr(retired, "RETIRED", (*retired.RETIRED, entry))
    assert views(["kimi-k3"], listed=current, recorded_listed=current, recorded=[])


@pytest.mark.parametrize("model_id", RETIRED_IDS)
def test_retired_ids_name_a_current_replacement_and_a_date(model_id: str) -> None:
    judged = standing(model_id)
    assert judged.status == "retired" and judged.retired is not None
    assert judged.replacement in current_ids()
    assert judged.retired.retired_on.isoformat() in judged.line


@pytest.mark.parametrize("model", CURRENT_MODELS, ids=lambda m: m.id)
def test_current_models_are_native_with_rules(model: catalog.ModelInfo) -> None:
    assert classify(model.id).native
    assert rules_for(model.id).family == model.family
    assert standing(model.id).has_rules


def test_every_replacement_in_the_retired_table_is_current() -> None:
    assert {entry.replacement for entry in retired.RETIRED} <= set(current_ids())


@pytest.mark.parametrize("model_id", UNKNOWN_IDS)
def test_unknown_ids_are_neither_current_nor_retired(model_id: str) -> None:
    assert standing(model_id).status == "unknown"
