"""Change ordering, the exit rule, and the Markdown / JSON renderers."""

from __future__ import annotations

import json

import pytest

from conformance.drift import Change, fails, render_json, render_markdown

ADD = Change("additive", "spec", "Message.role", 'enum value "tool" added')
BREAK = Change("breaking", "models", "model kimi-k2.5", "model removed | retired")


@pytest.mark.parametrize(
    ("changes", "fail_on", "expected"),
    [
        ([], "breaking", False),
        ([ADD], "breaking", False),
        ([ADD, BREAK], "breaking", True),
        ([ADD], "additive", True),
        ([], "additive", False),
        ([BREAK], "never", False),
    ],
)
def test_fail_on(changes: list[Change], fail_on: str, expected: bool) -> None:
    assert fails(changes, fail_on) is expected  # type: ignore[arg-type]


def test_markdown_has_a_heading_counts_and_a_table_with_breaking_first() -> None:
    text = render_markdown([ADD, BREAK], title="Drift", notes=["Configured model 'x' was REMOVED"])
    lines = text.splitlines()
    assert lines[0] == "## Drift"
    assert "**1 breaking**, 1 additive" in lines
    assert "> Configured model 'x' was REMOVED" in lines
    rows = [line for line in lines if line.startswith("| ")]
    assert rows[0] == "| severity | source | where | what |"
    assert "breaking" in rows[1] and "additive" in rows[2]
    # A `|` inside a cell is escaped so the row keeps four columns.
    assert rows[1].endswith("| model removed \\| retired |")


def test_markdown_without_changes_says_so() -> None:
    text = render_markdown([])
    assert "**0 breaking**, 0 additive" in text
    assert "No changes found." in text
    assert "|" not in text


def test_json_round_trips_with_counts_and_breaking_first() -> None:
    document = json.loads(render_json([ADD, BREAK], notes=["n"]))
    assert document["summary"] == {"breaking": 1, "additive": 1}
    assert document["notes"] == ["n"]
    assert [Change(**c) for c in document["changes"]] == [BREAK, ADD]
