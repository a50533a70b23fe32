"""What a webhook fault does to the delivery it matched, and which of its attempts it changes.

A fault changes what a receiver is sent, never the job: the job's status, its payload's meaning
and the API's answers are what they would have been. The first attempt is the one a fault
changes (a forgery, a delay); the retries that follow are the real delivery, so a receiver that
refused a forgery still gets the event, as it would from a sender that delivers at least once.
A duplicate's copies are attempts of their own on the delivery; a redelivery is a delivery of
its own; reordered deliveries go one after another, the last to fall due first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from .forgeries import NO_DIGEST, other_secret, tampered, with_extra_fields
from .webhook_faults import (
    BAD_SIGNATURE,
    DELAY,
    DUPLICATE,
    EXTRA_FIELDS,
    FORGERIES,
    REDELIVER,
    REORDER,
    TAMPERED,
    UNSIGNED,
    WebhookFault,
)
from .webhooks import SIGNATURE_HEADER, Delivery, encoded, sign


@dataclass(frozen=True, slots=True)
class Chaos:
    """A delivery's fault, and for a forgery what its first attempt sends instead."""

    fault: WebhookFault
    signature: str | None = None  # a forgery's X-Doitong-Signature (None: the header is left out)
    body: bytes = b""  # a forgery's body
    redelivery: bool = False  # on the delivery a redeliver fault made, not on the first one

    @property
    def kind(self) -> str:
        return self.fault.kind

    def fault_of(self, number: int, replay: bool) -> str | None:
        """The kind that changes attempt `number` (or a replay), or None if it goes as it is."""
        if self.fault.kind == EXTRA_FIELDS:
            return EXTRA_FIELDS  # the delivery's own body carries them, on every attempt
        if replay or number != 1:
            return None
        if self.fault.kind == DUPLICATE:
            return None  # the first attempt goes as it is; its copies are marked as they go
        if self.fault.kind == REDELIVER and not self.redelivery:
            return None
        return self.fault.kind

    def copies_at(self, first_at: float) -> list[float]:
        """When a duplicate's copies go, its first attempt made at `first_at`: spread evenly,
        the last `spreadSeconds` after it (all at that instant when there is no spread)."""
        fault = self.fault
        step = fault.spread_seconds / fault.copies
        return [first_at + step * number for number in range(1, fault.copies + 1)]

    def request(self, fault: str, headers: dict[str, str], body: bytes) -> bytes:
        """What an attempt changed by `fault` sends: `headers` changed in place, and the body."""
        if fault not in FORGERIES:
            return body
        if self.signature is None:
            del headers[SIGNATURE_HEADER]
        else:
            headers[SIGNATURE_HEADER] = self.signature
        return self.body


def afflict(delivery: Delivery, fault: WebhookFault, secret: str) -> Chaos:
    """Give `delivery` its fault, and return it: a later first attempt, a body with extra
    fields, or a forgery ready for the first attempt. `secret` is the one the delivery is signed
    with."""
    kind = fault.kind
    if kind == DELAY:
        assert delivery.next_attempt_at is not None  # a delivery just opened has its first due
        delivery.next_attempt_at += fault.seconds
    elif kind == EXTRA_FIELDS:
        delivery.body = encoded(with_extra_fields(json.loads(delivery.body)))
        delivery.signature = sign(delivery.body, secret)
    if kind in FORGERIES:
        signature, body = _forged(kind, delivery, secret)
        delivery.chaos = Chaos(fault, signature, body)
    else:
        delivery.chaos = Chaos(fault)
    return delivery.chaos


def reorders(delivery: Delivery) -> bool:
    """Whether `delivery`, falling due now, is one a reorder fault sends out of turn: its first
    scheduled attempt is (the retries of a reordered delivery go as they fall due)."""
    chaos = delivery.chaos
    return (
        chaos is not None
        and chaos.kind == REORDER
        and all(attempt.extra for attempt in delivery.attempts)
    )


def in_reverse_by_key(deliveries: Sequence[Delivery]) -> list[list[Delivery]]:
    """Deliveries that fell due together, by API key (keys in the order they first came), each
    key's in reverse order: every list is sent one after another, so the reverse is what
    arrives."""
    by_key: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        by_key.setdefault(delivery.api_key, []).append(delivery)
    return [group[::-1] for group in by_key.values()]


def redelivered(chaos: Chaos) -> Chaos:
    """The fault as the redelivery it made carries it: its first attempt is the one changed."""
    return Chaos(chaos.fault, redelivery=True)


def _forged(kind: str, delivery: Delivery, secret: str) -> tuple[str | None, bytes]:
    """The signature header (None: none) and body of a forgery of `kind`."""
    if kind == BAD_SIGNATURE:
        return sign(delivery.body, other_secret(secret)), delivery.body
    if kind == TAMPERED:
        return delivery.signature, tampered(delivery.body)
    if kind == UNSIGNED:
        return None, delivery.body
    return NO_DIGEST, delivery.body  # malformed-signature
