"""What the client-behaviour audit reads and writes: observed requests, job facts, findings, its
policy and the advice of each kind (the rules are in audit_rules; `audit.findings` runs them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, get_args

Kind = Literal[
    "double-charge-risk",
    "retry-too-early",
    "no-backoff",
    "polling-storm",
    "ignored-402",
    "ignored-401",
]
KINDS: tuple[Kind, ...] = get_args(Kind)  # also the order of findings that share a first request
CREATES = frozenset({"rest.create", "generate", "generateAvatar"})
POLLS = frozenset({"rest.get", "avatar", "generation"})
CONCURRENT_JOBS = "concurrent_jobs"  # the one limit that holds back creates only
# Times are floats: 1.4 - 0.4 is 0.9999999999999999. A microsecond is far below anything a
# client could mean, so two instants closer than this are the same instant.
SAME_INSTANT = 1e-6

JobFacts = tuple[float | None, float | None]  # (ended_at, webhook_delivered_at)
NO_JOBS: Mapping[str, JobFacts] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Observed:
    """One API request as the audit reads it: what was asked, when, and what came back."""

    id: int  # the journal entry's stable id
    at: float  # arrival, mock-clock epoch seconds
    answered_at: float  # arrival plus any scripted latency: a re-send before it gave up waiting
    api_key: str | None
    operation: str | None  # "rest.create", "generate", "avatar", ...
    status: int  # DROPPED for a connection the mock cut
    request_digest: str  # operation and body (or variables): equal digests ask the same thing
    code: str | None = None  # the answer's error code, None on success
    job_id: str | None = None  # the job it created or read
    idempotency_key: str | None = None
    retry_after: float | None = None  # on a 429: the seconds of its Retry-After header
    rate_limit: str | None = None  # on a 429: which limit (extensions.limit)
    credits_available: int | None = None  # on a 402: the balance it reported


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Kind
    api_key: str
    requests: tuple[int, ...]  # the entry ids that show it, oldest first
    advice: str

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "apiKey": self.api_key,
            "requests": list(self.requests),
            "advice": self.advice,
        }


@dataclass(frozen=True, slots=True)
class AuditPolicy:
    # Half the 2 s the vendor's own polling example waits: a client that asks more often
    # learns nothing sooner, and a webhook would tell it without asking.
    poll_floor_seconds: float = 1.0
    # A client may read a job once after its webhook, to confirm what the webhook said; polls
    # beyond that are the ones that continue for nothing.
    reads_after_delivery: int = 1
    # The vendor's retry sample makes at most two retries, so three at an unchanged pace are a
    # loop rather than a coincidence.
    unchanged_retries: int = 3
    # Intervals this close count as the same interval: on a real clock (`serve`) a client's
    # sleeps and a loopback round trip wobble, by far less than this, while any backoff worth
    # the name grows by more.
    interval_tolerance_seconds: float = 0.05
    # A retry a minute or more after the one before is patient whatever the pattern: the
    # vendor's limits count per minute, so it spends at most one request of each window.
    patient_retry_seconds: float = 60.0


DEFAULT_POLICY = AuditPolicy()

ADVICE: dict[Kind, str] = {
    "double-charge-risk": "Send an Idempotency-Key with every create and the same key on each"
    " retry: the service may have accepted the first, and a retry without it makes and charges"
    " a new job.",
    "retry-too-early": "Wait the seconds the 429's Retry-After header gives before sending again"
    " with this key.",
    "no-backoff": "Retry after a 5xx or a dropped connection with exponential backoff"
    " (1 s, 2 s, 4 s, ...), not at a fixed or shrinking interval.",
    "polling-storm": "Poll a job at most once per {floor:g} s, and stop once its webhook has"
    " arrived (or poll not at all: pass a webhookUrl).",
    "ignored-402": "Do not repeat a request refused for insufficient credits until the balance"
    " has changed: check creditsAvailable and top up first.",
    "ignored-401": "Stop sending a key the service refused: fix or replace it instead of retrying.",
}
