"""The client-behaviour audit: what a client did that would hurt it on the real service.

It reads what the journal saw, oldest first, in a single pass: each rule keeps a little state per
API key, per request or per job and closes an incident when the client moves on, so the work
grows with the number of entries, never with their square. All times are on the mock's clock.

Requests without an API key are left out: on the real service they reach no account, so they
can neither be charged nor limited, and nothing about them belongs to one client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import audit_rules as r
from .audit_model import (
    DEFAULT_POLICY,
    KINDS,
    NO_JOBS,
    AuditPolicy,
    Finding,
    JobFacts,
    Kind,
    Observed,
)

__all__ = ["KINDS", "AuditPolicy", "Finding", "JobFacts", "Kind", "Observed", "findings"]


def findings(
    observed: Iterable[Observed],
    jobs: Mapping[str, JobFacts] = NO_JOBS,
    policy: AuditPolicy = DEFAULT_POLICY,
) -> list[Finding]:
    """Every finding in `observed` (oldest first), ordered by the first request that shows it.

    `observed` is read once, so a generator will do. `jobs` maps a job id to when it ended and
    when its webhook was delivered (None for not yet); findings that share a first request come
    in the order of KINDS.
    """
    found: list[Finding] = []
    rules: tuple[r.Rule[Any], ...] = (
        r.DoubleCharge(found),
        r.RetryTooEarly(found),
        r.NoBackoff(found, policy),
        r.PollingStorm(found, jobs, policy),
        r.Ignored402(found),
        r.Ignored401(found),
    )
    for entry in observed:
        if entry.api_key is not None:
            for rule in rules:
                rule.see(entry, entry.api_key)
    for rule in rules:
        rule.finish()
    return sorted(found, key=lambda finding: (finding.requests[0], KINDS.index(finding.kind)))
