"""What the answer to a fuzzed request must be, judged by the evidence for each rule.

- a valid request: 200 and an answer that passes every schema and invariant (the
  `chat.completion` schema, the model echoed, `n` choices, `max_completion_tokens`
  honoured, tool calls naming declared functions; streamed: every stream rule of
  `conformance.contract.streams`, and the reassembled answer passes the same checks);
- an invalid one whose family breaks a documented or captured rule
  (`conformance.contract.evidence`, `strategies.invalid.family_rule`): 400 with the
  documented envelope and `error.type` `invalid_request_error` (not any 4xx);
- an invalid one whose family breaks an advice or inferred rule (no documented answer):
  an observation of what the server did (`expect_invalid` returns it), never a failure,
  unless `strict`;
- a 429, a 5xx, no answer in time or a dropped connection is an outage (`outage`), not
  the API breaking its contract: `Outage` (category `server` or `network`), raised after
  the transport's documented retries.

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
    "Outage",
    "Seen",
    "expect_invalid",
    "expect_valid",
    "failure_report",
    "outage",
    "send",
]

PATH = "chat/completions"
BODY_LIMIT = 600
PAYLOAD_LIMIT = 4000
REGRESSIONS_FILE = "conformance/suite/fuzz_regressions.json"


class FuzzFailure(AssertionError):
    """A fuzzed request got an answer that breaks the contract."""


class Outage(Exception):
    """The server or the network failed a fuzzed request (429, 5xx, no answer): not the
    API's conformance. `outage_category` (`server` | `network`) is what the run reports."""

    def __init__(self, category: str, message: str, report: str = "") -> None:
        super().__init__(message)
        self.outage_category = category
        self.report = report or message  # the failure report, should the input be the cause


@dataclass(frozen=True)
class Seen:
    """What the server did with an invalid request whose rule is advice or inferred."""

    family: str
    rule: str
    followed: bool  # whether it answered what the rule expects (400 invalid_request_error)
    what: str  # one line


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


def send(client: httpx.Client, body: dict[str, Any], *, retries: int = 1) -> Exchange:
    """POST `body` to `chat/completions` and read the whole answer. A dropped connection or
    a timeout is retried once (the documented rule; a streamed answer is read here, past
    the transport's own retries), then kept, not raised, to be judged like any answer."""
    base_url = str(client.base_url)
    for attempt in range(retries + 1):
        try:
            response = client.post(
                PATH, content=encode(body), headers={"content-type": "application/json"}
            )
        except httpx.TimeoutException as exc:
            error = f"no answer in time ({type(exc).__name__}): a hang"
        except httpx.TransportError as exc:
            error = f"connection failed ({type(exc).__name__})"
        else:
            return Exchange(body, base_url, response=response)
        if attempt == retries:
            return Exchange(body, base_url, error=error)
    raise AssertionError("unreachable")


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


def outage(exchange: Exchange) -> tuple[str, str] | None:
    """`(category, what)` when the server or the network failed the request: a 429 or a 5xx
    (`server`, after the transport's retries), no answer or a dropped connection
    (`network`); None when the server answered."""
    if exchange.response is None:
        return "network", str(exchange.error)
    status = exchange.response.status_code
    if status == 429 or status >= 500:
        return "server", f"answered {status}, a server error"
    return None


def valid_problems(exchange: Exchange) -> list[str]:
    """What in the answer to a valid request breaks the contract (an outage aside)."""
    if outage(exchange) is not None:
        return []
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


INVALID_TYPE = "invalid_request_error"


def invalid_problems(exchange: Exchange) -> list[str]:
    """What in the answer to an invalid request differs from the documented 400
    `invalid_request_error` envelope (an outage aside)."""
    if outage(exchange) is not None:
        return []
    response = exchange.response
    assert response is not None
    document, not_json = _json_body(response)
    status = response.status_code
    problems = [] if status == 400 else [f"an invalid request answered {status}, not 400"]
    if not_json:
        return [*problems, not_json if response.content else "the body is empty, not JSON"]
    envelope = [] if status == 200 else _first(schemas.check("error", document), "error envelope")
    problems += envelope
    if status == 400 and not envelope and document["error"].get("type") != INVALID_TYPE:
        kind = document["error"].get("type")
        problems.append(f"error.type is {kind!r}, not {INVALID_TYPE!r}")
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


def raise_outage(exchange: Exchange, *, expect: str, family: str | None = None) -> None:
    """`Outage` when the server or the network failed the request."""
    trouble = outage(exchange)
    if trouble is not None:
        category, what = trouble
        answer = "" if exchange.response is None else f": {exchange.response.text[:120]}"
        message = _one_line(f"{category} error, not a conformance failure: {what}{answer}")
        report = failure_report(exchange, [what], expect=expect, family=family)
        raise Outage(category, message, report)


def _one_line(text: str) -> str:
    return scrubber_from_env().text(" ".join(text.split()))


def expect_valid(exchange: Exchange) -> None:
    raise_outage(exchange, expect="valid")
    problems = valid_problems(exchange)
    if problems:
        raise FuzzFailure(failure_report(exchange, problems, expect="valid"))


def expect_invalid(exchange: Exchange, family: str, *, strict: bool = False) -> Seen | None:
    """Judge the answer to a request of invalid `family` by the evidence for its rule:
    raises `FuzzFailure` for a documented or captured rule (or any rule, `strict`) the
    answer breaks; returns what the server did for an advice or inferred one."""
    from conformance.contract.evidence import rule
    from conformance.strategies.invalid import FAMILIES, family_rule

    raise_outage(exchange, expect="invalid", family=family)
    problems = invalid_problems(exchange)
    broken = family_rule(family, exchange.body) if family in FAMILIES else None
    if broken is not None and not strict and not rule(broken).fails_run:
        what = problems[0] if problems else "400 invalid_request_error"
        return Seen(family, broken, not problems, _one_line(what))
    if problems:
        raise FuzzFailure(failure_report(exchange, problems, expect="invalid", family=family))
    return None
