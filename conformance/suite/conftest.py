"""Fixtures of the conformance suite (glue only; the logic is in `conformance.*`).

`kimi_run` (this run) comes from the plugin. The fixtures here override pytest-recording's
`vcr_config` and `vcr_cassette_dir` for the suite's tests alone, so a project that uses
pytest-recording for its own tests is not affected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance._resources import keep_hypothesis_out_of

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    import httpx
    import openai

    from conformance.checks.exchanges import StreamedAnswer
    from conformance.run.cleanup import Ledger
    from conformance.run.session import Run

    SessionCassette = Callable[[str], AbstractContextManager[None]]

# Before any suite module imports the fuzz strategies: no .hypothesis/ in your project.
keep_hypothesis_out_of(Path.cwd())


def _record_mode(config: pytest.Config) -> str:
    return config.getoption("record_mode", None) or "none"


def _cassettes(run: Run) -> Path:
    """Where this run's cassettes live: the shipped ones or `--cassettes DIR`, or (--drift)
    a scratch folder."""
    return run.drift_dir if run.drift_dir is not None else run.cassettes


@pytest.fixture(scope="session")
def vcr_config(pytestconfig: pytest.Config, kimi_run: Run) -> dict[str, Any]:
    from conformance.recording.cassettes import vcr_config as build
    from conformance.recording.scrub import scrubber_from_env

    # --drift records every answer of this run (into a scratch folder) for comparison.
    mode = "all" if kimi_run.drift_dir is not None else _record_mode(pytestconfig)
    return build(scrubber_from_env(), record_mode=mode)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest, kimi_run: Run) -> str:
    return str(_cassettes(kimi_run) / Path(str(request.node.path)).stem)


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    from conformance.recording.cassettes import configure_vcr

    configure_vcr(vcr)


@pytest.fixture(autouse=True)
def _kimi_provenance(request: pytest.FixtureRequest, kimi_run: Run) -> Iterator[None]:
    """After a test that recorded, say where its cassette came from."""
    yield
    cassette = (request.node.funcargs or {}).get("vcr")  # None after Ctrl-C
    if cassette is None or _record_mode(request.config) == "none" or not cassette.dirty:
        return
    if kimi_run.drift_dir is not None:
        return  # scratch recordings for --drift are not shipped; no provenance
    _write_provenance(kimi_run, cassette._path)


def _write_provenance(run: Run, path: str) -> None:
    from urllib.parse import urlsplit

    from conformance.contract.base_url import classify_base_url
    from conformance.recording.cassettes import stable_host, write_provenance

    host = stable_host(urlsplit(run.target.base_url).netloc)
    if run.settings.target == "emulator":
        source = "emulator"
    else:  # never call a recording "live" unless it came from Moonshot's own API
        source = "live" if classify_base_url(run.target.base_url).official else "other"
    write_provenance(path, source, host, root=run.cassettes)


@pytest.fixture(scope="session")
def _session_cassette(
    pytestconfig: pytest.Config, kimi_run: Run, vcr_config: dict[str, Any]
) -> SessionCassette:
    """Requests made once per run (GET /models) play from their own cassette in replay."""

    @contextlib.contextmanager
    def use(name: str) -> Iterator[None]:
        recording = _record_mode(pytestconfig) != "none" or kimi_run.drift_dir is not None
        if kimi_run.settings.target != "replay" and not recording:
            yield
            return
        import vcr

        from conformance.recording.cassettes import configure_vcr

        recorder = vcr.VCR()
        configure_vcr(recorder)
        path = _cassettes(kimi_run) / "session" / f"{name}.yaml"
        config = dict(vcr_config)
        if config.get("record_mode") == "rewrite":  # pytest-recording's mode, not vcrpy's
            path.unlink(missing_ok=True)
            config["record_mode"] = "new_episodes"
        with recorder.use_cassette(str(path), **config) as cassette:
            yield
            wrote = cassette.dirty  # vcrpy clears it when it saves, on leaving the block
        if recording and wrote and kimi_run.drift_dir is None:
            _write_provenance(kimi_run, str(path))

    return use


def _fetched_here(run: Run, name: str) -> None:
    """With --drift, an answer the preflight fetched is fetched again, to be recorded."""
    if run.drift_dir is not None:
        run.answers.pop(name, None)


@pytest.fixture(scope="session")
def kimi_models_answer(kimi_run: Run, _session_cassette: SessionCassette) -> Any:
    """This run's `GET /models`, through the `openai` SDK (`.http_response`, `.parse()`):
    fetched by the live preflight, else here; several checks judge it."""
    from conformance.checks import exchanges

    _fetched_here(kimi_run, "models")
    return exchanges.shared(
        kimi_run,
        _session_cassette,
        "models",
        lambda: exchanges.list_models(kimi_run.target.openai()),
    )


@pytest.fixture(scope="session")
def kimi_models(kimi_models_answer: Any) -> dict[str, Any]:
    """This run's `GET /models` document: the source of every model ID the suite uses."""
    from conformance.checks.asserts import expect_json

    return expect_json(kimi_models_answer.http_response, "models.list")


@pytest.fixture(scope="session")
def kimi_balance(kimi_run: Run, _session_cassette: SessionCassette) -> Any:
    """This run's `GET /users/me/balance` (raw HTTP): fetched by the live preflight, else here."""
    from conformance.checks import exchanges

    _fetched_here(kimi_run, "balance")
    return exchanges.shared(
        kimi_run,
        _session_cassette,
        "balance",
        lambda: kimi_run.target.http().get("users/me/balance"),
    )


@pytest.fixture(scope="session")
def kimi_model(request: pytest.FixtureRequest, kimi_run: Run, kimi_models: dict[str, Any]) -> str:
    """The model this check runs for: one of the run's matrix (`--models`, see
    `conformance.run.matrix`), checked against this run's `GET /models`."""
    from conformance.run.matrix import listed_in

    model = getattr(request, "param", None)
    if model is None:
        # A suite bug, not the server's: a check that reaches a per-model answer through
        # request.getfixturevalue must name kimi_model (or usefixtures) to be parametrized.
        pytest.fail(
            f"{request.node.name} reaches a per-model answer without asking for kimi_model: "
            "add it to the check's arguments or @pytest.mark.usefixtures('kimi_model')",
            pytrace=False,
        )
    matrix = kimi_run.matrix
    assert matrix is not None  # Run.start makes it
    kimi_run.note_model_drift(kimi_models)
    kimi_run.report.model = matrix.primary
    kimi_run.report.models = list(matrix.models)
    if model not in listed_in(kimi_models):
        pytest.skip(f"{model} is not listed by this run's GET /models: nothing to check")
    return str(model)


@pytest.fixture
def raw(kimi_run: Run) -> httpx.Client:
    """Raw HTTP (httpx) with the run's key, like the docs' curl examples."""
    return kimi_run.target.http()


@pytest.fixture
def sdk(kimi_run: Run) -> openai.OpenAI:
    """The official `openai` SDK configured with `base_url` and `api_key`."""
    return kimi_run.target.openai()


@pytest.fixture(scope="session")
def ledger(kimi_run: Run) -> Ledger:
    """What the suite created on the account (files, batches); cleaned up when the run
    ends, even after a failure or Ctrl-C, with leftovers listed in the report."""
    from conformance.run import cleanup

    return cleanup.start(kimi_run)


@pytest.fixture
def created(ledger: Ledger) -> Iterator[Ledger]:
    """The ledger; what the test created is removed when it ends, pass or fail."""
    yield ledger
    ledger.cleanup()  # what remains is retried, and reported, when the run ends


# Answers several modules judge, sent once per run and model (`chat_exchanges.shared`) and
# kept in their own cassettes under cassettes/session/ (`<name>[<model>].yaml`) so replay
# works whichever module runs first.
# Each is priced once per model by the run plan (`chat_exchanges.SHARED_COSTS`).


@pytest.fixture(scope="session")
def tool_body(kimi_model: str) -> dict[str, Any]:
    from conformance.checks import exchanges as chat_exchanges

    return chat_exchanges.tool_request(kimi_model)


@pytest.fixture(scope="session")
def tool_stream(
    kimi_run: Run, _session_cassette: SessionCassette, tool_body: dict[str, Any]
) -> StreamedAnswer:
    """The tool-call request, streamed, read by our SSE parser."""
    from conformance.checks import exchanges as chat_exchanges

    body = chat_exchanges.tool_stream_request(tool_body["model"])
    return chat_exchanges.shared(
        kimi_run,
        _session_cassette,
        f"chat-tool-stream[{tool_body['model']}]",
        lambda: chat_exchanges.stream_raw(kimi_run.target.http(), body),
    )


@pytest.fixture(scope="session")
def tool_answer_sdk(
    kimi_run: Run, _session_cassette: SessionCassette, tool_body: dict[str, Any]
) -> Any:
    """The same tool-call request, not streamed, through the `openai` SDK's
    `with_raw_response` (`.http_response`, `.parse()`): the tool checks judge its bytes,
    the SDK-path chat checks what the SDK makes of it."""
    from conformance.checks import exchanges as chat_exchanges

    return chat_exchanges.shared(
        kimi_run,
        _session_cassette,
        f"chat-tool-answer[{tool_body['model']}]",
        lambda: chat_exchanges.sdk_chat(kimi_run.target.openai(), tool_body),
    )


@pytest.fixture(scope="session")
def tool_answer(tool_answer_sdk: Any) -> Any:
    """The non-streamed tool-call answer, as HTTP (see `tool_answer_sdk`)."""
    return tool_answer_sdk.http_response


@pytest.fixture(scope="session")
def sdk_chunks(
    kimi_run: Run, _session_cassette: SessionCassette, kimi_model: str
) -> list[dict[str, Any]]:
    """A streamed text answer read through the `openai` SDK's iterator."""
    from conformance.checks import exchanges as chat_exchanges

    body = chat_exchanges.sdk_stream_request(kimi_model)
    return chat_exchanges.shared(
        kimi_run,
        _session_cassette,
        f"chat-sdk-stream[{kimi_model}]",
        lambda: chat_exchanges.stream_sdk(kimi_run.target.openai(), body),
    )
