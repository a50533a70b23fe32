"""The spend ledger: every debit and refund of credits, with the request that caused it.

A debit is written on every accepted create, so it costs two appends and nothing else: the job
(which holds the instant, key, id, price and creating request for good) and the account's
balance just after. A refund is the same pair once the job has failed: its instant is the
job's `completed_at`, and the request it names is the one that created the job.

The balances sit unboxed in one array. A refund's is stored bitwise inverted (`~balance`,
always negative, as a balance never is), so the sign says the entry's kind without a third
column. Entries become objects only when someone reads them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .clock import iso
from .jobs import Job

# The newest entries kept: a long-running mock stays small, and a test run of fewer creates
# than this sees every one. An entry takes 16 bytes (a reference and a balance), and the jobs it
# names: with the default `max_jobs` (also 100,000) those are the jobs the mock keeps anyway.
DEFAULT_CAPACITY = 100_000
DEBIT = "debit"
REFUND = "refund"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One movement of credits. `request_id` 0 means no API request is known (an engine
    driven directly); a refund names the request that created its job."""

    at: float
    api_key: str
    job_id: str
    kind: str  # DEBIT or REFUND
    amount: int  # always positive; `kind` says which way it went
    balance: int  # the account's balance just after
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


@dataclass(slots=True)
class Spend:
    """What one key was charged: jobs debited, credits debited and refunded."""

    jobs: int = 0
    debited: int = 0
    refunded: int = 0

    @property
    def spent(self) -> int:
        return self.debited - self.refunded


class Ledger:
    """The newest `capacity` debits and refunds, oldest first."""

    __slots__ = ("_balance", "_jobs", "_next", "capacity")

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        self._jobs: list[Job] = []
        self._balance = array("q")  # a debit's balance, or a refund's inverted (~balance)
        self._next = 0  # the oldest entry, which the next one replaces once the ring is full

    def __len__(self) -> int:
        return len(self._jobs)

    def debit(self, job: Job, balance: int) -> None:
        """`job`'s price taken from its key when it was created, leaving `balance`."""
        jobs = self._jobs
        if len(jobs) < self.capacity:
            jobs.append(job)
            self._balance.append(balance)
        else:
            self._replace_oldest(job, balance)

    def refund(self, job: Job, balance: int) -> None:
        """`job`'s price given back to its key as it failed (at its `completed_at`), leaving
        `balance`; the entry names the request that created the job."""
        if len(self._jobs) < self.capacity:
            self._jobs.append(job)
            self._balance.append(~balance)
        else:
            self._replace_oldest(job, ~balance)

    def _replace_oldest(self, job: Job, stored_balance: int) -> None:
        slot = self._next
        self._jobs[slot], self._balance[slot] = job, stored_balance
        self._next = (slot + 1) % self.capacity

    def _in_order(self) -> Iterator[tuple[Job, int]]:
        """(job, stored balance) of every entry, oldest first."""
        jobs, balances, start = self._jobs, self._balance, self._next
        if start:
            return zip(
                jobs[start:] + jobs[:start], balances[start:] + balances[:start], strict=True
            )
        return zip(jobs, balances, strict=True)

    def select(self, api_key: str | None = None) -> list[LedgerEntry]:
        """Every entry, or `api_key`'s only, oldest first."""
        return [
            _entry(job, stored)
            for job, stored in self._in_order()
            if api_key is None or job.api_key == api_key
        ]

    def spend(self) -> dict[str, Spend]:
        """What each key was charged, over the entries kept."""
        totals: dict[str, Spend] = {}
        for job, stored in zip(self._jobs, self._balance, strict=True):
            spend = totals.get(job.api_key)
            if spend is None:
                spend = totals[job.api_key] = Spend()
            if stored >= 0:
                spend.jobs += 1
                spend.debited += job.credit_cost
            else:
                spend.refunded += job.credit_cost
        return totals


def _entry(job: Job, stored: int) -> LedgerEntry:
    debit = stored >= 0
    at = job.created_at if debit or job.completed_at is None else job.completed_at
    return LedgerEntry(
        at=at,
        api_key=job.api_key,
        job_id=job.id,
        kind=DEBIT if debit else REFUND,
        amount=job.credit_cost,
        balance=stored if debit else ~stored,
        request_id=job.request_id,
    )
