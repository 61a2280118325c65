"""pydantic-ai's `MoonshotAIProvider` pointed at the emulator: `run_sync`, `run_stream`, a
tool call, `PromptedOutput` (JSON described in the prompt) and `NativeOutput`."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from tests.compat.conftest import needs

pytestmark = needs("pydantic_ai", "openai")

MODEL = "kimi-k2.6"


class City(BaseModel):
    name: str
    population: int


@pytest.fixture
def model(kimi_emulator):
    import httpx2
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.moonshotai import MoonshotAIProvider

    # Each run_sync runs its own event loop: a pooled connection would outlive it (and
    # warn when collected), so none is kept.
    http_client = httpx2.AsyncClient(limits=httpx2.Limits(max_keepalive_connections=0))
    provider = MoonshotAIProvider(
        api_key=kimi_emulator.api_key, base_url=kimi_emulator.base_url, http_client=http_client
    )
    return OpenAIChatModel(MODEL, provider=provider)


def test_run_stream_usage_equals_run_sync_usage(model, kimi_emulator):
    """pydantic-ai adds up every chunk's usage: it must come out once, not twice."""
    from pydantic_ai import Agent

    agent = Agent(model)
    ran = agent.run_sync("Say hello to Paris.")

    streamed = agent.run_stream_sync("Say hello to Paris.")
    text = "".join(streamed.stream_text(delta=True))
    usage = streamed.usage
    assert text == ran.output
    assert (usage.input_tokens, usage.output_tokens) == (
        ran.usage.input_tokens,
        ran.usage.output_tokens,
    )
    served = kimi_emulator.emulator.accounting.snapshot()
    assert served["completion_tokens"] == 2 * ran.usage.output_tokens


def test_agent_tool_is_called_then_answered(model):
    from pydantic_ai import Agent

    agent = Agent(model)
    calls = []

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Weather for a city."""
        calls.append(city)
        return "clear"

    result = agent.run_sync("Weather in Paris?")
    assert len(calls) == 1 and result.output


def test_prompted_output_validates(model):
    from pydantic_ai import Agent, PromptedOutput

    result = Agent(model, output_type=PromptedOutput(City)).run_sync("Largest city of France?")
    assert isinstance(result.output, City)


def test_native_output_is_refused_by_the_moonshot_profile(model):
    """pydantic-ai's Moonshot profile does not claim json_schema output: NativeOutput is
    refused by the client before anything is sent (ToolOutput and PromptedOutput work)."""
    from pydantic_ai import Agent, NativeOutput
    from pydantic_ai.exceptions import UserError

    with pytest.raises(UserError, match="Native structured output is not supported"):
        Agent(model, output_type=NativeOutput(City)).run_sync("Largest city of France?")


def test_tool_output_validates(model):
    from pydantic_ai import Agent

    result = Agent(model, output_type=City).run_sync("Largest city of France?")
    assert isinstance(result.output, City)
