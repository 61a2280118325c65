"""JSON mode follows the prompt: a schema, an example object or a template in the prompt
gives an answer of that shape, the same for the same seed and request."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from conformance.emulator.core import Emulator
from conformance.emulator.json_mode import json_reply

SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "days": {"type": "integer", "minimum": 1},
        "sunny": {"type": "boolean"},
    },
    "required": ["city", "days", "sunny"],
}


def answer(messages: list[Any], seed: int = 0) -> dict[str, Any]:
    client = Emulator(seed=seed).openai_client()
    reply = client.chat.completions.create(
        model="kimi-k2.6", messages=messages, response_format={"type": "json_object"}
    )
    content = reply.choices[0].message.content
    assert content is not None
    document = json.loads(content)
    assert isinstance(document, dict)
    return document


def test_a_named_template_gives_those_keys() -> None:
    prompt = (
        'Reply with a JSON object of the form {"answer": ..., "source": ...}. Capital of France?'
    )
    document = answer([{"role": "user", "content": prompt}])
    assert set(document) == {"answer", "source"}
    assert all(isinstance(v, str) and v for v in document.values())


def test_an_example_object_keeps_its_kinds() -> None:
    prompt = 'Answer as JSON like {"answer": "Paris", "confidence": 0.9, "tags": ["x"]}.'
    document = answer([{"role": "user", "content": prompt}])
    assert set(document) == {"answer", "confidence", "tags"}
    assert isinstance(document["answer"], str) and isinstance(document["confidence"], float)
    assert isinstance(document["tags"], list)


def test_a_schema_in_the_system_prompt_gives_a_valid_instance() -> None:
    """instructor's JSON mode and pydantic-ai's PromptedOutput put a JSON Schema there."""
    system = (
        "Provide the parsed objects in json that match the following json_schema:\n\n"
        f"{json.dumps(SCHEMA, indent=2)}\n\nMake sure to return an instance of the JSON."
    )
    document = answer([{"role": "system", "content": system}, {"role": "user", "content": "Go"}])
    jsonschema.validate(document, SCHEMA)


def test_the_latest_instruction_wins_and_without_one_the_reply_key() -> None:
    system = {"role": "system", "content": 'Always answer {"reply": ...}.'}
    user = {"role": "user", "content": 'This time: {"verdict": ...}'}
    assert set(answer([system, user])) == {"verdict"}
    assert set(answer([{"role": "user", "content": "Hello"}])) == {"reply"}


def test_deterministic_per_seed() -> None:
    messages = [{"role": "user", "content": 'Reply as {"answer": ...}. What is 2+2?'}]
    assert answer(messages) == answer(messages)
    replies = {answer(messages, seed)["answer"] for seed in range(8)}
    assert len(replies) > 1


@pytest.mark.parametrize(
    "text", ["{", "{}", '{"a": ', "{{{{", '{"x": 1} trailing {"y"', "no braces at all"]
)
def test_odd_prompts_never_break_it(text: str) -> None:
    assert isinstance(json_reply([{"role": "user", "content": text}], "ok"), dict)
