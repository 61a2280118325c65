"""Why a check did not pass: a conformance failure, or something else.

A gate that blames Moonshot for a network blip is worse than none, so every failed
check is put in one category, shown in the matrix and the JSON report:

- `conformance`: the server answered and broke a documented rule;
- `server`: it answered 5xx (after the retry) or kept rate-limiting past the retries;
- `network`: no answer (connection refused or dropped, timeout);
- `budget`: the run's request cap or token budget was spent (the test is skipped);
- `missing-recording`: replay found no recording for a request;
- `error`: anything else (a bug in the test or in kimi-conformance).
"""

from __future__ import annotations

from collections.abc import Iterator


class ServerError(Exception):
    """The server answered with an error that is not the client's fault (5xx, 429)."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def categorize(exc: BaseException) -> str:
    """The category of a check's exception, looking through its whole chain."""
    import httpx
    import httpx2
    import openai
    from vcr.errors import CannotOverwriteExistingCassetteException

    from conformance.budget import BudgetExhausted

    chain = list(_chain(exc))
    for item in chain:
        if isinstance(item, BudgetExhausted):
            return "budget"
        if isinstance(item, CannotOverwriteExistingCassetteException):
            return "missing-recording"
    for item in chain:
        if isinstance(item, (ServerError, openai.InternalServerError)):
            return "server"
        if isinstance(
            item, (httpx.TransportError, httpx2.TransportError, openai.APIConnectionError)
        ):
            return "network"
    if isinstance(exc, AssertionError):
        return "conformance"
    return "error"
