"""What the answer to a fuzzed request must be, and a failure a person can act on.

- a valid request: 200 and an answer that passes every schema and invariant (the
  `chat.completion` schema, the model echoed, `n` choices, `max_completion_tokens`
  honoured, tool calls naming declared functions; streamed: every stream rule of
  `conformance.contract.streams`, and the reassembled answer passes the same checks);
- an invalid one: a 4xx with the documented error envelope (`error.json`);
- never a 5xx, a hang (no answer within the client's timeout) or a body that is not JSON.

`send(client, body)` posts one request and keeps what came back; `expect_valid` and
`expect_invalid` raise `FuzzFailure` (an `AssertionError`) whose first line says what went
wrong, followed by the payload (scrubbed), the answer (truncated) and a reproduction line.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

import httpx

from conformance.contract import schemas
from conformance.contract.sse import parse
from conformance.contract.streams import chunks_from_events, reassemble, stream_violations
from conformance.recording.scrub import scrubber_from_env

__all__ = [
    "REGRESSIONS_FILE",
    "Exchange",
    "FuzzFailure",
    "expect_invalid",
    "expect_valid",
    "failure_report",
    "send",
]

PATH = "chat/completions"
BODY_LIMIT = 600
PAYLOAD_LIMIT = 4000
REGRESSIONS_FILE = "conformance/suite/fuzz_regressions.json"


class FuzzFailure(AssertionError):
    """A fuzzed request got an answer that breaks the contract."""


@dataclass(frozen=True)
class Exchange:
    """One fuzzed request and what came back: a response, or `error` (a hang or a drop)."""

    body: dict[str, Any]
    base_url: str
    response: httpx.Response | None = None
    error: str | None = None


def encode(body: dict[str, Any]) -> bytes:
    """The wire form of a request body (the same bytes the reproduction line sends)."""
    return json.dumps(body, ensure_ascii=False).encode()


def send(client: httpx.Client, body: dict[str, Any]) -> Exchange:
    """POST `body` to `chat/completions`; a timeout or a dropped connection is kept, not
    raised, so that it is judged (and shrunk) like any other bad answer."""
    base_url = str(client.base_url)
    try:
        response = client.post(
            PATH, content=encode(body), headers={"content-type": "application/json"}
        )
    except httpx.TimeoutException as exc:
        return Exchange(body, base_url, error=f"no answer in time ({type(exc).__name__}): a hang")
    except httpx.TransportError as exc:
        return Exchange(body, base_url, error=f"connection failed ({type(exc).__name__})")
    return Exchange(body, base_url, response=response)


# --- the checks -----------------------------------------------------------------------


def _json_body(response: httpx.Response) -> tuple[Any, str | None]:
    try:
        return response.json(), None
    except (ValueError, UnicodeDecodeError):
        kind = response.headers.get("content-type", "no content-type")
        return None, f"the body is not JSON ({kind})"


def _first(violations: list[Any], what: str) -> list[str]:
    if not violations:
        return []
    more = f" (+{len(violations) - 1} more)" if violations[1:] else ""
    return [f"{what}: {violations[0]}{more}"]


def _completion_problems(document: Any, body: dict[str, Any], what: str) -> list[str]:
    problems = _first(schemas.check("chat.completion", document), what)
    if problems or not isinstance(document, dict):
        return problems
    if document.get("model") != body["model"]:
        problems.append(f"{what}: model {document.get('model')!r} does not echo {body['model']!r}")
    n = body.get("n") or 1
    if len(document["choices"]) != n:
        problems.append(f"{what}: {len(document['choices'])} choices for n={n}")
    limit = body.get("max_completion_tokens")
    spent = document["usage"]["completion_tokens"]
    if isinstance(limit, int) and spent > limit * n:
        problems.append(f"{what}: completion_tokens {spent} > max_completion_tokens {limit} x n")
    declared = {t["function"]["name"] for t in body.get("tools") or []}
    for choice in document["choices"]:
        for call in choice["message"].get("tool_calls") or []:
            if call["function"]["name"] not in declared:
                problems.append(f"{what}: tool call names undeclared {call['function']['name']!r}")
    return problems


def _stream_problems(response: httpx.Response, body: dict[str, Any]) -> list[str]:
    kind = response.headers.get("content-type", "")
    if not kind.startswith("text/event-stream"):
        return [f"a streamed answer with content-type {kind or 'none'!r}, not text/event-stream"]
    events = parse(response.content)
    problems = _first(stream_violations(events), "stream")
    chunks, _ = chunks_from_events(events)
    if not problems:
        problems = _completion_problems(reassemble(chunks), body, "reassembled stream")
    return problems


def _never(exchange: Exchange) -> list[str]:
    """What no request may ever get: no answer, a 5xx."""
    if exchange.response is None:
        return [str(exchange.error)]
    if exchange.response.status_code >= 500:
        return [f"answered {exchange.response.status_code}, a server error"]
    return []


def valid_problems(exchange: Exchange) -> list[str]:
    problems = _never(exchange)
    if problems:
        return problems
    response = exchange.response
    assert response is not None
    if response.status_code != 200:
        _, not_json = _json_body(response)
        return [f"a valid request answered {response.status_code}, not 200"] + (
            [not_json] if not_json else []
        )
    if exchange.body.get("stream") is True:
        return _stream_problems(response, exchange.body)
    document, not_json = _json_body(response)
    if not_json:
        return [not_json]
    return _completion_problems(document, exchange.body, "answer")


def invalid_problems(exchange: Exchange) -> list[str]:
    problems = _never(exchange)
    if problems:
        return problems
    response = exchange.response
    assert response is not None
    document, not_json = _json_body(response)
    problems = (
        []
        if 400 <= response.status_code < 500
        else [f"an invalid request answered {response.status_code}, not a 4xx"]
    )
    if not_json:
        return [*problems, not_json]
    if 400 <= response.status_code < 500:
        problems += _first(schemas.check("error", document), "error envelope")
    return problems


# --- failures a person can act on -------------------------------------------------------


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def reproduction(body: dict[str, Any], base_url: str) -> str:
    """A curl line that sends the same bytes; the key stays in the environment."""
    url = base_url.rstrip("/") + "/" + PATH
    payload = json.dumps(body, ensure_ascii=False)
    return (
        f"curl -sS {shlex.quote(url)} -H 'Authorization: Bearer '\"$MOONSHOT_API_KEY\" "
        f"-H 'Content-Type: application/json' --data-binary {shlex.quote(payload)}"
    )


def failure_report(
    exchange: Exchange, problems: list[str], *, expect: str, family: str | None = None
) -> str:
    """The message of a failed property: what went wrong first, then the minimal payload,
    the answer and how to reproduce it and keep it as a regression example."""
    scrub = scrubber_from_env()
    body = scrub.json(exchange.body)
    assert isinstance(body, dict)
    label = f"{expect} request" + (f" ({family})" if family else "")
    if exchange.response is not None:
        answer = f"{exchange.response.status_code} {exchange.response.text}"
    else:
        answer = str(exchange.error)
    entry = {
        "id": "<short-name>",
        "expect": expect,
        "family": family,
        "why": problems[0],
        "body": {**body, "model": "{model}"},
    }
    lines = [
        f"{label}: {'; '.join(problems)}",
        f"payload: {_truncate(json.dumps(body, ensure_ascii=False), PAYLOAD_LIMIT)}",
        f"answer: {_truncate(scrub.text(answer), BODY_LIMIT)}",
        f"reproduce: {_truncate(reproduction(body, exchange.base_url), PAYLOAD_LIMIT)}",
        f'keep it: append to "examples" in {REGRESSIONS_FILE}: '
        + _truncate(json.dumps(entry, ensure_ascii=False), PAYLOAD_LIMIT),
    ]
    return "\n".join(lines)


def expect_valid(exchange: Exchange) -> None:
    problems = valid_problems(exchange)
    if problems:
        raise FuzzFailure(failure_report(exchange, problems, expect="valid"))


def expect_invalid(exchange: Exchange, family: str) -> None:
    problems = invalid_problems(exchange)
    if problems:
        raise FuzzFailure(failure_report(exchange, problems, expect="invalid", family=family))
