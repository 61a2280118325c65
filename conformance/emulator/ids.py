"""Deterministic ids and timestamps: the same seed and the same inputs give the same values.

Content-derived values (a chat completion's id and `created`) hash the seed together with
the request, so the same request always gets the same body. Sequence-derived values
(request ids, file and batch ids, the store clock) hash the seed with a counter, so a
replayed sequence of requests gets the same values in the same order.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import uuid

# 2026-05-01T00:00:00Z: the era of the contract the emulator follows.
EPOCH = 1777593600


def digest(seed: int, *parts: bytes | str) -> bytes:
    h = hashlib.sha256(str(seed).encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.digest()


class Ids:
    """Ids and a clock derived from a seed; thread-safe."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._counter = itertools.count()
        self._ticks = itertools.count()
        self._lock = threading.Lock()

    def _next(self) -> int:
        with self._lock:
            return next(self._counter)

    def hex_for(self, content: bytes | str, length: int) -> str:
        """`length` hex digits derived from the seed and `content`."""
        return digest(self.seed, content).hex()[:length]

    def timestamp_for(self, content: bytes | str) -> int:
        """A Unix time in the contract's era derived from the seed and `content`."""
        return EPOCH + int.from_bytes(digest(self.seed, "ts", content)[:4], "big") % 86_400

    def new_id(self, prefix: str) -> str:
        """A fresh id: `file-...` / `batch_...` style (the separator is the caller's)."""
        n = self._next()
        tail = digest(self.seed, "id", prefix, str(n)).hex()[:24]
        sep = "" if prefix.endswith(("-", "_")) else "-"
        return f"{prefix}{sep}{tail}"

    def request_id(self) -> str:
        """A uuid (version 1 layout, like the live `Msh-Request-Id`)."""
        raw = digest(self.seed, "request", str(self._next()))[:16]
        return str(uuid.UUID(bytes=raw, version=1))

    def trace_id(self) -> str:
        return digest(self.seed, "trace", str(self._next())).hex()[:32]

    def clock(self) -> int:
        """Integer Unix seconds that advance by one per call: deterministic per seed."""
        with self._lock:
            tick = next(self._ticks)
        return EPOCH + self.seed % 86_400 + tick
