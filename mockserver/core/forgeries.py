"""Deliveries a receiver must refuse, and one it must read past: forged signatures, a body
changed after signing, undocumented fields.

Made in one place for the two that send them, the receiver check (as its cases) and webhook
faults (in place of a real delivery), so a receiver meets the same bytes either way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from .webhooks import SIGNATURE_PREFIX, encoded

# Where a tampered body points the video: a name that can never resolve (RFC 2606), so a
# receiver that fetches it reaches nothing.
TAMPERED_URL = "https://attacker.invalid/swapped.mp4"
# Fields the documentation does not list, at the top of the payload and inside its metadata.
EXTRA_FIELDS: Mapping[str, Any] = {
    "eventType": "avatar.completed",
    "livemode": False,
    "account": {"plan": "pro"},
}
EXTRA_METADATA: Mapping[str, Any] = {"fps": 25, "codec": "h264"}
NO_DIGEST = SIGNATURE_PREFIX  # `sha256=` and nothing after it


def other_secret(secret: str) -> str:
    """A secret no account has, the same for the same secret, so a second run reads the same."""
    digest = hashlib.sha256(b"another account of " + secret.encode()).hexdigest()
    return "whsec_other_" + digest[:24]


def one_digit_off(signature: str) -> str:
    """The signature with its last digit changed: wrong, and as long as the right one."""
    return signature[:-1] + ("1" if signature[-1:] == "0" else "0")


def malformed_signatures(signature: str) -> list[tuple[str, str]]:
    """Signature headers that are not signatures at all, each with what it is."""
    digest = signature.removeprefix(SIGNATURE_PREFIX)
    return [
        ("`sha256=` with no digest", NO_DIGEST),
        ("a digest that is not hex", SIGNATURE_PREFIX + "not-a-hex-digest"),
        # A receiver that compares only as much as it was given takes this for the real one.
        ("half of the right digest", SIGNATURE_PREFIX + digest[: len(digest) // 2]),
    ]


def tampered(body: bytes) -> bytes:
    """The body with its video link swapped, as a man in the middle would change it."""
    document = json.loads(body)
    document["url"] = TAMPERED_URL
    return encoded(document)


def with_extra_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """The payload with fields the documentation does not list, in it and in its metadata."""
    extended = {**document, **EXTRA_FIELDS}
    metadata = document.get("metadata")
    if isinstance(metadata, Mapping):  # a payload laid over by a send may have replaced it
        extended["metadata"] = {**metadata, **EXTRA_METADATA}
    return extended
