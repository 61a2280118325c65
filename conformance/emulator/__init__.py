"""The reference emulator of the Moonshot API: one core, several adapters.

Public API (imported lazily, so `import conformance.emulator` is cheap):

- `Emulator` (core.py): `handle(Request) -> Response`, `accounting`, and the adapters
  `httpx_transport()`, `async_httpx_transport()`, `httpx2_transport()`,
  `async_httpx2_transport()`, `openai_client()`, `async_openai_client()`.
- `serve()` / `RunningEmulator` (server.py): the emulator on a loopback socket.
- `DEFAULT_KEY`, `Balance`, `FaultSpec`, `FAULT_NAMES`, `Tier`, `TIERS`.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Emulator": "core",
    "DEFAULT_KEY": "core",
    "serve": "server",
    "RunningEmulator": "server",
    "Balance": "account",
    "FaultSpec": "faults",
    "FAULT_NAMES": "faults",
    "Tier": "ratelimit",
    "TIERS": "ratelimit",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'conformance.emulator' has no attribute {name!r}")
    return getattr(importlib.import_module(f"conformance.emulator.{module}"), name)
