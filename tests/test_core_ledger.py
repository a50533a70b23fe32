"""The spend ledger as plain Python: what a debit and a refund record, the bound, the totals."""

from __future__ import annotations

from core_engine import FREE, HEADER, KEY, START, advance, credits, job_request, make_engine

from mockserver.core.engine import Engine
from mockserver.core.jobs import Job, JobStatus
from mockserver.core.ledger import DEBIT, DEFAULT_CAPACITY, REFUND, Ledger, LedgerEntry, Spend

PRICE = 53  # the five-word text of core_engine


def create(engine: Engine, key: str = KEY, failed: bool = False) -> Job:
    """A create as the API plane makes one: with a request id, and a scripted failure if asked."""
    fault = engine.one_off_fault("failed") if failed else None
    admission = engine.admit(key, HEADER, fault, request_id=engine.new_request_id())
    return engine.create_job(admission, job_request())


def test_a_create_debits_its_price_naming_the_request_and_the_balance_left() -> None:
    engine = make_engine()
    job = create(engine)
    assert engine.ledger.select() == [
        LedgerEntry(START, KEY, job.id, DEBIT, PRICE, 100_000 - PRICE, 1)
    ]
    assert engine.ledger.select()[0].as_json() == {
        "at": "2024-01-01T00:00:00Z",
        "apiKey": KEY,
        "jobId": job.id,
        "kind": "debit",
        "amount": PRICE,
        "balance": 100_000 - PRICE,
        "requestId": 1,
    }


def test_a_failed_job_is_refunded_when_it_fails_naming_the_request_that_created_it() -> None:
    engine = make_engine()
    create(engine)  # request 1
    failing = create(engine, failed=True)  # request 2
    advance(engine, 30)
    refund = engine.ledger.select()[-1]
    assert refund == LedgerEntry(START + 30, KEY, failing.id, REFUND, PRICE, 100_000 - PRICE, 2)
    assert refund.as_json()["amount"] == PRICE  # positive: the kind says which way


def test_a_job_failed_by_hand_is_refunded_at_that_instant() -> None:
    engine = make_engine()
    job = create(engine)
    engine.clock.advance(4)
    engine.finish(job, JobStatus.FAILED, at=engine.clock.now(), error="no")
    assert [(e.kind, e.at, e.balance) for e in engine.ledger.select()] == [
        (DEBIT, START, 100_000 - PRICE),
        (REFUND, START + 4, 100_000),
    ]


def test_what_charges_nothing_writes_nothing() -> None:
    engine = make_engine()
    admission = engine.admit(KEY, HEADER, request_id=engine.new_request_id())
    first = engine.create_job(admission, job_request(), idempotency_key="once")
    assert engine.create_job(admission, job_request(), idempotency_key="once") is first  # replay
    job = create(engine)
    advance(engine, 30)  # both complete: no refund
    assert job.status is JobStatus.COMPLETED
    assert [entry.job_id for entry in engine.ledger.select()] == [first.id, job.id]


def test_the_ledger_sums_to_the_change_in_every_balance() -> None:
    engine = make_engine()
    before = {key: credits(engine, key) for key in (KEY, FREE)}
    create(engine)
    create(engine, failed=True)
    create(engine, FREE, failed=True)
    advance(engine, 30)
    create(engine, FREE)
    spend = engine.ledger.spend()
    for key in (KEY, FREE):
        assert before[key] - credits(engine, key) == spend[key].spent
    assert spend[KEY] == Spend(jobs=2, debited=2 * PRICE, refunded=PRICE)
    assert spend[FREE] == Spend(jobs=2, debited=2 * PRICE, refunded=PRICE)


def test_api_key_narrows_the_entries() -> None:
    engine = make_engine()
    create(engine)
    mine = create(engine, FREE)
    assert [entry.job_id for entry in engine.ledger.select(api_key=FREE)] == [mine.id]
    assert engine.ledger.select(api_key="nobody") == []


def test_reset_empties_the_ledger() -> None:
    engine = make_engine()
    create(engine)
    engine.reset()
    assert engine.ledger.select() == [] and engine.ledger.spend() == {}


def test_the_ledger_keeps_the_newest_entries_up_to_its_capacity() -> None:
    assert DEFAULT_CAPACITY == 100_000
    engine = make_engine()
    jobs = [create(engine) for _ in range(5)]
    ledger = Ledger(capacity=3)
    for number, job in enumerate(jobs):
        ledger.debit(job, number)
    ledger.refund(jobs[4], 99)
    assert len(ledger) == 3
    assert [(e.job_id, e.kind, e.balance) for e in ledger.select()] == [
        (jobs[3].id, DEBIT, 3),
        (jobs[4].id, DEBIT, 4),
        (jobs[4].id, REFUND, 99),
    ]
    assert ledger.spend()[KEY] == Spend(jobs=2, debited=2 * PRICE, refunded=PRICE)


def test_a_refund_leaving_a_zero_balance_is_still_a_refund() -> None:
    engine = make_engine()
    job = create(engine)
    ledger = Ledger()
    ledger.refund(job, 0)
    (entry,) = ledger.select()
    assert (entry.kind, entry.balance) == (REFUND, 0)


def test_an_entry_without_a_known_request_shows_null() -> None:
    engine = make_engine()
    admission = engine.admit(KEY, HEADER)  # an engine driven directly: no request id
    engine.create_job(admission, job_request())
    assert engine.ledger.select()[0].as_json()["requestId"] is None
