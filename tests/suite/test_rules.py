"""Every shipped check names the evidence rules it applies; a check without one is caught."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.contract.evidence import RULES
from conformance.run.verdicts import rules_of


def rule_problems(items: Iterable[Any]) -> list[str]:
    """What is wrong with the rules the collected checks name: none named, an unknown id,
    or an observation (advice/inferred) rule sharing its check with others (its check's
    outcome must say what happened to that one rule)."""
    problems = []
    for item in items:
        rules = rules_of(item)
        if not rules:
            problems.append(f"{item.nodeid}: names no rule (@pytest.mark.kimi_rule)")
            continue
        unknown = [r for r in rules if r not in RULES]
        if unknown:
            problems.append(f"{item.nodeid}: unknown rules {unknown}")
            continue
        observed = [r for r in rules if not RULES[r].fails_run]
        if observed and len(rules) > 1:
            problems.append(f"{item.nodeid}: observation rule {observed} shares its check")
    return problems


def suite_items(pytester: Any) -> list[Any]:
    items, _ = pytester.inline_genitems(
        "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "--web-search"
    )
    return list(items)


def test_every_shipped_check_names_registered_rules(pytester: Any) -> None:
    items = suite_items(pytester)
    assert len(items) >= 80
    assert rule_problems(items) == []
    local = {item.name for item in items if item.get_closest_marker("kimi_local")}
    assert local == {  # the checks that send nothing
        "test_base_url_is_official",
        "test_gateway_id_refused_before_sending[kimi-k2.6-aimlapi]",
        "test_gateway_id_refused_before_sending[kimi-k2.6-openrouter]",
        "test_gateway_id_refused_before_sending[kimi-k2.6-together]",
    }


def test_a_check_without_a_rule_or_with_an_unknown_one_is_caught(pytester: Any) -> None:
    pytester.makepyfile(
        test_fake="""
        import pytest

        def test_unmarked():
            pass

        @pytest.mark.kimi_rule("no.such-rule")
        def test_unknown():
            pass

        @pytest.mark.kimi_rule("partial.with-json-object", "chat.completion")
        def test_mixed():
            pass

        @pytest.mark.kimi_rule("chat.completion", "chat.model-echo")
        def test_fine():
            pass
        """
    )
    items, _ = pytester.inline_genitems("-p", "no:cacheprovider")
    problems = rule_problems(items)
    assert [p.split("::")[1].split(":")[0] for p in problems] == [
        "test_unmarked",
        "test_unknown",
        "test_mixed",
    ]
