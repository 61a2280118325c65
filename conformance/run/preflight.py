"""Preflight: once per live run, before any test, the configuration is checked.

A wrong key, URL or model would otherwise show up as dozens of red tests; here it ends
the run with one message saying what is wrong and how to fix it. In order:

1. the key is present and plausible (no `Bearer ` prefix, no whitespace, quotes or
   newline; not an OpenAI key, not a Kimi Code `sk-kimi-` key);
2. the base URL is usable: parseable, no credentials in it, not a known third-party
   gateway nor a near miss of an official host (`api.moonshot.ia`: the Moonshot key must
   not go there), https (except on loopback), and `/v1` rather than a missing path or a
   full endpoint. Any other host (a proxy or vendor claiming compatibility) is allowed:
   only the base-URL check fails (on loopback, the emulator or a local proxy, it skips);
3. `GET /models` authenticates and the model resolves (configured and listed);
4. the balance is positive.

Its two answers (`GET /models` through the SDK, the balance) are kept in `answers` (the
run's) and judged by the suite's checks, so a live run sends each once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import SplitResult, urlsplit

from conformance.errors import UsageError

if TYPE_CHECKING:
    from conformance.run.clients import Target
    from conformance.run.config import Settings


class Preflight(NamedTuple):
    """What a live run's preflight found: this run's `GET /models` document, the model
    chosen from it, and how it was chosen."""

    models: dict[str, Any]
    model: str
    why: str


_OPENAI_KEY = re.compile(r"^sk-(proj|svcacct|admin)-")
_ENDPOINT = re.compile(r"/(chat/completions|completions|models|files|batches)$")
OFFICIAL_HOSTS = "api.moonshot.ai (international) or api.moonshot.cn (China)"


def key_problem(key: str | None) -> str | None:
    """Why this key cannot be right, without ever showing it."""
    if not key:
        return (
            "MOONSHOT_API_KEY is not set; export the key from "
            "https://platform.kimi.ai/console/api-keys (never pass it as an option)"
        )
    if re.match(r"(?i)bearer\s", key.strip()):
        return (
            "MOONSHOT_API_KEY starts with 'Bearer '; set the key alone (sk-...): "
            "clients add the 'Bearer ' prefix themselves"
        )
    if key != key.strip():
        return (
            "MOONSHOT_API_KEY has surrounding whitespace or a newline; "
            "strip it (e.g. copy it again without the line break)"
        )
    if key[0] in "\"'" or key[-1] in "\"'":
        return "MOONSHOT_API_KEY is wrapped in quotes; remove them from the value"
    if key.startswith("sk-kimi-"):
        return (
            "MOONSHOT_API_KEY is a Kimi Code key (sk-kimi-...), which only works on "
            "api.kimi.com/coding; create a platform key at https://platform.kimi.ai/console/api-keys"
        )
    if _OPENAI_KEY.match(key):
        return "MOONSHOT_API_KEY looks like an OpenAI key; use a Moonshot platform key"
    if any(char.isspace() for char in key):
        return "MOONSHOT_API_KEY contains whitespace; copy the key again as one word (sk-...)"
    return None


def _base_of(parts: SplitResult, path: str) -> str:
    """`parts` with its path replaced by `path`: what to set the base URL to instead."""
    return parts._replace(path=path, query="", fragment="").geturl()


def base_url_problem(url: str) -> str | None:
    """Why the run cannot use this base URL at all (None: usable, official or not)."""
    from conformance.contract.base_url import (
        classify_base_url,
        is_loopback,
        official_host_meant,
    )

    verdict = classify_base_url(url)
    if verdict.official:
        return None
    trouble = f"{verdict.problem} {verdict.fix}"
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return f"base URL: {trouble}"
    if not parts.scheme or not host or url != url.strip() or "@" in parts.netloc:
        return f"base URL: {trouble}"
    if parts.query or parts.fragment:
        return (
            f"base URL {verdict.url!r} has a query string or fragment, which the API does not "
            "use and logs would keep (never put the key in a URL); remove it"
        )
    meant = official_host_meant(host)
    if meant:
        return (
            f"base URL host {host} is not Moonshot's (did you mean {meant}?); the official "
            f"hosts are {OFFICIAL_HOSTS}: set the base URL to https://{meant}/v1"
        )
    path = parts.path.rstrip("/")
    official = verdict.region is not None
    if not path:
        fix = verdict.fix if official else f"set it to {_base_of(parts, '/v1')}"
        return f"base URL {verdict.url!r} is missing /v1: {fix}"
    endpoint = _ENDPOINT.search(path)
    if endpoint:
        fix = verdict.fix if official else f"set it to {_base_of(parts, path[: endpoint.start()])}"
        return f"base URL {verdict.url!r} is a full endpoint, not a base: {fix}"
    if is_loopback(host):
        return None
    if parts.scheme != "https":
        return f"base URL uses http://, which would send the key in clear text: {verdict.fix}"
    if "API, not Moonshot's" in (verdict.problem or "") or "Kimi Code" in (verdict.problem or ""):
        return f"base URL: {trouble} The Moonshot key is not sent there."
    if verdict.region is not None:  # an official host with another flaw (port, route)
        return f"base URL: {trouble}"
    return None


def _shown(url: str) -> str:
    from conformance.recording.scrub import scrubber_from_env

    return scrubber_from_env().url(url)


def _list_models(target: Target) -> tuple[Any, Any]:
    """`GET /models` through the `openai` SDK, as users call it: (the SDK's raw answer, or
    None when it raised on an error status; the HTTP response)."""
    import openai

    try:
        answer = target.openai().models.with_raw_response.list()
    except openai.APIStatusError as error:
        return None, error.response
    return answer, answer.http_response


def run_preflight(
    settings: Settings, target: Target, answers: dict[str, Any] | None = None
) -> Preflight:
    """Check a live run's configuration; return the `GET /models` document, the model
    chosen from it and how it was chosen. Its answers go into `answers` ("models": the
    SDK's raw answer, "balance": the response) for the checks that judge them.

    Raises `UsageError` with one line on the first problem found.
    """
    from conformance.contract.model_ids import choose_model
    from conformance.run.outcomes import categorize

    key = settings.api_key.reveal() if settings.api_key else None
    for problem in (key_problem(key), base_url_problem(settings.base_url)):
        if problem:
            raise UsageError(problem)
    client = target.http()
    try:
        answer, models = _list_models(target)
        if models.status_code == 401:
            raise UsageError(_rejected(target.base_url))
        if models.status_code != 200:
            raise UsageError(
                f"GET /models answered {models.status_code}; is {_shown(target.base_url)} "
                "a Moonshot-compatible API? (retry later if it is a 5xx)"
            )
        document = models.json()
        from conformance.run.matrix import matrix_for, unlisted

        not_listed = unlisted(matrix_for(settings), document)  # --models/--model unlisted
        if not_listed is not None:
            raise not_listed
        model, why = choose_model(document, settings.model)
        if model is None:
            raise UsageError(f"{why}; set KIMI_MODEL_ID to a listed ID")
        balance = client.get("users/me/balance")
        if answers is not None:
            answers["models"], answers["balance"] = answer, balance
        if balance.status_code == 200:
            available = (balance.json().get("data") or {}).get("available_balance")
            if isinstance(available, (int, float)) and available <= 0:
                raise UsageError(
                    f"the account balance is {available}: inference is refused at <= 0; "
                    "top up at https://platform.kimi.ai/console before running --live"
                )
    except UsageError:
        raise
    except Exception as exc:
        kind = categorize(exc)
        hosts = "" if _official(target.base_url) else f" (Moonshot's hosts: {OFFICIAL_HOSTS})"
        raise UsageError(
            f"preflight could not reach {_shown(target.base_url)} "
            f"({kind}: {_said(exc)}); check the base URL{hosts} and your network"
        ) from None
    return Preflight(document, model, why)


def _said(exc: BaseException) -> str:
    """What went wrong at the root of `exc`'s chain (the SDK's "Connection error." wraps
    it): its type and the first line it says, scrubbed and short, e.g.
    `ConnectError: [Errno 111] Connection refused`."""
    from conformance.recording.scrub import scrubber_from_env
    from conformance.run.outcomes import chain

    root = list(chain(exc))[-1]
    lines = str(root).strip().splitlines()
    said = scrubber_from_env().text(lines[0].strip()) if lines else ""
    said = f"{said[:157]}..." if len(said) > 160 else said
    return f"{type(root).__name__}: {said}" if said else type(root).__name__


def _official(base_url: str) -> bool:
    from conformance.contract.base_url import host_region

    return host_region(urlsplit(base_url).hostname or "") is not None


def _rejected(base_url: str) -> str:
    """The 401 message: the region rule on Moonshot's hosts only (it means nothing on
    loopback or on another vendor's server)."""
    from conformance.contract.base_url import is_loopback

    shown = _shown(base_url)
    if _official(base_url):
        return (
            f"the key was rejected by {shown} (401): keys from platform.kimi.ai work only on "
            "api.moonshot.ai, keys from platform.kimi.com only on api.moonshot.cn; check the "
            "key and the region"
        )
    if is_loopback(urlsplit(base_url).hostname or ""):
        return (
            f"the key was rejected by {shown} (401): set MOONSHOT_API_KEY to the key that "
            "server expects (`kimi-conformance emulator` prints its key when it starts)"
        )
    return (
        f"the key was rejected by {shown} (401): set MOONSHOT_API_KEY to the key that "
        "server expects"
    )
