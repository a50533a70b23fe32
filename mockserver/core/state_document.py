"""The whole state of one engine as one JSON document, `{"format", "version", ...}`, and back.

What a snapshot holds: the clock's position, where the random streams stand, the accounts and
their rate-limit counts, the faults in force, the jobs (each with its creating request, its
scripted failure and its Idempotency-Key's digests), the webhook deliveries with their
attempts, the ledger's log, the journal, the inbox, the active scenario and the next request
id. What the engine derives from those (the processing jobs per key, what falls due when) is
rebuilt on loading, not stored, so a document cannot contradict itself there.

`restore` checks the whole document before it changes anything: a bad one is a StateError
naming the field, and the engine is left as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from typing import Any

from .account_book import AccountBook
from .accounts import Account
from .catalog import FixtureError
from .clock import ClockLimitError, ClockMode
from .engine import Engine
from .faults import Fault
from .idempotency import IdempotencyKeys
from .inbox import Inbox, Received
from .jobs import Job, JobStatus
from .journal import Journal
from .journal_entry import Entry
from .ledger import BalanceSet, Ledger, LedgerHistory, Refund
from .randomness import MAX_SEED, Randomness
from .scenarios import Scenario, parse_scenario
from .scheduler import COPY_DUE, JOB_DUE, WEBHOOK_DUE, Due
from .state_fields import Fields, StateError
from .state_records import (
    JobRecord,
    account_document,
    delivery_document,
    entry_document,
    job_document,
    read_account,
    read_delivery,
    read_entry,
    read_fault,
    read_job,
    read_received,
    received_document,
)
from .webhook_faults import DUPLICATE, WebhookFault
from .webhooks import Delivery, DeliveryLog, DeliveryStatus

FORMAT = "mock-doitong-state"
VERSION = 1
# How to bring an older document up to date, by the version it has: none yet, as 1 is the
# first. A version with no entry here (and below VERSION) is refused, saying what to do.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
DOCUMENT_FIELDS = (
    "format", "version", "clock", "randomness", "nextRequestId", "jobSeconds", "scenario",
    "accounts", "rateLimits", "faults", "jobs", "deliveries", "deliveriesGivenUp", "ledger",
    "journal", "inbox",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MemoryStores:
    """The stores a snapshot reads and fills: the memory ones (stores.memory_stores)."""

    accounts: AccountBook
    idempotency: IdempotencyKeys
    journal: Journal
    webhooks: DeliveryLog
    inbox: Inbox
    ledger: Ledger


def memory_of(engine: Engine) -> MemoryStores:
    stores = (
        engine.accounts,
        engine.idempotency,
        engine.journal,
        engine.webhooks,
        engine.inbox,
        engine.ledger,
    )
    kinds = (AccountBook, IdempotencyKeys, Journal, DeliveryLog, Inbox, Ledger)
    if not all(isinstance(store, kind) for store, kind in zip(stores, kinds, strict=True)):
        raise TypeError("snapshots read and fill the memory stores (stores.memory_stores)")
    return MemoryStores(*stores)  # type: ignore[arg-type]


# -- memory -> document ----------------------------------------------------------------------


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything `engine` holds, as JSON values."""
    memory = memory_of(engine)
    jobs = engine.jobs.values()
    return {
        **snapshot_rest(engine),
        "jobs": [
            job_of(engine, job, request_id)
            for job, request_id in zip(jobs, memory.ledger.request_ids(), strict=True)
        ],
        "deliveries": [delivery_document(delivery) for delivery in memory.webhooks],
        "journal": [entry_document(entry) for entry in memory.journal.entries()],
    }


def job_of(engine: Engine, job: Job, request_id: int) -> dict[str, Any]:
    """One job's part of a snapshot (`request_id`: the ledger's for it)."""
    idempotency = memory_of(engine).idempotency.of_job(job.id)
    return job_document(job, request_id, engine.planned_failure(job.id), idempotency)


def snapshot_rest(engine: Engine) -> dict[str, Any]:
    """A snapshot without its three long lists (jobs, deliveries, journal): what is small."""
    inbox = memory_of(engine).inbox
    return {**rest_but_inbox(engine), "inbox": [received_document(item) for item in inbox]}


# The names a document's `randomness` gives the engine's random streams: the main one, and
# the webhook faults' own.
RANDOM_STREAMS = ("position", "webhookFaults")


def random_streams(engine: Engine) -> dict[str, Randomness]:
    """The engine's random streams, by their names in RANDOM_STREAMS."""
    main, faults = RANDOM_STREAMS
    return {main: engine.randomness, faults: engine.webhook_faults.randomness}


def rest_but_inbox(engine: Engine, positions: bool = True) -> dict[str, Any]:
    """`snapshot_rest` without its last part, the inbox, which changes far less often.

    `positions=False` leaves the random streams' positions out of `randomness` (its seed
    alone), for a caller that writes them its own way (runtime.state_rows.RestRow)."""
    memory = memory_of(engine)
    now, offset = engine.clock.position()
    scenario = engine.scenario
    randomness: dict[str, Any] = {"seed": engine.randomness.seed}
    if positions:
        for name, stream in random_streams(engine).items():
            randomness[name] = stream.position()
    return {
        "format": FORMAT,
        "version": VERSION,
        "clock": {"mode": engine.clock.mode.value, "now": now, "offset": offset},
        "randomness": randomness,
        "nextRequestId": engine.next_request_id,
        "jobSeconds": engine.job_seconds,
        "scenario": None if scenario is None else scenario.as_json(),
        "accounts": [account_document(account) for account in memory.accounts],
        "rateLimits": engine.limiter.counts(),
        "faults": [fault.as_json() for fault in engine.all_faults()],
        "deliveriesGivenUp": memory.webhooks.given_up,
        "ledger": ledger_document(memory.ledger.history(), engine.jobs),
    }


def ledger_document(history: LedgerHistory, kept: Container[str]) -> dict[str, Any]:
    """The ledger's log; a refund names its job, or holds it whole once the job is forgotten."""
    log: list[dict[str, Any]] = []
    for change in history.log:
        if isinstance(change, BalanceSet):
            log.append({"after": change.after, "apiKey": change.api_key, "before": change.before})
        elif change.job.id in kept:
            log.append({"after": change.after, "refundOf": change.job.id})
        else:
            log.append({"after": change.after, "refund": job_document(change.job, 0, None, None)})
    return {"forgotten": history.forgotten, "log": log, "orphans": history.orphans}


# -- document -> memory ----------------------------------------------------------------------


def check_version(raw: Any, where: str = "") -> dict[str, Any]:
    """The document brought to VERSION, or a StateError saying which version it is and what
    to do; a document that is not a snapshot at all says so."""
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise StateError(
            "format",
            f"{where or 'this'} is not a mock-doitong state document (no format "
            f"{FORMAT!r}): save one with GET /__mock/state or `mock-doitong state save`",
        )
    version = raw.get("version")
    if type(version) is not int:
        raise StateError("version", f"expected a whole number, got {version!r}")
    if version > VERSION:
        raise StateError(
            "version",
            f"format version {version} is newer than this mock-doitong reads ({VERSION}): "
            "upgrade mock-doitong, or save the state again from the one that wrote it",
        )
    while version < VERSION:
        migrate = MIGRATIONS.get(version)
        if migrate is None:
            raise StateError(
                "version",
                f"format version {version} is older than this mock-doitong reads ({VERSION}) "
                "and has no migration: start from an empty state, or load it into the "
                "mock-doitong that wrote it and set its data up again",
            )
        raw = migrate(raw)
        version += 1
    document: dict[str, Any] = raw
    return document


@dataclass(slots=True)
class _Parsed:
    """A document read in full, not yet installed."""

    now: float
    offset: float | None
    seed: int
    main: Randomness
    faults_stream: Randomness
    next_request_id: int
    job_seconds: float
    scenario: Scenario | None
    accounts: list[Account]
    rate_limits: dict[str, list[int]]
    faults: list[Fault | WebhookFault]
    jobs: list[JobRecord]
    deliveries: list[Delivery]
    given_up: int
    ledger: LedgerHistory
    journal: list[Entry]
    inbox: list[Received]


def restore(engine: Engine, raw: Any) -> None:
    """Make `engine` hold what the document says; StateError (nothing changed) if it is bad."""
    memory = memory_of(engine)
    parsed = _parse(engine, check_version(raw))
    _install(engine, memory, parsed)


def _parse(engine: Engine, raw: dict[str, Any]) -> _Parsed:
    document = Fields(raw, "").only(*DOCUMENT_FIELDS)
    clock = document.object("clock").only("mode", "now", "offset")
    mode = ClockMode(clock.choice("mode", tuple(m.value for m in ClockMode)))
    randomness = document.object("randomness").only("seed", "position", "webhookFaults")
    seed = randomness.whole("seed", 0, MAX_SEED)
    main = Randomness(seed)
    faults_stream = main.stream("webhook-faults")
    for stream, name in ((main, "position"), (faults_stream, "webhookFaults")):
        try:
            stream.move_to(randomness.raw_list(name))
        except ValueError as error:
            raise randomness.fail(name, str(error)) from None
    fixtures = engine.fixtures
    accounts = [read_account(item.raw, item.path, fixtures.plans) for item in
                document.objects("accounts")]  # fmt: skip
    avatars = fixtures.catalog.avatars
    jobs = [read_job(item, path, avatars) for path, item in document.items("jobs")]
    by_id = {record[0].id: record[0] for record in jobs}
    if len(by_id) != len(jobs):
        raise document.fail("jobs", "two jobs have the same id")
    deliveries = [read_delivery(item, path) for path, item in document.items("deliveries")]
    return _Parsed(
        now=clock.instant("now"),
        # A real clock's offset carries on from a real clock only; a frozen one's is no offset.
        offset=clock.number("offset", -1e12, 1e12) if mode is ClockMode.REAL else None,
        seed=seed,
        main=main,
        faults_stream=faults_stream,
        next_request_id=document.whole("nextRequestId", 1),
        job_seconds=document.number("jobSeconds", 0, 365 * 86_400),
        scenario=_scenario(document, fixtures),
        accounts=accounts,
        rate_limits=_rate_limits(document.object("rateLimits")),
        faults=[read_fault(item, path) for path, item in document.items("faults")],
        jobs=jobs,
        deliveries=deliveries,
        given_up=document.whole("deliveriesGivenUp"),
        ledger=_ledger(document.object("ledger"), by_id, avatars),
        journal=[read_entry(item, path) for path, item in document.items("journal")],
        inbox=[read_received(item, path) for path, item in document.items("inbox")],
    )


def _scenario(document: Fields, fixtures: Any) -> Scenario | None:
    raw = document.raw.get("scenario")
    if raw is None:
        return None
    fields = Fields(raw, "scenario")
    name = fields.text("name")
    body = {key: value for key, value in fields.raw.items() if key != "name"}
    try:
        return parse_scenario(name, body, "scenario", fixtures)
    except FixtureError as error:
        raise StateError("scenario", str(error)) from None


def _rate_limits(fields: Fields) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {}
    for api_key, values in fields.raw.items():
        if (
            not isinstance(values, list)
            or len(values) != 4
            or not all(type(value) is int and -1 <= value < 2**62 for value in values)
        ):
            raise fields.fail(api_key[:80], "expected [minute, count, day, count]")
        counts[api_key] = values
    return counts


def _ledger(fields: Fields, jobs: dict[str, Any], avatars: dict[str, Any]) -> LedgerHistory:
    fields.only("forgotten", "log", "orphans")
    log: list[Refund | BalanceSet] = []
    for change in fields.objects("log"):
        after = change.whole("after")
        if "apiKey" in change.raw:
            change.only("after", "apiKey", "before")
            log.append(BalanceSet(after, change.text("apiKey"), change.whole("before")))
        elif "refundOf" in change.raw:
            change.only("after", "refundOf")
            job = jobs.get(change.text("refundOf"))
            if job is None:
                raise change.fail("refundOf", "no job of that id in jobs")
            log.append(Refund(after, job))
        else:
            change.only("after", "refund")
            refunded = read_job(change.raw.get("refund"), change.where("refund"), avatars)
            log.append(Refund(after, refunded[0]))
    orphans = fields.object("orphans")
    return LedgerHistory(
        forgotten=fields.whole("forgotten"),
        log=log,
        orphans={job_id: orphans.whole(job_id) for job_id in orphans.raw},
    )


def _install(engine: Engine, memory: MemoryStores, parsed: _Parsed) -> None:
    """Put a parsed document in place of everything the engine held."""
    try:
        engine.clock.restore(parsed.now, parsed.offset)
    except ClockLimitError as error:
        raise StateError("clock.now", str(error)) from None
    engine.randomness.seed = parsed.seed
    engine.randomness.move_to(parsed.main.position())
    engine.webhook_faults.reset(parsed.faults_stream)
    engine.next_request_id = parsed.next_request_id
    engine.job_seconds = parsed.job_seconds
    engine.scenario = parsed.scenario
    memory.accounts.replace_all(parsed.accounts)
    engine.limiter.restore(parsed.rate_limits)
    engine.faults.clear()
    for fault in parsed.faults:
        if isinstance(fault, WebhookFault):
            engine.webhook_faults.book.add(fault)
        else:
            engine.faults.add(fault)
    engine.jobs.clear()
    memory.idempotency.clear()
    planned: dict[str, str] = {}
    jobs = engine.jobs
    for job, _, planned_error, idempotency in parsed.jobs:
        jobs[job.id] = job
        if planned_error is not None:
            planned[job.id] = planned_error
        if idempotency is not None:
            memory.idempotency.restore(*idempotency, job.id)
    memory.ledger.restore((record[1] for record in parsed.jobs), parsed.ledger)
    memory.webhooks.restore(parsed.deliveries, parsed.given_up)
    memory.journal.restore(parsed.journal)
    memory.inbox.clear()
    for received in parsed.inbox:
        memory.inbox.record(received)
    engine.rebuild(planned, falling_due(engine.jobs.values(), memory.webhooks))
    if engine.changes is not None:
        engine.changes.everything()


def falling_due(jobs: Iterable[Any], deliveries: Iterable[Delivery]) -> list[Due]:
    """What is on the clock for these jobs and deliveries, earliest first: each processing
    job's end, each pending delivery's next attempt, a duplicate fault's copies still to go."""
    processing = JobStatus.PROCESSING
    due = [Due(job.due_at, JOB_DUE, job.id) for job in jobs if job.status is processing]
    for delivery in deliveries:
        if delivery.status is DeliveryStatus.PENDING and delivery.next_attempt_at is not None:
            due.append(Due(delivery.next_attempt_at, WEBHOOK_DUE, delivery.id))
        chaos = delivery.chaos
        if chaos is not None and chaos.kind == DUPLICATE:
            scheduled = [attempt for attempt in delivery.attempts if not attempt.extra]
            if scheduled:
                sent = sum(1 for attempt in delivery.attempts if attempt.fault == DUPLICATE)
                for at in chaos.copies_at(scheduled[0].at)[sent:]:
                    due.append(Due(at, COPY_DUE, delivery.id))
    due.sort(key=lambda event: event.at)  # stable: at equal times, in the order listed
    return due
