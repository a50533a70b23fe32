"""Where one mock keeps its state: the seven stores the engine and the planes reach, as protocols.

Each protocol names only what the engine or a plane calls, so a second implementation (a
database, say, behind one mock among several in a server) knows exactly what it must fill.
`memory_stores` builds today's in-memory ones. The engine changes the jobs, accounts and
deliveries these stores hand out in place (a job's status, a balance, a delivery's attempts):
the memory stores hold those very objects, and an implementation that keeps copies elsewhere
must write them back, which no protocol here promises yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .account_book import AccountBook
from .accounts import Account, Limits
from .idempotency import IdempotencyKeys
from .inbox import Inbox, Received
from .jobs import Job
from .journal import DEFAULT_BODY_BUDGET, DEFAULT_BODY_BYTES, NO_FILTERS, Filters, Journal
from .journal import DEFAULT_CAPACITY as DEFAULT_JOURNAL_CAPACITY
from .journal_entry import NO_NOTES, Entry, Notes
from .ledger import Ledger, Movement
from .spend import Spend
from .webhooks import Attempt, Delivery, DeliveryLog, RetryPolicy


class JobStore(Protocol):
    """Jobs by id, oldest first. A plain dict is one: the create path pays no call for the seam."""

    def get(self, job_id: str, /) -> Job | None: ...

    def __getitem__(self, job_id: str, /) -> Job: ...

    def values(self) -> Iterable[Job]: ...

    def __contains__(self, job_id: object, /) -> bool: ...

    def __len__(self) -> int: ...

    def __setitem__(self, job_id: str, job: Job, /) -> None: ...

    def __delitem__(self, job_id: str, /) -> None: ...

    def clear(self) -> None: ...


class AccountStore(Protocol):
    """Accounts by API key; `find` is for keys a client presented (see AccountBook)."""

    def get(self, api_key: str) -> Account | None: ...

    def find(self, presented: str | None) -> Account | None: ...

    def __iter__(self) -> Iterator[Account]: ...

    def replace_all(self, accounts: Iterable[Account]) -> None: ...

    def change(
        self,
        api_key: str,
        body: Any,
        plans: dict[str, Limits],
        new_secret: Callable[[], str],
    ) -> Account: ...


class IdempotencyStore(Protocol):
    """Which job an `Idempotency-Key` of an API key made, and a digest of its request."""

    def find(self, api_key: str, key: str) -> tuple[bytes, str] | None: ...

    def remember(self, api_key: str, key: str, request_digest: bytes, job_id: str) -> None: ...

    def forget_job(self, job_id: str) -> None: ...

    def clear(self) -> None: ...


class JournalStore(Protocol):
    """What reached the API plane, newest kept, read back through filters or by request id."""

    def record(
        self,
        *,
        at: float,
        method: str,
        path: str,
        operation: str | None,
        api_key: str | None,
        status: int,
        duration_ms: float,
        job_id: str | None = None,
        headers: bytes = b"",
        body: bytes | None = None,
        graphql: bool = False,
        notes: Notes = NO_NOTES,
        request_id: int = 0,
    ) -> None: ...

    def select(self, filters: Filters = NO_FILTERS, limit: int | None = None) -> list[Entry]: ...

    def get(self, request_id: int) -> Entry | None: ...

    def clear(self) -> None: ...


class LedgerStore(Protocol):
    """Every debit and refund of credits. The engine reports each job it creates and forgets,
    in its job store's order, and each refund and balance set; a reader passes the store's
    jobs (oldest first) and the balances now, from which the entries are derived."""

    def debit(self, request_id: int) -> None: ...

    def refund(self, job: Job) -> None: ...

    def set_balance(self, api_key: str, before: int) -> None: ...

    def forget_oldest(self, job: Job) -> None: ...

    def select(
        self,
        jobs: Iterable[Job],
        balance_of: Callable[[str], int],
        api_key: str | None = None,
    ) -> list[Movement]: ...

    def spend(self, jobs: Iterable[Job]) -> dict[str, Spend]: ...

    def clear(self) -> None: ...


class DeliveryStore(Protocol):
    """Webhook deliveries and their attempts; `record` also says when the next attempt is due."""

    @property
    def capacity(self) -> int: ...

    @property
    def given_up(self) -> int: ...

    def get(self, delivery_id: str) -> Delivery | None: ...

    def __iter__(self) -> Iterator[Delivery]: ...

    def open(self, delivery_id: str, job: Job, secret: str, at: float) -> Delivery: ...

    def open_one_off(
        self,
        delivery_id: str,
        job: Job,
        *,
        url: str,
        document: Mapping[str, Any],
        secret: str,
        at: float,
    ) -> Delivery: ...

    def open_redelivery(self, delivery_id: str, original: Delivery, at: float) -> Delivery: ...

    def record(self, delivery: Delivery, attempt: Attempt) -> float | None: ...

    @property
    def given_up_untold(self) -> int: ...

    def take_given_up(self) -> int: ...

    def clear(self) -> None: ...


class InboxStore(Protocol):
    """What the built-in webhook receiver was sent."""

    def record(self, received: Received) -> None: ...

    def __iter__(self) -> Iterator[Received]: ...

    def clear(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Stores:
    """Everything one engine keeps, handed to it in one piece."""

    jobs: JobStore
    accounts: AccountStore
    idempotency: IdempotencyStore
    journal: JournalStore
    webhooks: DeliveryStore
    inbox: InboxStore
    ledger: LedgerStore


def memory_stores(
    retry_policy: RetryPolicy | None = None,
    *,
    journal_capacity: int = DEFAULT_JOURNAL_CAPACITY,
    journal_body_bytes: int = DEFAULT_BODY_BYTES,
    journal_body_budget: int = DEFAULT_BODY_BUDGET,
) -> Stores:
    """Fresh in-memory stores, shared with nothing else."""
    jobs: dict[str, Job] = {}
    return Stores(
        jobs=jobs,
        accounts=AccountBook(),
        idempotency=IdempotencyKeys(),
        journal=Journal(journal_capacity, journal_body_bytes, journal_body_budget),
        webhooks=DeliveryLog(retry_policy or RetryPolicy()),
        inbox=Inbox(),
        ledger=Ledger(),
    )
