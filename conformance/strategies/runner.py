"""Run the fuzz properties: Hypothesis settings, and the two properties as functions.

`Campaign(send, model, ...)` draws requests for `model` and judges each answer with
`oracle`; `send(body) -> oracle.Exchange` decides where requests go (in-process emulator,
loopback, live). A property that finds a failure raises `oracle.FuzzFailure` carrying
the minimal payload Hypothesis shrank to. The suite (`conformance/suite/test_fuzz.py`),
the project's tests and `benchmarks/fuzz.py` all run the properties through here.
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

__all__ = ["Campaign", "fuzz_settings"]

Send = Callable[[dict[str, Any]], oracle.Exchange]


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


class Campaign:
    """The fuzz properties for one model, sending through `send`."""

    def __init__(
        self,
        send: Send,
        model: str,
        *,
        profile: Profile = OFFLINE,
        examples: int | None = None,
        models_document: Any = None,
        derandomize: bool | None = None,
    ) -> None:
        self.send = send
        self.model = model
        self.profile = profile
        self.examples = examples or profile.examples
        self.context_length = context_length_of(model, models_document)
        self.derandomize = derandomize
        self.failed = False  # set once a property found a failure (it is now shrinking)

    def _run(
        self, strategy: Any, check: Callable[[Any], None], *, examples: int | None = None
    ) -> None:
        @fuzz_settings(examples or self.examples, derandomize=self.derandomize)
        @given(strategy)
        def prop(example: Any) -> None:
            try:
                check(example)
            except oracle.FuzzFailure:
                self.failed = True
                raise

        with warnings.catch_warnings():  # a large falsifying example is still reported
            warnings.simplefilter("ignore", hypothesis.errors.HypothesisWarning)
            prop()

    def valid(self) -> None:
        """Valid payloads, streamed or not: 200 and a conforming answer."""
        requests = chat_requests(
            self.model, profile=self.profile, stream=None, context_length=self.context_length
        )
        self._run(requests, lambda body: oracle.expect_valid(self.send(body)))

    def invalid(self) -> None:
        """Invalid payloads: a 4xx with the error envelope. The examples are shared out
        over the named families (each gets at least one), so that no family depends on
        how Hypothesis happens to weigh a choice among them."""
        share = -(-self.examples // len(FAMILIES))  # rounded up: at least `examples` in all
        for family in sorted(FAMILIES):
            requests = invalid_requests(
                self.model,
                profile=self.profile,
                families=(family,),
                context_length=self.context_length,
            )
            self._run(
                requests,
                lambda pair: oracle.expect_invalid(self.send(pair[1]), pair[0]),
                examples=share,
            )
