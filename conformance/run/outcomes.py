"""Why a check did not pass: a conformance failure, or something else.

A gate that blames Moonshot for a network blip is worse than none, so every failed
check is put in one category, shown in the matrix and the JSON report:

- `conformance`: the server answered and broke a documented rule (including a body that
  is not the JSON the API documents, and a 4xx to a request sent as valid);
- `server`: it answered 5xx (after the retry) or kept rate-limiting past the retries, or
  sent an answer larger than the run's bound;
- `network`: no answer (connection refused or dropped, timeout, an answer that never
  ends);
- `budget`: the run's request cap or token budget was spent (the test is skipped);
- `missing-recording`: replay found no recording for a request;
- `error`: anything else (a bug in the test or in kimi-conformance).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

E = TypeVar("E", bound=BaseException)


class ServerError(Exception):
    """The server answered with an error that is not the client's fault (5xx, 429)."""


def chain(exc: BaseException, *, shown: bool = False) -> Iterator[BaseException]:
    """`exc`, then the exception it came from (`__cause__`, else `__context__`), and so on.

    With `shown`, only those Python prints with it: a context hidden by `raise ... from
    None` ends the chain. A chain that loops back on itself is walked once.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.__cause__ is not None:
            current = current.__cause__
        elif shown and current.__suppress_context__:
            current = None
        else:
            current = current.__context__


def find(exc: BaseException, kind: type[E]) -> E | None:
    """The first exception of type `kind` in `exc`'s chain, or None."""
    return next((item for item in chain(exc) if isinstance(item, kind)), None)


# Exceptions of the HTTP libraries below httpx that escaped its mapping (httpcore's, h11's):
# still "no answer", never a bug of the check.
_NETWORK_MODULES = ("httpx", "httpx2", "httpcore", "httpcore2", "h11")


def _is_low_level_network_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in _NETWORK_MODULES[2:]


def categorize(exc: BaseException) -> str:
    """The category of a check's exception, looking through its whole chain.

    Besides the rules above: a body that is not JSON or not UTF-8 where the API sends
    JSON (the `openai` SDK raises `JSONDecodeError`) and a 4xx the SDK raises for a
    request the check sent as valid are `conformance`; a 429 or 5xx the SDK raises
    after our retries is `server`; an answer over the size bound is `server`, one over
    the time bound `network`; an exception carrying `outage_category` (the fuzz oracle's
    `Outage`) is that category.
    """
    import json

    import httpx
    import httpx2
    import openai
    from vcr.errors import CannotOverwriteExistingCassetteException

    from conformance.errors import UsageError
    from conformance.run.budget import BudgetExhausted
    from conformance.run.transport import AnswerTooLarge, AnswerTooSlow

    links = list(chain(exc))
    for item in links:
        if isinstance(item, BudgetExhausted):
            return "budget"
        if isinstance(item, CannotOverwriteExistingCassetteException):
            return "missing-recording"
        if isinstance(item, AnswerTooLarge):
            return "server"
        if isinstance(item, AnswerTooSlow):
            return "network"
        # An exception that says it is an outage (the fuzz oracle's `Outage`).
        if getattr(item, "outage_category", None) in ("server", "network"):
            return str(item.outage_category)  # type: ignore[attr-defined]
    for item in links:
        if isinstance(item, (ServerError, openai.InternalServerError, openai.RateLimitError)):
            return "server"
        if isinstance(item, openai.APIStatusError):
            return "server" if item.status_code >= 500 else "conformance"
        if isinstance(
            item, (httpx.TransportError, httpx2.TransportError, openai.APIConnectionError)
        ) or _is_low_level_network_error(item):
            return "network"
    if isinstance(exc, AssertionError):
        return "conformance"
    if isinstance(exc, UsageError):  # our configuration or data (a damaged schema file)
        return "error"
    if any(
        isinstance(item, (json.JSONDecodeError, UnicodeDecodeError))
        for item in chain(exc, shown=True)
    ):
        return "conformance"
    if isinstance(exc, openai.APIResponseValidationError):
        return "conformance"
    return "error"
