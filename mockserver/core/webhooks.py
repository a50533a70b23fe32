"""Webhook deliveries: the documented payload, its signature, retries with backoff, the log.

Sending is I/O and lives outside the core; this module decides what to send, when, and what
happened, so the same rules hold whether the clock is real or frozen.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .clock import iso
from .jobs import PROVIDER, Job, JobStatus

SIGNATURE_HEADER = "X-Doitong-Signature"
DELIVERY_HEADER = "X-Doitong-Delivery"
ATTEMPT_HEADER = "X-Doitong-Attempt"
SIGNATURE_PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    """The `X-Doitong-Signature` value: `sha256=` and the hex HMAC-SHA256 of the exact body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(body: bytes, header: str, secret: str) -> bool:
    """True when `header` is the signature of `body` under `secret` (compared in constant time).

    Give it the raw request body, byte for byte: parsing and re-serialising the JSON changes the
    bytes and breaks the signature.
    """
    if not isinstance(header, str) or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(sign(body, secret).encode(), header.strip().encode())


def payload(job: Job) -> dict[str, Any]:
    """The documented webhook payload for a finished job."""
    body: dict[str, Any] = {
        "id": job.id,
        "status": job.status.value,
        "url": job.output_url(job.base_url),
        "service": PROVIDER,
        "createdAt": iso(job.created_at),
        "completedAt": job.completed_at_iso(),
        "metadata": job.metadata(),
    }
    if job.status is JobStatus.FAILED:
        body["error"] = job.error
    return body


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon: attempt n+1 follows attempt n after backoff * 2**(n-1) seconds."""

    max_attempts: int = 5
    backoff_seconds: float = 10.0
    timeout_seconds: float = 5.0

    def delay_after(self, attempt_number: int) -> float:
        return float(self.backoff_seconds * 2 ** (attempt_number - 1))


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True)
class Attempt:
    """One try: when, and either the receiver's HTTP status or why there was none."""

    at: float
    duration_ms: float
    status: int | None = None
    error: str | None = None
    replay: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def as_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"at": iso(self.at), "durationMs": round(self.duration_ms, 3)}
        if self.status is not None:
            result["status"] = self.status
        if self.error is not None:
            result["error"] = self.error
        if self.replay:
            result["replay"] = True
        return result


@dataclass
class Delivery:
    """Everything sent for one finished job: the same bytes and id on every attempt."""

    id: str
    job_id: str
    api_key: str
    url: str
    body: bytes
    signature: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_at: float | None = None

    def headers(self, attempt_number: int) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": "Doitong-Webhooks/1.0 (mock-doitong)",
            SIGNATURE_HEADER: self.signature,
            DELIVERY_HEADER: self.id,
            ATTEMPT_HEADER: str(attempt_number),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "jobId": self.job_id,
            "apiKey": self.api_key,
            "url": self.url,
            "status": self.status.value,
            "attempts": [attempt.as_json() for attempt in self.attempts],
            "nextAttemptAt": None if self.next_attempt_at is None else iso(self.next_attempt_at),
            "payload": json.loads(self.body),
        }


class DeliveryLog:
    """Deliveries by id, oldest first; finished ones beyond `capacity` are forgotten."""

    def __init__(self, policy: RetryPolicy, capacity: int = 10_000) -> None:
        self.policy = policy
        self.capacity = capacity
        self._deliveries: OrderedDict[str, Delivery] = OrderedDict()

    def clear(self) -> None:
        self._deliveries.clear()

    def __iter__(self) -> Any:
        return iter(list(self._deliveries.values()))

    def get(self, delivery_id: str) -> Delivery | None:
        return self._deliveries.get(delivery_id)

    def open(self, delivery_id: str, job: Job, secret: str, at: float) -> Delivery:
        """A new delivery for a finished job, its first attempt due at `at`."""
        assert job.webhook_url is not None
        body = json.dumps(payload(job), separators=(",", ":")).encode()
        delivery = Delivery(
            id=delivery_id,
            job_id=job.id,
            api_key=job.api_key,
            url=job.webhook_url,
            body=body,
            signature=sign(body, secret),
            next_attempt_at=at,
        )
        self._deliveries[delivery.id] = delivery
        self._forget_old()
        return delivery

    def record(self, delivery: Delivery, attempt: Attempt) -> float | None:
        """Log an attempt; returns when the next one is due, or None when there is none."""
        delivery.attempts.append(attempt)
        if attempt.replay:
            if attempt.succeeded:
                delivery.status = DeliveryStatus.DELIVERED
            return None
        if attempt.succeeded:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
            return None
        scheduled = sum(1 for a in delivery.attempts if not a.replay)
        if scheduled >= self.policy.max_attempts:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            return None
        delivery.next_attempt_at = attempt.at + self.policy.delay_after(scheduled)
        return delivery.next_attempt_at

    def _forget_old(self) -> None:
        excess = len(self._deliveries) - self.capacity
        if excess <= 0:
            return
        finished = []
        for delivery in self._deliveries.values():  # oldest first; stop once enough are found
            if delivery.status is not DeliveryStatus.PENDING:
                finished.append(delivery.id)
                if len(finished) == excess:
                    break
        for delivery_id in finished:
            del self._deliveries[delivery_id]
