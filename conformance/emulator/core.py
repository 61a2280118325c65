"""The emulator's core: `Emulator.handle(Request) -> Response`, state on the instance.

One request goes through: faults (which may replace the answer) -> Bearer auth -> the
route table -> the area handler (chat, models, account, files, batches) -> faults that
damage the answer -> the documented headers (`Msh-Request-Id`, `X-Msh-Trace-Id`).
Thread-safe: state changes happen under one lock; streamed bodies are generated lazily
outside it from data computed under it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conformance.contract.catalog import DEFAULT_MODELS, ModelInfo, family_of
from conformance.emulator import chat, prices
from conformance.emulator.account import Balance, estimate_tokens, insufficient_balance
from conformance.emulator.accounting import Accounting
from conformance.emulator.batches import BatchStore
from conformance.emulator.faults import Faults, FaultSpec, damage, replace
from conformance.emulator.files import FileStore
from conformance.emulator.http import ApiError, Request, Response, error_response, json_response
from conformance.emulator.ids import Ids
from conformance.emulator.models import list_models
from conformance.emulator.prefix_cache import PrefixCache, report_cached
from conformance.emulator.ratelimit import RateLimiter, Tier
from conformance.emulator.uploads import parse_form

if TYPE_CHECKING:
    import httpx
    import httpx2
    import openai

__all__ = ["DEFAULT_KEY", "MAX_JSON_BYTES", "MAX_UPLOAD_BYTES", "Emulator"]

# Clearly fake: the documented `sk-` + 48 characters shape, spelled out as a dummy.
DEFAULT_KEY = "sk-emulator-dummy-key-not-a-secret-000000000000000"
# "total message size N exceeds limit 2097152" (kimi-api.md §8, Kimi Code gateway).
MAX_JSON_BYTES = 2_097_152
# 100 MB per file (kimi-api.md §5) plus room for the multipart framing.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024 + 64 * 1024

Handler = Callable[["Emulator", Request, "re.Match[str]"], Response]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: str  # the accounting label
    handler: Handler


def _invalid(details: str, *, rule: str) -> ApiError:
    return ApiError(400, "invalid_request_error", f"Invalid request: {details}", rule=rule)


def _limit(raw: str, maximum: int) -> int:
    """A listing's `limit` query parameter; 400 when it is not an integer."""
    try:
        return int(raw)
    except ValueError:
        raise _invalid(
            f"limit must be an integer between 1 and {maximum}, got {raw!r}",
            rule="listing.parameters",
        ) from None


def _json_body(request: Request) -> Any:
    content_type = request.headers.get("content-type", "application/json")
    media = content_type.split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise _invalid(
            f"Content-Type must be application/json, got {media or 'nothing'}",
            rule="request.not-json",
        )
    if len(request.body) > MAX_JSON_BYTES:
        raise ApiError(
            400,
            "invalid_request_error",
            f"total message size {len(request.body)} exceeds limit {MAX_JSON_BYTES}",
            rule="request.size-limit",
        )
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("the request body is not valid JSON", rule="request.not-json") from None


class _Released:
    """A streamed body that runs `release` once, when exhausted, closed or collected."""

    def __init__(self, chunks: Iterable[bytes], release: Callable[[], None]) -> None:
        self._chunks = chunks
        self._release = release

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._chunks
        finally:
            self.close()

    def close(self) -> None:
        self._release()

    def __del__(self) -> None:
        self._release()


class Emulator:
    """A stateful stand-in for the Moonshot API.

    `api_keys`: the keys accepted as `Authorization: Bearer <key>`. `models`: the line-up
    (default `catalog.DEFAULT_MODELS`). `seed`: makes ids, timestamps and text
    reproducible. `balance`: at <= 0 available, inference answers 429
    `exceeded_current_quota_error`. `faults`: names or `FaultSpec`s (see `faults`).
    `rate_limit`: a `Tier` whose concurrency and RPM are enforced on chat completions;
    `clock` is the rate limiter's (monotonic seconds), injectable for tests.

    The balance moves: each answer is charged at its model's price (`prices`: tokens, cache
    hits at the hit rate, $0.005 per `$web_search` call; batch requests 40% less), vouchers
    first, then cash. Set `emulator.balance = Balance.empty()` (or `--balance 0` on the
    command line) to test a client's handling of an exhausted account.
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = (DEFAULT_KEY,),
        models: Sequence[ModelInfo] | None = None,
        seed: int = 0,
        balance: Balance | None = None,
        faults: Iterable[str | FaultSpec] = (),
        rate_limit: Tier | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.api_keys = frozenset(api_keys)
        if not self.api_keys:
            raise ValueError("an emulator needs at least one API key")
        self.models: tuple[ModelInfo, ...] = tuple(DEFAULT_MODELS if models is None else models)
        for model in self.models:
            if family_of(model.family) is None:
                raise ValueError(f"model {model.id}: unknown family {model.family!r}")
        self._by_id = {m.id: m for m in self.models}
        self.seed = seed
        self.balance = balance or Balance()
        self.faults = Faults(faults)
        self.ids = Ids(seed)
        self.accounting = Accounting()
        self.prefix_cache = PrefixCache()
        limiter_kw = {} if clock is None else {"clock": clock}
        self.rate_limiter = None if rate_limit is None else RateLimiter(rate_limit, **limiter_kw)
        self.files = FileStore(clock=self.ids.clock, new_id=self.ids.new_id)
        self.batches = BatchStore(
            files=self.files,
            clock=self.ids.clock,
            new_id=self.ids.new_id,
            complete=self._complete_for_batch,
            known_models=lambda: set(self._by_id),
        )
        self._lock = threading.RLock()

    @property
    def client_key(self) -> str:
        """The key a client of this emulator sends: `DEFAULT_KEY` when accepted, else the
        first accepted key in sorted order."""
        return DEFAULT_KEY if DEFAULT_KEY in self.api_keys else sorted(self.api_keys)[0]

    # -- the entry point ---------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request. Never raises: every failure is an HTTP answer."""
        with self._lock:
            headers = {
                "msh-request-id": self.ids.request_id(),
                "x-msh-trace-id": self.ids.trace_id(),
            }
            try:
                response = self._dispatch(request)
            except ApiError as exc:
                response = error_response(exc)
            except Exception as exc:  # a bug in the emulator: answer like the API would
                name = type(exc).__name__
                response = error_response(
                    ApiError(500, "server_error", f"emulator internal error ({name})", rule=None)
                )
        response.headers.update(headers)
        return response

    def _dispatch(self, request: Request) -> Response:
        route, match = self._route(request)
        self.accounting.record(route.endpoint if route else "unrouted")
        fault = self.faults.select(request)
        if fault is not None:
            replaced = replace(fault, request)
            if replaced is not None:
                return replaced
        self._authenticate(request)
        if route is None or match is None:
            raise self._no_route(request)
        response = route.handler(self, request, match)
        return damage(fault, response) if fault is not None else response

    def _route(self, request: Request) -> tuple[_Route | None, re.Match[str] | None]:
        for route in _ROUTES:
            match = route.pattern.fullmatch(request.path)
            if match and route.method == request.method:
                return route, match
        return None, None

    def _no_route(self, request: Request) -> ApiError:
        if any(r.pattern.fullmatch(request.path) for r in _ROUTES):
            return ApiError(
                405,
                "invalid_request_error",
                f"Method {request.method} not allowed on {request.path}",
                rule="request.unknown-route",
            )
        return ApiError(
            404,
            "resource_not_found_error",
            f"url.not_found: no route for {request.path}",
            rule="request.unknown-route",
        )

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401, "invalid_authentication_error", "Invalid Authentication", rule="auth.401"
            )
        if token.strip() not in self.api_keys:
            raise ApiError(
                401, "incorrect_api_key_error", "Incorrect API key provided", rule="auth.401"
            )

    # -- inference -----------------------------------------------------------------------

    def _chat(self, request: Request, _: re.Match[str]) -> Response:
        body = _json_body(request)
        if self.balance.available <= 0:
            raise insufficient_balance()
        release = self.rate_limiter.acquire() if self.rate_limiter else None
        try:
            completion = chat.create(body, self._by_id, self.ids)
        except BaseException:
            if release:
                release()
            raise
        cached = self.prefix_cache.observe(body["model"], body["messages"], body.get("tools"))
        headers = report_cached(completion.body["usage"], cached)
        cost, searches = self._charge(completion.body)
        self.accounting.record(
            "POST /chat/completions",
            requests=0,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            cached_tokens=cached,
            web_search_calls=searches,
            cost=cost,
        )
        if not completion.stream:
            if release:
                release()
            return json_response(200, completion.body, headers)
        events: Iterable[bytes] = chat.sse_events(completion)
        if release:
            events = _Released(events, release)
        return Response(
            200,
            {
                "content-type": "text/event-stream; charset=utf-8",
                "cache-control": "no-cache",
                **headers,
            },
            b"",
            events,
        )

    def _charge(self, answer: dict[str, Any], factor: float = 1.0) -> tuple[float, int]:
        """Take one answer's price off the balance (`prices`): its tokens, and the fee of
        each `$web_search` call it makes. Returns (USD, $web_search calls)."""
        usage = answer["usage"]
        info = self._by_id.get(answer["model"])
        price = prices.price_for(
            answer["model"], info.family if info else None, usage["total_tokens"]
        )
        tokens_cost = prices.cost(
            price,
            usage["prompt_tokens"],
            usage.get("cached_tokens", 0),
            usage["completion_tokens"],
        )
        searches = sum(
            1
            for choice in answer["choices"]
            for call in choice["message"].get("tool_calls") or []
            if call["function"]["name"] == "$web_search"
        )
        total = tokens_cost * factor + searches * prices.WEB_SEARCH_FEE
        self.balance = self.balance.charged(total)
        return total, searches

    def _complete_for_batch(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            completion = chat.create({**body, "stream": False}, self._by_id, self.ids)
        except ApiError as exc:
            return exc.status, exc.envelope()
        cost, searches = self._charge(completion.body, prices.BATCH_FACTOR)
        self.accounting.record(
            "batch requests",
            requests=0,  # not HTTP requests: the batch's lines, run by the emulator
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            web_search_calls=searches,
            cost=cost,
        )
        return 200, completion.body

    def _estimate(self, request: Request, _: re.Match[str]) -> Response:
        document, total = estimate_tokens(_json_body(request), self._by_id)
        self.accounting.record(
            "POST /tokenizers/estimate-token-count", requests=0, prompt_tokens=total
        )
        return json_response(200, document)

    # -- listing and account -----------------------------------------------------------

    def _models(self, request: Request, _: re.Match[str]) -> Response:
        return json_response(200, list_models(self.models))

    def _balance(self, request: Request, _: re.Match[str]) -> Response:
        return json_response(200, self.balance.to_json())

    # -- files and batches -------------------------------------------------------------

    def _upload(self, request: Request, _: re.Match[str]) -> Response:
        if len(request.body) > MAX_UPLOAD_BYTES:
            raise ApiError(
                400,
                "invalid_request_error",
                "File size is too large, max file size is 100MB, please confirm and re-upload "
                "the file",
                rule="files.upload-rejected",
            )
        form = parse_form(request.headers.get("content-type", ""), request.body)
        if "file" not in form.files:
            raise _invalid("the form needs a file part named 'file'", rule="request.invalid-400")
        if "purpose" not in form.fields:
            raise _invalid(
                "the form needs a purpose field (file-extract, image, video, batch)",
                rule="request.invalid-400",
            )
        filename, data = form.files["file"]
        return json_response(200, self.files.upload(filename, form.fields["purpose"], data))

    def _files_list(self, request: Request, _: re.Match[str]) -> Response:
        query = request.query
        return json_response(
            200,
            self.files.list(
                after=query.get("after"),
                limit=None if "limit" not in query else _limit(query["limit"], 10_000),
                order=query.get("order", "asc"),
                purpose=query.get("purpose"),
            ),
        )

    def _file_get(self, request: Request, match: re.Match[str]) -> Response:
        return json_response(200, self.files.get(match["id"]))

    def _file_delete(self, request: Request, match: re.Match[str]) -> Response:
        return json_response(200, self.files.delete(match["id"]))

    def _file_content(self, request: Request, match: re.Match[str]) -> Response:
        content = self.files.content(match["id"])
        return Response(200, {"content-type": "text/plain; charset=utf-8"}, content)

    def _batch_create(self, request: Request, _: re.Match[str]) -> Response:
        return json_response(200, self.batches.create(_json_body(request)))

    def _batch_list(self, request: Request, _: re.Match[str]) -> Response:
        limit = _limit(request.query.get("limit", "20"), 100)
        return json_response(200, self.batches.list(after=request.query.get("after"), limit=limit))

    def _batch_get(self, request: Request, match: re.Match[str]) -> Response:
        return json_response(200, self.batches.get(match["id"]))

    def _batch_cancel(self, request: Request, match: re.Match[str]) -> Response:
        return json_response(200, self.batches.cancel(match["id"]))

    # -- adapters (imported lazily) ------------------------------------------------------

    def httpx_transport(self) -> httpx.MockTransport:
        from conformance.emulator.transports import httpx_transport

        return httpx_transport(self)

    def async_httpx_transport(self) -> httpx.MockTransport:
        from conformance.emulator.transports import async_httpx_transport

        return async_httpx_transport(self)

    def httpx2_transport(self) -> httpx2.MockTransport:
        from conformance.emulator.transports import httpx2_transport

        return httpx2_transport(self)

    def async_httpx2_transport(self) -> httpx2.MockTransport:
        from conformance.emulator.transports import async_httpx2_transport

        return async_httpx2_transport(self)

    def openai_client(self, **kwargs: Any) -> openai.OpenAI:
        from conformance.emulator.transports import openai_client

        return openai_client(self, **kwargs)

    def async_openai_client(self, **kwargs: Any) -> openai.AsyncOpenAI:
        from conformance.emulator.transports import async_openai_client

        return async_openai_client(self, **kwargs)


_ID = r"(?P<id>[^/]+)"
_ROUTES: tuple[_Route, ...] = tuple(
    _Route(method, re.compile(pattern), f"{method} {label}", handler)
    for method, pattern, label, handler in (
        ("POST", r"/chat/completions", "/chat/completions", Emulator._chat),
        ("GET", r"/models", "/models", Emulator._models),
        ("GET", r"/users/me/balance", "/users/me/balance", Emulator._balance),
        (
            "POST",
            r"/tokenizers/estimate-token-count",
            "/tokenizers/estimate-token-count",
            Emulator._estimate,
        ),
        ("POST", r"/files", "/files", Emulator._upload),
        ("GET", r"/files", "/files", Emulator._files_list),
        ("GET", rf"/files/{_ID}", "/files/{file_id}", Emulator._file_get),
        ("DELETE", rf"/files/{_ID}", "/files/{file_id}", Emulator._file_delete),
        ("GET", rf"/files/{_ID}/content", "/files/{file_id}/content", Emulator._file_content),
        ("POST", r"/batches", "/batches", Emulator._batch_create),
        ("GET", r"/batches", "/batches", Emulator._batch_list),
        ("GET", rf"/batches/{_ID}", "/batches/{batch_id}", Emulator._batch_get),
        ("POST", rf"/batches/{_ID}/cancel", "/batches/{batch_id}/cancel", Emulator._batch_cancel),
    )
)
