"""The model matrix: `--models all|ID,ID`, bad input in one line, the primary model,
drift between the catalog and a run's GET /models, and which models have recordings."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.contract.catalog import current_ids
from conformance.errors import UsageError
from conformance.run.config import resolve
from conformance.run.matrix import (
    check_recordings,
    drift_notes,
    make_matrix,
    matrix_for,
    model_drift,
    parse_models,
    recorded_listing,
    recorded_models,
    unlisted,
)

LISTED = list(current_ids())


def listing(*ids: str) -> dict[str, object]:
    return {"object": "list", "data": [{"id": i, "object": "model"} for i in ids]}


def test_all_is_the_listed_line_up_and_the_primary_is_the_cheapest() -> None:
    matrix = make_matrix("all", listed=LISTED, strict=True)
    assert matrix.models == tuple(LISTED) and matrix.requested == "all"
    assert matrix.primary == "kimi-k2.6"  # the newest model whose thinking can be switched off
    assert matrix.for_check(each_model=False) == ("kimi-k2.6",)
    assert matrix.for_check(each_model=True) == tuple(LISTED)
    assert matrix.for_check(each_model=False, recording=True) == tuple(LISTED)


def test_no_models_is_one_default_model() -> None:
    matrix = make_matrix(None, listed=LISTED, strict=True)
    assert (matrix.models, matrix.requested) == (("kimi-k2.6",), "default")


def test_ids_keep_their_order_and_spaces_are_forgiven() -> None:
    matrix = make_matrix(" kimi-k3 , kimi-k2.7-code ", listed=LISTED, strict=True)
    assert matrix.models == ("kimi-k3", "kimi-k2.7-code")
    assert matrix.primary == "kimi-k3"  # newest among those asked for (none has a toggle)


@pytest.mark.parametrize(
    ("text", "problem", "closest"),
    [
        ("kimi-k3,,kimi-k2.6", "item 2 is empty", None),
        ("kimi-k3,", "item 2 is empty", None),
        ("moonshotai/kimi-k2.6", "is a third-party model ID", "kimi-k2.6"),
        ("kimi-k3,kimi-k3", "'kimi-k3' is given twice", None),
        (
            "kimi-k2.5",
            "not listed by GET /models ('kimi-k2.5' was retired on 2026-08-31",
            "kimi-k2.6",
        ),
        ("kimi-k2.66", "'kimi-k2.66' is not listed by GET /models", "kimi-k2.6"),
        ("all,kimi-k3", "'all' cannot be combined", None),
    ],
)
def test_bad_models_are_one_line_naming_the_listed_ids_and_the_closest(
    text: str, problem: str, closest: str | None
) -> None:
    with pytest.raises(UsageError) as caught:
        make_matrix(text, listed=LISTED, strict=True)
    message = str(caught.value)
    assert "\n" not in message and problem in message
    assert "listed IDs: " + ", ".join(LISTED) in message
    if closest:
        assert f"closest listed: '{closest}'" in message


def test_an_unknown_moonshot_id_waits_for_the_live_listing() -> None:
    matrix = make_matrix("kimi-k9", listed=LISTED, strict=False)
    assert matrix.models == ("kimi-k9",)
    problem = unlisted(matrix, listing(*LISTED))
    assert problem is not None and "--model: 'kimi-k9' is not listed by GET /models" in str(problem)
    assert unlisted(matrix, listing(*LISTED, "kimi-k9")) is None
    assert drift_notes(matrix, listing(*LISTED, "kimi-k9")) == [
        "no rules known for kimi-k9; checked as a generic chat model"
    ]


def test_all_notes_what_the_live_listing_adds_or_drops() -> None:
    matrix = make_matrix("all", listed=LISTED, strict=False)
    assert unlisted(matrix, listing("kimi-k2.6")) is None  # all: drift, never a usage error
    live = listing("kimi-k2.6", "kimi-k2.7-code", "kimi-k2.7-code-highspeed", "kimi-k9")
    notes = drift_notes(matrix, live)
    assert [severity for severity, _, _ in model_drift(matrix, live)] == ["breaking", "additive"]
    assert notes[0].startswith("kimi-k3 is in the catalog's line-up but GET /models does not")
    assert any(n.startswith("no rules known for kimi-k9") for n in notes)


def test_parse_needs_no_listing_for_all() -> None:
    assert parse_models("ALL", ["a-model"]) == ("a-model",)


def _cassette(root: Path, name: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("interactions: []\n")


def test_recorded_models_tell_prefix_sharing_ids_apart(tmp_path: Path) -> None:
    _cassette(tmp_path, "test_chat/test_x[kimi-k2.7-code-highspeed-raw].yaml")
    _cassette(tmp_path, "session/chat-tool-answer[kimi-k3].yaml")
    _cassette(tmp_path, "test_auth/test_y[basic-scheme].yaml")
    found = recorded_models(tmp_path, ["kimi-k3", "kimi-k2.7-code", "kimi-k2.7-code-highspeed"])
    assert found == ["kimi-k3", "kimi-k2.7-code-highspeed"]


def test_replay_of_a_model_without_recordings_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cassette(tmp_path, "session/chat-tool-answer[kimi-k2.6].yaml")
    monkeypatch.setenv("KIMI_CONFORMANCE_CASSETTES", str(tmp_path))
    settings = resolve({"target": "replay", "model": "kimi-k3"}, {})
    with pytest.raises(UsageError) as caught:
        check_recordings(settings, matrix_for(settings))
    message = str(caught.value)
    assert "no recordings for 'kimi-k3'" in message and "recordings exist for kimi-k2.6" in message
    assert "--record-mode=rewrite --cassettes DIR" in message and "\n" not in message


def test_the_shipped_recordings_cover_every_current_model() -> None:
    from conformance._resources import cassettes_dir

    assert recorded_listing(cassettes_dir()) == LISTED
    assert recorded_models(cassettes_dir(), LISTED) == LISTED
    settings = resolve({"target": "replay", "models": "all"}, {})
    assert matrix_for(settings).models == tuple(LISTED)
    check_recordings(settings, matrix_for(settings))  # covered: no error


def test_a_folder_without_any_recordings_is_left_to_each_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIMI_CONFORMANCE_CASSETTES", str(tmp_path))
    settings = resolve({"target": "replay", "model": "kimi-k3"}, {})
    check_recordings(settings, matrix_for(settings))  # the missing-recording lines say it


def test_model_and_models_clash_only_at_the_same_level() -> None:
    with pytest.raises(UsageError, match="not both"):
        resolve({"model": "kimi-k3", "models": "all"}, {})
    with pytest.raises(UsageError, match="not both"):
        resolve({}, {"KIMI_MODEL_ID": "kimi-k3", "KIMI_MODELS": "all"})
    settings = resolve({"models": "all"}, {"KIMI_MODEL_ID": "kimi-k3"})
    assert (settings.model, settings.models) == (None, "all")
    settings = resolve({"model": "kimi-k3"}, {"KIMI_MODELS": "all"})
    assert (settings.model, settings.models) == ("kimi-k3", None)


def _not_per_model(source: str) -> list[int]:
    """Lines of `source` where `shared(run, cassette, name, send)` gets a name without the
    model (only the answers that need no model may be plain)."""
    import ast

    model_free = {"models", "balance"}
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "shared"):
            continue
        name = node.args[2] if len(node.args) > 2 else None
        if isinstance(name, ast.Constant) and name.value in model_free:
            continue
        if not (
            isinstance(name, ast.JoinedStr)
            and any(isinstance(part, ast.FormattedValue) for part in name.values)
        ):
            lines.append(node.lineno)
    return lines


def test_every_shared_answer_that_needs_a_model_is_named_per_model() -> None:
    """`exchanges.shared` keeps one answer per name: a name without the model would serve
    one model's answer to another model's checks (and record them in one cassette)."""
    from conformance._resources import SUITE_DIR

    wrong = {
        path.name: lines
        for path in sorted(SUITE_DIR.glob("*.py"))
        if (lines := _not_per_model(path.read_text(encoding="utf-8")))
    }
    assert wrong == {}
    bad = (
        'x = exchanges.shared(run, c, "chat-raw", send)\n'
        'y = exchanges.shared(run, c, "models", fetch)\n'
    )
    assert _not_per_model(bad) == [1]
    assert _not_per_model('x = exchanges.shared(run, c, f"chat-raw[{model}]", send)\n') == []
