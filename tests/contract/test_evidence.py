"""Every rule has an evidence level, and the level is backed by what it must carry."""

from __future__ import annotations

import pytest

from conformance.contract import evidence
from conformance.contract.evidence import FAILING, LEVELS, RULES, Rule


def test_every_rule_with_its_level(capsys: pytest.CaptureFixture[str]) -> None:
    """The list of every rule and its level (printed with -s); a rule without a level, or
    with one that is not a level, fails here."""
    for item in RULES.values():
        print(f"{item.level:<10}  {item.id:<32}  {item.says}")
        assert item.level in LEVELS, item.id
        assert item.says and item.source, item.id
        if item.level in FAILING:
            assert item.quote, f"{item.id} is {item.level} without the words it rests on"
        assert item.fails_run is (item.level in FAILING)
    assert len(capsys.readouterr().out.splitlines()) == len(RULES)


def test_every_level_is_used_and_only_documented_and_captured_fail() -> None:
    groups = evidence.by_level()
    assert list(groups) == list(LEVELS)
    assert all(groups[level] for level in LEVELS), {k: len(v) for k, v in groups.items()}
    assert {"documented", "captured"} == FAILING
    assert evidence.fails_run("chat.messages-not-empty")
    assert not evidence.fails_run("partial.with-json-object")


def test_the_rules_the_issue_names_have_the_honest_level() -> None:
    """A server that follows the documentation fails none of these (issue #14)."""
    assert RULES["tools.orphan-message"].level == "inferred"  # no doc states the answer
    assert RULES["partial.with-json-object"].level == "advice"  # "do not mix": advice
    assert RULES["headers.request-id"].level == "captured"  # seen on every live answer
    assert RULES["request.not-json"].level == "documented"


def test_conflicting_doc_generations_are_named() -> None:
    """Where kimi-api.md marks ⚠ between doc generations the rule says which answers pass."""
    for rule_id in ("auth.401", "chat.completion", "stream.usage", "tools.function-name"):
        assert "both pass" in RULES[rule_id].conflict or "judged" in RULES[rule_id].conflict


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (Rule("x", "documented", "says", "source"), "quote the docs"),
        (Rule("x", "captured", "says", "source"), "quote the docs or the answer"),
        (Rule("x", "rumoured", "says", "source", "q"), "is not one of"),  # type: ignore[arg-type]
        (Rule("x", "advice", "", "source"), "needs what it says and its source"),
        (Rule("x", "inferred", "says", ""), "needs what it says and its source"),
    ],
    ids=["documented-unquoted", "captured-unquoted", "no-level", "no-says", "no-source"],
)
def test_a_rule_without_its_evidence_is_refused(bad: Rule, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        evidence._registry([bad])


def test_a_rule_is_defined_once_and_unknown_ids_are_named() -> None:
    twice = Rule("x", "advice", "says", "source")
    with pytest.raises(ValueError, match="defined twice"):
        evidence._registry([twice, twice])
    with pytest.raises(KeyError, match="no rule 'nope'"):
        evidence.rule("nope")
