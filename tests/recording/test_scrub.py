"""conformance.recording.scrub: each layer removes what it should and leaves the rest alone."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.recording.scrub import (
    ACCOUNT_HEADERS,
    REDACTED,
    SENSITIVE_REQUEST_HEADERS,
    Scrubber,
    scrubber_from_env,
    secret_forms,
)

# Dummy secrets: one shaped like a Moonshot key, one with characters that encode.
CANARY = "sk-canary" + "Q7xZ" * 10
ODD = 'p@ss/w"rd+=lo ng'
scrub = Scrubber([CANARY, ODD])


@pytest.mark.parametrize(
    "form",
    [ODD, quote(ODD, safe=""), quote_plus(ODD, safe=""), json.dumps(ODD)[1:-1]],
    ids=["raw", "url-encoded", "form-encoded", "json-escaped"],
)
def test_text_removes_known_secret_in_every_form(form: str) -> None:
    out = scrub.text(f"key={form}; done")
    assert form not in out
    assert out == f"key={REDACTED}; done"


def test_text_ignores_short_and_empty_secrets() -> None:
    s = Scrubber(["", "a", "short"])
    assert s.text("a short sentence") == "a short sentence"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Authorization: Bearer abcdefghijklmnopqrstuv", f"Authorization: Bearer {REDACTED}"),
        ("bearer  abcdefghijklmnopqrstuv!", f"bearer  {REDACTED}!"),
        ("key sk-ABCDEFGHIJKLMNOPQRSTUVWX end", f"key {REDACTED} end"),
        (
            "Your account org-0a1b2c3d4e5f<ak-9z8y7x> is not active, "
            "organization <org-0a1b2c3d4e5f> exceeded current quota",
            f"Your account {REDACTED}<{REDACTED}> is not active, "
            f"organization <org-{REDACTED}> exceeded current quota",
        ),
        (
            "Your account u123456<ak-f00ba4> request reached max concurrency: 3",
            f"Your account {REDACTED}<{REDACTED}> request reached max concurrency: 3",
        ),
        (
            "… / proj-12ab34cd <ak-77ee88> request reached project TPM rate limit",
            f"… / proj-{REDACTED} <ak-{REDACTED}> request reached project TPM rate limit",
        ),
    ],
    ids=["bearer", "bearer-lowercase", "sk-key", "account-org", "account-uid", "project"],
)
def test_text_removes_unknown_secrets_by_shape(raw: str, expected: str) -> None:
    assert Scrubber().text(raw) == expected


@pytest.mark.parametrize(
    "innocent",
    [
        "Your account is suspended due to insufficient balance, please recharge",
        "max_tokens must be <= 8192; prompt_tokens=12",
        "an org-chart, a sk-short key, the Bearer of bad news",
        "Msh-Request-Id: f1f0641d-a608-11f1-88e1-eaf9ba74c120",
    ],
)
def test_text_leaves_innocent_text_alone(innocent: str) -> None:
    assert scrub.text(innocent) == innocent


def test_url_redacts_userinfo_and_sensitive_query_params() -> None:
    userinfo = f"user:{quote(ODD, safe='')}"
    url = f"https://{userinfo}@api.moonshot.ai/v1/models?api_key={CANARY}&Token=t&limit=5"
    out = scrub.url(url)
    assert CANARY not in out
    assert quote(ODD, safe="") not in out
    assert "user" not in out
    assert out.startswith(f"https://{REDACTED}@api.moonshot.ai/v1/models?")
    assert "limit=5" in out
    assert "api_key=%3Credacted%3E" in out
    assert "Token=%3Credacted%3E" in out


def test_url_leaves_clean_urls_unchanged() -> None:
    url = "https://api.moonshot.cn/v1/files/abc/content?purpose=file-extract"
    assert scrub.url(url) == url


def test_url_never_raises_on_a_malformed_url() -> None:
    out = scrub.url(f"http://[::1/{CANARY}")
    assert CANARY not in out


def test_headers_keep_names_and_redact_values_case_insensitively() -> None:
    headers = {
        "Authorization": f"Bearer {CANARY}",
        "X-API-Key": "whatever-value",
        "Msh-Uid": ["uid-1"],
        "MSH-ORG-ID": "org-1",
        "Set-Cookie": ["a=b"],
        "X-Note": f"echo {CANARY}",
        "Content-Type": "application/json",
    }
    out = scrub.headers(headers)
    assert list(out) == list(headers)
    assert out["Authorization"] == REDACTED
    assert out["X-API-Key"] == REDACTED
    assert out["Msh-Uid"] == [REDACTED]
    assert out["MSH-ORG-ID"] == REDACTED
    assert out["Set-Cookie"] == [REDACTED]
    assert out["X-Note"] == f"echo {REDACTED}"
    assert out["Content-Type"] == "application/json"
    assert headers["Authorization"] == f"Bearer {CANARY}"  # the input is not changed


@pytest.mark.parametrize("name", SENSITIVE_REQUEST_HEADERS + ACCOUNT_HEADERS)
def test_every_listed_header_is_redacted(name: str) -> None:
    assert Scrubber().headers({name.title(): "value-123"}) == {name.title(): REDACTED}


def test_json_redacts_secret_keys_and_scrubs_strings_but_keeps_usage() -> None:
    doc = {
        "api_key": "k",
        "nested": [{"accessToken": "t", "client_secret": 5, "password": None}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
        "max_tokens": 10,
        "message": f"your key {CANARY}",
    }
    out = scrub.json(doc)
    assert out == {
        "api_key": REDACTED,
        "nested": [{"accessToken": REDACTED, "client_secret": REDACTED, "password": None}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
        "max_tokens": 10,
        "message": f"your key {REDACTED}",
    }
    assert doc["api_key"] == "k"


def test_bytes_removes_secrets_from_non_utf8_bodies() -> None:
    body = b"\xff\xfe\x00" + CANARY.encode() + b"\x80 Bearer abcdefghijklmnopqrs"
    out = scrub.bytes(body)
    assert CANARY.encode() not in out
    assert out == b"\xff\xfe\x00" + REDACTED.encode() + b"\x80 Bearer " + REDACTED.encode()


def test_a_key_split_across_chunks_is_caught_only_in_the_joined_body() -> None:
    body = f'data: {{"error": "bad key {CANARY}"}}\n\n'.encode()
    chunks = [body[:30], body[30:]]  # the cut falls inside the key
    chunk_by_chunk = b"".join(Scrubber([]).bytes(c) for c in chunks)
    assert CANARY.encode() in chunk_by_chunk  # why bodies must be scrubbed whole
    assert CANARY.encode() not in Scrubber([]).bytes(b"".join(chunks))


def _sse(*contents: str) -> bytes:
    events = [
        "data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": c}}]}) + "\n\n"
        for c in contents
    ]
    return ("".join(events) + "data: [DONE]\n\n").encode()


def test_sse_removes_a_key_spelled_out_over_several_events() -> None:
    body = _sse("the key is ", CANARY[:7], CANARY[7:20], CANARY[20:] + " ok")
    assert CANARY.encode() not in body  # no single event holds it
    out = scrub.sse(body)
    joined = "".join(
        json.loads(line[6:])["choices"][0]["delta"]["content"]
        for line in out.decode().splitlines()
        if line.startswith("data: {")
    )
    assert joined == f"the key is {REDACTED} ok"
    assert out.endswith(b"data: [DONE]\n\n")


def test_sse_leaves_a_clean_stream_byte_for_byte() -> None:
    body = _sse("Hello", ", world")
    assert scrub.sse(body) == body


def test_scrubber_from_env_reads_both_keys() -> None:
    other = "sk-other" + "9" * 30
    s = scrubber_from_env({"MOONSHOT_API_KEY": "abc-moonshot-key", "OPENAI_API_KEY": other})
    assert s.text("abc-moonshot-key and " + other) == f"{REDACTED} and {REDACTED}"
    assert scrubber_from_env({}).text("abc-moonshot-key") == "abc-moonshot-key"


def test_secret_forms_cover_raw_url_and_json() -> None:
    forms = secret_forms('a/b"c d')
    assert {'a/b"c d', "a%2Fb%22c%20d", "a%2Fb%22c+d", 'a/b\\"c d'} <= set(forms)


@settings(max_examples=200, deadline=None)
@given(before=st.text(max_size=40), after=st.text(max_size=40))
def test_a_known_secret_never_survives_text(before: str, after: str) -> None:
    for secret in (CANARY, ODD):
        assert secret not in scrub.text(before + secret + after)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200), cut=st.integers(0, 200))
def test_bytes_and_sse_never_raise_and_remove_the_key(data: bytes, cut: int) -> None:
    body = data[:cut] + CANARY.encode() + data[cut:]
    assert CANARY.encode() not in scrub.bytes(body)
    assert CANARY.encode() not in scrub.sse(body)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_url_and_text_never_raise(s: str) -> None:
    assert isinstance(scrub.url(s), str)
    assert isinstance(scrub.text(s), str)
