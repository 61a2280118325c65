"""What the emulator charges: per-model token prices and tool fees, as data with sources.

USD per million tokens (the international platform, `api.moonshot.ai`, bills in USD;
kimi-api.md §4). Moonshot prices input in two rates, cache hit and cache miss, and output
in one. Where no public price was found the entry says `assumption` and what it copies.
The sources are Moonshot's pricing pages where a copy was found, else third parties that
quote or pass through Moonshot's list price (named in each `source`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BATCH_FACTOR",
    "PRICES",
    "WEB_SEARCH_FEE",
    "Price",
    "cost",
    "price_for",
]


@dataclass(frozen=True)
class Price:
    """USD per 1,000,000 tokens."""

    cache_hit: float
    cache_miss: float
    output: float
    source: str
    assumption: bool = False


_K26 = Price(
    0.16,
    0.95,
    4.00,
    "Moonshot's K2.6 list price (platform.kimi.ai/docs/pricing/chat-k26) as quoted by "
    "Cloudflare Workers AI's model page for @cf/moonshotai/kimi-k2.6 and tokenmix.ai "
    "(2026-05-14); no copy of Moonshot's page itself was found",
)
_K27_CODE = Price(
    0.16,
    0.95,
    4.00,
    "aigateway.sh's kimi-k2.7-code guide (a pass-through gateway, 2026): $0.95 input, $4.00 "
    "output; the cache-hit price is an assumption (kimi-k2.6's)",
    assumption=True,
)
_V1 = "Lava gateway's Moonshot price table (pass-through list prices, 2026)"
_NO_CACHE = "no cache-hit price is published for moonshot-v1: a hit is priced as input"

PRICES: dict[str, Price] = {
    "kimi-k3": Price(
        _K26.cache_hit,
        _K26.cache_miss,
        _K26.output,
        "assumption: no public price found; priced as kimi-k2.6",
        assumption=True,
    ),
    "kimi-k2.7-code": _K27_CODE,
    "kimi-k2.7-code-highspeed": Price(
        _K27_CODE.cache_hit,
        _K27_CODE.cache_miss,
        _K27_CODE.output,
        'assumption: no public price found; priced as kimi-k2.7-code ("the same model", '
        "platform.kimi.ai K2.7 Code quickstart)",
        assumption=True,
    ),
    "kimi-k2.6": _K26,
    "kimi-k2.5": Price(
        0.10,
        0.60,
        3.00,
        "platform.moonshot.ai/docs/pricing/chat (archived copy of 2026-03-26): kimi-k2.5",
    ),
    "moonshot-v1-8k": Price(0.20, 0.20, 2.00, f"{_V1}; {_NO_CACHE}"),
    "moonshot-v1-32k": Price(1.00, 1.00, 3.00, f"{_V1}; {_NO_CACHE}"),
    "moonshot-v1-128k": Price(2.00, 2.00, 5.00, f"{_V1}; {_NO_CACHE}"),
}
# The vision previews are listed at their text model's price (same source).
for _size in ("8k", "32k", "128k"):
    PRICES[f"moonshot-v1-{_size}-vision-preview"] = PRICES[f"moonshot-v1-{_size}"]

# "we charge a fee of $0.005 for the $web_search call" (platform.kimi.ai/docs/pricing/tools,
# kimi-api.md §3.7), for an answer whose tool call is $web_search.
WEB_SEARCH_FEE = 0.005
# "Batch costs 40% less than real-time calls" (kimi-api.md §6).
BATCH_FACTOR = 0.6

_FAMILY_DEFAULT = {
    "kimi-k3": "kimi-k3",
    "kimi-k2.7-code": "kimi-k2.7-code",
    "kimi-k2.6": "kimi-k2.6",
    "kimi-k2.5": "kimi-k2.5",
    "moonshot-v1": "moonshot-v1-128k",
}


def price_for(model: str, family: str | None = None, tokens: int = 0) -> Price:
    """The price of `model`. `moonshot-v1-auto` "automatically picks the 8k/32k/128k tier"
    (kimi-api.md §2): the smallest whose context holds `tokens` (prompt + completion).
    A model with no entry is priced as its family's, else as kimi-k2.6 (an assumption)."""
    if model == "moonshot-v1-auto":
        size = "8k" if tokens <= 8192 else "32k" if tokens <= 32768 else "128k"
        return PRICES[f"moonshot-v1-{size}"]
    if model in PRICES:
        return PRICES[model]
    return PRICES[_FAMILY_DEFAULT.get(family or "", "kimi-k2.6")]


def cost(price: Price, prompt_tokens: int, cached_tokens: int, completion_tokens: int) -> float:
    """USD for one answer: cached prompt tokens at the hit rate, the rest at the miss rate."""
    hit = min(max(cached_tokens, 0), prompt_tokens)
    return (
        hit * price.cache_hit
        + (prompt_tokens - hit) * price.cache_miss
        + completion_tokens * price.output
    ) / 1_000_000
