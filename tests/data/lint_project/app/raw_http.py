"""A full endpoint used as an endpoint is fine; plain http is not."""

import os

import httpx

HEADERS = {"Authorization": f"Bearer {os.environ['MOONSHOT_API_KEY']}"}
ok = httpx.post("https://api.moonshot.ai/v1/chat/completions", headers=HEADERS, json={})
models = httpx.get("http://api.moonshot.ai/v1/models", headers=HEADERS)
