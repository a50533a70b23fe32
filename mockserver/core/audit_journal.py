"""The client-behaviour audit of one engine: its journal and its jobs, read as `audit` reads them.

Nothing is kept for the audit on the request path: each finding is derived, when asked for, from
what the journal already holds (the entries, their error notes and Idempotency-Keys) and from the
jobs and webhook deliveries the engine keeps. So it covers the requests the journal still holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from .audit import findings
from .audit_model import DEFAULT_POLICY, AuditPolicy, Finding, JobFacts, Observed
from .jobs import Job
from .journal import Filters
from .journal_entry import Entry
from .stores import JournalStore
from .webhooks import Delivery, DeliveryStatus


def observed(entry: Entry) -> Observed:
    """A journal entry as the audit reads it."""
    notes = entry.notes
    return Observed(
        id=entry.id,
        at=entry.at,
        answered_at=entry.answered_at,
        api_key=entry.api_key,
        operation=entry.operation,
        status=entry.status,
        request_digest=entry.digest,
        code=notes.code,
        job_id=entry.job_id,
        idempotency_key=entry.idempotency_key,
        retry_after=notes.retry_after,
        rate_limit=notes.rate_limit,
        credits_available=notes.credits_available,
    )


def job_facts(jobs: Iterable[Job], deliveries: Iterable[Delivery]) -> dict[str, JobFacts]:
    """When each job ended and when its webhook was first delivered (None for not yet)."""
    delivered: dict[str, float] = {}
    for delivery in deliveries:
        if delivery.status is not DeliveryStatus.DELIVERED:
            continue
        at = min((a.at for a in delivery.attempts if a.succeeded), default=None)
        if at is not None and at < delivered.get(delivery.job_id, float("inf")):
            delivered[delivery.job_id] = at
    return {
        job.id: (job.completed_at if job.finished else None, delivered.get(job.id)) for job in jobs
    }


def audit(
    journal: JournalStore,
    jobs: Iterable[Job],
    deliveries: Iterable[Delivery],
    api_key: str | None = None,
    policy: AuditPolicy = DEFAULT_POLICY,
) -> list[Finding]:
    """Every finding over the journal (those of `api_key` alone, if given).

    The entries are read in the order the requests arrived (their ids), not the order they
    were answered in: a request held by a scripted delay is journaled after one sent later.
    """
    entries = sorted(journal.select(Filters(api_key=api_key)), key=lambda entry: entry.id)
    return findings(map(observed, entries), job_facts(jobs, deliveries), policy)
