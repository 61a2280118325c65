"""The model matrix of a run: which models the model-dependent checks run for.

`--models all|ID,ID` (env `KIMI_MODELS`; `--model ID` / `KIMI_MODEL_ID` is one model).
Checks marked `kimi_each_model` run once per model; every other check that needs a
model runs once, for the run's *primary* model; checks that need none (auth, base URL,
the models rule, files, batches, balance) run once. The model is in the check's id
(`test_chat_completion_conforms[kimi-k3-raw]`), so recordings and reports keep them apart.

Nothing may be sent at collection, yet the model list comes from this run's `GET /models`.
Both hold because the matrix is fixed at collection from what is known without sending,
and checked against `/models` when the run opens:

- `all` expands to the catalog's current line-up, which is what the emulator serves and
  what the shipped recordings list (`tests/test_lineup.py` keeps them equal); on replay,
  to what the recorded `GET /models` lists. When the run opens, a catalog model the live
  `/models` no longer lists is skipped with a note, and a listed model the catalog does
  not know is named in a note (`drift_notes`);
- explicit IDs are checked at collection for what needs no answer (empty item, gateway
  ID, duplicate, retired, not listed on the emulator or in the recordings), and against
  the live `/models` once the preflight has it (`unlisted`): one line, nothing more sent.

The primary model follows `model_ids.MODEL_CHOICE_RULE` among the matrix's models (the
cheapest to test), so a default run and `--models all` share their once-only checks.

Public API: `Matrix`, `matrix_for` (from settings), `make_matrix`, `parse_models`,
`unlisted`, `drift_notes`, `listed_in`, `recorded_listing`, `recorded_models`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.contract.catalog import CURRENT_MODELS, current_ids
from conformance.contract.lineup import standing
from conformance.contract.model_ids import choose_model, closest
from conformance.errors import UsageError

__all__ = [
    "Matrix",
    "check_recordings",
    "drift_notes",
    "listed_in",
    "make_matrix",
    "matrix_for",
    "model_drift",
    "parse_models",
    "recorded_listing",
    "recorded_models",
    "unlisted",
]

ALL = "all"


@dataclass(frozen=True)
class Matrix:
    """The models of a run, fixed at collection."""

    models: tuple[str, ...]  # every model the per-model checks run for, in run order
    primary: str  # the model the once-only checks use
    requested: str  # "default" (nothing asked), "all", or "list"

    @property
    def ids(self) -> str:
        return ", ".join(self.models)

    def for_check(self, each_model: bool, recording: bool = False) -> tuple[str, ...]:
        """The models one check runs for. A recording run records every check for every
        model, so that replay can later take any of them as the primary."""
        return self.models if each_model or recording else (self.primary,)

    def to_json(self) -> dict[str, Any]:
        return {"models": list(self.models), "primary": self.primary, "requested": self.requested}


def _shown(listed: Sequence[str]) -> str:
    return ", ".join(listed) if listed else "none"


def _problem(what: str, listed: Sequence[str], near: str | None = None) -> UsageError:
    hint = f"; closest listed: '{near}'" if near else ""
    return UsageError(f"{what}{hint}; listed IDs: {_shown(listed)}")


def parse_models(text: str, listed: Sequence[str], *, flag: str = "--models") -> tuple[str, ...]:
    """The IDs of `--models ID,ID` (or `all`: `listed`), refusing bad input in one line.

    `listed`: the IDs known to be listed without sending anything (the catalog's line-up,
    or the recorded `GET /models`). An empty item, a gateway ID or a duplicate is
    refused, naming the listed IDs and the closest match. (A retired or unknown ID is
    refused when it is not listed: at collection where the listing is known, else when
    the run opens.)"""
    text = text.strip()
    if text.lower() == ALL:
        return tuple(listed)
    items = [item.strip() for item in text.split(",")]
    seen: set[str] = set()
    for index, item in enumerate(items, 1):
        if not item:
            raise _problem(
                f"{flag} {text!r}: item {index} is empty (write IDs separated by single "
                f"commas, or 'all')",
                listed,
            )
        if item.lower() == ALL:
            raise _problem(f"{flag} {text!r}: 'all' cannot be combined with IDs", listed)
        if item in seen:
            raise _problem(f"{flag} {text!r}: {item!r} is given twice", listed)
        seen.add(item)
        judged = standing(item)
        if judged.status == "foreign":
            line = judged.line.removesuffix(".")
            raise _problem(f"{flag}: {line}", listed, closest(item, listed))
    return tuple(items)


def _not_listed(flag: str, model: str, listed: Sequence[str]) -> UsageError:
    judged = standing(model)
    why = f" ({judged.line.removesuffix('.')})" if judged.status == "retired" else ""
    return _problem(f"{flag}: {model!r} is not listed by GET /models{why}", listed,
                    closest(model, listed))  # fmt: skip


def _primary(models: Sequence[str]) -> str:
    """The cheapest model to test among `models` (`MODEL_CHOICE_RULE`)."""
    known = {m.id: m.to_json() for m in CURRENT_MODELS}
    document = {"data": [known.get(m, {"id": m, "created": 0}) for m in models]}
    chosen, _ = choose_model(document, None)
    return chosen or models[0]


def make_matrix(
    models: str | None,
    *,
    listed: Sequence[str],
    strict: bool,
    flag: str = "--models",
) -> Matrix:
    """The matrix for `--models`/`--model` text (None: the default model).

    `strict`: the IDs must be in `listed` (the emulator, or replay's recorded
    `GET /models`); a live run checks them against its own `/models` when it opens."""
    if models is None:
        default = _primary(listed or current_ids())
        return Matrix((default,), default, "default")
    chosen = parse_models(models, listed, flag=flag)
    if not chosen:
        raise _problem(f"{flag} {models!r}: no models are listed", listed)
    if strict:
        for model in chosen:
            if model not in listed:
                raise _not_listed(flag, model, listed)
    requested = ALL if models.strip().lower() == ALL else "list"
    return Matrix(tuple(chosen), _primary(chosen), requested)


def unlisted(matrix: Matrix, models_document: Any) -> UsageError | None:
    """For explicit IDs: the first one this run's `GET /models` does not list, as the one
    line the run stops with (before any check sends)."""
    listed = listed_in(models_document)
    if matrix.requested != "list":
        return None
    for model in matrix.models:
        if model not in listed:
            return _not_listed("--models" if len(matrix.models) > 1 else "--model", model, listed)
    return None


def model_drift(matrix: Matrix, models_document: Any) -> list[tuple[str, str, str]]:
    """(severity, model, one line) per model the catalog and this run's `GET /models`
    disagree on: a catalog model it does not list (breaking, as in `drift.models`), a
    listed model the catalog has no rules for (additive)."""
    listed = listed_in(models_document)
    found = []
    for model in matrix.models:
        if model not in listed:
            line = (
                f"{model} is in the catalog's line-up but GET /models does not list it: "
                "its checks were skipped"
            )
            found.append(("breaking", model, line))
        elif not standing(model).has_rules:
            line = f"no rules known for {model}; checked as a generic chat model"
            found.append(("additive", model, line))
    for model in listed:
        if model not in matrix.models and standing(model).status != "current":
            line = (
                f"no rules known for {model} (listed by GET /models): not in this run's "
                f"matrix, which was fixed at collection; check it as a generic chat model "
                f"with --models {model}"
            )
            found.append(("additive", model, line))
    return found


def drift_notes(matrix: Matrix, models_document: Any) -> list[str]:
    """The lines of `model_drift`, for the report's notes."""
    return [line for _, _, line in model_drift(matrix, models_document)]


def listed_in(models_document: Any) -> list[str]:
    data = models_document.get("data") if isinstance(models_document, dict) else None
    return [m["id"] for m in data or () if isinstance(m, dict) and isinstance(m.get("id"), str)]


def recorded_listing(cassettes: Path) -> list[str] | None:
    """The IDs the recorded `GET /models` lists (replay's line-up), read from the file."""
    import yaml

    path = cassettes / "session" / "models.yaml"
    try:
        cassette = yaml.safe_load(path.read_text(encoding="utf-8"))
        body = cassette["interactions"][0]["response"]["body"]["string"]
        return listed_in(json.loads(body))
    except (OSError, ValueError, KeyError, IndexError, TypeError, yaml.YAMLError):
        return None


def recorded_models(cassettes: Path, candidates: Iterable[str]) -> list[str]:
    """The `candidates` that recordings in `cassettes` exist for (by the model in the
    recorded check ids: `test_x[<model>]`, `test_x[<model>-raw]`)."""
    names = [p.stem for p in cassettes.rglob("*.yaml")] if cassettes.is_dir() else []
    brackets = [name[name.index("[") + 1 : -1] for name in names if "[" in name]
    pool = sorted(set(candidates), key=len, reverse=True)
    found: set[str] = set()
    for inside in brackets:
        for model in pool:  # longest first: kimi-k2.7-code-highspeed before kimi-k2.7-code
            if inside == model or inside.startswith(model + "-"):
                found.add(model)
                break
    return [model for model in candidates if model in found]


def matrix_for(settings: Any) -> Matrix:
    """The matrix of a run's settings, refusing bad `--models`/`--model` in one line.

    Pure: reads the settings and, on replay, the recorded `GET /models` (replay's
    line-up)."""
    text = settings.models if settings.models is not None else settings.model
    flag = "--models" if settings.models is not None else "--model"
    if settings.target == "replay":
        listed = recorded_listing(_cassettes(settings)) or list(current_ids())
        return make_matrix(text, listed=listed, strict=False, flag=flag)
    strict = settings.target == "emulator"
    return make_matrix(text, listed=list(current_ids()), strict=strict, flag=flag)


def _cassettes(settings: Any) -> Path:
    own = getattr(settings, "cassettes", None)
    if own:
        return Path(own)
    from conformance._resources import cassettes_dir

    return cassettes_dir()


def check_recordings(settings: Any, matrix: Matrix) -> None:
    """Replay of a model the recordings do not cover ends in one line: which models have
    recordings, and how to record this one into a folder of your own. (A folder with no
    recordings of any model is left to each check's missing-recording message.)"""
    cassettes = _cassettes(settings)
    listed = recorded_listing(cassettes) or list(current_ids())
    have = recorded_models(cassettes, [*listed, *matrix.models])
    for model in matrix.models:
        if have and model not in have:
            raise UsageError(
                f"no recordings for {model!r} in {cassettes} (recordings exist for "
                f"{_shown(have)}); record it into a folder of your own with "
                f"`kimi-conformance run --live --model {model} --record-mode=rewrite "
                f"--cassettes DIR`, then replay it with `--cassettes DIR`"
            )
