"""vcrpy configuration for the suite: what is recorded, how it is matched, how it is stored.

The pytest plugin calls two things from here (pytest-recording's extension points):

    @pytest.fixture(scope="module")
    def vcr_config(request):
        return recording.vcr_config(scrubber_from_env(), record_mode=<--record-mode>)

    def pytest_recording_configure(config, vcr):
        recording.configure_vcr(vcr)

Note that pytest-recording lets a `record_mode` in `vcr_config` win over its own
`--record-mode` option, so the plugin passes the option's value through.

What it guarantees:
- secrets out: request URL, headers and body, response headers (`Msh-Uid` & co) and body
  (JSON and SSE) go through a `conformance.recording.scrub.Scrubber` before anything is written;
  the same request scrubbing runs before matching, so replay matches scrubbed requests;
- POST bodies match by JSON meaning (key order and whitespace do not matter), multipart
  bodies by bytes with the boundary normalised, anything else by bytes;
- cassettes are plain YAML, read with the safe loader only; a corrupted cassette is a
  one-line `CassetteError` naming the file and the command that re-records it;
- provenance: vcrpy drops unknown top-level keys of a cassette when it saves it, so where
  each cassette came from is kept beside them in `PROVENANCE.json`.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import hashlib
import ipaddress
import json
import os
import re
import shlex
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from conformance import __version__
from conformance._write import write_atomic
from conformance.errors import UsageError
from conformance.recording.scrub import REDACTED, SENSITIVE_REQUEST_HEADERS, Scrubber, secret_forms

__all__ = [
    "BODY_MATCHER",
    "MATCH_ON",
    "PROVENANCE_FILE",
    "RECORD_MODES",
    "CassetteError",
    "assert_no_secrets",
    "configure_vcr",
    "missing_recording_message",
    "read_provenance",
    "safe_yaml_serializer",
    "scrub_vcr_logs",
    "stable_host",
    "vcr_config",
    "write_provenance",
]

# pytest-recording's modes; it turns "rewrite" into "delete the cassette, then record".
RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")
BODY_MATCHER = "kimi_body"
# Not scheme, host or port: cassettes are recorded from the emulator on an ephemeral
# loopback port or from either regional host, and replay must not depend on which.
MATCH_ON = ("method", "path", "query", BODY_MATCHER)
PROVENANCE_FILE = "PROVENANCE.json"
CASSETTE_FORMAT_VERSION = 1  # vcrpy's `{"version": 1, "interactions": [...]}`

RERECORD_EMULATOR = "kimi-conformance run --target emulator --record-mode=rewrite"
RERECORD_LIVE = "kimi-conformance run --live --record-mode=rewrite"


class CassetteError(UsageError):
    """A cassette that cannot be read or written. The message says which and how to fix."""


# --- safe YAML -----------------------------------------------------------------------

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_END_MARKER = "\n..."  # written by explicit_end=True; its absence means a cut-off file


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.constructor.ConstructorError):
        tag = re.search(r"tag '([^']*)'", str(exc.problem))
        what = tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else exc.problem
        return f"YAML tag {what} is refused (cassettes hold plain data only; nothing is run)"
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or exc
    return f"invalid YAML{where}: {_one_line(problem)}"


def _check_structure(data: object) -> None:
    if not isinstance(data, dict):
        raise CassetteError(f"not a cassette: the document is a {type(data).__name__}")
    version = data.get("version")
    if version != CASSETTE_FORMAT_VERSION:
        raise CassetteError(
            f"unknown cassette format version {version!r} "
            f"(this kimi-conformance reads version {CASSETTE_FORMAT_VERSION})"
        )
    interactions = data.get("interactions")
    if not isinstance(interactions, list):
        raise CassetteError("no `interactions` list")
    for i, item in enumerate(interactions):
        request = item.get("request") if isinstance(item, dict) else None
        response = item.get("response") if isinstance(item, dict) else None
        if not (
            isinstance(request, dict)
            and {"method", "uri", "body", "headers"} <= request.keys()
            and isinstance(response, dict)
            and {"status", "headers", "body"} <= response.keys()
        ):
            raise CassetteError(f"interaction {i} lacks a complete request or response")


class _SafeYamlSerializer:
    """vcrpy serializer: `yaml.safe_load` / `yaml.safe_dump`, and a structure check."""

    @staticmethod
    def deserialize(cassette_string: str) -> dict[str, Any]:
        try:
            data = yaml.load(cassette_string, Loader=_Loader)  # a safe loader
        except yaml.YAMLError as exc:
            raise CassetteError(_yaml_problem(exc)) from None
        _check_structure(data)
        if not cassette_string.rstrip().endswith(_END_MARKER):
            raise CassetteError("truncated: the end-of-document marker `...` is missing")
        return data

    @staticmethod
    def serialize(cassette_dict: Mapping[str, Any]) -> str:
        try:
            return yaml.dump(
                dict(cassette_dict),
                Dumper=_Dumper,
                explicit_end=True,
                allow_unicode=True,
                default_flow_style=False,
                sort_keys=False,
            )
        except yaml.YAMLError as exc:
            raise CassetteError(f"cannot be saved as plain YAML: {_one_line(exc)}") from None


safe_yaml_serializer = _SafeYamlSerializer()


class _NamingPersister:
    """Wraps vcrpy's persister so cassette errors name the file and the way out."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def load_cassette(self, cassette_path: Any, serializer: Any) -> Any:
        try:
            return self.inner.load_cassette(cassette_path, serializer)
        except CassetteError as exc:
            raise CassetteError(_corrupt_message(cassette_path, str(exc))) from None
        except UnicodeDecodeError:
            raise CassetteError(_corrupt_message(cassette_path, "not UTF-8 text")) from None
        except ValueError as exc:  # vcrpy's CassetteDecodeError and old-format errors
            raise CassetteError(_corrupt_message(cassette_path, _one_line(exc))) from None

    def save_cassette(self, cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        """Like vcrpy's filesystem persister, but written atomically: a run stopped while
        saving leaves the old cassette (or none), never half of one."""
        from vcr.serialize import serialize

        try:
            text = serialize(cassette_dict, serializer)
        except CassetteError as exc:
            raise CassetteError(f"cassette {cassette_path} {exc}") from None
        path = Path(cassette_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)


def _corrupt_message(path: object, reason: str) -> str:
    return (
        f"cassette {path} is unusable ({reason}); delete it and re-record it with "
        f"`{RERECORD_EMULATOR}`"
    )


# --- matching ------------------------------------------------------------------------

_BOUNDARY = re.compile(r"boundary=\"?([^\";,\s]+)\"?", re.IGNORECASE)


def _body_bytes(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "getvalue"):
        return bytes(body.getvalue())
    if isinstance(body, Iterable):
        return b"".join(_body_bytes(part) for part in body)
    return repr(body).encode()


def _content_type(headers: Mapping[str, Any]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return str(value[0] if isinstance(value, list) and value else value)
    return ""


def _canonical(value: Any) -> Any:
    """A hashable form in which equal JSON values are equal, and only those:
    key order is gone, `true` differs from `1`, `1` equals `1.0`."""
    if isinstance(value, dict):
        return ("o", tuple(sorted((k, _canonical(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("a", tuple(_canonical(v) for v in value))
    if isinstance(value, bool):
        return ("b", value)
    if value is None:
        return ("n",)
    if isinstance(value, (int, float)):
        return ("x", value)
    return ("s", value)


def _body_key(request: Any) -> tuple[str, Any]:
    body = _body_bytes(request.body)
    content_type = _content_type(request.headers).lower()
    if content_type.startswith("multipart/"):
        found = _BOUNDARY.search(content_type)
        if found:
            body = body.replace(found.group(1).encode(), b"BOUNDARY")
        return ("bytes", body)
    if body:
        try:
            return ("json", _canonical(json.loads(body, parse_constant=str)))
        except ValueError:
            pass
    return ("bytes", body)


def kimi_body(r1: Any, r2: Any) -> None:
    """vcrpy matcher: bodies equal by JSON value, or by bytes (multipart boundary aside)."""
    k1, k2 = _body_key(r1), _body_key(r2)
    if k1 != k2:
        raise AssertionError(f"request bodies differ ({k1[0]} vs {k2[0]} comparison)")


# --- scrubbing hooks -----------------------------------------------------------------


def _scrub_json_bytes(body: bytes, scrubber: Scrubber) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    cleaned = scrubber.json(data)
    if cleaned == data:
        return body
    return json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _scrub_body(body: bytes, content_type: str, scrubber: Scrubber) -> bytes:
    if "event-stream" in content_type:
        return scrubber.sse(body)
    body = scrubber.bytes(body)
    if "json" in content_type or body[:1] in (b"{", b"["):
        body = _scrub_json_bytes(body, scrubber)
    return body


# --- stable recordings ------------------------------------------------------------------
# Re-recording the same answers must not rewrite every cassette: the emulator's ephemeral
# loopback port and the Date header change on every run and say nothing (replay matches
# neither), so a loopback host is written without its port and Date is not kept; nor is
# the request's Accept-Encoding, which says which decoders the recording machine had
# installed (zstd with the `zstandard` package), not anything about the API.

_LOOPBACK_NETLOC = re.compile(r"^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$")
_UNSTABLE_RESPONSE_HEADERS = frozenset({"date"})
_UNSTABLE_REQUEST_HEADERS = frozenset({"accept-encoding"})


def stable_host(netloc: str) -> str:
    """`127.0.0.1:41099` -> `127.0.0.1`: a loopback server's port is not kept."""
    match = _LOOPBACK_NETLOC.match(netloc)
    return match.group(1) if match else netloc


def _stable_uri(uri: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    host = stable_host(parts.netloc)
    return parts._replace(netloc=host).geturl() if host != parts.netloc else uri


def _request_hook(scrubber: Scrubber) -> Any:
    def before_record_request(request: Any) -> Any:
        request.uri = _stable_uri(scrubber.url(request.uri))
        request.headers = {
            name: stable_host(value) if name.lower() == "host" and isinstance(value, str) else value
            for name, value in scrubber.headers(dict(request.headers)).items()
            if name.lower() not in _UNSTABLE_REQUEST_HEADERS
        }
        body = request.body
        if isinstance(body, (bytes, str)):
            request.body = _scrub_body(
                _body_bytes(body), _content_type(request.headers).lower(), scrubber
            )
        return _stable_boundary(request)

    return before_record_request


STABLE_BOUNDARY = "kimi-conformance-boundary"


def _stable_boundary(request: Any) -> Any:
    """A multipart body's random boundary (new on every upload) written as a fixed one,
    in the body and in Content-Type alike (the matcher ignores boundaries anyway)."""
    found = _BOUNDARY.search(_content_type(request.headers))
    if not found or not isinstance(request.body, bytes):
        return request
    boundary = found.group(1)
    request.body = request.body.replace(boundary.encode(), STABLE_BOUNDARY.encode())
    request.headers = {
        name: value.replace(boundary, STABLE_BOUNDARY)
        if name.lower() == "content-type" and isinstance(value, str)
        else value
        for name, value in request.headers.items()
    }
    return request


def _response_hook(scrubber: Scrubber) -> Any:
    def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
        response = copy.deepcopy(response)
        headers = {
            name: value
            for name, value in scrubber.headers(response.get("headers") or {}).items()
            if name.lower() not in _UNSTABLE_RESPONSE_HEADERS
        }
        body = response.get("body") or {}
        raw = body.get("string")
        if isinstance(raw, (bytes, str)):
            old = _body_bytes(raw)
            new = _scrub_body(old, _content_type(headers).lower(), scrubber)
            if new != old:
                body["string"] = new
                for name in headers:
                    if name.lower() == "content-length":
                        headers[name] = [str(len(new))]
        response["headers"] = headers
        return response

    return before_record_response


def vcr_config(scrubber: Scrubber, *, record_mode: str | None = "none") -> dict[str, Any]:
    """Keyword arguments for vcrpy (pytest-recording's `vcr_config` fixture).

    `record_mode` None (pytest-recording's `--record-mode` when not given) means "none".
    """
    record_mode = record_mode or "none"
    if record_mode not in RECORD_MODES:
        raise UsageError(
            f"unknown record mode {record_mode!r}; use one of: {', '.join(RECORD_MODES)}"
        )
    return {
        "record_mode": record_mode,
        "match_on": MATCH_ON,
        "filter_headers": [(name, REDACTED) for name in SENSITIVE_REQUEST_HEADERS],
        "before_record_request": _request_hook(scrubber),
        "before_record_response": _response_hook(scrubber),
        "decode_compressed_response": True,
    }


def scrub_vcr_logs() -> None:
    """vcrpy logs every request and answer it records, raw (before our hooks scrub them);
    at DEBUG/INFO that would put an echoed key into pytest's captured logs."""
    from conformance.recording.scrub import scrub_loggers

    scrub_loggers("vcr", "vcr.cassette", "vcr.stubs", "vcr.request")


def configure_vcr(vcr: Any) -> None:
    """Register the body matcher and the safe YAML serializer on a `vcr.VCR`, make its
    cassette errors name the file, and scrub its logs. For pytest-recording's
    `pytest_recording_configure`."""
    vcr.register_matcher(BODY_MATCHER, kimi_body)
    vcr.register_serializer("yaml", safe_yaml_serializer)
    if not isinstance(vcr.persister, _NamingPersister):
        vcr.register_persister(_NamingPersister(vcr.persister))
    scrub_vcr_logs()


def missing_recording_message(
    test_id: str, cassette_path: os.PathLike[str] | str, cassettes: os.PathLike[str] | None = None
) -> str:
    """One line: which recording is missing and the command that records it (into
    `cassettes`, the user's own folder, when the run replays one)."""
    quoted = shlex.quote(test_id)
    own = f" --cassettes {shlex.quote(str(cassettes))}" if cassettes is not None else ""
    return (
        f"no recording for {test_id} in {cassette_path}: record it with "
        f"`{RERECORD_EMULATOR}{own} {quoted}` (or, with MOONSHOT_API_KEY set, "
        f"`{RERECORD_LIVE}{own} {quoted}`)"
    )


# --- provenance ----------------------------------------------------------------------

# "emulator": the bundled emulator; "live": Moonshot's API; "other": any other server
# a live run was pointed at (a proxy or vendor under audit, a local test double).
SOURCES = ("emulator", "live", "other")
_LOCK_TIMEOUT = 10.0


def _is_local_host(host: str) -> bool:
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    if name == "localhost" or name.endswith((".localhost", ".test", ".invalid", ".local")):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified


def _provenance_key(cassette_path: Path, root: Path) -> str:
    try:
        return cassette_path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(
            f"cassette {cassette_path} is not under {root}; pass root= the cassette folder"
        ) from None


def write_provenance(
    cassette_path: os.PathLike[str] | str,
    source: str,
    host: str,
    *,
    root: os.PathLike[str] | str | None = None,
    recorded_at: _dt.datetime | None = None,
) -> dict[str, str]:
    """Record where a cassette came from in `<root>/PROVENANCE.json` and return the entry.

    `source` is "emulator" (the bundled emulator; its version is the package's) or "live"
    (the real API at `host`). `root` defaults to the cassette's folder; the plugin passes
    `cassettes_dir()`. A live label on a loopback or private host is refused: a recording
    is never said to be of the real API when it is not.
    """
    if source not in SOURCES:
        raise UsageError(f"unknown recording source {source!r}; use one of: {', '.join(SOURCES)}")
    if not host:
        raise UsageError("a recording needs the host it came from; pass host=")
    if source == "live" and _is_local_host(host):
        raise UsageError(
            f"a recording from {host} is not of the real API; label it source='emulator'"
        )
    path = Path(cassette_path)
    base = Path(root) if root is not None else path.parent
    when = recorded_at or _dt.datetime.now(_dt.timezone.utc)
    entry = {
        "source": source,
        "host": host,
        "recorded_at": when.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kimi_conformance_version": __version__,
    }
    key = _provenance_key(path, base)
    base.mkdir(parents=True, exist_ok=True)
    with _provenance_lock(base):
        data = read_provenance(base)
        data[key] = entry
        write_atomic(
            base / PROVENANCE_FILE, json.dumps(dict(sorted(data.items())), indent=2) + "\n"
        )
    return entry


@contextlib.contextmanager
def _provenance_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder`'s PROVENANCE.json, so xdist workers recording at once
    keep every entry. The OS releases it when its holder dies; its file lives in the
    temporary folder, not among the cassettes."""
    import filelock

    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    lock = filelock.FileLock(
        Path(tempfile.gettempdir()) / f"kimi-conformance-provenance-{digest}.lock",
        timeout=_LOCK_TIMEOUT,
    )
    try:
        lock.acquire()
    except filelock.Timeout:
        raise UsageError(
            f"another recording has held {folder / PROVENANCE_FILE} for {_LOCK_TIMEOUT:.0f}s; "
            "let it finish, or stop it, and record again"
        ) from None
    try:
        yield
    finally:
        lock.release()


def read_provenance(cassette_dir: os.PathLike[str] | str) -> dict[str, dict[str, str]]:
    """The provenance entries of a cassette folder: cassette path (relative, POSIX) ->
    {source, host, recorded_at, kimi_conformance_version}; empty when none were written."""
    path = Path(cassette_dir) / PROVENANCE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path} ({_one_line(exc)}); restore it from git") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path} is not valid JSON ({exc}); restore it from git") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise UsageError(f"{path} is not a mapping of cassette -> entry; restore it from git")
    return data


# --- secret scan ---------------------------------------------------------------------

_KEY_SHAPES = (
    ("an sk- key", re.compile(r"sk-[A-Za-z0-9]{20,}")),
    # \s+ also spans a line break: YAML folds long strings at spaces.
    ("a Bearer token", re.compile(r"Bearer\s+(?!<redacted>)[A-Za-z0-9._~+/=-]{16,}")),
)


def _form_pattern(form: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(part) for part in form.split(" ")))


def assert_no_secrets(directory: os.PathLike[str] | str, secrets: Iterable[str] = ()) -> list[str]:
    """Findings ("path:line: what") of key-shaped strings and of the given secret values
    (raw, URL-encoded, JSON-escaped) in the files under `directory`; empty when clean.
    The findings never quote what they found."""
    root = Path(directory)
    if not root.is_dir():
        raise UsageError(f"{root} is not a directory; pass the cassettes folder")
    values = [s for s in secrets if s and len(s) >= 8]
    patterns = list(_KEY_SHAPES) + [
        (f"secret value #{n}", _form_pattern(form))
        for n, s in enumerate(values, 1)
        for form in secret_forms(s)
    ]
    findings: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        for what, pattern in patterns:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                findings.append(f"{path}:{line}: {what}")
    return list(dict.fromkeys(findings))
