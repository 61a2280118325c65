"""Every rejection of the emulator names the evidence rule it applies (an ApiError's
`rule=`), so a user of the emulator can tell what Moonshot documents from what it only
infers; an unknown rule id fails loudly."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from conformance.contract.evidence import RULES
from conformance.emulator.core import DEFAULT_KEY, Emulator
from conformance.emulator.http import ApiError, Request

EMULATOR = Path(__file__).resolve().parents[2] / "conformance" / "emulator"
# What is no rule of the API: injected faults, and the emulator's own bug (a 500).
NO_RULE_ALLOWED = {"faults.py", "core.py:internal-error"}


def _builders(tree: ast.Module) -> set[str]:
    """ApiError, and every function of the module taking a `rule` parameter (helpers)."""
    names = {"ApiError"}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.FunctionDef)
            and not node.name.startswith("__")
            and any(a.arg == "rule" for a in node.args.args + node.args.kwonlyargs)
        ):
            names.add(node.name)
    return names


def rejection_problems(source: str, name: str, helpers: set[str]) -> list[str]:
    """Calls building an API error without `rule=`, with an unregistered rule id, or with
    `rule=None` outside the allowed places."""
    tree = ast.parse(source)
    builders = _builders(tree) | helpers
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if called not in builders:
            continue
        rule = next((k.value for k in node.keywords if k.arg == "rule"), None)
        where = f"{name}:{node.lineno}"
        if rule is None:
            problems.append(f"{where}: {called}(...) names no rule")
        elif isinstance(rule, ast.Constant) and rule.value is None:
            internal = "internal error" in ast.unparse(node)
            if name not in NO_RULE_ALLOWED and not (
                internal and f"{name}:internal-error" in NO_RULE_ALLOWED
            ):
                problems.append(f"{where}: rule=None outside a fault or an internal error")
        elif isinstance(rule, ast.Constant) and rule.value not in RULES:
            problems.append(f"{where}: unknown rule {rule.value!r}")
    return problems


def _helpers() -> set[str]:
    names: set[str] = set()
    for path in EMULATOR.glob("*.py"):
        names |= _builders(ast.parse(path.read_text(encoding="utf-8")))
    return names


def test_every_emulator_rejection_names_a_registered_rule() -> None:
    helpers = _helpers()
    assert {"invalid", "_invalid", "_bad"} <= helpers
    problems = []
    for path in sorted(EMULATOR.glob("*.py")):
        problems += rejection_problems(path.read_text(encoding="utf-8"), path.name, helpers)
    assert problems == []


def test_a_rejection_without_a_rule_is_caught() -> None:
    source = """
def invalid(message, *, rule):
    return ApiError(400, "invalid_request_error", message, rule=rule)

def check(body):
    raise invalid("no rule here")

def other():
    raise ApiError(400, "x", "y", rule="no.such-rule")

def none():
    raise ApiError(400, "x", "y", rule=None)
"""
    problems = rejection_problems(source, "chat.py", set())
    assert [p.split(": ", 1)[1] for p in problems] == [
        "invalid(...) names no rule",
        "unknown rule 'no.such-rule'",
        "rule=None outside a fault or an internal error",
    ]


def test_an_unregistered_rule_fails_loudly_at_runtime() -> None:
    with pytest.raises(KeyError, match=r"no rule 'no\.such-rule'"):
        ApiError(400, "invalid_request_error", "x", rule="no.such-rule")


@pytest.mark.parametrize(
    ("body", "rule", "level"),
    [
        ({"messages": []}, "chat.messages-not-empty", "captured"),
        (
            {"messages": [{"role": "tool", "tool_call_id": "x", "content": "y"}]},
            "tools.orphan-message",
            "inferred",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "Red,", "partial": True},
                ],
                "response_format": {"type": "json_object"},
            },
            "partial.with-json-object",
            "advice",
        ),
    ],
    ids=["captured", "inferred", "advice"],
)
def test_the_rule_of_a_rejection_is_known_to_the_emulators_users(body, rule, level) -> None:
    """The 400 an emulator user gets says nothing new on the wire (the body is Moonshot's
    envelope); the rule is on the `ApiError` the core raises, with its level."""
    from conformance.emulator import chat

    emulator = Emulator()
    request = {"model": "kimi-k2.6", "max_completion_tokens": 8, **body}
    with pytest.raises(ApiError) as caught:
        chat.create(request, {m.id: m for m in emulator.models}, emulator.ids)
    assert caught.value.rule == rule and RULES[rule].level == level
    response = emulator.handle(
        Request(
            "POST",
            "/chat/completions",
            headers={"authorization": f"Bearer {DEFAULT_KEY}"},
            body=json.dumps(request).encode(),
        )
    )
    assert response.status == 400
    assert set(json.loads(response.body)["error"]) == {"message", "type"}
