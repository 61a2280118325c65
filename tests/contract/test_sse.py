"""The SSE parser: the same transcript gives the same events however it is chunked."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.contract.sse import Event, SSEDecoder, parse

# A Moonshot-style stream with the awkward parts: multi-byte UTF-8, a comment, a
# multi-line data field, event/id fields, and the closing [DONE].
TRANSCRIPT = (
    ": keep-alive\n"
    "\n"
    'data: {"id":"cmpl-1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n'
    "\n"
    'data: {"id":"cmpl-1","choices":[{"index":0,"delta":{"content":"你好"}}]}\n'
    "\n"
    "event: note\n"
    "id: 7\n"
    "data: first line\n"
    "data:second line\n"
    "\n"
    "data: [DONE]\n"
    "\n"
)

EXPECTED = [
    Event('{"id":"cmpl-1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}'),
    Event('{"id":"cmpl-1","choices":[{"index":0,"delta":{"content":"你好"}}]}'),
    Event("first line\nsecond line", event="note", id="7"),
    Event("[DONE]", id="7"),  # the last event ID persists across events (WHATWG)
]

RAW = TRANSCRIPT.encode("utf-8")


def decode_in_pieces(raw: bytes, cuts: list[int]) -> list[Event]:
    decoder = SSEDecoder()
    events: list[Event] = []
    bounds = [0, *sorted(cuts), len(raw)]
    for start, end in pairwise(bounds):
        events += decoder.feed(raw[start:end])
    return events + decoder.close()


def test_whole_transcript() -> None:
    assert parse(TRANSCRIPT) == EXPECTED
    assert parse(RAW) == EXPECTED


@pytest.mark.parametrize("offset", range(len(RAW) + 1))
def test_split_at_every_byte_offset(offset: int) -> None:
    # Includes offsets inside the three-byte UTF-8 characters of 你好.
    assert decode_in_pieces(RAW, [offset]) == EXPECTED


def test_one_byte_at_a_time() -> None:
    assert decode_in_pieces(RAW, list(range(1, len(RAW)))) == EXPECTED


@settings(max_examples=200, deadline=None)
@given(
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
)
def test_any_line_ending_and_any_split_points(ending: str, cuts: list[int]) -> None:
    raw = TRANSCRIPT.replace("\n", ending).encode("utf-8")
    assert decode_in_pieces(raw, [c % (len(raw) + 1) for c in cuts]) == EXPECTED


def test_crlf_split_between_cr_and_lf_is_one_line_ending() -> None:
    # Given a chunk ending in CR and the next starting with LF
    decoder = SSEDecoder()
    # Then the LF does not count as a second (blank) line that would dispatch early
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\ndata: b\r") == []
    assert decoder.feed(b"\n\r\n") == [Event("a\nb")]


def test_several_events_in_one_chunk() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: 1\n\ndata: 2\n\ndata: 3\n\n") == [
        Event("1"),
        Event("2"),
        Event("3"),
    ]


def test_comments_are_ignored_anywhere() -> None:
    assert parse(":c\ndata: a\n: c2\ndata: b\n:\n\n") == [Event("a\nb")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("data:no-space\n\n", [Event("no-space")]),
        ("data:  two spaces\n\n", [Event(" two spaces")]),  # only one space is stripped
        ("data\n\n", [Event("")]),  # a field without a colon has an empty value
        ("data:\ndata:\n\n", [Event("\n")]),
        ("event: x\n\n", []),  # no data: nothing dispatched, and the type is reset
        ("event: x\n\ndata: y\n\n", [Event("y")]),
        ("id: 1\n\ndata: y\n\n", [Event("y", id="1")]),  # the last event ID persists
        ("id: a\0b\ndata: y\n\n", [Event("y")]),  # an id with NUL is ignored
        ("retry: 100\nfoo: bar\ndata: y\n\n", [Event("y")]),  # unknown fields ignored
        ("\ufeffdata: bom\n\n", [Event("bom")]),  # one leading BOM is dropped
        ("\ufeff\ufeffdata: x\n\n", []),  # a second BOM is part of the field name
        ("data: a:b: c\n\n", [Event("a:b: c")]),  # only the first colon splits
    ],
)
def test_field_rules(text: str, expected: list[Event]) -> None:
    assert parse(text) == expected


def test_unterminated_event_is_discarded_and_reported() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"data: 1\n\ndata: [DONE]\n") + decoder.close()
    assert events == [Event("1")]
    assert decoder.unterminated == "data: [DONE]"


def test_terminated_stream_reports_nothing_unterminated() -> None:
    decoder = SSEDecoder()
    decoder.feed(RAW)
    decoder.close()
    assert decoder.unterminated is None


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert parse(b"data: \xff\n\n") == [Event("\ufffd")]


def test_utf8_character_cut_at_end_of_stream_is_replaced_not_raised() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: \xe4\xbd") == []
    assert decoder.close() == []
    assert decoder.unterminated == "data: \ufffd"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    events = parse(raw)
    assert all(isinstance(e.data, str) for e in events)
    assert decode_in_pieces(raw, [len(raw) // 2]) == events
