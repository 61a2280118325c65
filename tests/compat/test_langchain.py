"""langchain-openai's `ChatOpenAI` pointed at the emulator: invoke, stream with
`stream_usage`, `bind_tools`, `with_structured_output` (json_schema and json_mode)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from tests.compat.conftest import needs

pytestmark = needs("langchain_openai")

MODEL = "kimi-k2.6"


class City(BaseModel):
    name: str
    population: int


class Answer(BaseModel):
    answer: str
    source: str


def get_weather(city: str) -> str:
    """Weather for a city."""
    return "clear"


@pytest.fixture
def llm(kimi_emulator):
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=MODEL,
        base_url=kimi_emulator.base_url,
        api_key=kimi_emulator.api_key,
        max_retries=0,
        stream_usage=True,
    )


def test_streamed_usage_equals_invoked_usage(llm):
    """LangChain adds up every chunk's usage: it must come out once, not twice."""
    invoked = llm.invoke("Say hello to Paris.")
    total = None
    for chunk in llm.stream("Say hello to Paris."):
        total = chunk if total is None else total + chunk
    assert total is not None and total.content == invoked.content
    counts = ("input_tokens", "output_tokens", "total_tokens")
    assert [total.usage_metadata[k] for k in counts] == [invoked.usage_metadata[k] for k in counts]
    assert invoked.usage_metadata["input_tokens"] > 0
    # The same prompt twice: the second is a prefix-cache hit, and LangChain sees it.
    assert not invoked.usage_metadata["input_token_details"]
    cache_read = total.usage_metadata["input_token_details"]["cache_read"]
    assert cache_read == invoked.usage_metadata["input_tokens"]


def test_bind_tools_parses_the_tool_call(llm):
    reply = llm.bind_tools([get_weather]).invoke("Weather in Paris?")
    assert [call["name"] for call in reply.tool_calls] == ["get_weather"]
    assert "city" in reply.tool_calls[0]["args"]


def test_with_structured_output_json_schema(llm):
    city = llm.with_structured_output(City).invoke("The largest city of France?")
    assert isinstance(city, City)


def test_with_structured_output_json_mode_follows_the_prompt(llm):
    prompt = (
        'Reply with a JSON object of the form {"answer": ..., "source": ...}. '
        "What is the capital of France?"
    )
    answer = llm.with_structured_output(Answer, method="json_mode").invoke(prompt)
    assert isinstance(answer, Answer) and answer.answer and answer.source
