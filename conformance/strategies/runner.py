"""Run the fuzz properties: Hypothesis settings, and the two properties as functions.

`Campaign(send, model, ...)` draws requests for `model` and judges each answer with
`oracle`; `send(body) -> oracle.Exchange` decides where requests go (in-process emulator,
loopback, live). A property that finds a failure raises `oracle.FuzzFailure` carrying
the minimal payload Hypothesis shrank to.

An outage is not a failure to shrink: at the first 429, 5xx or missing answer the
campaign sends one small valid request. If that one fails too, the server is down: the
property stops at once and raises `oracle.Outage` (`server` or `network`). If it is
answered, the fuzzed input itself broke the server: `ServerFault` (still category
`server`, never `conformance`), shrunk to the smallest input like any failure. Invalid
families whose rule is advice or inferred are observations (`observations()`), failures
only with `strict`. The suite (`conformance/suite/test_fuzz.py`),
the project's tests and `benchmarks/fuzz.py` all run the properties through here.

Bounded runs (the live path): `examples` is a fixed number per property; `shrink_requests`
caps what shrinking a found failure may send (then the failure is reported as found, with
the note that shrinking stopped); `send` raising `StopFuzzing` (the run's budget is spent)
ends the property at once: as `FuzzStopped` (how many examples ran) when nothing failed
yet, as the failure found when it came while shrinking. Never as a Hypothesis error.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import hypothesis
from hypothesis import HealthCheck, given

from conformance.strategies import oracle
from conformance.strategies.invalid import FAMILIES, invalid_requests
from conformance.strategies.requests import OFFLINE, Profile, chat_requests, context_length_of

__all__ = ["NOT_MINIMAL", "Campaign", "FuzzStopped", "ServerFault", "StopFuzzing", "fuzz_settings"]

Send = Callable[[dict[str, Any]], oracle.Exchange]


class StopFuzzing(BaseException):
    """Raised by `send` to end the property now (e.g. the run's budget is spent).

    A BaseException, so that Hypothesis does not take it for a failure of the example
    (it would shrink it, or call the property flaky): it ends the run of the property."""


class FuzzStopped(Exception):
    """A property ended before its examples ran out, with nothing found: `ran` examples
    of `planned`, and why (`reason`)."""

    def __init__(self, reason: str, *, ran: int, planned: int) -> None:
        super().__init__(f"fuzzing stopped after {ran} of {planned} examples: {reason}")
        self.reason, self.ran, self.planned = reason, ran, planned


# How a failure reported as found, not shrunk, says so (a line of its message).
NOT_MINIMAL = "not minimal, as found"


class _ShrinkingCapped(BaseException):
    """Shrinking spent its requests: report the failure as found."""


def fuzz_settings(examples: int, *, derandomize: bool | None = None) -> hypothesis.settings:
    """`examples` per property, no deadline, one (minimal) failure reported; derandomized
    when `CI` is set; no example database unless a Hypothesis profile was loaded."""
    options: dict[str, Any] = {
        "max_examples": examples,
        "deadline": None,
        "derandomize": bool(os.environ.get("CI")) if derandomize is None else derandomize,
        "report_multiple_bugs": False,
        "print_blob": False,
        "suppress_health_check": [
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    }
    if getattr(hypothesis.settings, "_current_profile", "default") == "default":
        options["database"] = None  # never a .hypothesis/ folder under the project
    return hypothesis.settings(**options)


class ServerFault(oracle.FuzzFailure):
    """A fuzzed input gets a 5xx (or no answer) while the server answers a plain request:
    the server's bug, shrunk like a failure, but reported as `server` or `network`."""

    def __init__(self, message: str, category: str) -> None:
        super().__init__(message)
        self.outage_category = category


def _control_body(model: str) -> dict[str, Any]:
    """The smallest valid request: is the server up?"""
    from conformance.contract.catalog import rules_for

    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": "Reply with one word."}],
        "max_completion_tokens": 1,
    }
    try:
        if rules_for(model).thinking_kind == "toggle":
            body["thinking"] = {"type": "disabled"}
    except KeyError:
        pass
    return body


class Campaign:
    """The fuzz properties for one model, sending through `send`.

    `examples`: per property (None: the profile's; 0: the properties do nothing);
    `shrink_requests`: requests shrinking a failure may send (None: no cap);
    `accept(body)`: drawn bodies it refuses are not sent (e.g. over a token ceiling).
    `ran` counts the examples sent by the last property.
    """

    def __init__(
        self,
        send: Send,
        model: str,
        *,
        profile: Profile = OFFLINE,
        examples: int | None = None,
        models_document: Any = None,
        derandomize: bool | None = None,
        shrink_requests: int | None = None,
        accept: Callable[[dict[str, Any]], bool] | None = None,
        strict: bool = False,
    ) -> None:
        self._send = send
        self.strict = strict  # advice and inferred families fail too
        self._seen: dict[str, list[oracle.Seen]] = {}
        self._outage: oracle.Outage | None = None
        self._up: bool | None = None
        self.model = model
        self.profile = profile
        self.examples = profile.examples if examples is None else examples
        self.configured = self.examples  # `examples` may be lowered per property (budget)
        self.context_length = context_length_of(model, models_document)
        self.derandomize = derandomize
        self.shrink_requests = shrink_requests
        self.accept = accept
        self.failed = False  # set once a property found a failure (it is now shrinking)
        self.ran = 0
        self._found: oracle.FuzzFailure | None = None
        self._shrunk = 0

    def send(self, body: dict[str, Any]) -> oracle.Exchange:
        """Send one example (counted; once a failure is found, within the shrink cap)."""
        if self._found is not None:
            if self.shrink_requests is not None and self._shrunk >= self.shrink_requests:
                raise _ShrinkingCapped
            self._shrunk += 1
        else:
            self.ran += 1
        return self._send(body)

    def _run(
        self, strategy: Any, check: Callable[[Any], None], *, examples: int | None = None
    ) -> None:
        planned = self.examples if examples is None else examples
        if planned <= 0:
            return
        self.failed, self.ran, self._found, self._shrunk = False, 0, None, 0
        self._outage, self._up = None, None
        check = self._keeping_the_first_failure(check)

        # The property's source seeds derandomized runs (Hypothesis hashes it): changing
        # it changes which examples CI draws.
        @fuzz_settings(examples or self.examples, derandomize=self.derandomize)
        @given(strategy)
        def prop(example: Any) -> None:
            if self._outage is not None:
                return  # the server is down: send nothing more
            try:
                check(example)
            except oracle.FuzzFailure:
                self.failed = True
                raise

        with warnings.catch_warnings():  # a large falsifying example is still reported
            warnings.simplefilter("ignore", hypothesis.errors.HypothesisWarning)
            try:
                prop()
            except _ShrinkingCapped:
                raise self._as_found(f"shrinking stopped after {self._shrunk} requests") from None
            except StopFuzzing as stop:
                if self._found is not None:
                    raise self._as_found(f"shrinking stopped: {stop}") from None
                raise FuzzStopped(str(stop), ran=self.ran, planned=planned) from None
        if self._outage is not None:
            raise self._outage

    def _keeping_the_first_failure(self, check: Callable[[Any], None]) -> Callable[[Any], None]:
        def kept(example: Any) -> None:
            try:
                try:
                    check(example)
                except oracle.Outage as outage:
                    if not self._server_up():
                        self._outage = outage  # stop: nothing to shrink in an outage
                        return
                    raise ServerFault(outage.report, outage.outage_category) from None
            except oracle.FuzzFailure as failure:
                if self._found is None:
                    self._found = failure
                raise

        return kept

    def _as_found(self, why: str) -> oracle.FuzzFailure:
        assert self._found is not None
        return oracle.FuzzFailure(f"{self._found}\n{NOT_MINIMAL}: {why}")

    def _bodies(self, strategy: Any) -> Any:
        return strategy if self.accept is None else strategy.filter(self.accept)

    def _server_up(self) -> bool:
        """Whether the server answers the smallest valid request (asked once a property)."""
        if self._up is None:
            self._up = oracle.outage(self._send(_control_body(self.model))) is None
        return self._up

    def _observe(self, seen: oracle.Seen | None) -> None:
        if seen is not None:
            self._seen.setdefault(seen.rule, []).append(seen)

    def observations(self) -> list[oracle.Seen]:
        """One per advice or inferred rule the invalid property exercised: followed when
        every example got the 400 the rule expects, else the first that did not."""
        summary = []
        for rule_id, seen in self._seen.items():
            differing = [s for s in seen if not s.followed]
            first = (differing or seen)[0]
            count = f"{len(seen) - len(differing)} of {len(seen)} examples got 400"
            summary.append(
                oracle.Seen(first.family, rule_id, not differing, f"{first.what} ({count})")
            )
        return summary

    def valid(self) -> None:
        """Valid payloads, streamed or not: 200 and a conforming answer."""
        requests = chat_requests(
            self.model, profile=self.profile, stream=None, context_length=self.context_length
        )
        self._run(self._bodies(requests), lambda body: oracle.expect_valid(self.send(body)))

    def invalid(self) -> None:
        """Invalid payloads: 400 `invalid_request_error` with the error envelope where the
        family's rule is documented or captured, an observation where it is advice or
        inferred (see `observations`). The examples are shared out
        over the named families (each gets its share, the first ones one more), so that
        no family depends on how Hypothesis happens to weigh a choice among them; with
        fewer examples than families, the first families in sorted order run."""
        families = sorted(FAMILIES)
        base, extra = divmod(self.examples, len(families))
        accept = self.accept
        total = 0
        for index, family in enumerate(families):
            share = base + (1 if index < extra else 0)
            if share <= 0:
                continue
            requests = invalid_requests(
                self.model,
                profile=self.profile,
                families=(family,),
                context_length=self.context_length,
            )
            pairs = requests if accept is None else requests.filter(lambda p: accept(p[1]))
            try:
                self._run(
                    pairs,
                    lambda pair: self._observe(
                        oracle.expect_invalid(self.send(pair[1]), pair[0], strict=self.strict)
                    ),
                    examples=share,
                )
            except FuzzStopped as stopped:
                raise FuzzStopped(
                    stopped.reason, ran=total + stopped.ran, planned=self.examples
                ) from None
            total += self.ran
        self.ran = total
