"""Webhook deliveries: the documented payload, its signature, retries with backoff, the log.

Sending is I/O and lives outside the core; this module decides what to send, when, and what
happened, so the same rules hold whether the clock is real or frozen.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from .catalog import Avatar
from .clock import iso
from .jobs import PROVIDER, Job, JobStatus
from .webhook_faults import DUPLICATE

if TYPE_CHECKING:
    from .webhook_chaos import Chaos


class DeliveryChanges(Protocol):
    """What the log tells a durable store (core.changes.Changes is one)."""

    def delivery(self, delivery: Delivery) -> None: ...

    def forgot_delivery(self, delivery_id: str) -> None: ...


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


def payload_with(job: Job, over: Mapping[str, Any]) -> dict[str, Any]:
    """The documented payload with `over` laid on it, for a receiver that must read past what
    it does not expect: objects merge key by key at any depth, any other value (null too)
    replaces what was there, so a field can be changed, added or nulled, never dropped."""
    return _merged(payload(job), over)


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = _merged(below, value)
        else:
            merged[key] = value
    return merged


def encoded(document: Mapping[str, Any]) -> bytes:
    """The exact bytes a delivery sends, and signs: compact JSON."""
    return json.dumps(document, separators=(",", ":")).encode()


# What a made-up job says of itself: its text is the README's, its video two seconds long.
MADE_UP_TEXT = "Hello, welcome to our platform!"
MADE_UP_DURATION_MS = 2000
MADE_UP_CREDIT_COST = 53
FAILURE_MESSAGE = "Avatar generation failed"


def made_up_job(
    job_id: str,
    api_key: str,
    status: JobStatus,
    *,
    avatar: Avatar,
    created_at: float,
    ended_at: float,
    base_url: str,
    webhook_url: str | None = None,
) -> Job:
    """A job that has just ended `completed` or `failed` without ever having run, for a
    delivery whose payload has the documented shape (`POST /__mock/webhooks/send`, the
    receiver check): what a receiver is sent is built by `payload`, as for any real job."""
    return Job(
        id=job_id,
        api_key=api_key,
        text=MADE_UP_TEXT,
        avatar=avatar,
        voice=None,
        language=None,
        version=None,
        webhook_url=webhook_url,
        credit_cost=MADE_UP_CREDIT_COST,
        duration_ms=MADE_UP_DURATION_MS,
        created_at=created_at,
        due_at=ended_at,
        base_url=base_url,
        status=status,
        completed_at=ended_at,
        error=FAILURE_MESSAGE if status is JobStatus.FAILED else None,
    )


# The retry schedule a mock has unless told otherwise (MockConfig's defaults, so the CLI's and
# the plugin's too).
DEFAULT_ATTEMPTS = 5
DEFAULT_BACKOFF_SECONDS = 10.0
DEFAULT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon: attempt n+1 follows attempt n after backoff * 2**(n-1) seconds."""

    max_attempts: int = DEFAULT_ATTEMPTS
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

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
    fault: str | None = None  # the kind of webhook fault that changed what this one sent

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def extra(self) -> bool:
        """Sent besides the schedule (a replay, a duplicate's copy): it never counts as one of
        the delivery's attempts, and moves no retry."""
        return self.replay or self.fault == DUPLICATE

    def as_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"at": iso(self.at), "durationMs": round(self.duration_ms, 3)}
        if self.status is not None:
            result["status"] = self.status
        if self.error is not None:
            result["error"] = self.error
        if self.replay:
            result["replay"] = True
        result["fault"] = self.fault
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
    # Sent once on request (`POST /__mock/webhooks/send`): its one attempt gets no retries.
    one_off: bool = False
    chaos: Chaos | None = None  # the webhook fault it was given, if any: nearly always none
    redelivery_of: str | None = None  # the delivery a `redeliver` fault sent again as this one

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
            "fault": None if self.chaos is None else self.chaos.kind,
            **({"oneOff": True} if self.one_off else {}),
            **({"redeliveryOf": self.redelivery_of} if self.redelivery_of else {}),
        }


# How many deliveries the log keeps, pending ones included: a mock can run for days.
DEFAULT_CAPACITY = 10_000


class DeliveryLog:
    """Deliveries by id, oldest first, never more than `capacity` of them.

    To make room, the delivery that finished first is forgotten. When none has finished (a
    receiver down while more jobs end than the log holds), the oldest pending one is given up
    instead: it gets no more attempts, is forgotten and counted in `given_up`. The newest
    deliveries are the ones a test is waiting for; the oldest pending one has been failing longest.

    Every step costs the same however full the log is, so thousands of jobs ending together
    never hold up the event loop.
    """

    def __init__(self, policy: RetryPolicy, capacity: int = DEFAULT_CAPACITY) -> None:
        self.policy = policy
        self.capacity = capacity
        self._deliveries: dict[str, Delivery] = {}
        # Pending ids, oldest first: any one leaves in O(1) when it finishes, the oldest when
        # it is given up.
        self._pending: OrderedDict[str, None] = OrderedDict()
        # Finished ids in the order they finished: the first to be forgotten.
        self._finished: deque[str] = deque()
        self.given_up = 0  # since the last clear
        self._given_up_untold = 0
        self.changes: DeliveryChanges | None = None  # told of each change, for `--state`

    def clear(self) -> None:
        self._deliveries.clear()
        self._pending.clear()
        self._finished.clear()
        self.given_up = self._given_up_untold = 0

    @property
    def given_up_untold(self) -> int:
        """How many were given up since the runtime last took the count (take_given_up)."""
        return self._given_up_untold

    def take_given_up(self) -> int:
        """How many were given up since the last call: for the runtime to log, once each."""
        count, self._given_up_untold = self._given_up_untold, 0
        return count

    def __len__(self) -> int:
        return len(self._deliveries)

    def __iter__(self) -> Iterator[Delivery]:
        return iter(list(self._deliveries.values()))

    def get(self, delivery_id: str) -> Delivery | None:
        return self._deliveries.get(delivery_id)

    def open(self, delivery_id: str, job: Job, secret: str, at: float) -> Delivery:
        """A new delivery for a finished job, its first attempt due at `at`."""
        assert job.webhook_url is not None
        body = encoded(payload(job))
        delivery = Delivery(
            id=delivery_id,
            job_id=job.id,
            api_key=job.api_key,
            url=job.webhook_url,
            body=body,
            signature=sign(body, secret),
            next_attempt_at=at,
        )
        return self._add(delivery)

    def open_one_off(
        self,
        delivery_id: str,
        job: Job,
        *,
        url: str,
        document: Mapping[str, Any],
        secret: str,
        at: float,
    ) -> Delivery:
        """A delivery of `document` about `job` to `url`, to be attempted once, at `at`, and
        never retried: a test that asks for one event wants exactly one request."""
        body = encoded(document)
        delivery = Delivery(
            id=delivery_id,
            job_id=job.id,
            api_key=job.api_key,
            url=url,
            body=body,
            signature=sign(body, secret),
            next_attempt_at=at,
            one_off=True,
        )
        return self._add(delivery)

    def open_redelivery(self, delivery_id: str, original: Delivery, at: float) -> Delivery:
        """The event `original` carries, sent again as a delivery of its own, first due at `at`:
        the same bytes and signature under a new id, as a sender that redelivers would."""
        delivery = Delivery(
            id=delivery_id,
            job_id=original.job_id,
            api_key=original.api_key,
            url=original.url,
            body=original.body,
            signature=original.signature,
            next_attempt_at=at,
            one_off=original.one_off,
            redelivery_of=original.id,
        )
        return self._add(delivery)

    def _add(self, delivery: Delivery) -> Delivery:
        self._make_room()
        self._deliveries[delivery.id] = delivery
        self._pending[delivery.id] = None
        if self.changes is not None:
            self.changes.delivery(delivery)
        return delivery

    def record(self, delivery: Delivery, attempt: Attempt) -> float | None:
        """Log an attempt; returns when the next one is due, or None when there is none."""
        delivery.attempts.append(attempt)
        if self._deliveries.get(delivery.id) is not delivery:
            return None  # given up or forgotten while this attempt was out: nothing more to do
        if self.changes is not None:  # told now: what follows changes it in place, unseen
            self.changes.delivery(delivery)
        if attempt.extra:  # it never counts, and moves no retry...
            if attempt.succeeded:  # ...but once delivered, no retry is owed any more
                self._finish(delivery, DeliveryStatus.DELIVERED)
                delivery.next_attempt_at = None
            return None
        if attempt.succeeded:
            self._finish(delivery, DeliveryStatus.DELIVERED)
            delivery.next_attempt_at = None
            return None
        scheduled = sum(1 for a in delivery.attempts if not a.extra)
        if delivery.one_off or scheduled >= self.policy.max_attempts:
            self._finish(delivery, DeliveryStatus.FAILED)
            delivery.next_attempt_at = None
            return None
        delivery.next_attempt_at = attempt.at + self.policy.delay_after(scheduled)
        return delivery.next_attempt_at

    def _finish(self, delivery: Delivery, status: DeliveryStatus) -> None:
        if delivery.status is DeliveryStatus.PENDING:
            del self._pending[delivery.id]
            self._finished.append(delivery.id)
        delivery.status = status

    def _make_room(self) -> None:
        """Forget what a full log must: the first finished delivery, else the oldest pending one."""
        while len(self._deliveries) >= self.capacity and self._deliveries:
            if self._finished:
                forgotten = self._finished.popleft()
                del self._deliveries[forgotten]
            else:
                forgotten, _ = self._pending.popitem(last=False)
                oldest = self._deliveries.pop(forgotten)
                oldest.status, oldest.next_attempt_at = DeliveryStatus.FAILED, None
                self.given_up += 1
                self._given_up_untold += 1
            if self.changes is not None:
                self.changes.forgot_delivery(forgotten)

    def restore(self, deliveries: Iterable[Delivery], given_up: int) -> None:
        """Hold `deliveries` (oldest first) as a log that had given up `given_up`: the pending
        ones pending, the finished ones first forgotten in the order they finished."""
        self.clear()
        finished: list[Delivery] = []
        for delivery in deliveries:
            self._deliveries[delivery.id] = delivery
            if delivery.status is DeliveryStatus.PENDING:
                self._pending[delivery.id] = None
            else:
                finished.append(delivery)
        finished.sort(key=lambda done: done.attempts[-1].at if done.attempts else 0.0)
        self._finished.extend(done.id for done in finished)
        self.given_up = given_up
        while len(self._deliveries) > self.capacity:  # from a mock that kept more
            self._make_room()
