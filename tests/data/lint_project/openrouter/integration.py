"""A correct OpenRouter integration: OpenRouter's URL, key and model IDs. Not flagged."""

import os

from openai import OpenAI

client = OpenAI(
    base_url="https://openrouter.ai/api/v1",
    api_key=os.environ["OPENROUTER_API_KEY"],
)
reply = client.chat.completions.create(
    model="moonshotai/kimi-k2.6",
    messages=[{"role": "user", "content": "hi"}],
    temperature=0.7,
)
free = "moonshotai/kimi-k2.6:free"
