"""The spend ledger: every debit and refund of credits, read from the jobs rather than written.

A debit is a job: its key, id, price and instant are the job's own, so for each one the ledger
keeps only the id of the request that created it, unboxed in a column (`int_column.py`) that
runs alongside the jobs in creation order. The other changes of a balance are rare and go in a
short log, each noting how many debits came before it: a refund (a job that failed) and a
balance the control plane set. No balance is stored: reading the ledger starts from each
account's balance now and undoes the changes newest first, which gives the balance just after
every entry.

The ledger covers the jobs the mock keeps: when the engine forgets its oldest job, that job's
debit leaves the ledger, and whatever the log holds from before it goes too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .clock import iso
from .int_column import IntColumn
from .jobs import Job, JobStatus
from .spend import Spend

DEBIT = "debit"
REFUND = "refund"
_FAILED = JobStatus.FAILED  # read once: off the enum class, ten times a name


@dataclass(frozen=True, slots=True)
class Movement:
    """One debit or refund, made when the ledger is read. `request_id` 0: no API request is
    known (an engine driven directly); a refund names the request that created its job."""

    at: float
    api_key: str
    job_id: str
    kind: str  # DEBIT or REFUND
    amount: int  # always positive; `kind` says which way it went
    balance: int  # the key's balance just after
    request_id: int

    def as_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "apiKey": self.api_key,
            "jobId": self.job_id,
            "kind": self.kind,
            "amount": self.amount,
            "balance": self.balance,
            "requestId": self.request_id or None,
        }


@dataclass(frozen=True, slots=True)
class Refund:
    after: int  # how many debits (since the ledger was cleared) came before it
    job: Job


@dataclass(frozen=True, slots=True)
class BalanceSet:
    after: int
    api_key: str
    before: int  # the balance it replaced, which undoing it restores


@dataclass(frozen=True, slots=True)
class LedgerHistory:
    """The ledger's log as plain values: each change with how many debits came before it."""

    forgotten: int  # debits forgotten with their jobs
    log: list[Refund | BalanceSet]  # oldest first
    orphans: dict[str, int]  # a forgotten refunded job's creating request, by job id


class Ledger:
    """Debits implied by the jobs, oldest first; refunds and balances set in a log beside them.

    The engine tells it of every job it creates (`debit`) and forgets (`forget_oldest`), in
    the same order as its job store, and every refund and balance set; readers hand back the
    jobs in that order and the balances now.
    """

    __slots__ = ("_forgotten", "_log", "_orphans", "_request_ids")

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._request_ids = IntColumn()  # the request that created each kept job, oldest first
        self._forgotten = 0  # debits forgotten since the ledger was cleared
        self._log: deque[Refund | BalanceSet] = deque()
        # The creating request of a refunded job whose debit was forgotten but whose refund
        # is still in the log: its id is no longer in `_request_ids`.
        self._orphans: dict[str, int] = {}

    def __len__(self) -> int:
        """How many debits it holds."""
        return len(self._request_ids)

    def _debits(self) -> int:
        """Debits made since the ledger was cleared, forgotten ones included."""
        return self._forgotten + len(self._request_ids)

    # -- what the engine tells it ------------------------------------------------------------

    def debit(self, request_id: int) -> None:
        """A job was created (the newest in the job store), by API request `request_id`."""
        self._request_ids.append(request_id)

    def refund(self, job: Job) -> None:
        """`job` failed and its price went back to its key."""
        self._log.append(Refund(self._debits(), job))

    def set_balance(self, api_key: str, before: int) -> None:
        """The control plane changed `api_key`'s balance, which was `before`."""
        self._log.append(BalanceSet(self._debits(), api_key, before))

    def forget_oldest(self, job: Job) -> None:
        """The engine forgot `job`, its oldest: its debit goes, and so does the log up to it."""
        request_id = self._request_ids.popleft()
        self._forgotten += 1
        if job.status is _FAILED:  # its refund may still be in the log
            self._orphans[job.id] = request_id
        log = self._log
        while log and log[0].after <= self._forgotten:
            gone = log.popleft()
            if isinstance(gone, Refund):
                self._orphans.pop(gone.job.id, None)

    # -- its own state, for a snapshot ---------------------------------------------------------

    def request_ids(self) -> Iterator[int]:
        """The creating request of each job kept, in the job store's order."""
        return iter(self._request_ids)

    def history(self) -> LedgerHistory:
        """What the ledger holds besides the request ids, as `restore` takes it back."""
        return LedgerHistory(self._forgotten, list(self._log), dict(self._orphans))

    def restore(self, request_ids: Iterable[int], history: LedgerHistory) -> None:
        """Hold what `request_ids` and `history` said of another ledger."""
        self.clear()
        for request_id in request_ids:
            self._request_ids.append(request_id)
        self._forgotten = history.forgotten
        self._log.extend(history.log)
        self._orphans = dict(history.orphans)

    # -- reading -----------------------------------------------------------------------------

    def select(
        self,
        jobs: Iterable[Job],
        balance_of: Callable[[str], int],
        api_key: str | None = None,
    ) -> list[Movement]:
        """Every debit and refund, or `api_key`'s only, oldest first. `jobs` are the job
        store's, oldest first; `balance_of` says a key's balance now."""
        changes = list(self._changes(jobs, api_key))
        balances: dict[str, int] = {}
        movements: list[Movement] = []
        for change in reversed(changes):
            if isinstance(change, BalanceSet):
                balances[change.api_key] = change.before
                continue
            kind, job, request_id = change
            key = job.api_key
            balance = balances[key] if key in balances else balance_of(key)
            movements.append(
                Movement(
                    at=job.created_at if kind == DEBIT else _ended_at(job),
                    api_key=key,
                    job_id=job.id,
                    kind=kind,
                    amount=job.credit_cost,
                    balance=balance,
                    request_id=request_id,
                )
            )
            # Undone: before a debit the key had its price more, before a refund less.
            balances[key] = balance + (job.credit_cost if kind == DEBIT else -job.credit_cost)
        movements.reverse()
        return movements

    def _changes(
        self, jobs: Iterable[Job], api_key: str | None
    ) -> Iterator[tuple[str, Job, int] | BalanceSet]:
        """Debits, refunds and balances set, in the order they happened."""
        log = iter(self._log)
        pending = next(log, None)
        created_by = dict(self._orphans)  # refunded jobs' creating requests
        kept = zip(jobs, self._request_ids, strict=True)
        for number, (job, request_id) in enumerate(kept, self._forgotten):
            while pending is not None and pending.after <= number:
                yield from _if_theirs(pending, api_key, created_by)
                pending = next(log, None)
            if job.status is JobStatus.FAILED:
                created_by[job.id] = request_id
            if api_key is None or job.api_key == api_key:
                yield DEBIT, job, request_id
        while pending is not None:
            yield from _if_theirs(pending, api_key, created_by)
            pending = next(log, None)

    def spend(self, jobs: Iterable[Job]) -> dict[str, Spend]:
        """What each key was charged over the jobs kept (the job store's, oldest first)."""
        totals: dict[str, Spend] = {}
        for job in jobs:
            spend = totals.get(job.api_key)
            if spend is None:
                spend = totals[job.api_key] = Spend()
            spend.jobs += 1
            spend.debited += job.credit_cost
        for change in self._log:
            # A refund counts with its debit: not once the debit was forgotten.
            if isinstance(change, Refund) and change.job.id not in self._orphans:
                totals[change.job.api_key].refunded += change.job.credit_cost
        return totals


def _ended_at(job: Job) -> float:
    """When a refunded job failed (its refund's instant)."""
    return job.created_at if job.completed_at is None else job.completed_at


def _if_theirs(
    change: Refund | BalanceSet, api_key: str | None, created_by: dict[str, int]
) -> Iterator[tuple[str, Job, int] | BalanceSet]:
    """`change` as `_changes` yields it, if it is `api_key`'s (or any key's, for None)."""
    if isinstance(change, BalanceSet):
        if api_key is None or change.api_key == api_key:
            yield change
    elif api_key is None or change.job.api_key == api_key:
        yield REFUND, change.job, created_by.get(change.job.id, 0)
