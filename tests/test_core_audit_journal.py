"""The audit's input read from one engine: journal entries as `Observed`, jobs as `JobFacts`."""

from __future__ import annotations

from typing import Any

from core_engine import HOOK, KEY, START, advance, create, make_engine

from mockserver.core.audit_journal import audit, job_facts, observed
from mockserver.core.journal import Journal
from mockserver.core.journal_entry import Notes, joined_headers
from mockserver.core.webhooks import Attempt


def record(journal: Journal, request_id: int, at: float, **fields: Any) -> None:
    settings: dict[str, Any] = {
        "method": "POST",
        "path": "/v1/avatar",
        "operation": "rest.create",
        "api_key": KEY,
        "status": 200,
        "duration_ms": 1.0,
        "body": b'{"text": "hi"}',
    }
    settings.update(fields)
    journal.record(at=at, request_id=request_id, **settings)


def test_an_entry_is_observed_with_its_error_notes_and_idempotency_key() -> None:
    journal = Journal()
    headers = joined_headers([(b"idempotency-key", b"order-1"), (b"x-api-key", KEY.encode())])
    notes = Notes(
        code="RATE_LIMIT_EXCEEDED",
        retry_after=7.0,
        rate_limit="concurrent_jobs",
        latency_seconds=2.5,
    )
    record(journal, 4, 100.0, status=429, headers=headers, notes=notes, job_id="job-1")
    seen = observed(journal.entries()[0])
    assert (seen.id, seen.at, seen.answered_at, seen.status) == (4, 100.0, 102.5, 429)
    assert (seen.code, seen.retry_after, seen.rate_limit) == (
        "RATE_LIMIT_EXCEEDED",
        7.0,
        "concurrent_jobs",
    )
    assert (seen.idempotency_key, seen.job_id, seen.api_key) == ("order-1", "job-1", KEY)


def test_the_same_body_digests_the_same_and_another_body_does_not() -> None:
    journal = Journal()
    record(journal, 1, 0.0)
    record(journal, 2, 1.0)
    record(journal, 3, 2.0, body=b'{"text": "bye"}')
    record(journal, 4, 3.0, operation="generate")
    first, same, other, elsewhere = (observed(entry) for entry in journal.entries())
    assert first.request_digest == same.request_digest
    assert other.request_digest != first.request_digest
    assert elsewhere.request_digest != first.request_digest


def test_the_idempotency_key_outlives_headers_let_go_for_the_budget() -> None:
    journal = Journal(body_budget=60)
    headers = joined_headers([(b"idempotency-key", b"order-1")])
    record(journal, 1, 0.0, headers=headers)
    record(journal, 2, 1.0, body=b"x" * 50)
    first = journal.entries()[0]
    assert first.body_dropped and first.headers == {}
    assert observed(first).idempotency_key == "order-1"


def test_entries_are_audited_in_the_order_the_requests_arrived() -> None:
    journal = Journal()
    # The first create was held by a scripted delay; the client gave up and sent it again,
    # and that one was answered (and journaled) first.
    record(journal, 2, 1.0)
    record(journal, 1, 0.0, notes=Notes(latency_seconds=5.0))
    (finding,) = audit(journal, [], [])
    assert (finding.kind, finding.requests) == ("double-charge-risk", (1, 2))
    assert audit(journal, [], [], api_key="someone_else") == []


def test_job_facts_say_when_each_job_ended_and_its_webhook_was_first_delivered() -> None:
    engine = make_engine()
    hooked = create(engine, webhookUrl=HOOK)
    quiet = create(engine)
    (delivery,) = advance(engine, 30)
    engine.record_attempt(delivery, Attempt(at=START + 30, duration_ms=1.0, status=500))
    engine.record_attempt(delivery, Attempt(at=START + 40, duration_ms=1.0, status=200))
    running = create(engine)
    facts = job_facts(engine.jobs.values(), engine.webhooks)
    assert facts[hooked.id] == (START + 30, START + 40)
    assert facts[quiet.id] == (START + 30, None)  # ended, and no webhook to deliver
    assert facts[running.id] == (None, None)
