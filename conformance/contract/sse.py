"""A raw Server-Sent Events parser, per the WHATWG event-stream rules.

Moonshot streams chat completions as `data: <json>\\n\\n` events ending with
`data: [DONE]`. We parse the bytes ourselves, rather than through an SDK, so that a
conformance check sees exactly what the server sent.

Public API: `Event`, `SSEDecoder` (incremental: `feed(bytes)` then `close()`), and
`parse(text_or_bytes)` for a whole transcript.

Rules implemented (https://html.spec.whatwg.org/multipage/server-sent-events.html,
"Interpreting an event stream"):
- the stream is UTF-8 (invalid sequences become U+FFFD); one leading BOM is dropped;
- lines end with CRLF, LF or CR, and a chunk may end between the CR and the LF;
- a line starting with `:` is a comment; `field: value` loses one space after the colon;
  a line without a colon is a field with an empty value;
- `data` lines accumulate, joined by LF; a blank line dispatches the event, unless no
  `data` line was seen; `event` names the event; `id` sets the last event ID, which
  persists across events (an `id` holding NUL is ignored); other fields are ignored;
- at the end of the stream an unterminated event is discarded, as browsers and SDKs do.
  `SSEDecoder.unterminated` then holds its raw lines so a checker can report it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["Event", "SSEDecoder", "parse"]

_LINE_END = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"


@dataclass(frozen=True)
class Event:
    """One dispatched event. `event` is None when no `event:` field was sent."""

    data: str
    event: str | None = None
    id: str | None = None


class SSEDecoder:
    """Turns chunks of bytes, split anywhere, into `Event`s."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._started = False  # a BOM is only dropped at the very start
        self._partial = ""  # text after the last line ending
        self._skip_lf = False  # the previous chunk ended with CR: a leading LF belongs to it
        self._data: list[str] = []
        self._event: str | None = None
        self._last_id: str | None = None
        self._raw: list[str] = []  # lines of the event being built, for `unterminated`
        self.unterminated: str | None = None

    def feed(self, chunk: bytes) -> list[Event]:
        """Decode one chunk; return the events it completes."""
        return self._feed_text(self._utf8.decode(chunk))

    def close(self) -> list[Event]:
        """End of stream: flush the decoder. An event without its blank line is discarded."""
        events = self._feed_text(self._utf8.decode(b"", final=True))
        if self._partial:
            self._raw.append(self._partial)
            self._partial = ""
        if any(line and not line.startswith(":") for line in self._raw):
            self.unterminated = "\n".join(self._raw)
        self._reset_event()
        return events

    def _feed_text(self, text: str) -> list[Event]:
        if not text:
            return []
        if not self._started:
            self._started = True
            if text.startswith(_BOM):
                text = text[1:]
        if self._skip_lf and text.startswith("\n"):
            text = text[1:]
        self._skip_lf = False
        events: list[Event] = []
        pos = 0
        for match in _LINE_END.finditer(text):
            line = self._partial + text[pos : match.start()]
            self._partial = ""
            pos = match.end()
            event = self._line(line)
            if event is not None:
                events.append(event)
        self._partial += text[pos:]
        if text.endswith("\r"):
            self._skip_lf = True
        return events

    def _line(self, line: str) -> Event | None:
        if not line:
            return self._dispatch()
        self._raw.append(line)
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
        return None

    def _dispatch(self) -> Event | None:
        if not self._data:
            self._reset_event()
            return None
        event = Event(data="\n".join(self._data), event=self._event, id=self._last_id)
        self._reset_event()
        return event

    def _reset_event(self) -> None:
        self._data = []
        self._event = None
        self._raw = []


def parse(transcript: str | bytes) -> list[Event]:
    """Parse a whole transcript (text or UTF-8 bytes) into its events."""
    raw = transcript.encode("utf-8") if isinstance(transcript, str) else transcript
    decoder = SSEDecoder()
    return decoder.feed(raw) + decoder.close()
