"""A stand-in of the API that does what Moonshot documents and nothing more.

Built on the reference emulator, it answers exactly where the docs are silent as a
careful server could, and differently from OpenAI (and from our emulator, which refuses
like OpenAI does):

- a `tool` message that answers no call is accepted (no doc states the answer);
- partial mode combined with `response_format: json_object` is accepted (the docs only
  tell clients "do not mix");
- two tools with the same function name are accepted (the documented 400 text was seen
  on the Kimi Code gateway only);
- with `stream_options.include_usage`, usage comes in the finish chunk's choice and no
  trailing `choices: []` chunk (the captured Kimi shape; the other text is OpenAI's);
- `GET /files` takes no query parameters and says nothing of `has_more` (none is
  documented).

A server like this breaks no documented or captured rule: the suite must pass it (but
for the base URL, which is loopback), reporting the rest as observations, and fail it
only with `--strict-rules`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from conformance.emulator.http import Request, Response, json_response
from tests.suite.chat_helpers import Handle, combine, edit_request, edit_stream

# The advice and inferred rules the stand-in answers otherwise (what a run observes).
DIFFERS = {
    "tools.orphan-message",
    "partial.with-json-object",
    "tools.duplicate-name",
    "stream.include-usage-chunk",
    "files.paging",
}


def _undocumented_refusals_dropped(body: dict[str, Any]) -> dict[str, Any]:
    """The request the emulator gets once what no doc refuses is let through."""
    calls: set[str] = set()
    kept = []
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            for call in message.get("tool_calls") or []:
                if isinstance(call, dict) and "id" in call:
                    calls.add(str(call["id"]))
            if message.get("role") == "tool" and message.get("tool_call_id") not in calls:
                continue  # an orphan tool message: accepted, and ignored
        kept.append(message)
    if kept and isinstance(body.get("messages"), list):
        body["messages"] = kept
    last = kept[-1] if kept else {}
    partial = isinstance(last, dict) and last.get("partial") is True
    response_format = body.get("response_format")
    if (
        partial
        and isinstance(response_format, dict)
        and response_format.get("type") == "json_object"
    ):
        del body["response_format"]
    if isinstance(body.get("tools"), list):
        seen: set[Any] = set()
        tools = []
        for tool in body["tools"]:
            function = tool.get("function") if isinstance(tool, dict) else None
            name = function.get("name") if isinstance(function, dict) else None
            if name is not None and name in seen:
                continue
            seen.add(name)
            tools.append(tool)
        body["tools"] = tools
    return body


def _usage_in_the_choice(body: dict[str, Any], events: list[Any]) -> list[Any]:
    return [e for e in events if not (isinstance(e, dict) and e.get("choices") == [])]


def _files_not_paged(request: Request, handle: Handle) -> Response:
    if request.method == "GET" and request.path == "/files":
        document = json.loads(handle(replace(request, query={})).body)
        document.pop("has_more", None)
        return json_response(200, document)
    return handle(request)


docs_only = combine(
    _files_not_paged,
    edit_request(_undocumented_refusals_dropped),
    edit_stream(_usage_in_the_choice),
)
