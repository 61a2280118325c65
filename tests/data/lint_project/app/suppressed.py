"""Every mistake here is acknowledged with a suppression comment: nothing is reported."""

from openai import OpenAI

# kimi-conformance: ignore[base-url]
client = OpenAI(base_url="http://api.moonshot.ai/v1", api_key="sk-FAKEKEY0FAKEKEY0FAKEKEY0FAKEKEY0FAKEKEY0FAKEKEY0")  # kimi-conformance: ignore[hardcoded-key]
MODEL = "kimi-latest"  # kimi-conformance: ignore[retired-model]
GATEWAY = "moonshotai/kimi-k2.6"  # kimi-conformance: ignore
TEMPERATURE = dict(model="kimi-k2.6", temperature=0.2)  # kimi-conformance: ignore[sampling-param, base-url]
