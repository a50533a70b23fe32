"""One running mock: the engine plus what moves it through time and does its I/O.

With a real clock a background task runs what falls due; with a frozen clock only `advance`
moves time, and it runs everything that fell due, webhook attempts included, before it returns.
Every API request goes through `sync` too, so a job that is read is never stale; only while a
burst of thousands falling due at once is worked off, batch by batch, can one lag behind.

Stopped, it cuts its webhook attempts at once, unless told to finish them
(`finishes_webhooks_when_stopped`, as `serve` does): then it starts no new one and gives those in
flight the webhook timeout to end and be recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import traceback
from collections.abc import Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..core.catalog import Fixtures, load_fixtures
from ..core.clock import Clock, ClockMode
from ..core.engine import NOTHING_DUE, DueWork, Engine
from ..core.jobs import Job
from ..core.randomness import Randomness
from ..core.scenarios import Scenario, load_scenario
from ..core.session_keys import scenario_in_session
from ..core.stores import memory_stores
from ..core.webhook_faults import DUPLICATE, WebhookFault
from ..core.webhook_policy import WebhookPolicy
from ..core.webhooks import Attempt, Delivery, RetryPolicy, payload_with
from .config import MockConfig
from .local_addresses import is_local_address
from .webhook_sender import SendingStopped, WebhookSender

if TYPE_CHECKING:
    from .durable_state import DurableState

logger = logging.getLogger("mockserver")

# With a real clock the ticker wakes at least this often, so a job created while it sleeps is
# never finished much later than its due time.
MAX_TICK_SECONDS = 0.25
# ...and at most this often: under load, when something falls due every few microseconds, a
# ticker that woke for each would take a share of every request. Requests sync as they come in
# (`sync_for_request`), so no client ever reads a job that is this late; only an idle mock's
# webhooks wait this long.
MIN_TICK_SECONDS = 0.005
# How long a quiet job's end (no webhook, no refund) may wait for a request to sync, on a real
# clock: under load a job falls due with nearly every request, and ending them a batch at a time
# costs less than one at a time. Nothing shows the wait: a request that reads the job ends it
# first. A frozen clock waits for nothing, as it never reaches the end of any lag.
QUIET_LAG_SECONDS = 0.002
# Waiting for the attempts in flight when stopping, beyond the webhook timeout that ends each of
# them: the time to record one that timed out at the last moment.
RECORDING_MARGIN_SECONDS = 1.0


class MockRuntime:
    """One mock: the default one of a server, or one of its sessions (runtime.sessions).

    A session's runtime is given the server's loaded `fixtures` (their accounts already under
    the session's keys), its `session_id`, by which every scenario's keys are renamed into it,
    and `link_path`, the path under which its jobs' video links are served.
    """

    def __init__(
        self,
        config: MockConfig,
        *,
        fixtures: Fixtures | None = None,
        session_id: str | None = None,
        link_path: str = "",
    ) -> None:
        config.check_fits_the_clock()
        self.config = config
        self.session_id = session_id
        self.link_path = link_path
        self.clock = Clock(config.clock, config.clock_start)
        # What `sync_for_request` lets wait; a test may lengthen it to see what a read does.
        self.quiet_lag = QUIET_LAG_SECONDS if self.clock.mode is ClockMode.REAL else 0.0
        policy = RetryPolicy(
            max_attempts=config.webhook_attempts,
            backoff_seconds=config.webhook_backoff_seconds,
            timeout_seconds=config.webhook_timeout_seconds,
        )
        self.webhook_policy = WebhookPolicy(
            config.webhook_allow,
            config.webhook_deny,
            is_local=is_local_address,
            own_names=(socket.gethostname(),),
        )
        self.engine = Engine(
            fixtures or load_fixtures(config.fixtures_dir),
            self.clock,
            randomness=Randomness(config.seed),
            job_seconds=config.job_seconds,
            stores=memory_stores(
                policy,
                journal_capacity=config.journal_size,
                journal_body_bytes=config.journal_body_bytes,
                journal_body_budget=config.journal_body_budget,
            ),
            max_jobs=config.max_jobs,
            webhook_policy=self.webhook_policy,
        )
        self.sender = WebhookSender(self.clock, policy, self.webhook_policy)
        self._tasks: set[asyncio.Task[None]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._catching_up: asyncio.Task[None] | None = None
        self._advancing = asyncio.Lock()
        # A server in a test's thread stops at once (the test's receivers are gone by then);
        # `serve` sets this, so that stopping the process loses no attempt already sent.
        self.finishes_webhooks_when_stopped = False
        self._stopping = False
        # Tracebacks of errors inside the mock, for the pytest plugin to report in the test.
        self.errors: list[str] = []
        # Where changes are committed before they are answered (`serve --state`); None: memory.
        self.durable: DurableState | None = None
        if config.scenario is not None:
            self.activate(load_scenario(config.scenario, self.engine.fixtures))

    def listening_on(self, endpoints: list[tuple[str, int]]) -> None:
        """Where the server accepts connections: webhooks to those are webhooks to the mock."""
        self.webhook_policy.listening_on(endpoints)

    def sync(self) -> None:
        """Bring state up to the clock's present; due webhook attempts start in the background.

        One batch of due work runs here; a backlog beyond it runs in a task, batch by batch,
        so the request that found it (or the ticker) is not held up by thousands of jobs.
        """
        work = self.engine.run_due()
        if work is not NOTHING_DUE and self._take(work):  # nearly every request: nothing due
            self._catch_up_soon()

    def sync_for_request(self, now: float) -> None:
        """`sync`, unless all that fell due by `now` are quiet jobs' ends of moments ago."""
        if self.engine.scheduler.due_to_show(now, self.quiet_lag):
            self.sync()

    def _take(self, work: DueWork) -> bool:
        """Start a batch's webhook attempts and report its errors; True while more is due."""
        for where, error in work.failures:
            self.report_bug(where, error)
        for delivery in work.deliveries:
            self._spawn(self._deliver(delivery))
        if work.copies:  # duplicate faults' copies, one after another, in the order they fell due
            self._spawn(self._send_copies(work.copies))
        for in_turn in work.in_turn:  # reorder faults' deliveries, one after another
            self._spawn(self._deliver_in_turn(in_turn))
        if not work.more:  # once a backlog is done, not once a batch: one line per burst
            self._tell_given_up()
        return work.more

    def _catch_up_soon(self) -> None:
        if self._catching_up is None or self._catching_up.done():
            self._catching_up = self._spawn(self._catch_up())

    async def _catch_up(self) -> None:
        """Run a backlog of due work, letting the event loop serve requests between batches.

        A task like the webhook attempts, so `advance` waits for it before it returns.
        """
        while True:
            await asyncio.sleep(0)
            work = self.engine.run_due()
            if work is NOTHING_DUE or not self._take(work):
                return

    def _tell_given_up(self) -> None:
        log = self.engine.webhooks
        if given_up := log.take_given_up():
            logger.warning(
                "the webhook log is full (%d deliveries): gave up the %d oldest pending ones, "
                "which get no more attempts (%d since the last reset)",
                log.capacity,
                given_up,
                log.given_up,
            )

    def background_work(self) -> list[asyncio.Task[None]]:
        """The tasks working in the background now: webhook attempts and a backlog's catch-up.

        A copy, which another thread may take (the pytest plugin, preparing the next test) and
        have cancelled on the loop later: cancelled, an attempt is cut before it is recorded
        and its delivery stays as it was, pending, until the reset that follows clears it."""
        return list(self._tasks)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            number = sum(1 for attempt in delivery.attempts if not attempt.extra) + 1
            chaos = delivery.chaos
            fault = None if chaos is None else chaos.fault_of(number, replay=False)
            attempt = await self.sender.attempt(delivery, number, fault=fault)
            self._record(delivery, number, attempt)
        except SendingStopped:
            return  # never sent: the delivery stays pending
        except Exception as error:  # a bug in the mock: the task has no one else to tell
            self.report_bug(f"webhook delivery {delivery.id}", error)

    async def _deliver_in_turn(self, deliveries: Sequence[Delivery]) -> None:
        """Attempt each delivery once the one before has its answer, so they arrive in order."""
        for delivery in deliveries:
            await self._deliver(delivery)

    async def _send_copies(self, copies: Sequence[Delivery]) -> None:
        """Send each delivery again, exactly as its first attempt went: same id, headers, bytes."""
        for delivery in copies:
            try:
                attempt = await self.sender.attempt(delivery, 1, fault=DUPLICATE)
                self._record(delivery, 1, attempt)
            except SendingStopped:
                return
            except Exception as error:  # a bug in the mock: the task has no one else to tell
                self.report_bug(f"webhook copy of {delivery.id}", error)

    async def replay(self, delivery: Delivery) -> None:
        """Send a delivery once more, now; returns after the attempt is logged."""
        number = len(delivery.attempts) + 1
        chaos = delivery.chaos
        fault = None if chaos is None else chaos.fault_of(number, replay=True)
        attempt = await self.sender.attempt(delivery, number, replay=True, fault=fault)
        self._record(delivery, number, attempt)

    async def send(
        self,
        job: Job,
        url: str,
        over: Mapping[str, Any],
        secret: str,
        fault: WebhookFault | None = None,
    ) -> Delivery:
        """One delivery of `job`'s outcome to `url` now, `over` laid on its payload, signed with
        `secret`, suffering `fault` if given; returns it after its one attempt is logged (and
        a duplicate's copies due at once). It is never retried, and it is in the delivery log
        like any other."""
        delivery_id = "dlv_" + self.engine.randomness.token(16)
        document = payload_with(job, over)
        delivery = self.engine.webhooks.open_one_off(
            delivery_id, job, url=url, document=document, secret=secret, at=self.clock.now()
        )
        if fault is not None:
            self.engine.webhook_faults.apply(delivery, fault, secret)
        chaos = delivery.chaos
        changed = None if chaos is None else chaos.fault_of(1, replay=False)
        attempt = await self.sender.attempt(delivery, 1, fault=changed)
        self._record(delivery, 1, attempt)
        if fault is not None:
            await self.advance(0)  # what the fault made due now: a duplicate's copies at once
        return delivery

    def _record(self, delivery: Delivery, number: int, attempt: Attempt) -> None:
        self.engine.record_attempt(delivery, attempt)
        if self._stopping:  # the one trace of it a stopping process leaves
            outcome = attempt.error if attempt.status is None else f"HTTP {attempt.status}"
            logger.info(
                "stopping: webhook %s attempt %d to %s: %s; recorded",
                delivery.id,
                number,
                delivery.url,
                outcome,
            )

    def report_bug(self, where: str, error: BaseException) -> None:
        """A bug in the mock: logged with its trace, and kept for the test that caused it."""
        logger.error("%s", where, exc_info=error)
        self.errors.append(f"{where}\n{''.join(traceback.format_exception(error))}")

    async def _drain(self) -> None:
        """Wait for every webhook attempt in flight to finish and be logged."""
        while self._tasks:
            results = await asyncio.gather(*list(self._tasks), return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    self.report_bug("webhook attempt failed unexpectedly", result)

    async def advance(self, seconds: float) -> None:
        """Move the clock, running each due event at its own instant, earliest first.

        A real clock is stepped the same way, so what falls due inside the jump (a completion,
        the webhook attempt it opens, that attempt's retries) has run and been logged when this
        returns, not later in the background. Real time spent on the attempts counts as part
        of the jump: the clock ends at the instant it was asked to reach, or later.
        Raises ClockLimitError, having moved nothing, if that instant is past the clock's LATEST.
        """
        async with self._advancing:
            self.clock.check_reachable(seconds)
            target = self.clock.now() + seconds
            await self._drain()
            while (at := self.engine.scheduler.next_at()) is not None and at <= target:
                self.clock.move_to(at)
                self.sync()
                await self._drain()
            self.clock.move_to(target)
            self.sync()
            await self._drain()

    def reset(self, seed: int | None = None) -> None:
        for task in self._tasks:
            task.cancel()
        self.engine.reset(seed)

    def activate(self, scenario: Scenario | None, seed: int | None = None) -> None:
        """Reset with `scenario` laid over the fixtures, now and at every later reset."""
        for task in self._tasks:
            task.cancel()
        if scenario is not None and self.session_id is not None:
            scenario = scenario_in_session(scenario, self.session_id)
        self.engine.activate(scenario, seed)

    def snapshot(self) -> dict[str, Any]:
        """The whole state as one JSON document (core.state_document)."""
        from ..core import state_document  # noqa: PLC0415 - snapshots load it, not start-up

        return state_document.snapshot(self.engine)

    def restore(self, document: Any) -> None:
        """Hold what a snapshot says; StateError, nothing changed, if it is bad. Webhook
        attempts in flight belong to the state replaced, and are cancelled."""
        from ..core import state_document  # noqa: PLC0415 - snapshots load it, not start-up

        state_document.restore(self.engine, document)
        for task in self._tasks:
            task.cancel()

    def activate_by_name(self, name: str | None, seed: int | None = None) -> None:
        """`activate` with a bundled scenario's name (or a path); None means no scenario."""
        fixtures = self.engine.fixtures
        self.activate(None if name is None else load_scenario(name, fixtures), seed)

    async def start(self) -> None:
        self._stopping = False
        self.sender.start_sending()
        if self.clock.mode is ClockMode.REAL:
            self._ticker = asyncio.create_task(self._tick_forever())

    async def stop(self) -> None:
        if self.finishes_webhooks_when_stopped:
            await self._finish_attempts_in_flight()
        tasks = [*self._tasks, *([self._ticker] if self._ticker else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._ticker = None
        await self.sender.close()
        if self.durable is not None:
            await self.durable.close()

    async def _finish_attempts_in_flight(self) -> None:
        """Start no new webhook attempt, and wait for those posting now to end and be recorded.

        Each ends within the webhook timeout, which it has had running since it began; what was
        only due or waiting for a slot is not sent, and stays pending."""
        self._stopping = True
        self.sender.stop_sending()
        for task in (self._ticker, self._catching_up):
            if task is not None:
                task.cancel()
        in_flight, tasks = self.sender.in_flight, list(self._tasks)
        if not in_flight or not tasks:  # none, or only a control route's, which is not ours
            return
        timeout = self.config.webhook_timeout_seconds
        logger.info(
            "stopping: waiting up to %g s for %d webhook attempt(s) in flight", timeout, in_flight
        )
        await asyncio.wait(tasks, timeout=timeout + RECORDING_MARGIN_SECONDS)

    async def _tick_forever(self) -> None:
        while True:
            try:
                self.sync()
                next_at = self.engine.scheduler.next_at()
                wait = MAX_TICK_SECONDS if next_at is None else next_at - self.clock.now()
            except Exception as error:  # a bug in the mock must not stop time for every key
                self.report_bug("the background ticker", error)
                wait = MAX_TICK_SECONDS
            await asyncio.sleep(min(max(wait, MIN_TICK_SECONDS), MAX_TICK_SECONDS))
