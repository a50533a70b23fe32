"""One job, delivery, journal entry, fault or account as a state document holds it, and back.

Instants are epoch seconds (the API shows them to the second; a snapshot keeps them exact),
bytes that are not the mock's own JSON are base64. Each `read_*` checks every field
(state_fields.Fields) and builds the object; nothing else in the engine is touched.
"""

from __future__ import annotations

import base64
import binascii
from operator import itemgetter
from typing import Any

from .accounts import Account, Limits, change_account
from .catalog import Avatar
from .clock import EARLIEST
from .encodable import has_lone_surrogate
from .errors import ApiError
from .faults import Fault, parse_fault
from .idempotency import DIGEST_BYTES
from .inbox import Received
from .jobs import Job, JobStatus
from .journal_entry import Entry, Notes
from .state_fields import LAST_INSTANT, Fields, StateError
from .webhook_chaos import Chaos
from .webhook_faults import WebhookFault, parse_webhook_fault
from .webhooks import Attempt, Delivery, DeliveryStatus

JOB_STATUSES = tuple(status.value for status in JobStatus)
DELIVERY_STATUSES = tuple(status.value for status in DeliveryStatus)
_HTTP_STATUS = 599


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _bytes(fields: Fields, name: str) -> bytes | None:
    value = fields.optional_text(name)
    if value is None:
        return None
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise fields.fail(name, "expected base64") from None


def _hex(fields: Fields, name: str, size: int) -> bytes:
    text = fields.text(name)
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise fields.fail(name, "expected hexadecimal digits") from None
    if len(value) != size:
        raise fields.fail(name, f"expected {size} bytes, got {len(value)}")
    return value


# -- jobs ------------------------------------------------------------------------------------

JOB_FIELDS = (
    "id", "apiKey", "text", "avatarId", "voice", "language", "version", "webhookUrl", "price",
    "durationMs", "createdAt", "dueAt", "baseUrl", "status", "completedAt", "error",
    "plannedError", "requestId", "idempotency",
)  # fmt: skip


def job_document(
    job: Job, request_id: int, planned_error: str | None, idempotency: tuple[bytes, bytes] | None
) -> dict[str, Any]:
    """A job with what the engine keeps of it elsewhere: the request that created it (the
    ledger's), a scripted failure, and its Idempotency-Key's entry (digests, never the key)."""
    return {
        "id": job.id,
        "apiKey": job.api_key,
        "text": job.text,
        "avatarId": job.avatar.id,
        "voice": job.voice,
        "language": job.language,
        "version": job.version,
        "webhookUrl": job.webhook_url,
        "price": job.credit_cost,
        "durationMs": job.duration_ms,
        "createdAt": job.created_at,
        "dueAt": job.due_at,
        "baseUrl": job.base_url,
        "status": job.status.value,
        "completedAt": job.completed_at,
        "error": job.error,
        "plannedError": planned_error,
        "requestId": request_id,
        "idempotency": None if idempotency is None else [part.hex() for part in idempotency],
    }


# A job read back, with what belongs to it elsewhere in the engine: the request that created
# it, its scripted failure, its Idempotency-Key's digests. A tuple: 100,000 are made at start-up.
JobRecord = tuple[Job, int, str | None, tuple[bytes, bytes] | None]


_JOB_KEYS = frozenset(JOB_FIELDS)
_STATUSES = {status.value: status for status in JobStatus}
_job_values = itemgetter(*JOB_FIELDS)


def read_job(raw: Any, path: str, avatars: dict[str, Avatar]) -> JobRecord:
    """A job as `job_document` wrote it; StateError naming the field otherwise."""
    # A state directory holds up to 100,000 of them, read at start-up: a sound one is checked
    # in one pass here, and only one that fails it is read field by field, for the message.
    return _sound_job(raw, avatars) or _checked_job(raw, path, avatars)


def _sound_job(raw: Any, avatars: dict[str, Avatar]) -> JobRecord | None:
    """The job, if every field is as `job_document` writes it; None to look closer."""
    if type(raw) is not dict or raw.keys() != _JOB_KEYS:
        return None
    (job_id, api_key, text, avatar_id, voice, language, version, webhook_url, price, duration,
     created_at, due_at, base_url, status_name, completed_at, error, planned_error, request_id,
     idempotency) = _job_values(raw)  # fmt: skip
    avatar = avatars.get(avatar_id) if type(avatar_id) is str else None
    status = _STATUSES.get(status_name) if type(status_name) is str else None
    number = (int, float)
    if not (
        avatar is not None
        and status is not None
        and type(job_id) is str and job_id and type(api_key) is str and api_key
        and type(text) is str and type(base_url) is str
        and (voice is None or type(voice) is str)
        and (language is None or type(language) is str)
        and (version is None or type(version) is str)
        and (webhook_url is None or type(webhook_url) is str)
        and (error is None or type(error) is str)
        and (planned_error is None or type(planned_error) is str)
        and type(price) is int and price >= 0
        and type(duration) is int and duration >= 0
        and type(request_id) is int and request_id >= 0
        and type(created_at) in number and EARLIEST <= created_at <= LAST_INSTANT
        and type(due_at) in number and EARLIEST <= due_at <= LAST_INSTANT
        and (
            completed_at is None
            if status is JobStatus.PROCESSING
            else type(completed_at) in number and EARLIEST <= completed_at <= LAST_INSTANT
        )
        and not has_lone_surrogate(
            "".join((job_id, api_key, text, base_url, voice or "", language or "",
                     version or "", webhook_url or "", error or "", planned_error or ""))
        )
    ):  # fmt: skip
        return None
    digests: tuple[bytes, bytes] | None = None
    if idempotency is not None:
        try:
            key, request = (bytes.fromhex(part) for part in idempotency)
        except (TypeError, ValueError):
            return None
        if len(key) != DIGEST_BYTES or len(request) != DIGEST_BYTES:
            return None
        digests = (key, request)
    job = Job(job_id, api_key, text, avatar, voice, language, version, webhook_url, price,
              duration, float(created_at), float(due_at), base_url, status,
              None if completed_at is None else float(completed_at), error)  # fmt: skip
    return job, request_id, planned_error, digests


def _checked_job(raw: Any, path: str, avatars: dict[str, Avatar]) -> JobRecord:
    fields = Fields(raw, path).only(*JOB_FIELDS)
    avatar_id = fields.text("avatarId")
    avatar = avatars.get(avatar_id)
    if avatar is None:
        raise fields.fail("avatarId", f"no avatar {avatar_id!r} in this mock's catalog")
    status = JobStatus(fields.choice("status", JOB_STATUSES))
    completed_at = fields.optional_instant("completedAt")
    if (completed_at is None) != (status is JobStatus.PROCESSING):
        raise fields.fail("completedAt", "a finished job has one, a processing job none")
    job = Job(
        id=fields.text("id"),
        api_key=fields.text("apiKey"),
        text=fields.text("text", empty=True),
        avatar=avatar,
        voice=fields.optional_text("voice"),
        language=fields.optional_text("language"),
        version=fields.optional_text("version"),
        webhook_url=fields.optional_text("webhookUrl"),
        credit_cost=fields.whole("price"),
        duration_ms=fields.whole("durationMs"),
        created_at=fields.instant("createdAt"),
        due_at=fields.instant("dueAt"),
        base_url=fields.text("baseUrl", empty=True),
        status=status,
        completed_at=completed_at,
        error=fields.optional_text("error"),
    )
    idempotency: tuple[bytes, bytes] | None = None
    if fields.raw.get("idempotency") is not None:
        pair = list(fields.items("idempotency"))
        if len(pair) != 2:
            raise fields.fail("idempotency", "expected [key digest, request digest]")
        digests = Fields({"key": pair[0][1], "request": pair[1][1]}, fields.where("idempotency"))
        idempotency = (_hex(digests, "key", DIGEST_BYTES), _hex(digests, "request", DIGEST_BYTES))
    return job, fields.whole("requestId"), fields.optional_text("plannedError"), idempotency


# -- deliveries ------------------------------------------------------------------------------

ATTEMPT_FIELDS = ("at", "durationMs", "status", "error", "replay", "fault")
DELIVERY_FIELDS = (
    "id", "jobId", "apiKey", "url", "body", "signature", "status", "attempts", "nextAttemptAt",
    "oneOff", "redeliveryOf", "chaos",
)  # fmt: skip
CHAOS_FIELDS = ("fault", "signature", "body", "redelivery")


def delivery_document(delivery: Delivery) -> dict[str, Any]:
    chaos = delivery.chaos
    return {
        "id": delivery.id,
        "jobId": delivery.job_id,
        "apiKey": delivery.api_key,
        "url": delivery.url,
        "body": _b64(delivery.body),
        "signature": delivery.signature,
        "status": delivery.status.value,
        "attempts": [
            {
                "at": attempt.at,
                "durationMs": attempt.duration_ms,
                "status": attempt.status,
                "error": attempt.error,
                "replay": attempt.replay,
                "fault": attempt.fault,
            }
            for attempt in delivery.attempts
        ],
        "nextAttemptAt": delivery.next_attempt_at,
        "oneOff": delivery.one_off,
        "redeliveryOf": delivery.redelivery_of,
        "chaos": None
        if chaos is None
        else {
            "fault": chaos.fault.as_json(),
            "signature": chaos.signature,
            "body": _b64(chaos.body),
            "redelivery": chaos.redelivery,
        },
    }


def read_delivery(raw: Any, path: str) -> Delivery:
    fields = Fields(raw, path).only(*DELIVERY_FIELDS)
    attempts = []
    for attempt in fields.objects("attempts"):
        attempt.only(*ATTEMPT_FIELDS)
        attempts.append(
            Attempt(
                at=attempt.instant("at"),
                duration_ms=attempt.number("durationMs"),
                status=attempt.optional_whole("status", 0, _HTTP_STATUS),
                error=attempt.optional_text("error"),
                replay=attempt.flag("replay"),
                fault=attempt.optional_text("fault"),
            )
        )
    status = DeliveryStatus(fields.choice("status", DELIVERY_STATUSES))
    next_at = fields.optional_instant("nextAttemptAt")
    if status is DeliveryStatus.PENDING and next_at is None:
        raise fields.fail("nextAttemptAt", "a pending delivery has its next attempt due")
    body = _bytes(fields, "body")
    if body is None:
        raise fields.fail("body", "is required")
    delivery = Delivery(
        id=fields.text("id"),
        job_id=fields.text("jobId"),
        api_key=fields.text("apiKey"),
        url=fields.text("url"),
        body=body,
        signature=fields.text("signature"),
        status=status,
        attempts=attempts,
        next_attempt_at=next_at,
        one_off=fields.flag("oneOff"),
        redelivery_of=fields.optional_text("redeliveryOf"),
    )
    if fields.raw.get("chaos") is not None:
        chaos = fields.object("chaos").only(*CHAOS_FIELDS)
        fault = read_fault(chaos.raw.get("fault"), chaos.where("fault"))
        if not isinstance(fault, WebhookFault):
            raise chaos.fail("fault", "expected a webhook fault")
        delivery.chaos = Chaos(
            fault,
            chaos.optional_text("signature"),
            _bytes(chaos, "body") or b"",
            chaos.flag("redelivery"),
        )
    return delivery


# -- faults and accounts ---------------------------------------------------------------------


def read_fault(raw: Any, path: str) -> Fault | WebhookFault:
    """A fault as `as_json` showed it (its id kept), checked as a new one's body is."""
    fields = Fields(raw, path)
    fault_id = fields.text("id")
    body = {name: value for name, value in fields.raw.items() if name != "id" and value is not None}
    try:
        if "webhook" in body:
            return parse_webhook_fault(fault_id, body)
        fault = parse_fault(fault_id, body, scripted=False)
    except ApiError as error:
        name = error.extensions.get("field")
        raise StateError(fields.where(name) if name else path, error.message) from None
    return fault


def account_document(account: Account) -> dict[str, Any]:
    return {
        "apiKey": account.api_key,
        "plan": account.plan,
        "credits": account.credits,
        "webhookSecret": account.webhook_secret,
        "limits": account.custom_limits,
    }


def read_account(raw: Any, path: str, plans: dict[str, Limits]) -> Account:
    """An account as `account_document` wrote it: its plan's limits with its own laid over."""
    fields = Fields(raw, path).only("apiKey", "plan", "credits", "webhookSecret", "limits")
    api_key = fields.text("apiKey")
    body = {name: value for name, value in fields.raw.items() if name != "apiKey"}
    try:
        return change_account(None, api_key, body, plans, lambda: "")
    except ValueError as error:
        name, message = error.args
        raise fields.fail(name or "", message) from None


# -- journal entries -------------------------------------------------------------------------

ENTRY_FIELDS = (
    "id", "at", "method", "path", "operation", "apiKey", "status", "durationMs", "jobId",
    "headers", "body", "flags", "digest", "notes",
)  # fmt: skip
NOTE_FIELDS = (
    "code", "retryAfter", "rateLimit", "creditsAvailable", "latencySeconds", "idempotencyKey",
    "operationName",
)  # fmt: skip


def entry_document(entry: Entry) -> dict[str, Any]:
    notes = entry.notes
    return {
        "id": entry.id,
        "at": entry.at,
        "method": entry.method,
        "path": entry.path,
        "operation": entry.operation,
        "apiKey": entry.api_key,
        "status": entry.status,
        "durationMs": entry.duration_ms,
        "jobId": entry.job_id,
        "headers": _b64(entry.raw_headers),
        "body": _b64(entry.raw_body),
        "flags": entry.flags,
        "digest": entry.body_digest,
        "notes": {
            "code": notes.code,
            "retryAfter": notes.retry_after,
            "rateLimit": notes.rate_limit,
            "creditsAvailable": notes.credits_available,
            "latencySeconds": notes.latency_seconds,
            "idempotencyKey": notes.idempotency_key,
            "operationName": notes.operation_name,
        },
    }


def read_entry(raw: Any, path: str) -> Entry:
    fields = Fields(raw, path).only(*ENTRY_FIELDS)
    notes = fields.object("notes").only(*NOTE_FIELDS)
    retry_after = notes.raw.get("retryAfter")
    return Entry(
        id=fields.whole("id"),
        at=fields.instant("at"),
        method=fields.text("method"),
        path=fields.text("path", empty=True),
        operation=fields.optional_text("operation"),
        api_key=fields.optional_text("apiKey"),
        status=fields.whole("status", 0, _HTTP_STATUS),
        duration_ms=fields.number("durationMs"),
        job_id=fields.optional_text("jobId"),
        raw_headers=_bytes(fields, "headers"),
        raw_body=_bytes(fields, "body"),
        flags=fields.whole("flags", 0, 255),
        body_digest=fields.whole("digest", 0, 2**32 - 1),
        notes=Notes(
            code=notes.optional_text("code"),
            retry_after=None if retry_after is None else notes.number("retryAfter"),
            rate_limit=notes.optional_text("rateLimit"),
            credits_available=notes.optional_whole("creditsAvailable"),
            latency_seconds=notes.number("latencySeconds"),
            idempotency_key=notes.optional_text("idempotencyKey"),
            operation_name=notes.optional_text("operationName"),
        ),
    )


# -- the inbox -------------------------------------------------------------------------------


def received_document(received: Received) -> dict[str, Any]:
    return {
        "at": received.at,
        "path": received.path,
        "headers": received.headers,
        "body": _b64(received.body),
    }


def read_received(raw: Any, path: str) -> Received:
    fields = Fields(raw, path).only("at", "path", "headers", "body")
    headers = fields.object("headers")
    return Received(
        at=fields.instant("at"),
        path=fields.text("path"),
        headers={name: headers.text(name, empty=True) for name in headers.raw},
        body=_bytes(fields, "body") or b"",
    )
