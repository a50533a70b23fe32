"""The spend ledger as plain Python: entries derived from the jobs, balances from the accounts."""

from __future__ import annotations

import random

import pytest
from core_engine import (
    FREE,
    HEADER,
    KEY,
    START,
    UNLIMITED,
    advance,
    credits,
    job_request,
    make_engine,
)

from mockserver.core import int_column
from mockserver.core.engine import Engine
from mockserver.core.errors import ApiError
from mockserver.core.jobs import Job, JobStatus
from mockserver.core.ledger import DEBIT, REFUND, Ledger, Movement
from mockserver.core.scripted_refusals import header_fault
from mockserver.core.spend import Spend

PRICE = 53  # the five-word text of core_engine
OTHER = "ledger_other_key"


def create(engine: Engine, key: str = KEY, failed: bool = False, text: str | None = None) -> Job:
    """A create as the API plane makes one: with a request id, and a scripted failure if asked."""
    fault = header_fault("failed") if failed else None
    admission = engine.admit(key, HEADER, fault, request_id=engine.new_request_id())
    return engine.create_job(admission, job_request() if text is None else job_request(text))


def test_a_create_debits_its_price_naming_the_request_and_the_balance_left() -> None:
    engine = make_engine()
    job = create(engine)
    assert engine.ledger_entries() == [
        Movement(START, KEY, job.id, DEBIT, PRICE, 100_000 - PRICE, 1)
    ]
    assert engine.ledger_entries()[0].as_json() == {
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
    assert engine.ledger_entries()[-1] == Movement(
        START + 30, KEY, failing.id, REFUND, PRICE, 100_000 - PRICE, 2
    )


def test_a_job_failed_by_hand_is_refunded_at_that_instant() -> None:
    engine = make_engine()
    job = create(engine)
    engine.clock.advance(4)
    engine.finish(job, JobStatus.FAILED, at=engine.clock.now(), error="no")
    assert [(e.kind, e.at, e.balance) for e in engine.ledger_entries()] == [
        (DEBIT, START, 100_000 - PRICE),
        (REFUND, START + 4, 100_000),
    ]


def test_what_charges_nothing_is_not_in_the_ledger() -> None:
    engine = make_engine()
    engine.put_account(FREE, {"credits": 10})
    with pytest.raises(ApiError):  # 402: ten credits do not pay for a job
        create(engine, FREE)
    admission = engine.admit(KEY, HEADER, request_id=engine.new_request_id())
    first = engine.create_job(admission, job_request(), idempotency_key="once")
    assert engine.create_job(admission, job_request(), idempotency_key="once") is first
    advance(engine, 30)  # completed: no refund either
    assert [(e.kind, e.job_id) for e in engine.ledger_entries()] == [(DEBIT, first.id)]


def test_a_balance_set_in_between_is_where_the_later_balances_start() -> None:
    engine = make_engine()
    create(engine)
    engine.put_account(KEY, {"credits": 500})
    engine.put_account(KEY, {"plan": "starter"})  # the balance unchanged: nothing to note
    create(engine)
    assert [e.balance for e in engine.ledger_entries()] == [100_000 - PRICE, 500 - PRICE]
    assert engine.ledger_entries(KEY)[-1].balance == credits(engine)


def test_an_account_made_later_starts_from_the_balance_it_was_made_with() -> None:
    engine = make_engine()
    engine.put_account(OTHER, {"plan": "enterprise", "credits": 200})
    job = create(engine, OTHER)
    assert engine.ledger_entries(OTHER) == [Movement(START, OTHER, job.id, DEBIT, PRICE, 147, 1)]


def test_api_key_narrows_it_and_each_key_has_its_own_balances() -> None:
    engine = make_engine()
    mine, theirs = create(engine, FREE), create(engine)
    assert [(e.job_id, e.balance) for e in engine.ledger_entries(FREE)] == [(mine.id, 947)]
    assert [(e.job_id, e.balance) for e in engine.ledger_entries(KEY)] == [
        (theirs.id, 100_000 - PRICE)
    ]
    assert engine.ledger_entries("nobody") == []


def test_a_reset_clears_it() -> None:
    engine = make_engine()
    create(engine, failed=True)
    engine.put_account(KEY, {"credits": 5})
    advance(engine, 30)
    engine.reset()
    assert engine.ledger_entries() == [] and engine.spend() == {}
    job = create(engine)  # and it starts again from the fixtures' balance and request 1
    assert engine.ledger_entries() == [
        Movement(START, KEY, job.id, DEBIT, PRICE, 100_000 - PRICE, 1)
    ]


def test_spend_counts_jobs_debits_and_refunds_per_key() -> None:
    engine = make_engine()
    create(engine)
    create(engine, failed=True)
    create(engine, FREE)
    advance(engine, 30)
    assert engine.spend() == {
        KEY: Spend(jobs=2, debited=2 * PRICE, refunded=PRICE),
        FREE: Spend(jobs=1, debited=PRICE, refunded=0),
    }
    assert engine.spend()[KEY].spent == PRICE


def test_the_ledger_covers_the_jobs_kept_and_a_refund_newer_than_them_keeps_its_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(int_column, "CHUNK", 2)  # spent chunks are dropped from the front too
    engine = make_engine(max_jobs=3, job_seconds=1)
    failing = create(engine, UNLIMITED, failed=True)  # request 1
    kept = []
    advance(engine, 1)  # it fails: refunded after the debit of no other job
    for _ in range(3):
        kept.append(create(engine, UNLIMITED))
    advance(engine, 1)
    assert failing.id not in engine.jobs  # forgotten, and its refund came before every kept job
    assert [(e.kind, e.job_id) for e in engine.ledger_entries()] == [
        (DEBIT, job.id) for job in kept
    ]

    engine = make_engine(max_jobs=2, job_seconds=1)
    first = create(engine, UNLIMITED, failed=True)  # request 1
    second = create(engine, UNLIMITED)  # request 2
    advance(engine, 1)  # the first fails after the second was created: its refund is newer
    third = create(engine, UNLIMITED)  # request 3 forgets the first job
    assert first.id not in engine.jobs
    assert [(e.kind, e.job_id, e.request_id) for e in engine.ledger_entries()] == [
        (DEBIT, second.id, 2),
        (REFUND, first.id, 1),
        (DEBIT, third.id, 3),
    ]
    assert engine.ledger_entries()[-1].balance == credits(engine, UNLIMITED)
    assert engine.spend()[UNLIMITED] == Spend(jobs=2, debited=2 * PRICE, refunded=0)


class RecordingLedger(Ledger):
    """A ledger that also notes the truth at each refund: the key's balance just after."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.truth: list[tuple[str, str, int]] = []

    def refund(self, job: Job) -> None:
        super().refund(job)
        self.truth.append((REFUND, job.id, credits(self.engine, job.api_key)))


@pytest.mark.parametrize("seed", range(6))
def test_every_balance_is_the_one_the_account_had_just_after(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creates, failures, refusals, balances set and old jobs forgotten, in a random order:
    the ledger reads back each entry's balance as it was."""
    monkeypatch.setattr(int_column, "CHUNK", 3)
    engine = make_engine(max_jobs=7, job_seconds=2)
    engine.put_account(OTHER, {"plan": "enterprise", "credits": 400})
    recording = RecordingLedger(engine)
    engine.ledger = recording
    truth = recording.truth
    draw = random.Random(seed)
    for _ in range(120):
        step = draw.random()
        key = draw.choice((UNLIMITED, OTHER))
        if step < 0.5:
            try:
                job = create(engine, key, failed=draw.random() < 0.3)
            except ApiError:  # OTHER ran out of credits: charged nothing
                continue
            truth.append((DEBIT, job.id, credits(engine, key)))
        elif step < 0.6:
            running = [job for job in engine.jobs.values() if not job.finished]
            if running:
                job = draw.choice(running)
                engine.finish(job, JobStatus.FAILED, at=engine.clock.now(), error="by hand")
        elif step < 0.7:
            engine.put_account(key, {"credits": draw.randrange(0, 600)})
        else:
            advance(engine, draw.choice((0.5, 1, 3)))
        entries = [(e.kind, e.job_id, e.balance) for e in engine.ledger_entries()]
        assert entries == truth[len(truth) - len(entries) :]
        oldest = next(iter(engine.jobs.values()), None)
        if oldest is not None:  # it begins with the oldest job kept
            assert entries[0][:2] == (DEBIT, oldest.id)
    assert len(engine.jobs) <= 7 < len(truth)
