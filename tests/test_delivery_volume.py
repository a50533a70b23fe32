"""Thousands of webhooks falling due at once never stall the event loop; the log stays capped."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from receiver import closed_port_url

from mockserver import ServerThread, create_app
from mockserver.core import job_request
from mockserver.core.webhooks import DeliveryStatus
from mockserver.runtime.mock_runtime import MockRuntime

from conftest import rest_body, virtual_config

JOBS = 30_000
KEY = "test_unlimited_key"
# Smaller than the default: each refused attempt still costs the sender real work, and the
# policy at the cap is the same at any size. Three jobs in each hundred keep their delivery.
CAPACITY = 1_000
# Generous, so that a busy machine never fails it, and still far below the stall this test was
# written for (the README's Webhooks section has the figures measured).
LONGEST_STALL_SECONDS = 0.5


class LoopWatch:
    """Wakes every millisecond on the mock's own event loop, keeping the longest the loop was
    busy with something else between two wakes (a stall: no request could be served), and the
    most deliveries the log ever held.

    Busy is counted in the loop thread's CPU time, not the wall clock's: on a machine shared with
    other work the thread may wait for a core at any moment, and that is not the mock's doing.
    """

    def __init__(self, runtime: MockRuntime) -> None:
        self.runtime = runtime
        self.longest_stall = 0.0
        self.most_deliveries = 0
        self._stopped = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:  # on the loop's thread, through ServerThread.call
        self._task = asyncio.get_running_loop().create_task(self._watch())

    def stop(self) -> None:  # from any thread: the watcher reads the flag at its next wake
        self._stopped = True

    async def _watch(self) -> None:
        last = time.thread_time()
        while not self._stopped:
            await asyncio.sleep(0.001)
            now = time.thread_time()
            self.longest_stall = max(self.longest_stall, now - last)
            self.most_deliveries = max(self.most_deliveries, len(self.runtime.engine.webhooks))
            last = now


def create_jobs(runtime: MockRuntime, count: int, webhook_url: str) -> None:
    """Many jobs at one instant of the frozen clock, straight on the engine: HTTP would take
    minutes to make them, and the creates are not what is measured."""
    engine = runtime.engine
    body = rest_body(webhookUrl=webhook_url)
    for _ in range(count):
        request = job_request.from_avatar_input(engine.fixtures.catalog, body, "", "rest.create")
        engine.create_job(engine.admit(KEY, "X-API-Key"), request)


class Pinger(threading.Thread):
    """Reads the clock over HTTP again and again until told to stop; keeps the slowest answer."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.slowest = 0.0
        self.answered = 0
        self.unanswered = 0
        self.done = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as http:
            for _ in range(100_000):  # bounded; stopped long before
                if self.done.is_set():
                    return
                started = time.perf_counter()
                try:
                    answered = http.get("/__mock/clock").status_code == 200
                except httpx.HTTPError:
                    answered = False
                self.slowest = max(self.slowest, time.perf_counter() - started)
                self.answered += answered
                self.unanswered += not answered


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """A full collection of a heap of 30,000 jobs pauses the loop too, webhooks or not: it is
    not what this test is about."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Burst:
    """Jobs that fall due together, advanced over HTTP while the loop is watched and pinged."""

    def __init__(self, server: ServerThread, runtime: MockRuntime, http: httpx.Client) -> None:
        self.server, self.runtime, self.http = server, runtime, http

    def finish(self, jobs: int) -> tuple[LoopWatch, Pinger]:
        self.server.call(lambda: create_jobs(self.runtime, jobs, closed_port_url()), timeout=120)
        watch = LoopWatch(self.runtime)
        self.server.call(watch.start)
        pinger = Pinger(self.server.url)
        pinger.start()
        try:
            # Every job falls due at this one instant; advance returns once all the first
            # attempts (each refused at once) are logged.
            response = self.http.post("/__mock/clock/advance", json={"seconds": 30})
        finally:
            pinger.done.set()
            pinger.join(30)
            watch.stop()
        assert response.status_code == 200, response.text
        return watch, pinger


def test_thirty_thousand_deliveries_falling_due_together_never_stall_the_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(virtual_config())
    runtime: MockRuntime = app.state.runtime
    runtime.engine.webhooks.capacity = capacity = CAPACITY
    with (
        caplog.at_level(logging.WARNING, logger="mockserver"),
        garbage_collection_paused(),
        ServerThread(app) as server,
        httpx.Client(base_url=server.url, timeout=60) as http,
    ):
        watch, pinger = Burst(server, runtime, http).finish(JOBS)
        assert watch.longest_stall < LONGEST_STALL_SECONDS, watch.longest_stall
        # Over HTTP, every ping answered: none waited out its timeout behind the burst.
        assert pinger.answered > 0 and pinger.unanswered == 0, pinger.slowest
        assert watch.most_deliveries <= capacity
        log = runtime.engine.webhooks
        assert len(log) == capacity
        assert log.given_up == JOBS - capacity
        # The newest deliveries are the ones kept; each had its first attempt, refused.
        kept = list(log)
        assert [d.job_id for d in kept] == list(runtime.engine.jobs)[-capacity:]
        assert {d.status for d in kept} == {DeliveryStatus.PENDING}
        assert all(len(d.attempts) == 1 and d.attempts[0].error for d in kept)
        assert all(job.finished for job in runtime.engine.jobs.values())
        assert runtime.errors == []
        # Said once for the whole burst, not once per delivery.
        (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert f"gave up the {JOBS - capacity} oldest pending" in warning


def test_deliveries_given_up_are_told_when_their_first_attempts_wait_for_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A run that only ended jobs sends nothing now (a scripted delay holds every first
    attempt), yet it gave up the oldest pending deliveries to open the new ones: that is told
    at once, not left for a later run that a reset may never reach."""
    runtime = MockRuntime(virtual_config())
    engine = runtime.engine
    engine.webhooks.capacity = 2
    engine.add_fault({"webhook": "delay", "seconds": 60})
    create_jobs(runtime, 5, closed_port_url())
    engine.clock.advance(30)
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        runtime.sync()
    assert engine.webhooks.given_up == 3
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "gave up the 3 oldest pending" in warning
