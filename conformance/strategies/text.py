"""Text that stresses encoders, and the names a request carries.

`stress_text` mixes ordinary characters with the ones that break JSON encoders, SSE
framing, tokenizers and logging: CJK, right-to-left scripts, combining marks, zero-width
characters, characters outside the Basic Multilingual Plane (emoji, CJK extension B),
and the control characters JSON requires to be escaped (U+0000 to U+001F). Lone
surrogates are never drawn: they are not Unicode scalar values and cannot be sent as UTF-8.
"""

from __future__ import annotations

import functools

from hypothesis import strategies as st

__all__ = [
    "ASTRAL",
    "COMBINING",
    "CONTROL",
    "STRESS_CHARACTERS",
    "ZERO_WIDTH",
    "function_names",
    "identifiers",
    "message_names",
    "stress_text",
]

CJK = "你好世界中文測試日本語のテキスト한국어"
RTL = "مرحبا بالعالم שלום עולם"
COMBINING = "e\u0301a\u0308o\u0303\u0338\u20dd"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f"
ASTRAL = "😀🎉🏳️‍🌈👩🏽‍💻𝄞𠜎𝔘𝟘🀄"
CONTROL = "".join(chr(c) for c in range(0x20)) + "\x7f"
OTHER = "\"\\/<>&'`{}[]:,\u2028\u2029\u00a0\u3000\ufffd"
STRESS_CHARACTERS = CJK + RTL + COMBINING + ZERO_WIDTH + ASTRAL + CONTROL + OTHER

# Three kinds of text: `st.text` over one alphabet would merge the hostile characters
# into one character set and draw them no more often than any other code point.
_SEQUENCES = (
    "e\u0301",  # a letter and a combining mark
    "\U0001f3f3\ufe0f\u200d\U0001f308",  # a ZWJ emoji sequence
    "\U0001f469\U0001f3fd\u200d\U0001f4bb",
)
_HOSTILE = st.sampled_from(STRESS_CHARACTERS + "abcdefghijklmnopqrstuvwxyz 0123456789.?!")
_ANY = st.characters(blacklist_categories=["Cs"])


def _text(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    sequences = st.lists(st.sampled_from(_SEQUENCES), min_size=1, max_size=3).map("".join)
    return st.one_of(
        st.text(_HOSTILE, min_size=min_size, max_size=max_size),
        st.text(_ANY, min_size=min_size, max_size=max_size),
        st.tuples(st.text(_HOSTILE, max_size=4), sequences).map("".join),
    )


# The widest name every documented generation accepts: `{2,63}` (2026-05 … 08-12)
# is inside `{0,255}` (EN 2026-08-17) and `{0,127}` (CN 2026-09), kimi-api.md §3.1 ⚠.
FUNCTION_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_-]{2,63}$"
_HEAD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_TAIL = _HEAD + "0123456789-"


@functools.cache
def identifiers(min_size: int = 1, max_size: int = 16) -> st.SearchStrategy[str]:
    """`[a-zA-Z_][a-zA-Z0-9_-]*` of `min_size`..`max_size` characters (like `from_regex`,
    several times faster to draw)."""
    return st.builds(
        str.__add__,
        st.sampled_from(_HEAD),
        st.text(st.sampled_from(_TAIL), min_size=min_size - 1, max_size=max_size - 1),
    )


def _non_blank(text: str) -> str:
    """ "content must not be empty": a blank text gets one visible character."""
    return text if text.strip() else text + "?"


@functools.cache
def stress_text(
    *, min_size: int = 1, max_size: int = 40, long_size: int = 0, blank: bool = False
) -> st.SearchStrategy[str]:
    """Text of `min_size`..`max_size` characters, often full of hostile characters.

    `long_size` > `max_size` also draws, now and then, a long text of up to `long_size`
    characters (a drawn piece repeated: cheap to generate, still varied). Unless `blank`,
    the text is never only whitespace (the API: "content must not be empty").
    """
    short = _text(min_size, max_size)
    strategy = short
    if long_size > max_size:
        long = st.builds(
            lambda piece, size: (piece * (size // max(len(piece), 1) + 1))[:size],
            _text(1, 32),
            st.integers(max_size + 1, long_size),
        )
        strategy = st.one_of(short, short, short, long)
    return strategy if blank else strategy.map(_non_blank)


@functools.cache
def message_names(*, long_size: int = 128) -> st.SearchStrategy[str]:
    """A message `name` ("Optional name for the message sender", any string): short
    identifiers, hostile text, and names longer than OpenAI's 64 characters."""
    return st.one_of(
        identifiers(1, 16),
        stress_text(max_size=16),
        identifiers(65, max(long_size, 65)),
    )


@functools.cache
def function_names() -> st.SearchStrategy[str]:
    """A function name valid under every documented generation of the rule."""
    return identifiers(3, 64)
