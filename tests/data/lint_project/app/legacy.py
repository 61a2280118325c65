"""Mistakes: retired models, and a temperature above Kimi's range of [0, 1]."""

from openai import OpenAI

client = OpenAI(base_url="https://api.moonshot.cn/v1")
DEFAULT_MODEL = "kimi-latest"


def ask(prompt: str) -> str:
    reply = client.chat.completions.create(
        model="moonshot-v1-8k",
        messages=[{"role": "user", "content": prompt}],
        temperature=1.5,
    )
    return reply.choices[0].message.content
