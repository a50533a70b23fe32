"""Group commits: a batch of requests written on the loop's thread, a whole state on the writer's
with at most one more queued behind it, and none written after one that failed until one
rewrites everything."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Awaitable
from pathlib import Path

import pytest

from mockserver.core import state_document
from mockserver.core.clock import ClockMode
from mockserver.core.job_request import from_avatar_input
from mockserver.core.jobs import JobStatus
from mockserver.runtime.config import MockConfig
from mockserver.runtime.durable_state import _GATHER_TURNS, DurableState, keep_state
from mockserver.runtime.mock_runtime import MockRuntime
from mockserver.runtime.state_dir import CHECKPOINT_PAGES, DATABASE, Batch, StateDir

KEY = "test_unlimited_key"
WAIT = 10  # seconds: a bound on every wait, never reached when things work
CONFIG = MockConfig(clock=ClockMode.VIRTUAL, seed=5, job_seconds=30)
MAIN = threading.main_thread()  # where asyncio.run runs the loop


class HeldWriter:
    """The directory's write, held until `release`, noting each batch; the first `failing`
    batches fail (as a full disk would)."""

    def __init__(self, durable: DurableState, failing: int = 0) -> None:
        self._write = durable.directory.write
        self.batches: list[Batch] = []
        self.threads: list[str] = []  # where each batch was written
        self.released = threading.Event()
        self.failing = failing
        durable.directory.write = self.write  # type: ignore[method-assign]

    def write(self, batch: Batch) -> None:
        self.batches.append(batch)
        self.threads.append("loop" if threading.current_thread() is MAIN else "writer")
        assert self.released.wait(WAIT)
        if len(self.batches) <= self.failing:
            raise sqlite3.OperationalError("disk I/O error")
        self._write(batch)


def create(runtime: MockRuntime) -> str:
    engine = runtime.engine
    account = engine.find_account(KEY)
    assert account is not None
    body = {"service": "hedra", "text": "Hello there", "avatarId": "professional-1"}
    request = from_avatar_input(engine.fixtures.catalog, body, "", "rest.create")
    admission = engine.admit(KEY, "X-API-Key", account=account, request_id=engine.new_request_id())
    return engine.create_job(admission, request).id


async def turns(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def outcome(waiting: Awaitable[None]) -> str:
    try:
        await asyncio.wait_for(waiting, WAIT)
    except Exception as error:
        return type(error).__name__
    return "saved"


async def first_commit(runtime: MockRuntime, path: Path) -> tuple[DurableState, HeldWriter]:
    """`runtime` kept in a new directory at `path`, its writer noting batches and not held, and
    one job created and committed: a new directory's first commit, which holds everything."""
    durable = keep_state(runtime, path)
    writer = HeldWriter(durable)
    writer.released.set()
    create(runtime)
    await durable.durable()
    return durable, writer


def reloaded(path: Path) -> dict[str, object]:
    runtime = MockRuntime(CONFIG)
    durable = keep_state(runtime, path)
    try:
        return state_document.snapshot(runtime.engine)
    finally:
        durable.directory.close()


def test_a_batch_of_requests_is_written_on_the_loop_and_a_whole_state_on_the_writer_thread(
    tmp_path: Path,
) -> None:
    async def scenario() -> tuple[list[str], list[bool]]:
        runtime = MockRuntime(CONFIG)
        durable, writer = await first_commit(runtime, tmp_path)
        for _ in range(2):
            create(runtime)
            await durable.durable()
        runtime.engine.reset()
        await durable.durable()
        for _ in range(1_001):  # more rows than a batch of requests would hold
            create(runtime)
        await durable.durable()
        await durable.close()
        return writer.threads, [batch.everything for batch in writer.batches]

    threads, everything = asyncio.run(scenario())
    assert list(zip(threads, everything, strict=True))[:5] == [
        ("writer", True),
        ("loop", False),
        ("loop", False),
        ("writer", True),
        ("writer", False),
    ]


def test_two_batches_are_on_the_writer_thread_at_most_and_the_rest_wait_for_the_next(
    tmp_path: Path,
) -> None:
    async def scenario() -> tuple[list[int], list[str]]:
        runtime = MockRuntime(CONFIG)
        durable = keep_state(runtime, tmp_path)
        writer = HeldWriter(durable)
        waiting = []
        for _ in range(5):  # five turns of the loop, each with its own request
            create(runtime)
            waiting.append(asyncio.ensure_future(outcome(durable.durable())))
            await turns(3)
        writer.released.set()
        results = list(await asyncio.gather(*waiting))
        await durable.close()
        return [len(batch.rows["jobs"]) for batch in writer.batches], results

    jobs_per_batch, results = asyncio.run(scenario())
    # The first batch (everything, in a new directory) was held on the writer thread, one more
    # queued behind it; the other three requests waited and went in one batch once the first
    # was written.
    assert jobs_per_batch[:3] == [1, 1, 3]
    assert results == ["saved"] * 5
    assert len(reloaded(tmp_path)["jobs"]) == 5  # type: ignore[arg-type]


def test_requests_arriving_turn_after_turn_share_a_commit_and_a_lone_one_waits_one_turn(
    tmp_path: Path,
) -> None:
    """Each turn of the loop brings one more request: the commit waits for them, up to
    _GATHER_TURNS turns; a turn that brings none commits what came."""

    async def scenario() -> tuple[list[int], bool]:
        runtime = MockRuntime(CONFIG)
        durable, writer = await first_commit(runtime, tmp_path)
        waiting = []
        for _ in range(4 + 2 * _GATHER_TURNS):  # a request in each of that many turns
            create(runtime)
            waiting.append(durable.durable())
            await asyncio.sleep(0)
        await asyncio.gather(*waiting)
        create(runtime)  # a lone request: saved once one turn brought nothing more
        lone = durable.durable()
        await turns(2)
        jobs_per_batch = [len(batch.rows["jobs"]) for batch in writer.batches[1:]]
        await durable.close()
        return jobs_per_batch, lone.done()

    jobs_per_batch, lone_saved = asyncio.run(scenario())
    gathered = _GATHER_TURNS + 1  # the turn that asked, and as many more
    assert jobs_per_batch == [gathered, gathered, 4 + 2 * _GATHER_TURNS - 2 * gathered, 1]
    assert lone_saved


def test_a_job_completed_when_due_is_not_written_again_and_loads_as_completed_all_the_same(
    tmp_path: Path,
) -> None:
    """Its row, written at its creation, says when it completes: the next mock completes it
    on the clock, as this one did. A job that ended otherwise (early, failed) is written."""

    async def scenario() -> tuple[list[str], list[str], dict[str, object]]:
        runtime = MockRuntime(CONFIG)
        engine = runtime.engine
        durable = keep_state(runtime, tmp_path)
        writer = HeldWriter(durable)
        writer.released.set()
        ids = [create(runtime) for _ in range(3)]
        await durable.durable()
        created = len(writer.batches)
        _, early, failed = (engine.jobs[job_id] for job_id in ids)
        engine.finish(early, JobStatus.COMPLETED, at=runtime.clock.now())
        engine.finish(failed, JobStatus.FAILED, at=runtime.clock.now(), error="scripted")
        runtime.clock.advance(31)  # past the first job's due time
        runtime.sync()
        await durable.durable()
        written = [
            json.loads(row)[0] for b in writer.batches[created:] for _, row in b.rows["jobs"]
        ]
        before = state_document.snapshot(engine)
        await durable.close()
        return ids, written, before

    ids, written, before = asyncio.run(scenario())
    assert sorted(written) == sorted(ids[1:])
    assert before["jobs"][0]["status"] == "completed"  # type: ignore[index]
    runtime = MockRuntime(CONFIG)
    durable = keep_state(runtime, tmp_path)
    try:
        runtime.sync()  # as every route does first
        assert state_document.snapshot(runtime.engine) == before
    finally:
        durable.directory.close()


def test_after_a_failed_commit_the_batch_queued_behind_it_fails_too_and_the_next_has_all(
    tmp_path: Path,
) -> None:
    async def scenario() -> tuple[list[str], list[bool], list[str]]:
        runtime = MockRuntime(CONFIG)
        durable = keep_state(runtime, tmp_path)
        writer = HeldWriter(durable, failing=1)
        ids = [create(runtime)]
        first = asyncio.ensure_future(outcome(durable.durable()))
        await turns(3)  # the first batch is being written
        ids.append(create(runtime))
        second = asyncio.ensure_future(outcome(durable.durable()))
        await turns(3)  # the second is queued behind it
        writer.released.set()
        results = [await first, await second]
        ids.append(create(runtime))
        results.append(await outcome(durable.durable()))
        await durable.close()
        return results, [batch.everything for batch in writer.batches], ids

    results, everything, ids = asyncio.run(scenario())
    assert results == ["OperationalError", "StateDirError", "saved"]
    # The queued batch never reached the directory; the one after the failure rewrote
    # everything, so the jobs of both batches that failed are there.
    assert everything[1]
    jobs = reloaded(tmp_path)["jobs"]
    assert [job["id"] for job in jobs] == ids  # type: ignore[attr-defined]


@pytest.mark.parametrize("failing", [0, 1])
def test_closing_waits_for_every_batch_in_flight_and_leaves_all_saved(
    tmp_path: Path, failing: int
) -> None:
    async def scenario() -> list[str]:
        runtime = MockRuntime(CONFIG)
        durable = keep_state(runtime, tmp_path)
        writer = HeldWriter(durable, failing=failing)
        create(runtime)
        first = asyncio.ensure_future(outcome(durable.durable()))
        await turns(3)
        create(runtime)
        closing = asyncio.ensure_future(outcome(durable.close()))
        await turns(3)
        writer.released.set()
        return [await first, await closing]

    results = asyncio.run(scenario())
    assert results == ["OperationalError" if failing else "saved", "saved"]
    assert len(reloaded(tmp_path)["jobs"]) == 2  # type: ignore[arg-type]


def test_the_directory_holds_the_journals_entries_and_no_more_as_they_leave_and_after_a_reset(
    tmp_path: Path,
) -> None:
    config = MockConfig(clock=ClockMode.VIRTUAL, seed=5, job_seconds=30, journal_size=5)

    def stored() -> list[int]:
        with sqlite3.connect(tmp_path / DATABASE) as db:
            return [row[0] for row in db.execute("SELECT record FROM journal ORDER BY seq")]

    def record(runtime: MockRuntime, request_id: int) -> None:
        runtime.engine.journal.record(
            at=runtime.clock.now(), method="GET", path="/v1/avatar/x", operation="rest.get",
            api_key=KEY, status=404, duration_ms=0.1, job_id=None, headers=b"", body=b"",
            request_id=request_id,
        )  # fmt: skip

    async def scenario() -> list[list[int]]:
        runtime = MockRuntime(config)
        durable = keep_state(runtime, tmp_path)
        seen = []
        for request_id in range(1, 13):  # more than the journal keeps, a commit each
            record(runtime, request_id)
            await durable.durable()
        seen.append([json.loads(row)[0] for row in stored()])
        runtime.engine.reset()
        await durable.durable()
        for request_id in range(100, 112):  # as many again: the same rows leave
            record(runtime, request_id)
            await durable.durable()
        seen.append([json.loads(row)[0] for row in stored()])
        await durable.close()
        return seen

    full, after_reset = asyncio.run(scenario())
    assert full == [8, 9, 10, 11, 12]
    assert after_reset == [107, 108, 109, 110, 111]


def test_a_commit_sets_the_meta_rows_in_place(tmp_path: Path) -> None:
    """Their rowids stay: a row deleted and inserted anew (INSERT OR REPLACE) would also
    rewrite the meta table's index with every commit."""

    def rowids() -> list[tuple[str, int]]:
        with sqlite3.connect(tmp_path / DATABASE) as db:
            return list(db.execute("SELECT name, rowid FROM meta ORDER BY name"))

    async def scenario() -> list[list[tuple[str, int]]]:
        runtime = MockRuntime(CONFIG)
        durable = keep_state(runtime, tmp_path)
        seen = []
        for _ in range(3):
            create(runtime)
            await durable.durable()
            seen.append(rowids())
        await durable.close()
        return seen

    first, *later = asyncio.run(scenario())
    assert {name for name, _ in first} >= {"rest", "version", "words.position"}
    assert later == [first, first]


def test_the_log_grows_to_its_checkpoint_length_and_starts_over_there(tmp_path: Path) -> None:
    """Checkpoints come every CHECKPOINT_PAGES pages of log, not SQLite's 1,000; once one has
    copied the log it starts over from its beginning, so the file holds no more than that."""
    directory = StateDir(tmp_path)
    frame = 24 + 4096  # a page of log: its header and the page
    log = tmp_path / f"{DATABASE}-wal"
    largest = 0
    for number in range(CHECKPOINT_PAGES):  # some three pages each: three checkpoints' worth
        directory.write(Batch("{}", rows={"jobs": [(number, "x" * 3000)]}))
        largest = max(largest, log.stat().st_size)
    directory.close()
    assert CHECKPOINT_PAGES * frame <= largest <= (CHECKPOINT_PAGES + 8) * frame
