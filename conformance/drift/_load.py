"""Read the JSON inputs of `drift`; every way they can be wrong becomes a one-line usage error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.errors import UsageError


def load_json(path: Path, role: str) -> Any:
    """Parse the JSON file at `path`; `role` names it in messages ("new OpenAPI document")."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{role} {path} does not exist; check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{role} {path} is a folder; pass a JSON file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{role} {path} is not UTF-8 text; pass a JSON file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {role} {path}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{role} {path} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            f"pass the JSON document itself"
        ) from None
