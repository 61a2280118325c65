"""Drift in live answers: recordings from a live run compared with the shipped `cassettes/`.

Two functions are the public surface:

- `compare_structures(new, baseline, where)`: two decoded JSON bodies reduced to their
  *shape* (every JSON path with the types seen there, the values of the enum-like fields
  `finish_reason`, `object`, `status`) and compared. A new path is additive; a path gone, a
  type that was never seen there, or an enum value neither the baseline nor the documented
  contract knows is breaking.
- `compare_cassettes(new_path, baseline_path)`: the interactions of two vcrpy cassettes,
  paired by method, URL path and order, compared by status code, response header names
  (volatile ones ignored) and body shape.

Rules that keep one live run from looking like drift: `integer` and `number` are one type
(JSON does not tell 1 from 1.0); `null` is compatible with any type (nullable fields); paths
under an array that is empty on one side are not compared; a value is only judged by name
(no request or response header values, no body text beyond enum-like fields, so nothing
secret can reach a report).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from conformance.drift.change import Change
from conformance.errors import UsageError

# Enum-like fields whose *values* are compared, with the values the contract documents
# (shared/contract/kimi-api.md §3.4, §3.5, §5, §6): a value seen live that neither the
# baseline recording nor this list knows is breaking.
DOCUMENTED_VALUES: Mapping[str, frozenset[str]] = {
    "finish_reason": frozenset({"stop", "length", "tool_calls"}),
    "object": frozenset(
        {"list", "model", "chat.completion", "chat.completion.chunk", "file", "batch"}
    ),
    "status": frozenset(
        {
            # files: 2024 'ok', 2026 'ready', 'error' on failure
            "ok", "ready", "error",
            # batches
            "validating", "failed", "in_progress", "finalizing",
            "completed", "expired", "cancelling", "cancelled",
        }
    ),
}  # fmt: skip

# Headers that differ between any two responses (ids, timing, caching, rate-limit pacing,
# transport) or identify the account; their presence says nothing about the API's shape.
VOLATILE_HEADERS = frozenset(
    {
        "date", "age", "expires", "last-modified", "etag", "content-length", "connection",
        "keep-alive", "transfer-encoding", "alt-svc", "nel", "report-to", "set-cookie",
        "server", "server-timing", "cf-ray", "cf-cache-status", "strict-transport-security",
        "vary", "x-request-id", "msh-request-id", "x-msh-trace-id", "msh-trace-mode",
        "msh-context-cache-token-saved", "retry-after", "x-retry-after", "msh-cooldown-seconds",
        "msh-uid", "msh-gid", "msh-org-id", "msh-project-id",
        "msh-request-timestamp", "msh-request-signature",
    }
)  # fmt: skip


@dataclass
class _Shape:
    types: dict[str, set[str]] = field(default_factory=dict)
    values: dict[str, set[str]] = field(default_factory=dict)
    empty_arrays: set[str] = field(default_factory=set)
    filled_arrays: set[str] = field(default_factory=set)

    def hidden(self, path: str) -> bool:
        """Whether `path` lies under an array that this side only ever saw empty."""
        return any(
            path.startswith(array + "[]") for array in self.empty_arrays - self.filled_arrays
        )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _collect(value: object, path: str, shape: _Shape) -> None:
    if path:
        shape.types.setdefault(path, set()).add(_json_type(value))
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = _join(path, str(key))
            if str(key) in DOCUMENTED_VALUES and isinstance(item, str):
                shape.values.setdefault(child, set()).add(item)
            _collect(item, child, shape)
    elif isinstance(value, list):
        (shape.filled_arrays if value else shape.empty_arrays).add(path)
        for item in value:
            _collect(item, f"{path}[]", shape)


def _shape(value: object) -> _Shape:
    shape = _Shape()
    _collect(value, "", shape)
    return shape


_ENUM_TOKEN = re.compile(r"[a-z][a-z0-9_.\-]{0,39}")


def _shown(value: str) -> str:
    """An enum-like value, quoted; anything that does not look like one is not echoed."""
    if _ENUM_TOKEN.fullmatch(value):
        return json.dumps(value)
    return f"({len(value)} characters, not shown: not shaped like an enum value)"


def compare_structures(new: object, baseline: object, where: str) -> list[Change]:
    """Structural differences of a new JSON body against a baseline body of the same request."""
    after, before = _shape(new), _shape(baseline)
    changes: list[Change] = []
    for path in sorted(after.types.keys() - before.types.keys()):
        if not before.hidden(path):
            types = "|".join(sorted(after.types[path]))
            changes.append(
                Change("additive", "responses", f"{where}: {path}", f"new field ({types})")
            )
    for path in sorted(before.types.keys() - after.types.keys()):
        if not after.hidden(path):
            changes.append(Change("breaking", "responses", f"{where}: {path}", "field gone"))
    for path in sorted(after.types.keys() & before.types.keys()):
        seen_before = before.types[path] - {"null"}
        unseen = after.types[path] - {"null"} - seen_before
        if seen_before and unseen:
            changes.append(
                Change(
                    "breaking",
                    "responses",
                    f"{where}: {path}",
                    f"type changed: {'|'.join(sorted(seen_before))} -> "
                    f"{'|'.join(sorted(after.types[path] - {'null'}))}",
                )
            )
    for path, values in sorted(after.values.items()):
        name = path.rsplit(".", 1)[-1]
        known = before.values.get(path, set()) | DOCUMENTED_VALUES[name]
        for value in sorted(values - known):
            changes.append(
                Change(
                    "breaking",
                    "responses",
                    f"{where}: {path}",
                    f"unknown {name} value {_shown(value)} (not in the baseline nor the contract)",
                )
            )
    return changes


# -- cassettes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Exchange:
    method: str
    path: str
    status: int | None
    headers: dict[str, str]  # lower-case name -> first value
    body: str | None


def _text(body: object) -> str | None:
    if isinstance(body, Mapping):
        body = body.get("string")
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None  # compressed or binary: the shape cannot be read
    return body if isinstance(body, str) else None


def _headers(raw: object) -> dict[str, str]:
    headers: dict[str, str] = {}
    if isinstance(raw, Mapping):
        for name, value in raw.items():
            first = value[0] if isinstance(value, list) and value else value
            headers[str(name).lower()] = str(first)
    return headers


def load_cassette(path: Path) -> list[_Exchange]:
    """The interactions of a vcrpy cassette (read with `yaml.safe_load` only)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"cassette {path} does not exist; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read cassette {path}: {exc}") from None
    except yaml.YAMLError:
        raise UsageError(f"cassette {path} is not valid YAML; re-record it") from None
    interactions = document.get("interactions") if isinstance(document, Mapping) else None
    if not isinstance(interactions, list):
        raise UsageError(
            f"{path} is not a vcrpy cassette (no 'interactions' list); pass a recorded .yaml"
        )
    exchanges = []
    for interaction in interactions:
        request = interaction.get("request") if isinstance(interaction, Mapping) else None
        response = interaction.get("response") if isinstance(interaction, Mapping) else None
        if not isinstance(request, Mapping) or not isinstance(response, Mapping):
            raise UsageError(f"{path} has an interaction without request/response; re-record it")
        status = response.get("status")
        code = status.get("code") if isinstance(status, Mapping) else status
        exchanges.append(
            _Exchange(
                method=str(request.get("method", "")).upper(),
                path=urlsplit(str(request.get("uri", ""))).path,
                status=code if isinstance(code, int) else None,
                headers=_headers(response.get("headers")),
                body=_text(response.get("body")),
            )
        )
    return exchanges


def _documents(exchange: _Exchange) -> Any:
    """The decoded body: a JSON value, `{"chunks": [...]}` for an SSE stream, or None."""
    body = exchange.body
    if body is None:
        return None
    media = exchange.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "text/event-stream" or body.lstrip().startswith("data:"):
        chunks = []
        for line in body.splitlines():
            if line.startswith("data:"):
                data = line[len("data:") :].strip()
                if data and data != "[DONE]":
                    try:
                        chunks.append(json.loads(data))
                    except json.JSONDecodeError:
                        return None
        return {"chunks": chunks}
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        return None


def _paired(
    new: list[_Exchange], baseline: list[_Exchange]
) -> Iterator[tuple[str, _Exchange, _Exchange]]:
    pending: dict[tuple[str, str], list[_Exchange]] = {}
    for exchange in baseline:
        pending.setdefault((exchange.method, exchange.path), []).append(exchange)
    seen: dict[tuple[str, str], int] = {}
    for exchange in new:
        key = (exchange.method, exchange.path)
        index = seen.get(key, 0)
        seen[key] = index + 1
        candidates = pending.get(key, [])
        if index < len(candidates):
            suffix = f" #{index + 1}" if index else ""
            yield f"{exchange.method} {exchange.path}{suffix}", exchange, candidates[index]


def compare_exchanges(new: _Exchange, baseline: _Exchange, where: str) -> list[Change]:
    changes: list[Change] = []
    if new.status != baseline.status:
        changes.append(
            Change("breaking", "responses", where, f"status {baseline.status} -> {new.status}")
        )
    before = baseline.headers.keys() - VOLATILE_HEADERS
    after = new.headers.keys() - VOLATILE_HEADERS
    for name in sorted(after - before):
        changes.append(Change("additive", "responses", where, f"new header {name!r}"))
    for name in sorted(before - after):
        changes.append(Change("breaking", "responses", where, f"header {name!r} gone"))
    media_before = baseline.headers.get("content-type", "").split(";")[0].strip().lower()
    media_after = new.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_before and media_after and media_before != media_after:
        changes.append(
            Change("breaking", "responses", where, f"content type {media_before} -> {media_after}")
        )
    body_before, body_after = _documents(baseline), _documents(new)
    if body_before is not None and body_after is not None:
        changes += compare_structures(body_after, body_before, where)
    return changes


def compare_cassettes(new_path: Path, baseline_path: Path) -> list[Change]:
    """Drift between a new recording and the baseline recording of the same cassette."""
    new, baseline = load_cassette(Path(new_path)), load_cassette(Path(baseline_path))
    changes: list[Change] = []
    for where, after, before in _paired(new, baseline):
        changes += compare_exchanges(after, before, f"{Path(new_path).name} {where}")
    return changes


def compare_recordings(new_dir: Path, baseline_dir: Path) -> tuple[list[Change], list[str]]:
    """Every cassette under `new_dir` against the one with the same relative path under
    `baseline_dir`. Returns the changes and notes on cassettes that had nothing to compare."""
    for folder, role in ((new_dir, "recordings folder"), (baseline_dir, "baseline folder")):
        if not folder.is_dir():
            raise UsageError(
                f"{role} {folder} is not a directory; pass the folder of .yaml cassettes"
            )
    recordings = sorted(path for pattern in ("*.yaml", "*.yml") for path in new_dir.rglob(pattern))
    if not recordings:
        raise UsageError(
            f"no cassettes (*.yaml) under {new_dir}; record them first with "
            f"`kimi-conformance run --live --record-mode=all --cassettes {new_dir}` "
            "(or compare in one go with `kimi-conformance run --live --drift`)"
        )
    changes: list[Change] = []
    notes: list[str] = []
    for path in recordings:
        relative = path.relative_to(new_dir)
        baseline = baseline_dir / relative
        if not baseline.is_file():
            notes.append(f"{relative}: no baseline recording, nothing to compare")
            continue
        changes += compare_cassettes(path, baseline)
    return changes, notes
