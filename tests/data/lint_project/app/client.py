"""Mistakes: base URL without /v1, a gateway model ID, a fixed parameter changed."""

import os

from openai import OpenAI

client = OpenAI(base_url="https://api.moonshot.ai", api_key=os.environ["MOONSHOT_API_KEY"])

reply = client.chat.completions.create(
    model="moonshotai/kimi-k2.6",
    messages=[{"role": "user", "content": "hi"}],
    temperature=0.7,
)
