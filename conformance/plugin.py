"""pytest glue for kimi-conformance: options, markers, fixtures, hooks. Nothing else.

Registered through the `pytest11` entry point. Logic lives in its own modules and is
imported inside fixtures and hooks, and only when conformance-suite tests were
collected, so loading this plugin costs unrelated test runs (almost) nothing.

Settings precedence (merged once, in `conformance.run.config.resolve`):
command-line option > environment variable > default.

Collection is free (`--collect-only` sends nothing and starts nothing): settings are
read and checked, the checks put in run order (core, deep, observe, fuzz) and the run plan priced,
and markers added, at collection; the run (the emulator's server, a live run's
preflight) opens when the first check runs.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:  # nothing heavy at import time: the plugin loads into every pytest run
    from conformance.emulator.server import RunningEmulator
    from conformance.run.config import Settings
    from conformance.run.plan import CheckSpec, Plan
    from conformance.run.report import Report
    from conformance.run.session import Run

# Failures raised by these helpers show the compared values, like plain asserts.
pytest.register_assert_rewrite("conformance.checks")

SETTINGS_KEY: pytest.StashKey[Settings] = pytest.StashKey()
RUN_KEY: pytest.StashKey[Run] = pytest.StashKey()
# The run plan, priced at collection, and the checks it was priced from (in run order).
PLAN_KEY: pytest.StashKey[tuple[Plan, list[CheckSpec]]] = pytest.StashKey()
# Under pytest-xdist, on the controller: each worker's report, then their merge.
WORKER_REPORTS_KEY: pytest.StashKey[list[dict[str, Any]]] = pytest.StashKey()
MERGED_KEY: pytest.StashKey[Report] = pytest.StashKey()
MATRIX_KEY: pytest.StashKey[Any] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kimi-conformance", "Kimi (Moonshot AI) API conformance")
    group.addoption(
        "--target",
        choices=("replay", "emulator", "live"),
        default=None,
        help="where the conformance suite sends requests (env KIMI_TARGET; default replay)",
    )
    group.addoption(
        "--live",
        action="store_true",
        default=False,
        help="short for --target live: the real API, with the key from MOONSHOT_API_KEY",
    )
    group.addoption("--base-url", help="API base URL (env MOONSHOT_BASE_URL)")
    group.addoption(
        "--model", help="model ID to test; must be listed by GET /models (env KIMI_MODEL_ID)"
    )
    group.addoption(
        "--models",
        metavar="all|ID,ID",
        help="run the model-dependent checks for each of these models, or for every listed "
        "model (all); the rest run once (env KIMI_MODELS)",
    )
    group.addoption("--budget-tokens", help="token budget of the run (env KIMI_BUDGET_TOKENS)")
    group.addoption("--max-requests", help="request cap of the run (env KIMI_MAX_REQUESTS)")
    group.addoption("--rpm", help="client-side pacing, requests per minute (env KIMI_RPM)")
    group.addoption("--report-json", metavar="FILE", help="write the conformance report as JSON")
    group.addoption(
        "--report-markdown", metavar="FILE", help="write the conformance matrix as Markdown"
    )
    group.addoption(
        "--fuzz-examples",
        help="Hypothesis examples per fuzz property (env KIMI_FUZZ_EXAMPLES; default 200 "
        "on the emulator, live at most 12 from what the other checks leave; 0: no fuzzing)",
    )
    group.addoption(
        "--profile",
        choices=("full", "smoke"),
        default=None,
        help="full (every check, the default) or smoke (the core checks only, no fuzzing: "
        "a deploy gate's fast path) (env KIMI_PROFILE)",
    )
    group.addoption(
        "--plan",
        action="store_true",
        default=False,
        help="print the run plan (each check's cost, in run order, and what fits the caps) "
        "and send nothing",
    )
    group.addoption(
        "--allow-partial",
        action="store_true",
        default=False,
        help="exit 0 even if checks were left out for the budget (by default such a run exits 6)",
    )
    group.addoption(
        "--web-search",
        action="store_true",
        default=False,
        help="also check the builtin $web_search tool (billed per call; off by default)",
    )
    group.addoption(
        "--cassettes",
        metavar="DIR",
        help="your own recordings: replay them, or record into DIR with --record-mode "
        "(env KIMI_CONFORMANCE_CASSETTES; default the shipped ones)",
    )
    group.addoption(
        "--drift",
        action="store_true",
        default=False,
        help="after the run, compare every answer with the recorded baseline in cassettes/",
    )
    group.addoption(
        "--strict-rules",  # pytest owns --strict; `kimi-conformance run --strict` maps here
        action="store_true",
        default=False,
        help="fail on advice and inferred rules too (OpenAI-level strictness); by default "
        "only rules Moonshot documents or a captured answer shows fail the run",
    )


def pytest_configure(config: pytest.Config) -> None:
    live = config.getoption("live") or config.getoption("target") == "live"
    if live and getattr(config.option, "numprocesses", None):
        raise pytest.UsageError(
            "--live cannot run under pytest-xdist (-n): the request cap, token budget and "
            "RPM pacing hold per process; drop -n for live runs"
        )
    config.addinivalue_line(
        "markers", "kimi_endpoint(name): the API endpoint a conformance check exercises"
    )
    config.addinivalue_line(
        "markers", "web_search: a check that calls the billed $web_search tool (--web-search)"
    )
    config.addinivalue_line(
        "markers",
        "kimi_each_model: a model-dependent check, run for every model of --models "
        "(others that need a model run once, for the run's primary model)",
    )
    config.addinivalue_line(
        "markers",
        "kimi_unrecorded: a check whose requests are never recorded or replayed "
        "(fuzzing: random payloads cannot match recordings)",
    )
    config.addinivalue_line(
        "markers",
        "kimi_cost(requests=0, chat=None, tokens=0, shares=(), skips=None): what a "
        "conformance check sends, for the run plan (conformance.run.plan.Declaration)",
    )
    config.addinivalue_line(
        "markers", "kimi_core: a core conformance check (run first; --profile smoke)"
    )
    config.addinivalue_line(
        "markers", "kimi_fuzz: a fuzzing check (run last, on what the others leave)"
    )
    config.addinivalue_line(
        "markers",
        "kimi_rule(*ids): the evidence rules a check applies (conformance.contract.evidence)",
    )
    config.addinivalue_line(
        "markers", "kimi_local: a check that sends nothing (the matrix labels it local)"
    )


def _is_suite_item(item: pytest.Item) -> bool:
    return _in_suite(str(item.path))


@functools.lru_cache(maxsize=4096)
def _in_suite(path: str) -> bool:
    # Asked for every item and every phase of every run, the user's own tests included:
    # resolve each file once.
    from conformance._resources import SUITE_DIR

    return Path(path).resolve().is_relative_to(SUITE_DIR)


def _options(config: pytest.Config) -> dict[str, Any]:
    target = "live" if config.getoption("live") else config.getoption("target")
    return {
        "target": target,
        "base_url": config.getoption("base_url"),
        "model": config.getoption("model"),
        "models": config.getoption("models"),
        "budget_tokens": config.getoption("budget_tokens"),
        "max_requests": config.getoption("max_requests"),
        "rpm": config.getoption("rpm"),
        "report_json": config.getoption("report_json"),
        "report_markdown": config.getoption("report_markdown"),
        "fuzz_examples": config.getoption("fuzz_examples"),
        "web_search": config.getoption("web_search"),
        "drift": config.getoption("drift"),
        "profile": config.getoption("profile"),
        "allow_partial": config.getoption("allow_partial"),
        "cassettes": config.getoption("cassettes"),
        "record_mode": config.getoption("record_mode", None),
        "strict": config.getoption("strict_rules"),
    }


def _matrix(config: pytest.Config) -> Any:
    """The run's model matrix, from the settings alone (pure); None when they are bad
    (`pytest_collection_modifyitems` then reports them in one line)."""
    if MATRIX_KEY not in config.stash:
        from conformance.errors import UsageError
        from conformance.run import config as settings_module
        from conformance.run.matrix import matrix_for

        try:
            config.stash[MATRIX_KEY] = matrix_for(
                settings_module.resolve(_options(config), os.environ)
            )
        except UsageError:
            config.stash[MATRIX_KEY] = None
    return config.stash[MATRIX_KEY]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A suite check that needs a model runs for each model of the matrix (marked
    `kimi_each_model`) or for the primary one; the model is in its id."""
    if "kimi_model" not in metafunc.fixturenames or not _in_suite(str(metafunc.definition.path)):
        return
    matrix = _matrix(metafunc.config)
    if matrix is None:
        return
    each = metafunc.definition.get_closest_marker("kimi_each_model") is not None
    recording = metafunc.config.getoption("record_mode", None) not in (None, "none")
    models = list(matrix.for_check(each, recording))
    metafunc.parametrize("kimi_model", models, indirect=True, ids=models, scope="session")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Settings are read and checked, the checks put in run order and the plan priced,
    and markers added: pure work, nothing sent or started (`--collect-only` must be
    free). The run opens when the first check runs."""
    suite_items = [item for item in items if _is_suite_item(item)]
    if not suite_items:
        return
    from conformance.checks.exchanges import SHARED_COSTS
    from conformance.errors import UsageError
    from conformance.run import config as settings_module
    from conformance.run import selection
    from conformance.run.session import check_settings

    recording = config.getoption("record_mode", None) not in (None, "none")
    skip_reason = "$web_search is billed per call; opt in with --web-search"
    try:
        _refuse_conflicts(config)
        settings = settings_module.resolve(_options(config), os.environ)
        if settings.target == "live" and hasattr(config, "workerinput"):
            raise UsageError(  # live chosen through KIMI_TARGET under xdist
                "live runs cannot run under pytest-xdist (-n): the request cap, token budget "
                "and RPM pacing hold per process; drop -n for live runs"
            )
        check_settings(settings)
        if settings.profile == "smoke":
            kept, left_out = selection.smoke(suite_items)
            if left_out:
                config.hook.pytest_deselected(items=left_out)
                dropped = set(left_out)
                items[:] = [item for item in items if item not in dropped]
            suite_items = kept
        ordered = selection.in_run_order(suite_items)
        _reorder(items, suite_items, ordered)
        suite_items = ordered
        specs = [
            selection.spec_of(
                item,
                skipped=skip_reason
                if not settings.web_search and item.get_closest_marker("web_search")
                else None,
            )
            for item in suite_items
        ]
        from conformance.run.matrix import check_recordings, matrix_for

        matrix = matrix_for(settings)  # bad --models / --model: one line
        if settings.target == "replay" and not recording and not settings.drift:
            check_recordings(settings, matrix)  # a model without recordings: one line
        plan = selection.plan_for(settings, specs, SHARED_COSTS, matrix.primary)
        minimum = plan.minimum("core")
        if not minimum.fits(plan.caps):
            raise UsageError(
                f"the caps cannot fit even the core checks ({plan.caps}); they need at least "
                f"--max-requests {minimum.requests} --budget-tokens {minimum.tokens}"
            )
    except UsageError as exc:
        _refuse(config, str(exc), options=_options(config))
    config.stash[SETTINGS_KEY] = settings
    config.stash[PLAN_KEY] = (plan, specs)
    if not plan.fits:
        _say(config, plan.summary())  # before anything is sent
    skip_web_search = pytest.mark.skip(reason=skip_reason)
    for item in suite_items:
        if not settings.web_search and item.get_closest_marker("web_search"):
            item.add_marker(skip_web_search)
        if (
            settings.target == "replay" or recording or settings.drift
        ) and not item.get_closest_marker("kimi_unrecorded"):
            item.add_marker(pytest.mark.vcr)
        if settings.target == "replay":
            item.add_marker(pytest.mark.block_network)


def _reorder(items: list[pytest.Item], chosen: list[pytest.Item], order: list[pytest.Item]) -> None:
    """Put `order` (a permutation of `chosen`) into the slots `chosen` holds in `items`."""
    slots = iter(order)
    positions = {id(item) for item in chosen}
    items[:] = [next(slots) if id(item) in positions else item for item in items]


def _say(config: pytest.Config, lines: list[str]) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for line in lines:
        if reporter is not None:
            reporter.write_line(line)
        else:
            print(line)


def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """`--plan`: print the plan instead of running anything (nothing sent or started)."""
    stashed = session.config.stash.get(PLAN_KEY, None)
    if not session.config.getoption("plan") or stashed is None:
        return None
    plan, _ = stashed
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.section("Kimi API conformance plan (nothing sent)")
    _say(session.config, plan.render())
    return True


def _open_run(item: pytest.Item) -> Run | None:
    """The run opens as the first check starts: the emulator target starts its server
    here, a live run its preflight (then the plan is priced for the model it chose). A
    failure ends the session like a bad option: one `ERROR:` line, exit code 4."""
    config = item.config
    run = config.stash.get(RUN_KEY, None)
    if run is not None or SETTINGS_KEY not in config.stash:
        return run
    if not _is_suite_item(item) or config.getoption("setupplan", False):
        return None
    from conformance.checks.exchanges import SHARED_COSTS
    from conformance.errors import UsageError
    from conformance.run import cleanup, selection
    from conformance.run.session import Run

    settings = config.stash[SETTINGS_KEY]
    plan, specs = config.stash[PLAN_KEY]
    try:
        run = config.stash[RUN_KEY] = Run.open(settings)
    except UsageError as exc:
        _refuse(config, str(exc), settings=config.stash[SETTINGS_KEY])
    run.use_plan(plan, lambda model: selection.plan_for(settings, specs, SHARED_COSTS, model))
    cleanup.reconcile_lost_creations(run)
    _show_waits(config, run)
    return run


def _show_waits(config: pytest.Config, run: Run) -> None:
    """Pacing the user can see: a line at each wait on a terminal, every few requests in
    a CI log."""
    import sys

    from conformance.run.progress import Progress

    ci = any(os.environ.get(name) for name in ("CI", "GITHUB_ACTIONS"))
    meter = run.target.meter
    progress = Progress(
        write=lambda line: _say(config, [line]),
        planned=run.plan.planned().requests if run.plan is not None else 0,
        interval=meter.pacer.interval,
        tty=not ci and bool(sys.__stdout__ and sys.__stdout__.isatty()),
    )
    meter.on_wait = progress.waiting


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    """Opens the run at the first check; adds what each check sent to its group."""
    run = _open_run(item)
    if run is None or not _is_suite_item(item):
        return (yield)
    budget = run.target.meter.budget
    before = (budget.requests, budget.tokens)
    run.report.spent_mark = before  # each phase's cost is counted from here (verdicts.judge)
    try:
        return (yield)
    finally:
        from conformance.run.verdicts import account

        account(run, item, budget.requests - before[0], budget.tokens - before[1])


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A check the plan left out for the budget is not started."""
    run = item.config.stash.get(RUN_KEY, None)
    if run is None or run.plan is None or not _is_suite_item(item):
        return
    from conformance.run.verdicts import refuse_if_over_budget

    refuse_if_over_budget(run, item)


def _refuse_conflicts(config: pytest.Config) -> None:
    from conformance.errors import UsageError

    target = config.getoption("target")
    if config.getoption("live") and target not in (None, "live"):
        raise UsageError(
            f"--live and --target {target} conflict (--live is short for --target live); "
            "give one of them"
        )


def _refuse(
    config: pytest.Config,
    message: str,
    settings: Settings | None = None,
    options: dict[str, Any] | None = None,
) -> NoReturn:
    """End the run before any check, like a bad option (one `ERROR:` line, exit code 4),
    leaving the reports it asked for with that failure as their verdict and, on GitHub
    Actions, an annotation."""
    from conformance.run.verdicts import refuse

    annotations = refuse(message, settings=settings, options=options)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        for line in annotations:
            if reporter is not None:
                reporter.write_line(line)
    raise pytest.UsageError(message) from None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    run = item.config.stash.get(RUN_KEY, None)
    if run is not None and _is_suite_item(item):
        from conformance.run.verdicts import judge

        judge(run, item, call, report)
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    workers = config.stash.get(WORKER_REPORTS_KEY, None)
    if workers:  # the xdist controller: one report of every worker's checks
        from conformance.run.report import Report
        from conformance.run.verdicts import write_reports

        report = Report.merge([Report.from_json(data) for data in workers])
        config.stash[MERGED_KEY] = report
        write_reports(report, config.getoption("report_json"), config.getoption("report_markdown"))
        if report.breaking_drift() and exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    run = config.stash.get(RUN_KEY, None)
    if run is None:
        return
    from conformance.run.verdicts import finish, starved

    worker: dict[str, Any] | None = getattr(config, "workeroutput", None)
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
    if finish(run, interrupted=interrupted, write=worker is None) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # breaking drift fails the gate
    if session.exitstatus == 0 and starved(run):
        from conformance.errors import EXIT_STARVED

        session.exitstatus = EXIT_STARVED  # checks left out for the budget: not a pass
    if worker is not None:  # to the controller (pytest_testnodedown), which writes the files
        worker["kimi_conformance_report"] = run.report.to_json()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist, on the controller: keep each worker's share of the matrix."""
    data = getattr(node, "workeroutput", {}).get("kimi_conformance_report")
    if data is not None:
        node.config.stash.setdefault(WORKER_REPORTS_KEY, []).append(data)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    run = config.stash.get(RUN_KEY, None)
    report = run.report if run is not None else config.stash.get(MERGED_KEY, None)
    if report is None:
        return
    terminalreporter.section("Kimi API conformance matrix")
    for line in report.to_terminal():
        terminalreporter.write_line(line)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from conformance.run.report import github_annotations

        for line in github_annotations(report):
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def kimi_run(pytestconfig: pytest.Config) -> Run:
    """This conformance run: settings, target, clients, report (`conformance.run.session.Run`).

    The suite's checks and fixtures take everything from it."""
    run = pytestconfig.stash.get(RUN_KEY, None)
    if run is None:
        pytest.skip("kimi_run is the conformance suite's run; only its checks have one")
    return run


@pytest.fixture(scope="session")
def kimi_emulator_server() -> Iterator[RunningEmulator]:
    """The reference emulator, served once per session on loopback (see `kimi_emulator`)."""
    from conformance.emulator.server import serve

    with serve() as running:
        yield running


@pytest.fixture
def kimi_emulator(kimi_emulator_server: RunningEmulator) -> RunningEmulator:
    """A running reference emulator of the Moonshot API for your own tests.

    Has `.base_url`, `.api_key`, `.emulator` (the core: accounting, faults) and
    `.openai_client()` / `.httpx_client()` factories. Every test gets a fresh core
    (files, batches, accounting) on the session's socket.
    """
    return kimi_emulator_server.with_core()
