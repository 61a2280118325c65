"""Correct Moonshot usage: nothing here may be flagged."""

import os

from openai import OpenAI

# Keys: https://platform.kimi.ai/console/api-keys (docs links are fine)
client = OpenAI(base_url="https://api.moonshot.ai/v1", api_key=os.environ["MOONSHOT_API_KEY"])
china = OpenAI(base_url="https://api.moonshot.cn/v1/", api_key=os.environ["MOONSHOT_API_KEY"])
emulator = OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="test")
anthropic_base = "https://api.moonshot.ai/anthropic"

n = 5  # an ordinary variable, not a request field
reply = client.chat.completions.create(
    model="kimi-k2.6",
    messages=[{"role": "user", "content": "hi"}],
    temperature=0.6,
    top_p=0.95,
    extra_body={"thinking": {"type": "disabled"}},
)
code = client.chat.completions.create(model="kimi-k3", messages=[], temperature=1.0)
placeholder = "sk-..."  # too short to be a key
