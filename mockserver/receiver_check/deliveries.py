"""The deliveries the check sends, made by the mock's own payload, signing and header code.

A receiver that passes the check has been sent byte for byte what the mock sends when a job
ends, so what it accepts here it accepts from the mock, and from the service the mock imitates.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass

from ..core.catalog import Avatar
from ..core.jobs import JobStatus
from ..core.webhooks import (
    SIGNATURE_HEADER,
    Delivery,
    DeliveryLog,
    RetryPolicy,
    made_up_job,
    sign,
)

# Where the payload's video link points: a name that can never resolve (RFC 2606), so a
# receiver that fetches it inside the request cannot reach anything on anyone's behalf.
VIDEO_BASE = "https://check-receiver.invalid"
AVATAR = Avatar(id="professional-1", name="Professional, studio light", width=1280, height=720)
_ID_ALPHABET = string.ascii_lowercase + string.digits


def _token(length: int) -> str:
    """An id in the mock's format; fresh each run, so no case looks like one a receiver kept."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Sent:
    """One request of a case: what it is (for the report), its headers and its exact body."""

    label: str
    headers: dict[str, str]
    body: bytes


class Deliveries:
    """Signed deliveries for finished jobs, each with its own job and delivery id."""

    def __init__(self, secret: str, other_secret: str, target: str) -> None:
        self.secret = secret
        self.other_secret = other_secret  # another account's, for a forgery that is well made
        self.target = target
        # One log, so the bodies, signatures and headers come from `DeliveryLog.open` and
        # `Delivery.headers`, the code the mock delivers with.
        self._log = DeliveryLog(RetryPolicy())

    def finished(self, status: JobStatus) -> Delivery:
        """A delivery for a job that has just ended `completed` or `failed`."""
        now = time.time()
        job = made_up_job(
            _token(12),
            "check-receiver",
            status,
            avatar=AVATAR,
            created_at=now - 5,
            ended_at=now,
            base_url=VIDEO_BASE,
            webhook_url=self.target,
        )
        return self._log.open("dlv_" + _token(16), job, self.secret, now)

    def sent(self, label: str, delivery: Delivery) -> Sent:
        """The delivery as the mock's first attempt sends it."""
        return Sent(label, delivery.headers(1), delivery.body)

    def signed(
        self, label: str, delivery: Delivery, body: bytes, secret: str | None = None
    ) -> Sent:
        """Another body under the delivery's headers, signed over its exact bytes with `secret`
        (the account's unless told)."""
        return self.with_signature(label, delivery, sign(body, secret or self.secret), body)

    def with_signature(
        self, label: str, delivery: Delivery, signature: str | None, body: bytes | None = None
    ) -> Sent:
        """The delivery with `signature` in `X-Doitong-Signature` (None: no such header)."""
        headers = delivery.headers(1)
        if signature is None:
            del headers[SIGNATURE_HEADER]
        else:
            headers[SIGNATURE_HEADER] = signature
        return Sent(label, headers, delivery.body if body is None else body)
