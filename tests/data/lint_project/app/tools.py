"""Tool definitions as Python literals: one is not MFJS, the other is."""

import os

from openai import OpenAI

client = OpenAI(base_url="https://api.moonshot.ai/v1", api_key=os.environ["MOONSHOT_API_KEY"])

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "ask_user",
            "parameters": {
                "type": "object",
                "properties": {
                    "options": {"type": "array", "anyOf": [{"type": "array"}, {"type": "null"}]},
                },
            },
        },
    },
]

reply = client.chat.completions.create(
    model="kimi-k2.6",
    messages=[{"role": "user", "content": "hi"}],
    tools=TOOLS,
    response_format={
        "type": "json_schema",
        "json_schema": {
            "name": "reply",
            "schema": {"type": "object", "properties": {"when": {"type": "string", "format": "date"}}},
        },
    },
)

clean = client.chat.completions.create(
    model="kimi-k2.6",
    messages=[{"role": "user", "content": "weather?"}],
    tools=[
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string", "title": "City"}},
                    "required": ["city"],
                },
            },
        }
    ],
)
