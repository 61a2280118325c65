"""Secrets out of recordings, logs and messages, in layers.

Modelled on schemathesis' `core/output/sanitization.py`: one small `Scrubber` holding the
exact secret values to remove (the API key from the environment), plus patterns for
secrets it was never told about (`Bearer …`, `sk-…`, account ids in Moonshot's error
messages). Each method is a pure function on plain data, fast, and never raises on odd
input: what it cannot parse it still scrubs as text, or as bytes.

    scrubber = scrubber_from_env()
    scrubber.text("Bearer sk-…")          -> "Bearer <redacted>"
    scrubber.url("https://x/?api_key=k")  -> "https://x/?api_key=%3Credacted%3E"
    scrubber.headers({"Authorization": "Bearer …"}) -> {"Authorization": "<redacted>"}
"""

from __future__ import annotations

import builtins
import json as _json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

__all__ = [
    "ACCOUNT_HEADERS",
    "REDACTED",
    "SENSITIVE_REQUEST_HEADERS",
    "Scrubber",
    "ScrubbingFilter",
    "scrub_loggers",
    "scrubber_from_env",
    "secret_forms",
]

REDACTED = "<redacted>"
# Response headers that identify the account behind a key (see the contract, "Headers").
ACCOUNT_HEADERS = ("msh-uid", "msh-gid", "msh-org-id", "msh-project-id")
SENSITIVE_REQUEST_HEADERS = (
    "authorization",
    "x-api-key",
    "api-key",
    "cookie",
    "proxy-authorization",
    "openai-organization",
    "openai-project",
)
# Response headers as sensitive as the request ones.
_SENSITIVE_RESPONSE_HEADERS = ("set-cookie",)
_REDACTED_HEADERS = frozenset(
    SENSITIVE_REQUEST_HEADERS + ACCOUNT_HEADERS + _SENSITIVE_RESPONSE_HEADERS
)

_SENSITIVE_QUERY_PARAMS = frozenset({"api_key", "apikey", "key", "token", "access_token"})

# JSON keys whose values are secrets, compared with case and separators removed
# ("API-Key", "api_key", "apiKey" -> "apikey"). Exact names or suffixes, never substrings:
# "max_tokens" and "prompt_tokens" are not secrets.
_SECRET_KEYS = frozenset(
    {"apikey", "authorization", "token", "password", "passwd", "secret", "cookie"}
)
_SECRET_KEY_SUFFIXES = ("apikey", "token", "secret", "password")

# Values shorter than this are not treated as secrets: replacing "a" everywhere would
# destroy the recording and protect nothing.
MIN_SECRET_LENGTH = 8

_BEARER = re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]{16,}")
_SK_KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{16,}")
# "Your account org-…<ak-…> is not active" / "Your account {uid}<{ak-id}> request reached …"
_ACCOUNT_MESSAGE = re.compile(r"(Your account )(?!is\b)[^\s<>]+(\s?<)[^<>\s]+(>)")
# "organization <org-…>", "/ proj-… <ak-…>": ids carry at least one digit, which spares
# words like "org-chart".
_ACCOUNT_ID = re.compile(r"\b(org|proj|ak)-(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{4,}")

_BEARER_B = re.compile(rb"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]{16,}")
_SK_KEY_B = re.compile(rb"\bsk-[A-Za-z0-9_-]{16,}")


def _normalise_key(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _is_secret_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    norm = _normalise_key(key)
    return norm in _SECRET_KEYS or norm.endswith(_SECRET_KEY_SUFFIXES)


def secret_forms(secret: str) -> list[str]:
    """A secret as it may appear: raw, URL-encoded (both ways), JSON-escaped."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        _json.dumps(secret)[1:-1],
        _json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    # Longest first, so a form containing another is replaced whole.
    return sorted(forms, key=len, reverse=True)


class Scrubber:
    """Removes secrets from text, URLs, headers, JSON values and bodies."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH}
        self._forms: list[str] = sorted(
            {form for s in values for form in secret_forms(s)}, key=len, reverse=True
        )
        self._byte_forms: list[bytes] = [f.encode("utf-8") for f in self._forms]

    def text(self, s: str) -> str:
        """`s` with known secrets, bearer tokens, `sk-` keys and account ids redacted."""
        if not isinstance(s, str):
            return s
        for form in self._forms:
            if form in s:
                s = s.replace(form, REDACTED)
        s = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", s)
        s = _SK_KEY.sub(REDACTED, s)
        s = _ACCOUNT_MESSAGE.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(2)}{REDACTED}>", s)
        return _ACCOUNT_ID.sub(lambda m: f"{m.group(1)}-{REDACTED}", s)

    def url(self, url: str) -> str:
        """`url` with userinfo and sensitive query parameters redacted, the rest via text()."""
        if not isinstance(url, str):
            return url
        try:
            parts = urlsplit(url)
            netloc = parts.netloc
            if "@" in netloc:
                netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
            query = parts.query
            if query:
                pairs = parse_qsl(query, keep_blank_values=True)
                if any(k.lower() in _SENSITIVE_QUERY_PARAMS for k, _ in pairs):
                    query = urlencode(
                        [
                            (k, REDACTED if k.lower() in _SENSITIVE_QUERY_PARAMS else v)
                            for k, v in pairs
                        ]
                    )
            url = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
        except ValueError:  # e.g. "http://[" : still scrub it as text
            pass
        return self.text(url)

    def headers(self, headers: Mapping[str, object]) -> dict[str, object]:
        """A copy of `headers` (values str or list of str) with sensitive values redacted.

        The header names stay: that a request carried an Authorization header, or that a
        response named an account, is information a recording should keep.
        """
        out: dict[str, object] = {}
        for name, value in headers.items():
            redact = isinstance(name, str) and name.lower() in _REDACTED_HEADERS
            out[name] = self._header_value(value, redact)
        return out

    def _header_value(self, value: object, redact: bool) -> object:
        if isinstance(value, (list, tuple)):
            return [self._header_value(v, redact) for v in value]
        if redact:
            return REDACTED
        if isinstance(value, bytes):
            return self.bytes(value)
        return self.text(value) if isinstance(value, str) else value

    def json(self, obj: object) -> object:
        """A copy of a JSON value with secret-named keys redacted and strings via text()."""
        if isinstance(obj, dict):
            return {
                k: (REDACTED if _is_secret_key(k) and v is not None else self.json(v))
                for k, v in obj.items()
            }
        if isinstance(obj, list):
            return [self.json(v) for v in obj]
        if isinstance(obj, str):
            return self.text(obj)
        return obj

    def bytes(self, b: bytes) -> bytes:
        """A body with secrets removed. Pass the whole body (an SSE stream joined, not
        chunk by chunk): a key split across transport chunks is whole again only there."""
        if not isinstance(b, bytes):
            return b
        try:
            return self.text(b.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            pass
        redacted = REDACTED.encode()
        for form in self._byte_forms:
            b = b.replace(form, redacted)
        b = _BEARER_B.sub(lambda m: m.group(1) + m.group(2) + redacted, b)
        return _SK_KEY_B.sub(redacted, b)

    def sse(self, body: builtins.bytes) -> builtins.bytes:
        """An SSE body scrubbed across events, then as a whole.

        A streamed completion can spell a key out over several `data:` events
        (`"content": "sk-ab"`, `"content": "cd…"`). Strings at the same JSON path in
        successive events are joined, searched, and the pieces that make up a secret
        are redacted in place.
        """
        if not isinstance(body, bytes):
            return body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self.bytes(body)
        return self.text(_scrub_sse_across_events(text, self)).encode("utf-8")


def _string_leaves(obj: object, path: tuple[object, ...] = ()) -> Iterable[tuple[tuple, str]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _string_leaves(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _string_leaves(v, (*path, i))
    elif isinstance(obj, str):
        yield path, obj


def _set_path(obj: object, path: tuple, value: str) -> None:
    for step in path[:-1]:
        obj = obj[step]  # type: ignore[index]
    obj[path[-1]] = value  # type: ignore[index]


def _scrub_sse_across_events(text: str, scrubber: Scrubber) -> str:
    lines = text.split("\n")
    events: dict[int, object] = {}  # line index -> parsed data
    for i, line in enumerate(lines):
        if line.startswith("data:"):
            try:
                events[i] = _json.loads(line[5:])
            except ValueError:
                continue
    # path -> [(line index, start offset in joined string, piece)]
    pieces: dict[tuple, list[tuple[int, int, str]]] = {}
    joined: dict[tuple, str] = {}
    for i, data in events.items():
        for path, s in _string_leaves(data):
            start = len(joined.get(path, ""))
            pieces.setdefault(path, []).append((i, start, s))
            joined[path] = joined.get(path, "") + s
    changed: set[int] = set()
    for path, whole in joined.items():
        spans = _secret_spans(whole, scrubber)
        if not spans:
            continue
        for i, start, piece in pieces[path]:
            new = _redact_piece(piece, start, spans)
            if new != piece:
                _set_path(events[i], path, new)
                changed.add(i)
    for i in changed:
        lines[i] = "data: " + _json.dumps(events[i], ensure_ascii=False)
    return "\n".join(lines)


def _secret_spans(s: str, scrubber: Scrubber) -> list[tuple[int, int]]:
    spans = []
    for form in scrubber._forms:
        start = s.find(form)
        while start >= 0:
            spans.append((start, start + len(form)))
            start = s.find(form, start + 1)
    spans += [m.span() for m in _SK_KEY.finditer(s)]
    spans += [(m.start(), m.end()) for m in _BEARER.finditer(s)]
    return spans


def _redact_piece(piece: str, start: int, spans: list[tuple[int, int]]) -> str:
    """`piece` (at `start` of the joined string) with the characters inside spans removed;
    the piece where a span begins gets the REDACTED marker."""
    out = []
    for offset, ch in enumerate(piece):
        pos = start + offset
        span = next((sp for sp in spans if sp[0] <= pos < sp[1]), None)
        if span is None:
            out.append(ch)
        elif pos == span[0]:
            out.append(REDACTED)
    return "".join(out)


def scrubber_from_env(environ: Mapping[str, str] | None = None) -> Scrubber:
    """A Scrubber for the keys in the environment: MOONSHOT_API_KEY, and OPENAI_API_KEY."""
    env = os.environ if environ is None else environ
    return Scrubber(v for v in (env.get("MOONSHOT_API_KEY"), env.get("OPENAI_API_KEY")) if v)


class ScrubbingFilter(logging.Filter):
    """A logging filter that scrubs each record's message (known keys from the
    environment, bearer tokens, `sk-` keys, account ids) before any handler sees it.

    HTTP libraries log URLs (a key in a query string) and vcrpy logs whole answers (an
    echoed key) at INFO/DEBUG, which `pytest --log-level=DEBUG` shows and JUnit keeps.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: leave it to logging's own error handling
            return True
        record.msg = scrubber_from_env().url(message)
        record.args = ()
        return True


_FILTER = ScrubbingFilter()


def scrub_loggers(*prefixes: str) -> None:
    """Put the scrubbing filter on the loggers named by `prefixes` and on every existing
    child of them (a logger's filters do not apply to its children). Idempotent."""
    existing = list(logging.Logger.manager.loggerDict)
    names = [n for n in existing if any(n == p or n.startswith(p + ".") for p in prefixes)]
    for name in [*prefixes, *names]:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
