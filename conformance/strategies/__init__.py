"""Hypothesis strategies for `POST /chat/completions` payloads, public for your own tests.

    from hypothesis import given
    from conformance import strategies

    @given(strategies.chat_requests("<model id>"))
    def test_my_client_sends_it(body): ...

- `chat_requests(model, profile=, stream=)`: valid requests whose optional parameters
  follow the model's rules (`conformance.contract.catalog.rules_for`);
- `invalid_requests(model, families=)`: `(family, body)` breaking one documented rule;
  `FAMILIES` names them;
- building blocks: `conversations`, `contents`, `tools`, `parameter_schemas`,
  `stress_text`, `message_names`, `function_names`, `sampling`;
- `OFFLINE` / `LIVE` profiles (size and cost of what is drawn);
- `oracle`: what the answer to each must be, and actionable failure reports.
"""

from conformance.strategies.invalid import FAMILIES, invalid_requests
from conformance.strategies.messages import contents, conversations
from conformance.strategies.requests import (
    LIVE,
    OFFLINE,
    Profile,
    chat_requests,
    context_length_of,
    sampling,
)
from conformance.strategies.text import function_names, message_names, stress_text
from conformance.strategies.tools import parameter_schemas, tools

__all__ = [
    "FAMILIES",
    "LIVE",
    "OFFLINE",
    "Profile",
    "chat_requests",
    "contents",
    "context_length_of",
    "conversations",
    "function_names",
    "invalid_requests",
    "message_names",
    "parameter_schemas",
    "sampling",
    "stress_text",
    "tools",
]
