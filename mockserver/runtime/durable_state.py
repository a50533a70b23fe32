"""Group commit: every change a mock makes reaches its state directory before it is told.

The engine and the delivery log name the jobs and deliveries they change (core.changes); this
keeps them until the next commit. A request that changed anything awaits `durable()`: the first
one asks for a commit at the end of the event loop's turn, so every request the loop handles in
that turn joins it. One write per batch, however many requests are in it. While each turn brings
more requests to wait for it (many clients at once), the commit waits for the next turn too, up
to _GATHER_TURNS of them: a commit's own cost (the transaction, the rest of the state encoded
again) is shared by more requests. A turn that brings none, a lone client's case, commits at
once.

A batch of requests' changes is written there and then, on the event loop's thread: SQLite lets
go of the interpreter's lock while it waits for the disk, and a thread of its own would have to
be woken, and scheduled on a core the server shares with its clients, twice per batch.
Requests that arrive during the write are read once it is done, and go in the next batch
together. A large batch (the whole state rewritten after a reset or a snapshot loaded) goes to
a writer thread instead, so that the loop goes on answering meanwhile, and at most one more
batch is queued behind it there. A batch written after one that failed would leave the
directory holding the later changes without the earlier ones, so every batch after a failure
is refused until one that rewrites everything.

The commit's rows are encoded on the event loop (they read live objects), in the directory's
own compact form (state_rows).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import state_document
from ..core.engine import Engine
from ..core.jobs import Job, JobStatus
from ..core.state_fields import StateError
from ..core.state_records import delivery_document
from ..core.webhooks import Delivery
from .state_dir import Batch, Loaded, StateDir, StateDirError, table_rows
from .state_rows import EntryRows, RestRow, encode, inbox_row, job_row

if TYPE_CHECKING:
    from .mock_runtime import MockRuntime

logger = logging.getLogger("mockserver")
_IN_FLIGHT = 2  # batches on the writer thread: one being written, the next queued behind it
# Rows: a batch of up to this many is written on the loop's thread; a larger one on the writer's.
_INLINE_ROWS = 1_000
# Turns of the loop a commit waits for while each brings more requests to wait for it.
_GATHER_TURNS = 8


class DurableState:
    """One engine's changes, committed to one state directory in batches."""

    def __init__(self, engine: Engine, directory: StateDir, loaded: Loaded | None) -> None:
        self.engine = engine
        self._memory = memory = state_document.memory_of(engine)
        self.directory = directory
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="mock-doitong-state")
        # Each job's row and creating request; each delivery's row.
        self._job_rows: dict[str, tuple[int, int]] = {}
        self._delivery_rows: dict[str, int] = {}
        self._next_job_row = self._next_delivery_row = self._journal_base = 0
        # The inbox's webhooks are numbered from 0 once loaded (Inbox.recorded); their rows go
        # on from the last row loaded. A directory of version 2 has none: all are written.
        self._inbox_base = 0
        self._rest = RestRow()
        self._entry_rows = EntryRows()
        if loaded is not None:
            self._adopt(loaded)
        self._journal_seen = memory.journal.recorded if loaded is not None else 0
        self._inbox_seen = memory.inbox.recorded if loaded and loaded.inbox_rows else 0
        # A new directory, or one of an older version read through its migrations: all of it.
        self._everything = loaded is None or directory.older_version is not None
        self._jobs: dict[str, Job] = {}
        self._deliveries: dict[str, Delivery] = {}
        self._gone_jobs: list[int] = []
        self._gone_deliveries: list[int] = []
        # One future per waiting request, not one shared: a request answered inside the HTTP
        # protocol (direct_http) hands its future to a task only later, and asyncio lets
        # only one awaiter at a time mark a future as being waited for.
        self._waiting: list[asyncio.Future[None]] = []
        self._in_flight = 0  # batches handed to the writer and not yet heard of
        self._asked = False
        self._gathered = self._turns_gathered = 0  # requests waiting, turns waited for more
        self._failed = False  # the last batch written failed: only everything may follow
        engine.changes = self
        memory.webhooks.changes = self

    def _adopt(self, loaded: Loaded) -> None:
        """Row numbers of what was loaded, so later commits change those rows."""
        document = loaded.document
        for number, record in zip(loaded.job_rows, document["jobs"], strict=True):
            self._job_rows[record["id"]] = (number, record["requestId"])
        for number, record in zip(loaded.delivery_rows, document["deliveries"], strict=True):
            self._delivery_rows[record["id"]] = number
        self._next_job_row = table_rows(loaded.job_rows)
        self._next_delivery_row = table_rows(loaded.delivery_rows)
        # The journal's entries are numbered from 0 again once loaded; their rows go on.
        self._journal_base = table_rows(loaded.journal_rows) - len(self._memory.journal)
        if loaded.inbox_rows:
            self._inbox_base = table_rows(loaded.inbox_rows) - self._memory.inbox.recorded

    # -- what the engine tells ---------------------------------------------------------------

    def created(self, job: Job, request_id: int) -> None:
        self._job_rows[job.id] = (self._next_job_row, request_id)
        self._next_job_row += 1
        self._jobs[job.id] = job
        self._ask()

    def ended(self, job: Job) -> None:
        if job.id not in self._jobs and _as_its_row_foretells(job):
            return
        self._jobs[job.id] = job
        self._ask()

    def forgot_job(self, job: Job) -> None:
        self._jobs.pop(job.id, None)
        row = self._job_rows.pop(job.id, None)
        if row is not None:
            self._gone_jobs.append(row[0])

    def delivery(self, delivery: Delivery) -> None:
        if delivery.id not in self._delivery_rows:
            self._delivery_rows[delivery.id] = self._next_delivery_row
            self._next_delivery_row += 1
        self._deliveries[delivery.id] = delivery
        self._ask()

    def forgot_delivery(self, delivery_id: str) -> None:
        self._deliveries.pop(delivery_id, None)
        row = self._delivery_rows.pop(delivery_id, None)
        if row is not None:
            self._gone_deliveries.append(row)

    def everything(self) -> None:
        self._everything = True
        self._ask()

    # -- committing --------------------------------------------------------------------------

    def durable(self) -> Awaitable[None]:
        """Done once everything changed so far is committed (raises what the commit raised)."""
        waiting = asyncio.get_running_loop().create_future()
        self._waiting.append(waiting)
        self._ask()
        return waiting

    def _ask(self) -> None:
        """A commit at the end of this turn of the loop, unless one is asked for already or
        two are on the writer thread (then the next one follows the first of them)."""
        if self._asked or self._in_flight >= _IN_FLIGHT:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # outside the server (a test driving the engine): at the next ask
            return
        self._asked = True
        loop.call_soon(self._commit)

    def _commit(self) -> None:
        waiting_now = len(self._waiting)
        if waiting_now != self._gathered and self._turns_gathered < _GATHER_TURNS:
            self._gathered = waiting_now  # more came in the turn just run: one more turn
            self._turns_gathered += 1
            asyncio.get_running_loop().call_soon(self._commit)
            return
        self._gathered = self._turns_gathered = 0
        self._asked = False
        waiting, self._waiting = self._waiting, []
        try:
            batch = self._batch()
        except Exception as error:  # a bug of ours: the requests waiting must not hang
            self._everything = True
            _tell(waiting, error)
            return
        if self._in_flight == 0 and not batch.everything and batch.size() <= _INLINE_ROWS:
            try:
                self._write(batch)
            except Exception as error:
                self._failed_with(error)
                _tell(waiting, error)
            else:
                _tell(waiting, None)
            return
        loop = asyncio.get_running_loop()
        self._in_flight += 1  # the loop's own writes wait until the thread's are done
        writing = loop.run_in_executor(self._writer, self._write, batch)
        writing.add_done_callback(lambda done: self._written(done, waiting))

    def _write(self, batch: Batch) -> None:
        """One batch, unless one before it failed and this one does not rewrite everything;
        on the loop's thread or the writer's, never on both at once."""
        if self._failed and not batch.everything:
            raise StateDirError("not saved: the commit before it failed")
        self._failed = True
        self.directory.write(batch)
        self._failed = False

    def _written(self, done: asyncio.Future[None], waiting: list[asyncio.Future[None]]) -> None:
        self._in_flight -= 1
        error = done.exception()
        if error is not None:
            self._failed_with(error)
        _tell(waiting, error)
        if self._waiting or self._jobs or self._deliveries or self._everything:
            self._ask()

    def _failed_with(self, error: BaseException) -> None:
        logger.error("could not save the state to %s", self.directory.file, exc_info=error)
        self._everything = True  # what that batch held is not on disk: the next has all

    def _batch(self) -> Batch:
        engine = self.engine
        journal = self._memory.journal
        memory = self._memory
        if self._everything:
            self._rest.forget()  # the words rows last written may not be on disk
        batch = Batch(*self._rest.rows(engine))
        if self._everything:
            self._renumber()
            batch.everything = True
            jobs: list[Job] = list(engine.jobs.values())
            deliveries = list(self._memory.webhooks)
            self._journal_seen = self._inbox_seen = 0
        else:
            jobs, deliveries = list(self._jobs.values()), list(self._deliveries.values())
        self._everything = False
        self._jobs, self._deliveries = {}, {}
        job_rows, planned, digests = self._job_rows, engine.planned_failure, memory.idempotency
        batch.rows["jobs"] = [
            (row, job_row(job, request_id, planned(job.id), digests.of_job(job.id)))
            for job in jobs
            for row, request_id in (job_rows[job.id],)
        ]
        batch.rows["deliveries"] = [
            (self._delivery_rows[delivery.id], encode(delivery_document(delivery)))
            for delivery in deliveries
        ]
        oldest_kept = journal.recorded - len(journal)
        first = max(self._journal_seen, oldest_kept)
        entry_rows = self._entry_rows.rows(journal.values_since(self._journal_seen))
        batch.rows["journal"] = list(enumerate(entry_rows, self._journal_base + first))
        self._journal_seen = journal.recorded
        batch.journal_before = self._journal_base + oldest_kept
        inbox = memory.inbox
        first = max(self._inbox_seen, inbox.recorded - len(inbox))
        batch.rows["inbox"] = [
            (self._inbox_base + sequence, inbox_row(received))
            for sequence, received in enumerate(inbox.recorded_since(self._inbox_seen), first)
        ]
        self._inbox_seen = inbox.recorded
        batch.inbox_before = self._inbox_base + inbox.recorded - len(inbox)
        batch.gone = {"jobs": self._gone_jobs, "deliveries": self._gone_deliveries}
        self._gone_jobs, self._gone_deliveries = [], []
        return batch

    def _renumber(self) -> None:
        """Every job and delivery in a fresh row, in order, for a commit that rewrites all."""
        request_ids = self._memory.ledger.request_ids()
        self._job_rows = {
            job.id: (row, request_id)
            for row, (job, request_id) in enumerate(
                zip(self.engine.jobs.values(), request_ids, strict=True)
            )
        }
        self._delivery_rows = {d.id: row for row, d in enumerate(self._memory.webhooks)}
        self._next_job_row, self._next_delivery_row = len(self._job_rows), len(self._delivery_rows)
        self._journal_base = 0
        self._gone_jobs, self._gone_deliveries = [], []

    async def close(self) -> None:
        """Commit what is left, then let the directory go."""
        try:
            await self.durable()
        finally:
            self._writer.shutdown(wait=True)
            self.directory.close()


def _as_its_row_foretells(job: Job) -> bool:
    """Whether `job` ended as the row written at its creation says it will once the clock
    passes its due time: completed then, with no webhook to open. Loaded so, it completes
    the same way on the clock (a read of a job past its time ends it first), so its row
    need not be written again: most jobs' second write, on a busy mock."""
    return (
        job.status is JobStatus.COMPLETED and job.completed_at == job.due_at and not job.webhook_url
    )


def _tell(waiting: list[asyncio.Future[None]], error: BaseException | None) -> None:
    """Wake the requests a commit covered, with its error if it failed."""
    for future in waiting:
        if future.done():  # its request was cancelled
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


def keep_state(runtime: MockRuntime, path: Path) -> DurableState:
    """Load what `path` holds into `runtime` (if anything), and commit its changes there from
    now on; StateDirError, naming the file, if the directory cannot be used."""
    directory = StateDir(path)
    collecting = gc.isenabled()
    # Loading makes hundreds of thousands of objects (a document, then the jobs) and keeps
    # them: the collector's passes over them, which its thresholds would start many times,
    # could free nothing and would take a third of the time.
    gc.disable()
    try:
        loaded = directory.load()
        if loaded is not None:
            try:
                runtime.restore(loaded.document)
            except StateError as error:
                raise StateDirError(
                    f"{directory.file} cannot be loaded: {error}; it was left as it is"
                ) from None
        durable = DurableState(runtime.engine, directory, loaded)
    except BaseException:
        directory.close()
        raise
    finally:
        if collecting:
            gc.enable()
    runtime.durable = durable
    return durable
