"""What one request may cost at most, known before it is sent.

Moonshot counts rate limits and bills by tokens; it "calculate[s] rate limits based on
the max_tokens parameter in the request … regardless of the actual number of Tokens
generated" (kimi-api.md §9). So the worst case of a chat request is known from its body:
the prompt it sends plus the completion it allows. The plan prices every check with it
before the first request, and the transport refuses a request whose worst case could
cross `--budget-tokens` (a ceiling, not a target).

The prompt is estimated pessimistically, without a tokenizer (no I/O, no model files):
half a token per byte of the JSON of the messages and tools (English runs about four
bytes a token; CJK text three bytes a character and about one token), a few tokens of
framing per message, and a fixed allowance per image or video.

Public API: `Cost`, `FREE`, `worst_case_tokens(body)`, `request_worst_case(method, path,
content)`, `prompt_estimate(messages, tools)`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DEFAULT_COMPLETION",
    "FREE",
    "Cost",
    "prompt_estimate",
    "request_worst_case",
    "worst_case_tokens",
]

PER_REQUEST = 8
PER_MESSAGE = 8
PER_IMAGE = 1024  # an image of unknown size (a URL): a generous allowance
PER_VIDEO = 4096
# An image whose size is in the request (a PNG data URL): a token per 28x28 pixels
# (14-pixel patches merged 2x2, as vision encoders of this generation do), and framing.
PIXELS_PER_TOKEN_SIDE = 28
PER_SIZED_IMAGE = 64
# "If not specified, defaults to a reasonable integer such as 1024" (kimi-api.md §3.1).
DEFAULT_COMPLETION = 1024


@dataclass(frozen=True)
class Cost:
    """Requests and worst-case tokens."""

    requests: int = 0
    tokens: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.requests + other.requests, self.tokens + other.tokens)

    def __mul__(self, times: int) -> Cost:
        return Cost(self.requests * times, self.tokens * times)

    def fits(self, caps: Cost) -> bool:
        return self.requests <= caps.requests and self.tokens <= caps.tokens

    def __str__(self) -> str:
        return f"{self.requests} requests, {self.tokens} tokens"


FREE = Cost()


def _media_tokens(value: Any) -> Iterable[int]:
    if isinstance(value, dict):
        kind = value.get("type")
        if kind == "image_url":
            yield _image_tokens(value.get("image_url"))
        elif kind == "video_url":
            yield PER_VIDEO
        for item in value.values():
            yield from _media_tokens(item)
    elif isinstance(value, list):
        for item in value:
            yield from _media_tokens(item)


def _image_tokens(image: Any) -> int:
    url = image.get("url") if isinstance(image, dict) else None
    size = _png_size(url) if isinstance(url, str) else None
    if size is None:
        return PER_IMAGE
    width, height = size
    side = PIXELS_PER_TOKEN_SIDE
    return PER_SIZED_IMAGE + math.ceil(width / side) * math.ceil(height / side)


def _png_size(url: str) -> tuple[int, int] | None:
    """Width and height of a base64 PNG data URL, from its IHDR chunk."""
    import base64
    import binascii

    prefix = "data:image/png;base64,"
    if not url.startswith(prefix):
        return None
    try:
        head = base64.b64decode(url[len(prefix) : len(prefix) + 32] + "==", validate=False)
    except (binascii.Error, ValueError):
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if not (0 < width <= 100_000 and 0 < height <= 100_000):
        return None
    return width, height


def prompt_estimate(messages: Any, tools: Any = None) -> int:
    """Pessimistic prompt tokens of `messages` (+ `tools`): see the module docstring."""
    media = sum(_media_tokens(messages))
    text = json.dumps([_without_media(messages), tools or []], ensure_ascii=False)
    size = len(text.encode("utf-8", "surrogatepass"))
    count = len(messages) if isinstance(messages, list) else 1
    return PER_REQUEST + PER_MESSAGE * count + math.ceil(size / 2) + media


def _without_media(value: Any) -> Any:
    """`value` with the URLs of images and videos left out (priced by `_media_tokens`)."""
    if isinstance(value, dict):
        if value.get("type") in ("image_url", "video_url"):
            return {"type": value["type"]}
        return {key: _without_media(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_media(item) for item in value]
    return value


def _completion_limit(body: Mapping[str, Any]) -> int:
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return DEFAULT_COMPLETION


def worst_case_tokens(body: Any) -> int:
    """The most tokens a `POST /chat/completions` with `body` can spend: the estimated
    prompt plus `max_completion_tokens` for each of the `n` choices."""
    if not isinstance(body, Mapping):
        return DEFAULT_COMPLETION
    n = body.get("n")
    choices = n if isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 16 else 1
    return prompt_estimate(body.get("messages"), body.get("tools")) + choices * _completion_limit(
        body
    )


def request_worst_case(method: str, path: str, content: bytes | None) -> int:
    """Worst-case tokens of one HTTP request by its path: chat completions are priced by
    their body; everything else (models, files, batches, the free token estimator) by 0.
    A batch's tokens are spent later, by the batch: the plan prices them."""
    if method.upper() != "POST" or not path.rstrip("/").endswith("/chat/completions"):
        return 0
    try:
        body = json.loads(content or b"")
    except (ValueError, UnicodeDecodeError):
        return 0  # not JSON: the API refuses it without inference
    return worst_case_tokens(body)
