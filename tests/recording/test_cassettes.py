"""conformance.recording.cassettes, proven with vcrpy itself.

A canary key is sent through vcrpy with the suite's configuration to a tiny server on
127.0.0.1 (raw httpx over a real socket) and to an in-process handler (the openai SDK over
httpx2.MockTransport, which vcrpy patches too). The server echoes the key everywhere it
can: in bodies, in error messages, across SSE chunks and events, gzip-compressed, in
account headers. The cassette written must hold no trace of it, and still replay.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import openai
import pytest
import vcr
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException

from conformance._resources import cassettes_dir
from conformance.errors import UsageError
from conformance.recording import cassettes as recording
from conformance.recording.cassettes import (
    CassetteError,
    assert_no_secrets,
    configure_vcr,
    missing_recording_message,
    read_provenance,
    safe_yaml_serializer,
    vcr_config,
    write_provenance,
)
from conformance.recording.scrub import REDACTED, Scrubber

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

CANARY = "sk-canary" + "Q7xZ8w" * 7  # dummy: the shape of a key, never a real one
ACCOUNT = {
    "Msh-Uid": "uid-ACCT-1111",
    "Msh-Gid": "gid-ACCT-2222",
    "Msh-Org-Id": "org-ACCT-3333",
    "Msh-Project-Id": "proj-ACCT-4444",
}
ACCOUNT_MESSAGE = "Your account org-0a1b2c3d4e5f<ak-9f8e7d6c> is not active"


# --- the server: one function from request to (status, headers, body chunks) ----------


def respond(
    method: str, target: str, headers: dict[str, str], body: bytes
) -> tuple[int, dict[str, str], list[bytes]]:
    auth = headers.get("authorization", "")
    url = urlsplit(target)
    base = {"Content-Type": "application/json", **ACCOUNT}
    if method == "GET" and url.path == "/v1/models":
        key = parse_qs(url.query).get("api_key", [""])[0]
        doc = json.dumps({"object": "list", "data": [], "echo": auth, "query_key": key})
        return 200, {**base, "Content-Encoding": "gzip"}, [gzip.compress(doc.encode())]
    request = json.loads(body)
    if request.get("model") == "bad":
        error = {"message": f"{ACCOUNT_MESSAGE}; {auth}", "type": "invalid_request_error"}
        return 401, base, [json.dumps({"error": error}).encode()]
    if request.get("stream"):
        events = (
            "".join(
                "data: "
                + json.dumps(
                    {
                        "id": "c1",
                        "object": "chat.completion.chunk",
                        "created": 1,
                        "model": "m",
                        "choices": [
                            {"index": 0, "delta": {"content": piece}, "finish_reason": None}
                        ],
                    }
                )
                + "\n\n"
                for piece in ("key: ", CANARY[:10], CANARY[10:30], CANARY[30:])
            )
            + f'data: {{"note": "{CANARY}"}}\n\ndata: [DONE]\n\n'
        )
        raw = events.encode()
        cut = raw.index(CANARY.encode()) + 5  # one transport chunk ends inside the key
        return 200, {**base, "Content-Type": "text/event-stream"}, [raw[:cut], raw[cut:]]
    completion = {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": auth}}
        ],
    }
    return 200, base, [json.dumps(completion).encode()]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: ClassVar[list[str]] = []

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.hits.append(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, out_headers, chunks = respond(self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = _serve

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


mock_hits: list[str] = []


def mock_handler(request: httpx2.Request) -> httpx2.Response:
    mock_hits.append(request.url.path)
    headers = {k.lower(): v for k, v in request.headers.items()}
    status, out_headers, chunks = respond(
        request.method, str(request.url.raw_path, "ascii"), headers, request.read()
    )
    return httpx2.Response(status, headers=out_headers, content=iter(chunks))


# --- what the suite does: raw HTTP and the SDK, plain and streamed ----------------------


def exercise(base_url: str) -> list[object]:
    seen: list[object] = []
    auth = {"Authorization": f"Bearer {CANARY}"}
    with httpx.Client(base_url=base_url, headers=auth) as client:
        r = client.get("/v1/models", params={"api_key": CANARY})
        seen.append((r.status_code, r.json()["echo"]))
        r = client.post("/v1/chat/completions", json={"model": "m", "messages": []})
        seen.append((r.status_code, r.json()["choices"][0]["message"]["content"]))
        r = client.post("/v1/chat/completions", json={"model": "bad", "messages": []})
        seen.append((r.status_code, r.json()["error"]["message"]))
        with client.stream(
            "POST", "/v1/chat/completions", json={"model": "m", "stream": True, "messages": []}
        ) as s:
            seen.append((s.status_code, s.read().count(b"data:")))
    sdk = openai.OpenAI(
        base_url="http://127.0.0.1:9/v1",
        api_key=CANARY,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(mock_handler)),
    )
    message: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
    completion = sdk.chat.completions.create(model="m", messages=message)
    seen.append(completion.choices[0].message.content)
    stream = sdk.chat.completions.create(model="m", messages=message, stream=True)
    seen.append("".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices))
    return seen


def suite_vcr(record_mode: str) -> vcr.VCR:
    v = vcr.VCR(**vcr_config(Scrubber([CANARY]), record_mode=record_mode))
    configure_vcr(v)
    return v


def traces_of_canary(text: str) -> list[str]:
    """Every 12-character piece of the canary found in text."""
    return [CANARY[i : i + 12] for i in range(len(CANARY) - 11) if CANARY[i : i + 12] in text]


@pytest.fixture(scope="module")
def recorded(server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[object]]:
    path = tmp_path_factory.mktemp("cassettes") / "suite.yaml"
    with suite_vcr("once").use_cassette(str(path)):
        live = exercise(server)
    return path, live


def test_the_record_run_really_talked_to_the_server(recorded: tuple[Path, list[object]]) -> None:
    _, live = recorded
    assert live[0] == (200, f"Bearer {CANARY}")
    assert live[2][0] == 401 and CANARY in live[2][1]  # type: ignore[index]
    assert live[5] == "key: " + CANARY


def test_the_cassette_holds_no_trace_of_the_key_or_the_account(
    recorded: tuple[Path, list[object]],
) -> None:
    path, _ = recorded
    text = path.read_text(encoding="utf-8")
    assert traces_of_canary(text) == []
    for value in ACCOUNT.values():
        assert value not in text
    assert "0a1b2c3d4e5f" not in text and "9f8e7d6c" not in text
    assert assert_no_secrets(path.parent, [CANARY]) == []
    cassette = yaml.safe_load(text)
    assert len(cassette["interactions"]) == 6
    first = cassette["interactions"][0]
    assert first["request"]["headers"]["authorization"] == [REDACTED]
    assert first["response"]["headers"]["msh-uid"] == [REDACTED]  # name kept, value gone
    assert "content-encoding" not in first["response"]["headers"]  # stored decompressed
    assert "Your account" in text and "is not active" in text  # the message shape survives


def test_without_the_suite_config_the_same_run_leaks(server: str, tmp_path: Path) -> None:
    """The control: the checks above can fail. Plain vcrpy writes the key down."""
    with vcr.VCR(record_mode="once").use_cassette(str(tmp_path / "plain.yaml")):
        exercise(server)
    text = (tmp_path / "plain.yaml").read_text(encoding="utf-8")
    assert traces_of_canary(text)
    assert ACCOUNT["Msh-Uid"] in text
    assert assert_no_secrets(tmp_path, [CANARY]) != []


def test_replay_serves_the_recording_without_touching_the_server(
    recorded: tuple[Path, list[object]], server: str
) -> None:
    path, _ = recorded
    hits_before, mock_before = len(_Handler.hits), len(mock_hits)
    with suite_vcr("none").use_cassette(str(path)) as cassette:
        replayed = exercise(server)
    assert (len(_Handler.hits), len(mock_hits)) == (hits_before, mock_before)
    assert cassette.all_played
    assert replayed[0] == (200, f"Bearer {REDACTED}")
    assert replayed[1] == (200, f"Bearer {REDACTED}")
    assert replayed[2][0] == 401  # type: ignore[index]
    assert replayed[4] == f"Bearer {REDACTED}"
    assert replayed[5] == f"key: {REDACTED}"


def _post(base_url: str, content: bytes) -> httpx.Response:
    with httpx.Client(base_url=base_url) as client:
        return client.post(
            "/v1/chat/completions", content=content, headers={"Content-Type": "application/json"}
        )


def test_a_json_body_matches_by_meaning_not_bytes(
    recorded: tuple[Path, list[object]], server: str
) -> None:
    path, _ = recorded
    reordered = b'{ "messages" : [],\n  "model": "m" }'
    with suite_vcr("none").use_cassette(str(path), allow_playback_repeats=True):
        assert _post(server, reordered).status_code == 200
        for different in (b'{"model": "m2", "messages": []}', b'{"model": "m", "messages": {}}'):
            with pytest.raises(CannotOverwriteExistingCassetteException):
                _post(server, different)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (b'{"a": 1, "b": [1, 2]}', b'{"b":[1,2],"a":1.0}', True),
        (b'{"a": true}', b'{"a": 1}', False),
        (b'{"a": [1, 2]}', b'{"a": [2, 1]}', False),
        (b"not json", b"not json", True),
        (b"not json", b"not  json", False),
    ],
)
def test_body_matcher(a: bytes, b: bytes, same: bool) -> None:
    r1 = vcr.request.Request("POST", "http://h/v1/x", a, {"Content-Type": "application/json"})
    r2 = vcr.request.Request("POST", "http://h/v1/x", b, {"Content-Type": "application/json"})
    if same:
        recording.kimi_body(r1, r2)
    else:
        with pytest.raises(AssertionError):
            recording.kimi_body(r1, r2)


def _multipart(boundary: str, content: bytes) -> vcr.request.Request:
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return vcr.request.Request("POST", "http://h/v1/files", body, headers)


def test_multipart_bodies_match_whatever_the_boundary() -> None:
    recording.kimi_body(_multipart("aaa111", b"hello"), _multipart("bbb222", b"hello"))
    with pytest.raises(AssertionError):
        recording.kimi_body(_multipart("aaa111", b"hello"), _multipart("bbb222", b"world"))


# --- corrupted cassettes ------------------------------------------------------------------

VALID = safe_yaml_serializer.serialize(
    {
        "version": 1,
        "interactions": [
            {
                "request": {
                    "method": "GET",
                    "uri": "http://h/v1/models",
                    "body": None,
                    "headers": {},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {},
                    "body": {"string": '{"object": "list", "data": []}'},
                },
            }
        ],
    }
)


def _corruptions(side_effect: Path) -> dict[str, bytes]:
    lines = VALID.splitlines(keepends=True)
    return {
        "invalid-yaml": b"version: 1\ninteractions: [\n  - {request: ]\n",
        "truncated-mid-line": VALID[: len(VALID) // 2].encode(),
        "truncated-at-a-line": "".join(lines[:-3]).encode(),
        "unknown-version": VALID.replace("version: 1", "version: 7").encode(),
        "python-tag": (
            f"version: 1\ninteractions: !!python/object/apply:os.system "
            f"['touch {side_effect}']\n...\n"
        ).encode(),
        "not-a-mapping": b"- request: {}\n  response: {}\n...\n",
        "not-utf8": b"version: 1\ninteractions: []\n# \xff\xfe\n...\n",
        "incomplete-interaction": VALID.replace("method: GET", "verb: GET").encode(),
    }


def test_the_valid_cassette_replays(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(VALID, encoding="utf-8")
    failing = httpx.MockTransport(lambda r: httpx.Response(500))
    with suite_vcr("none").use_cassette(str(path)), httpx.Client(transport=failing) as c:
        assert c.get("http://h/v1/models").json() == {"object": "list", "data": []}


@pytest.mark.parametrize(
    "kind",
    [
        "invalid-yaml",
        "truncated-mid-line",
        "truncated-at-a-line",
        "unknown-version",
        "python-tag",
        "not-a-mapping",
        "not-utf8",
        "incomplete-interaction",
    ],
)
def test_a_corrupted_cassette_is_one_clear_line(tmp_path: Path, kind: str) -> None:
    side_effect = tmp_path / "pwned"
    path = tmp_path / f"{kind}.yaml"
    path.write_bytes(_corruptions(side_effect)[kind])
    with pytest.raises(CassetteError) as caught, suite_vcr("none").use_cassette(str(path)):
        pass  # pragma: no cover
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    assert "--record-mode=rewrite" in message
    assert not side_effect.exists()
    assert isinstance(caught.value, UsageError)


def test_the_python_tag_names_the_refused_tag(tmp_path: Path) -> None:
    side_effect = tmp_path / "pwned"
    with pytest.raises(CassetteError, match=r"!!python/object/apply:os\.system is refused"):
        safe_yaml_serializer.deserialize(_corruptions(side_effect)["python-tag"].decode())
    assert not side_effect.exists()


def test_the_serializer_refuses_to_write_python_objects() -> None:
    with pytest.raises(CassetteError, match="plain YAML"):
        safe_yaml_serializer.serialize({"version": 1, "interactions": [object()]})


# --- provenance -----------------------------------------------------------------------------


def test_vcrpy_drops_unknown_top_level_keys_so_provenance_lives_beside(
    tmp_path: Path, server: str
) -> None:
    """Why PROVENANCE.json: a `provenance:` key in the cassette does not survive a save."""
    path = tmp_path / "c.yaml"
    path.write_text(VALID.replace("version: 1", "provenance: {source: emulator}\nversion: 1"))
    assert "provenance" in yaml.safe_load(path.read_text())
    cassette = suite_vcr("new_episodes").use_cassette(str(path))
    with cassette, httpx.Client(base_url=server) as client:
        client.post("/v1/chat/completions", json={"model": "m", "messages": []})
    saved = yaml.safe_load(path.read_text())
    assert len(saved["interactions"]) == 2
    assert "provenance" not in saved


def test_a_cassette_is_saved_whole_or_not_at_all(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(VALID)

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    cassette = suite_vcr("new_episodes").use_cassette(str(path))
    refused = pytest.raises(UsageError, match="No space left on device")
    with refused, cassette, httpx.Client(base_url=server) as client:
        client.post("/v1/chat/completions", json={"model": "m", "messages": []})
    assert path.read_text() == VALID
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


def test_provenance_round_trip(tmp_path: Path) -> None:
    cassette = tmp_path / "test_chat" / "test_hello.yaml"
    entry = write_provenance(cassette, "emulator", "127.0.0.1:8123", root=tmp_path)
    write_provenance(tmp_path / "x.yaml", "live", "api.moonshot.ai", root=tmp_path)
    data = read_provenance(tmp_path)
    assert data["test_chat/test_hello.yaml"] == entry
    assert entry["source"] == "emulator" and entry["host"] == "127.0.0.1:8123"
    assert entry["kimi_conformance_version"]
    assert entry["recorded_at"].endswith("Z")
    assert data["x.yaml"]["source"] == "live"
    assert not list(tmp_path.glob("*.lock")) and not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "[::1]:9000", "localhost", "emulator.test"])
def test_a_local_recording_cannot_be_labelled_live(tmp_path: Path, host: str) -> None:
    with pytest.raises(UsageError, match="not of the real API"):
        write_provenance(tmp_path / "c.yaml", "live", host)
    assert read_provenance(tmp_path) == {}


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("c.yaml", "replay", "h"), "unknown recording source"),
        (("c.yaml", "emulator", ""), "needs the host"),
        (("/elsewhere/c.yaml", "emulator", "h"), "is not under"),
    ],
)
def test_bad_provenance_arguments(tmp_path: Path, args: tuple[str, str, str], match: str) -> None:
    path, source, host = args
    with pytest.raises(UsageError, match=match):
        write_provenance(
            tmp_path / path if not path.startswith("/") else path, source, host, root=tmp_path
        )


def test_concurrent_writers_keep_every_entry(tmp_path: Path) -> None:
    threads = [
        threading.Thread(
            target=write_provenance, args=(tmp_path / f"c{i}.yaml", "emulator", "127.0.0.1")
        )
        for i in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(read_provenance(tmp_path)) == sorted(f"c{i}.yaml" for i in range(16))


def test_a_recorder_killed_while_holding_the_lock_blocks_nobody(tmp_path: Path) -> None:
    # Given a recording process killed (SIGKILL: no cleanup) while it held the lock,
    holder = (
        "import os, signal, sys; from pathlib import Path;"
        "from conformance.recording.cassettes import _provenance_lock;"
        "lock = _provenance_lock(Path(sys.argv[1])); lock.__enter__();"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    done = subprocess.run([sys.executable, "-c", holder, str(tmp_path)], check=False)
    assert done.returncode == -signal.SIGKILL
    # then the next recording writes its entry at once, and no lock file is left beside.
    started = time.monotonic()
    write_provenance(tmp_path / "c.yaml", "emulator", "127.0.0.1", root=tmp_path)
    assert time.monotonic() - started < 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [recording.PROVENANCE_FILE]


def test_a_lock_held_too_long_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recording, "_LOCK_TIMEOUT", 0.2)
    with recording._provenance_lock(tmp_path), pytest.raises(UsageError) as info:
        write_provenance(tmp_path / "c.yaml", "emulator", "127.0.0.1", root=tmp_path)
    assert "another recording has held" in str(info.value) and "PROVENANCE.json" in str(info.value)
    assert read_provenance(tmp_path) == {}


def test_a_damaged_provenance_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / recording.PROVENANCE_FILE).write_text("{not json")
    with pytest.raises(UsageError, match="not valid JSON"):
        read_provenance(tmp_path)
    (tmp_path / recording.PROVENANCE_FILE).write_text('["a"]')
    with pytest.raises(UsageError, match="not a mapping"):
        read_provenance(tmp_path)


# --- messages and configuration -------------------------------------------------------------


def test_missing_recording_message_is_one_line_with_the_command() -> None:
    message = missing_recording_message(
        "conformance/suite/test_chat.py::test_stream[kimi-k2]", "cassettes/test_chat/x.yaml"
    )
    assert "\n" not in message
    assert "cassettes/test_chat/x.yaml" in message
    assert (
        "kimi-conformance run --target emulator --record-mode=rewrite "
        "'conformance/suite/test_chat.py::test_stream[kimi-k2]'"
    ) in message
    assert "kimi-conformance run --live --record-mode=rewrite" in message


def test_vcr_config_defaults_to_replay_and_refuses_unknown_modes() -> None:
    config = vcr_config(Scrubber())
    assert config["record_mode"] == "none"
    assert vcr_config(Scrubber(), record_mode=None)["record_mode"] == "none"
    assert config["decode_compressed_response"] is True
    assert recording.BODY_MATCHER in config["match_on"]
    assert ("authorization", REDACTED) in config["filter_headers"]
    with pytest.raises(UsageError, match="unknown record mode 'sometimes'"):
        vcr_config(Scrubber(), record_mode="sometimes")


def test_configure_vcr_is_idempotent() -> None:
    v = vcr.VCR()
    configure_vcr(v)
    configure_vcr(v)
    assert v.serializers["yaml"] is safe_yaml_serializer
    assert not isinstance(v.persister.inner, recording._NamingPersister)


# --- secret scan ----------------------------------------------------------------------------


def test_assert_no_secrets_finds_each_shape_without_quoting_it(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("ok\nkey: sk-" + "A1" * 12 + "\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text(
        "h: Bearer abcdefghijklmnopqr\nh2: Bearer <redacted>\n"
    )
    (tmp_path / "c.json").write_text('{"u": "x?k=my%2Fsecret%2Fvalue"}')
    findings = assert_no_secrets(tmp_path, ["my/secret/value"])
    assert findings == [
        f"{tmp_path / 'a.yaml'}:2: an sk- key",
        f"{tmp_path / 'c.json'}:1: secret value #1",
        f"{tmp_path / 'sub' / 'b.yaml'}:1: a Bearer token",
    ]
    assert not any("my" in f.split(":")[-1] or "A1A1" in f for f in findings)


def test_assert_no_secrets_sees_through_yaml_line_folding(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "s: 'x Bearer\n    abcdefghijklmnopqr'\nt: 'a long\n    secret value'\n"
    )
    assert assert_no_secrets(tmp_path, ["long secret value"]) == [
        f"{tmp_path / 'a.yaml'}:1: a Bearer token",
        f"{tmp_path / 'a.yaml'}:3: secret value #1",
    ]


def test_assert_no_secrets_is_quiet_on_clean_files_and_refuses_a_non_directory(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.yaml").write_text(f"Authorization: Bearer {REDACTED}\nsk-short\n")
    assert assert_no_secrets(tmp_path, ["never-appears-here"]) == []
    with pytest.raises(UsageError, match="not a directory"):
        assert_no_secrets(tmp_path / "missing")


def _shipped_files() -> list[Path]:
    """The shipped cassettes; none when they cannot be read (then the test below fails,
    rather than the checks of every file being skipped for an empty parameter set)."""
    try:
        root = cassettes_dir()
    except UsageError:
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_the_shipped_cassettes_can_be_read() -> None:
    root = cassettes_dir()  # a UsageError here says why they cannot be found
    files = _shipped_files()
    assert len([f for f in files if f.suffix == ".yaml"]) >= 40, (root, len(files))
    assert (root / recording.PROVENANCE_FILE).is_file()


@pytest.mark.parametrize("path", _shipped_files(), ids=lambda p: p.name)
def test_shipped_cassettes_hold_nothing_key_shaped(path: Path) -> None:
    findings = [f for f in assert_no_secrets(path.parent) if f.startswith(f"{path}:")]
    assert findings == []


def _shipped_cassettes() -> list[Path]:
    return [
        p
        for p in _shipped_files()
        if p.suffix in {".yaml", ".yml", ".json"} and p.name != recording.PROVENANCE_FILE
    ]


@pytest.mark.parametrize("path", _shipped_cassettes(), ids=lambda p: p.name)
def test_shipped_cassettes_say_where_they_came_from(path: Path) -> None:
    entries = read_provenance(cassettes_dir())
    entry = entries.get(path.relative_to(cassettes_dir()).as_posix())
    assert entry is not None, f"{path} has no entry in {recording.PROVENANCE_FILE}"
    # cassettes/README.md says the shipped recordings are of the emulator: keep it true.
    assert entry["source"] == "emulator", f"{path} is labelled {entry['source']!r}"


# --- wired into pytest-recording, as the plugin does ---------------------------------------

pytest_plugins = ["pytester"]

_CONFTEST = f"""
import pytest
from conformance.recording import cassettes as recording
from conformance.recording.scrub import Scrubber

@pytest.fixture(scope="module")
def vcr_config(record_mode):
    return recording.vcr_config(Scrubber([{CANARY!r}]), record_mode=record_mode)

def pytest_recording_configure(config, vcr):
    recording.configure_vcr(vcr)
"""

_TEST = f"""
import os
import httpx
import pytest

def handler(request):
    assert not os.environ.get("KIMI_TEST_REPLAY"), "replay reached the server"
    return httpx.Response(200, headers={{"Msh-Uid": "uid-ACCT-1111"}},
                          json={{"echo": request.headers["authorization"]}})

@pytest.mark.vcr
def test_call():
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        r = client.post("http://127.0.0.1:9/v1/chat/completions",
                        json={{"model": "m", "messages": []}},
                        headers={{"Authorization": "Bearer {CANARY}"}})
    assert r.status_code == 200
"""


def test_wired_into_pytest_recording_rewrite_then_replay_then_corrupt(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(_CONFTEST)
    pytester.makepyfile(test_wired=_TEST)
    isolate = ("-p", "no:kimi_conformance", "-p", "no:cacheprovider")

    # When the suite records with --record-mode=rewrite, the cassette holds no key.
    pytester.runpytest(*isolate, "--record-mode=rewrite").assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_wired" / "test_call.yaml"
    assert traces_of_canary(cassette.read_text()) == []
    assert "uid-ACCT-1111" not in cassette.read_text()

    # Then replay with the network blocked serves it without the server.
    monkeypatch.setenv("KIMI_TEST_REPLAY", "1")
    pytester.runpytest(*isolate, "--block-network").assert_outcomes(passed=1)

    # And a truncated cassette fails with the one-line message, not a silent re-record.
    cassette.write_text(cassette.read_text()[:-5])
    result = pytester.runpytest(*isolate, "--block-network")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*CassetteError: cassette *test_call.yaml is unusable (truncated*--record-mode=rewrite*"]
    )
