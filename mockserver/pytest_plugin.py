"""The mock as a pytest fixture, with no conftest code: installing the package is enough.

One server per test session (per worker under pytest-xdist) on a free loopback port with a frozen
clock, reset before every test; `@pytest.mark.mock_doitong(...)` configures one test. At the end
of the session it prints what the tests' jobs would have cost on the real service.

With `--mock-doitong-url URL` (or the ini option `mock_doitong_url`) no server is started: every
test gets a fresh session of the mock at URL, ended after the test, so any number of workers
and suites can share one `mock-doitong serve`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from starlette.applications import Starlette

from .app import create_app
from .control.client import DEFAULT_API_KEY, ControlError, MockControl
from .core.catalog import FixtureError
from .core.clock import ClockMode
from .core.randomness import seed_problem
from .core.scenarios import load_scenario
from .core.session_keys import session_key
from .core.spend import Spend, total_spend
from .deferred_reset import DeferredReset
from .runtime.config import MockConfig, field_default
from .runtime.mock_runtime import MockRuntime
from .server import ServerThread
from .session_spend import SessionSpend, ledger_spend, spend_text

T = TypeVar("T")
MARKER = "mock_doitong"
MARKER_OPTIONS = frozenset(
    {"plan", "credits", "scenario", "seed", "api_key", "audit", "max_credits"}
)
AUDIT_MODES = ("off", "fail")
# The plugin's own default: a fixed seed, so a test run repeats exactly (`serve` picks one at
# random). Every other setting defaults to MockConfig's.
DEFAULT_SEED = 0
SESSION_SPEND = pytest.StashKey[SessionSpend]()
SECONDS_INI = ("mock_doitong_job_seconds", "mock_doitong_audit_poll_floor")
WORKER_SPEND = "mock_doitong_spend"  # the key of a pytest-xdist worker's tally in its output


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mock-doitong", "mock-doitong: the Doitong Hedra API test double")
    group.addoption("--mock-doitong-fixtures", help="fixtures directory for the mock")
    group.addoption(
        "--mock-doitong-seed", type=int, help=f"seed for ids and secrets (default {DEFAULT_SEED})"
    )
    group.addoption(
        "--mock-doitong-url",
        help="use the mock already serving at this URL, each test in a session of its own, "
        "instead of starting one",
    )
    group.addoption(
        "--mock-doitong-audit",
        choices=AUDIT_MODES,
        help="fail: a test whose client did what would hurt on the real service fails "
        "(the client-behaviour audit); off: it is not checked (default)",
    )
    parser.addini("mock_doitong_fixtures", "fixtures directory for the mock", default="")
    parser.addini(
        "mock_doitong_url", "a running mock to use, each test in its own session", default=""
    )
    parser.addini("mock_doitong_seed", "seed for ids and secrets", default=str(DEFAULT_SEED))
    parser.addini(
        "mock_doitong_job_seconds",
        "seconds from accept to completion",
        default=str(field_default(MockConfig, "job_seconds")),
    )
    parser.addini(
        "mock_doitong_audit_poll_floor",
        "seconds (on the mock's clock) below which the audit calls two polls of one job a "
        "polling storm",
        default=str(field_default(MockConfig, "audit_poll_floor_seconds")),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(plan=None, credits=None, scenario=None, seed=None, api_key=None, "
        'audit="off"|"fail", max_credits=None): '
        "set up the mock-doitong fixture for this test",
    )
    config.stash[SESSION_SPEND] = SessionSpend()
    for name in SECONDS_INI:  # a bad value stops the run before any test, naming the option
        _seconds_ini(config, name)
    problem = seed_problem(_seed(config))
    if problem:
        raise pytest.UsageError(f"--mock-doitong-seed (or mock_doitong_seed): {problem}")


class MockDoitong(MockControl):
    """The fixture's handle: where the mock is, whose key to use, and the control plane."""

    def __init__(
        self,
        url: str,
        app: Starlette | None,
        server: ServerThread | None = None,
        front: DeferredReset | None = None,
        **control: Any,
    ) -> None:
        super().__init__(url, **control)
        self._app = app
        self.server = server  # the one this plugin started; None with --mock-doitong-url
        self._front = front  # what the server serves: `app`, with the test's reset run first
        self._reset: Future[None] | None = None  # this test's, once it is left to the server

    @property
    def app(self) -> Starlette:
        """The ASGI app the server runs, for httpx.ASGITransport with no socket. It shares the
        server's state, so do not use both at once from different threads. There is none
        with --mock-doitong-url: the server is another process."""
        if self._app is None:
            raise RuntimeError(
                "with --mock-doitong-url the mock runs elsewhere: it has no app here"
            )
        if self._reset is not None and not self._reset.done():  # not on the last test's state
            _on_the_loop(self, lambda: None)
        return self._app


# The handle of this process's server, once started: later tests take it from here, which
# costs less than asking pytest for the session fixture again.
HANDLE = pytest.StashKey[MockDoitong]()


def _on_the_loop(handle: MockDoitong, function: Callable[[], T]) -> T:
    """`function` run on the server's loop, after the reset left for it (see DeferredReset)."""
    server, front = handle.server, handle._front
    assert server is not None and front is not None

    def after_the_reset() -> T:
        front.run_pending()
        return function()

    return server.call(after_the_reset)


def _option(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(f"--mock-doitong-{name}")
    if value is not None:
        return str(value)
    ini = str(config.getini(f"mock_doitong_{name}"))
    return ini or None


def _marker_seed(options: dict[str, Any], config: pytest.Config) -> int:
    """The marker's `seed`, else the run's; a bad one fails the test's setup, naming it."""
    seed = options.get("seed")
    if seed is None:
        return _seed(config)
    problem = seed_problem(seed)
    if problem:
        pytest.fail(f"@pytest.mark.{MARKER}: {problem}", pytrace=False)
    return int(seed)


def _seed(config: pytest.Config) -> int:
    seed = _option(config, "seed")
    if not seed:
        return DEFAULT_SEED
    try:
        return int(seed)
    except ValueError:  # the ini file's: the option's own type is int
        raise pytest.UsageError(f"mock_doitong_seed must be a whole number, got {seed!r}") from None


@pytest.fixture(scope="session")
def mock_doitong_server(pytestconfig: pytest.Config) -> Iterator[ServerThread]:
    """The session's mock server (one per xdist worker): started once, reset per test."""
    fixtures = _option(pytestconfig, "fixtures")
    config = MockConfig(
        fixtures_dir=Path(fixtures) if fixtures else None,
        seed=_seed(pytestconfig),
        clock=ClockMode.VIRTUAL,
        job_seconds=_seconds_ini(pytestconfig, "mock_doitong_job_seconds"),
        audit_poll_floor_seconds=_seconds_ini(pytestconfig, "mock_doitong_audit_poll_floor"),
    )
    app = create_app(config, warm_up_graphql=False)
    front = DeferredReset(app)
    server = ServerThread(front).start()
    yield server
    if server.alive:  # the last test's spend: each earlier one's was added before its reset

        def last_spend() -> None:
            front.run_pending()
            _add_spend(pytestconfig, _runtime(app))

        server.call(last_spend)
    server.stop()


def _runtime(app: Starlette) -> MockRuntime:
    runtime: MockRuntime = app.state.runtime
    return runtime


@pytest.fixture(scope="session")
def _mock_doitong_handle(
    pytestconfig: pytest.Config, mock_doitong_server: ServerThread
) -> Iterator[MockDoitong]:
    front = getattr(mock_doitong_server, "app", None)
    if not isinstance(front, DeferredReset):
        raise pytest.UsageError(_not_deferred(front))
    handle = MockDoitong(mock_doitong_server.url, front.app, mock_doitong_server, front)
    pytestconfig.stash[HANDLE] = handle
    yield handle
    del pytestconfig.stash[HANDLE]
    handle.close()


def _not_deferred(app: object) -> str:
    """What to do about a `mock_doitong_server` of one's own that the plugin cannot reset."""
    return (
        "mock-doitong: the mock_doitong_server fixture must give a "
        "mockserver.ServerThread serving a mockserver.deferred_reset.DeferredReset, which "
        f"runs each test's reset before its first request; its app is {type(app).__name__}. "
        "Wrap the app: ServerThread(DeferredReset(create_app(config))), with "
        "`from mockserver import ServerThread, create_app` and "
        "`from mockserver.deferred_reset import DeferredReset`"
    )


@pytest.fixture
def mock_doitong(request: pytest.FixtureRequest) -> Iterator[MockDoitong]:
    """A running mock with a frozen clock, fresh for this test; see MockDoitong."""
    url = _option(request.config, "url")
    if url:
        yield from _in_a_session(request, url)
        return
    handle = request.config.stash.get(HANDLE, None)
    if handle is None:
        handle = request.getfixturevalue("_mock_doitong_handle")
    server, front = handle.server, handle._front
    assert server is not None and front is not None
    if not server.alive:
        pytest.fail(f"the mock-doitong server has stopped: {server.error!r}")
    runtime = _runtime(front.app)
    marker = request.node.get_closest_marker(MARKER)
    audit = _audit_mode(marker, request.config)
    reset = _prepare(handle, front, marker, request.config)
    yield handle
    # A reset not run yet means that nothing this test sent has reached the mock, so any error
    # there belongs to the test before; once it has run, the errors are this test's.
    if reset.done():
        reset.result()  # a reset that failed is a bug in the mock: this test reports it
        if runtime.errors:
            errors = "\n".join(runtime.errors)
            runtime.errors.clear()
            pytest.fail(f"errors inside mock-doitong during this test:\n{errors}", pytrace=False)
    if audit == "fail":
        _fail_on_findings(handle)


def _in_a_session(request: pytest.FixtureRequest, url: str) -> Iterator[MockDoitong]:
    """The test's own session of the mock at `url`, set up from its marker, ended after it."""
    marker = request.node.get_closest_marker(MARKER)
    options = _marker_options(marker)
    audit = _audit_mode(marker, request.config)
    seed = _marker_seed(options, request.config)
    with MockControl(url) as server:
        try:
            created = server.create_session(
                scenario=options.get("scenario"),
                seed=seed,
                clock=ClockMode.VIRTUAL.value,
                job_seconds=float(request.config.getini("mock_doitong_job_seconds")),
            )
        except ControlError as error:
            pytest.fail(f"mock-doitong at {url}: {error}", pytrace=False)
    session_id = created["id"]
    api_key = session_key(options.get("api_key") or DEFAULT_API_KEY, session_id)
    handle = MockDoitong(url, None, api_key=api_key, session_id=session_id)
    _check_max_credits(options.get("max_credits"))
    request.config.stash[SESSION_SPEND].tests += 1
    try:
        if options.get("plan") is not None or options.get("credits") is not None:
            handle.set_account(plan=options.get("plan"), credits=options.get("credits"))
        yield handle
        if audit == "fail":
            _fail_on_findings(handle)
    finally:
        try:
            _add_session_spend(request.config, handle)
        finally:
            handle.end()


def _marker_options(marker: pytest.Mark | None) -> dict[str, Any]:
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    unknown = sorted(set(options) - MARKER_OPTIONS)
    if unknown:
        pytest.fail(f"@pytest.mark.{MARKER}: unknown option {unknown[0]!r}", pytrace=False)
    return options


def _fail_on_findings(handle: MockDoitong) -> None:
    """Fail the test with the audit's findings, if there are any."""
    try:
        handle.assert_well_behaved()
    except AssertionError as findings:
        message = str(findings)
    else:
        return
    pytest.fail(message, pytrace=False)


def _audit_mode(marker: pytest.Mark | None, config: pytest.Config) -> str:
    """Whether this test fails on audit findings: its marker's `audit`, else the option's."""
    mode = marker.kwargs.get("audit") if marker else None
    if mode is None:
        mode = config.getoption("--mock-doitong-audit") or "off"
    if mode not in AUDIT_MODES:
        pytest.fail(
            f"@pytest.mark.{MARKER}: audit must be one of {', '.join(AUDIT_MODES)}, got {mode!r}",
            pytrace=False,
        )
    return str(mode)


def _seconds_ini(config: pytest.Config, name: str) -> float:
    """An ini option that holds seconds: a number >= 0, or a usage error naming it."""
    value = config.getini(name)
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses nan
        raise pytest.UsageError(f"ini option {name} must be seconds >= 0, got {value!r}")
    return seconds


def _prepare(
    handle: MockDoitong, front: DeferredReset, marker: pytest.Mark | None, config: pytest.Config
) -> Future[None]:
    """Have the mock reset, then apply the test's marker; the reset's future.

    The reset runs on the server's own loop, not over HTTP, and the test does not wait for it:
    it is the per-test cost of the fixture, and waiting would add a thread's wake-up to it.
    The loop runs it before the first request the test sends (`DeferredReset`); `app` and the
    plugin's own calls on the loop run it first too, so no test sees the state of the one before.
    """
    options = _marker_options(marker)
    handle.api_key = options.get("api_key") or DEFAULT_API_KEY
    seed = _marker_seed(options, config)
    runtime = _runtime(front.app)
    _check_max_credits(options.get("max_credits"))
    config.stash[SESSION_SPEND].tests += 1
    name = options.get("scenario")
    try:  # here, not on the loop, so that a bad name fails this test's setup
        scenario = None if name is None else load_scenario(name, runtime.engine.fixtures)
    except FixtureError as error:
        pytest.fail(f"@pytest.mark.{MARKER}: {error}", pytrace=False)

    def reset() -> None:
        _add_spend(config, runtime)  # what the tests before this one spent, before it is gone
        runtime.errors.clear()
        runtime.activate(scenario, seed)

    handle._reset = reset_done = front.defer(reset)
    # The test before's webhook attempts are cut now, not at this test's first contact with the
    # mock (which may never come): one its receiver holds would post on for the webhook timeout
    # while this test runs. Only when there are some: waking the loop costs a test that much.
    leftover = runtime.background_work()
    if leftover:
        assert handle.server is not None
        handle.server.soon(partial(_cancel_all, leftover))
    if options.get("plan") is not None or options.get("credits") is not None:
        handle.set_account(plan=options.get("plan"), credits=options.get("credits"))
    return reset_done


def _cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    """On the server's loop: cancel each task, without waiting for it to end."""
    for task in tasks:
        task.cancel()


# -- what the run would have spent -----------------------------------------------------------


def _add_spend(config: pytest.Config, runtime: MockRuntime) -> None:
    """Add to the session's tally what the ledger holds since the last reset (one test's).
    Runs on the server's loop; a key counts under the plan it has at the end of the test."""
    engine = runtime.engine

    def plan_of(api_key: str) -> str:
        account = engine.accounts.get(api_key)
        return account.plan if account is not None else "unknown"

    config.stash[SESSION_SPEND].add(engine.spend(), plan_of)


def _add_session_spend(config: pytest.Config, handle: MockDoitong) -> None:
    """Add to the session's tally what the test's own session of a mock elsewhere spent, as
    its ledger says; a key counts under the plan it has at the end of the test."""
    entries = handle.ledger()
    if not entries:
        return
    plans = {account["apiKey"]: account["plan"] for account in handle.accounts()}
    config.stash[SESSION_SPEND].add(ledger_spend(entries), lambda key: plans.get(key, "unknown"))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands its tally to the controller, which prints the summary."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_SPEND] = session.config.stash[SESSION_SPEND].as_json()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist's controller: a worker finished; add what its tests spent."""
    tally = getattr(node, "workeroutput", {}).get(WORKER_SPEND)
    if tally is not None:
        node.config.stash[SESSION_SPEND].merge(tally)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """What the run's jobs would have cost on the real service, in all and per plan."""
    spend = config.stash.get(SESSION_SPEND, None)
    if spend is None or not spend.tests:
        return
    terminalreporter.write_sep("=", "mock-doitong: what this run would have spent")
    for line in spend.lines():
        terminalreporter.write_line(line)


# -- max_credits: what one test may spend ----------------------------------------------------


def _check_max_credits(limit: Any) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        pytest.fail(
            f"@pytest.mark.{MARKER}: max_credits must be a whole number >= 0, got {limit!r}",
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail a test marked `max_credits=N` that spent more than N credits on the mock (debits
    less refunds, on every key). Checked after the test's body, so that it is the test that
    fails, with what it spent in the message."""
    result = yield
    marker = item.get_closest_marker(MARKER)
    limit = marker.kwargs.get("max_credits") if marker else None
    fixtures: dict[str, Any] = getattr(item, "funcargs", {})
    handle = fixtures.get("mock_doitong")
    if limit is None or not isinstance(handle, MockDoitong):
        return result
    front = handle._front
    if front is None:  # the mock runs elsewhere: the test's session's ledger is all its own
        by_key = ledger_spend(handle.ledger())
    else:
        by_key = _on_the_loop(handle, _runtime(front.app).engine.spend)
    spent = total_spend(by_key.values()).spent
    if spent > limit:
        pytest.fail(_over_budget(limit, spent, by_key), pytrace=False)
    return result


def _over_budget(limit: int, spent: int, by_key: dict[str, Spend]) -> str:
    """`... this test spent 106 credits, more than 100: 2 jobs, 106 credits on KEY`."""
    keys = "; ".join(
        f"{spend_text(spend)} on {api_key}" for api_key, spend in sorted(by_key.items())
    )
    return (
        f"@pytest.mark.{MARKER}(max_credits={limit}): this test spent {spent:,} credits, "
        f"more than {limit:,}: {keys}"
    )
