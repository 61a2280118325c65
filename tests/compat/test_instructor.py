"""instructor on the `openai` SDK pointed at the emulator: `JSON_SCHEMA`, `TOOLS` and
`JSON` (the schema described in the prompt) modes.

instructor 1.17 pins jiter<0.15, which only openai 3.3 of the openai 3 line allows, while
pydantic-ai needs openai>=3.31: the two never share an environment, so instructor has its
own extra (`compat-instructor`) and CI job.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from tests.compat.conftest import needs

pytestmark = needs("instructor", extra="compat-instructor")

MODEL = "kimi-k2.6"
ASK = [{"role": "user", "content": "The largest city of France, and its population?"}]
NO_THINKING = {"thinking": {"type": "disabled"}}


class City(BaseModel):
    name: str
    population: int


def client(kimi_emulator, mode_name):
    import instructor

    return instructor.from_openai(kimi_emulator.openai_client(), mode=instructor.Mode[mode_name])


@pytest.mark.parametrize("mode", ["JSON_SCHEMA", "JSON"])
def test_structured_modes_validate(kimi_emulator, mode):
    city = client(kimi_emulator, mode).chat.completions.create(
        model=MODEL, messages=ASK, response_model=City, max_retries=0
    )
    assert isinstance(city, City)


def test_tools_mode_on_a_thinking_model_gets_the_documented_400(kimi_emulator):
    """TOOLS mode forces the tool by name, which thinking models refuse (kimi-api.md §3.3):
    the emulator says so as the API does, and instructor surfaces it."""
    import openai
    from instructor.core.exceptions import InstructorRetryException

    with pytest.raises(InstructorRetryException) as info:
        client(kimi_emulator, "TOOLS").chat.completions.create(
            model=MODEL, messages=ASK, response_model=City, max_retries=0
        )
    cause = info.value.__cause__
    assert isinstance(cause, openai.BadRequestError), repr(cause)
    assert isinstance(cause.body, dict), cause.body
    assert cause.body["message"] == "tool_choice 'specified' is incompatible with thinking enabled"


def test_tools_mode_with_thinking_disabled_validates(kimi_emulator):
    city = client(kimi_emulator, "TOOLS").chat.completions.create(
        model=MODEL, messages=ASK, response_model=City, max_retries=0, extra_body=NO_THINKING
    )
    assert isinstance(city, City)
