"""`GET /models`: the configured line-up with its capability fields (kimi-api.md §2)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.contract.catalog import ModelInfo

__all__ = ["list_models"]


def list_models(models: Iterable[ModelInfo]) -> dict[str, Any]:
    return {"object": "list", "data": [m.to_json() for m in models]}
