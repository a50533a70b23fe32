"""The battery: what a webhook receiver is sent, in the order it is sent, and what it must answer.

A receiver must accept every genuine delivery, the second copy of one included (senders deliver
at least once), and undocumented fields (a tolerant reader); it must refuse with a 4xx whatever
it cannot trust or cannot read, without crashing on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ..core.forgeries import malformed_signatures, one_digit_off, tampered, with_extra_fields
from ..core.jobs import JobStatus
from ..core.webhooks import RetryPolicy, encoded, sign
from .deliveries import Deliveries, Sent

# How long an answer may take: as long as the mock waits for one (`serve --webhook-timeout`).
DEFAULT_TIMEOUT = RetryPolicy().timeout_seconds


class Expected(StrEnum):
    ACCEPT = "2xx"
    REFUSE = "4xx"


@dataclass(frozen=True)
class Case:
    """One case: its requests, sent in turn, and the class of answer each must get."""

    name: str
    summary: str  # for `--help`
    expected: Expected
    build: Callable[[Deliveries], list[Sent]]
    # A request nobody but the account could have signed: accepting it is trusting a forgery.
    forged: bool = False
    # Why a 4xx to a request that must be accepted is wrong, and what to do instead.
    hint: str = ""


def _valid_completed(deliveries: Deliveries) -> list[Sent]:
    completed = deliveries.finished(JobStatus.COMPLETED)
    return [deliveries.sent("a valid delivery of a completed job", completed)]


def _valid_failed(deliveries: Deliveries) -> list[Sent]:
    failed = deliveries.finished(JobStatus.FAILED)
    return [deliveries.sent("a valid delivery of a failed job", failed)]


def _duplicate(deliveries: Deliveries) -> list[Sent]:
    delivery = deliveries.finished(JobStatus.COMPLETED)
    return [
        deliveries.sent("a valid delivery", delivery),
        deliveries.sent("the same delivery again", delivery),
    ]


def _extra_fields(deliveries: Deliveries) -> list[Sent]:
    delivery = deliveries.finished(JobStatus.COMPLETED)
    extended = encoded(with_extra_fields(json.loads(delivery.body)))
    return [deliveries.signed("a valid delivery with undocumented fields", delivery, extended)]


def _bad_signature(deliveries: Deliveries) -> list[Sent]:
    delivery = deliveries.finished(JobStatus.COMPLETED)
    wrong = one_digit_off(delivery.signature)
    return [deliveries.with_signature("a signature whose last digit is wrong", delivery, wrong)]


def _tampered(deliveries: Deliveries) -> list[Sent]:
    delivery = deliveries.finished(JobStatus.COMPLETED)
    # The original signature over a changed body: what a man in the middle would send.
    changed = tampered(delivery.body)
    return [
        deliveries.with_signature(
            "a body changed after signing", delivery, delivery.signature, changed
        )
    ]


def _unsigned(deliveries: Deliveries) -> list[Sent]:
    delivery = deliveries.finished(JobStatus.COMPLETED)
    return [deliveries.with_signature("a delivery with no signature", delivery, None)]


def _malformed(deliveries: Deliveries) -> list[Sent]:
    delivery = deliveries.finished(JobStatus.COMPLETED)
    return [
        deliveries.with_signature(label, delivery, value)
        for label, value in malformed_signatures(delivery.signature)
    ]


def _other_account(deliveries: Deliveries) -> list[Sent]:
    delivery = deliveries.finished(JobStatus.COMPLETED)
    signature = sign(delivery.body, deliveries.other_secret)
    return [deliveries.with_signature("a signature of another account", delivery, signature)]


def _not_json(deliveries: Deliveries) -> list[Sent]:
    delivery = deliveries.finished(JobStatus.COMPLETED)
    cut = delivery.body[: len(delivery.body) // 2]
    return [deliveries.signed("a signed body that is not JSON", delivery, cut)]


CASES: tuple[Case, ...] = (
    Case(
        "valid-completed",
        "a signed delivery of a completed job: want 2xx",
        Expected.ACCEPT,
        _valid_completed,
        hint="check the secret, and that the HMAC is taken over the raw body bytes",
    ),
    Case(
        "valid-failed",
        "a signed delivery of a failed job (url null, an error): want 2xx",
        Expected.ACCEPT,
        _valid_failed,
        hint="a failed job is a valid event: url and metadata are null, error is set",
    ),
    Case(
        "duplicate-delivery",
        "the same delivery twice, same X-Doitong-Delivery: want 2xx both times",
        Expected.ACCEPT,
        _duplicate,
        hint="acknowledge a delivery already handled with 2xx, or the sender retries it",
    ),
    Case(
        "extra-fields",
        "a signed delivery with fields the documentation does not list: want 2xx",
        Expected.ACCEPT,
        _extra_fields,
        hint="a tolerant reader ignores the fields it does not know",
    ),
    Case(
        "bad-signature",
        "the right signature with one digit changed: want 4xx",
        Expected.REFUSE,
        _bad_signature,
        forged=True,
    ),
    Case(
        "tampered-body",
        "the body changed after it was signed: want 4xx",
        Expected.REFUSE,
        _tampered,
        forged=True,
    ),
    Case(
        "unsigned",
        "no X-Doitong-Signature header: want 4xx",
        Expected.REFUSE,
        _unsigned,
        forged=True,
    ),
    Case(
        "malformed-signature",
        "`sha256=` with no digest, a digest that is not hex, half the digest: want 4xx to each",
        Expected.REFUSE,
        _malformed,
        forged=True,
    ),
    Case(
        "other-account-secret",
        "signed with the secret of another account: want 4xx",
        Expected.REFUSE,
        _other_account,
        forged=True,
    ),
    Case(
        "not-json-signed",
        "a correctly signed body that is not JSON: want 4xx, not 5xx",
        Expected.REFUSE,
        _not_json,
    ),
)
CASE_NAMES = tuple(case.name for case in CASES)


def select(only: tuple[str, ...]) -> tuple[Case, ...]:
    """The cases named in `only`, in battery order (all of them when it is empty)."""
    unknown = sorted(set(only) - set(CASE_NAMES))
    if unknown:
        raise ValueError(f"no case {unknown[0]!r}; the cases are: {', '.join(CASE_NAMES)}")
    return tuple(case for case in CASES if not only or case.name in only)
