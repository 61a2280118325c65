"""Every mistake here is acknowledged with a suppression comment: nothing is reported."""

from openai import OpenAI

# kimi-conformance: ignore[base-url]
client = OpenAI(base_url="http://api.moonshot.ai/v1")
MODEL = "kimi-latest"  # kimi-conformance: ignore[retired-model]
GATEWAY = "moonshotai/kimi-k2.6"  # kimi-conformance: ignore
# kimi-conformance: ignore[sampling-param]
TEMPERATURE = dict(model="kimi-k2.6", temperature=0.2)
KEY = "sk-FAKEKEY0FAKEKEY0FAKEKEY0FAKEKEY0FAKEKEY0FAKEKEY0"  # kimi-conformance: ignore
# kimi-conformance: ignore[tool-schema]
STAMP = client.chat.completions.create(tools=[{"type": "function", "function": {"name": "stamp", "parameters": {"type": "string", "format": "date"}}}])
