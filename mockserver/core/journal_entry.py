"""One journal entry as read back: what was sent and answered, decoded only when asked for.

The journal (journal.py) keeps what was sent as the bytes that arrived; an Entry turns them into
headers, text and JSON when it is read, so recording one costs the API plane almost nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from .clock import iso

# A request's headers are bounded by the server already; this keeps a client that sends a
# large one from taking a large share of the budget with a single entry.
HEADER_BYTES = 16 * 1024

# Bits of an entry's flags.
TRUNCATED = 1  # its body was longer than `body_bytes`: what is kept is the start
BODY_DROPPED = 2  # its body and headers were let go to keep within `body_budget`
GRAPHQL = 4  # it came through the GraphQL transport: its body holds the variables

_NO_HEADERS = b""
_flat = chain.from_iterable
# Headers that carry the API key: the key is the entry's `apiKey`, and said once is enough.
_KEY_HEADER = "x-api-key"
IDEMPOTENCY_HEADER = "idempotency-key"
_AUTHORIZATION = "authorization"


@dataclass(frozen=True, slots=True)
class Notes:
    """What few entries have: the error answered and what it told the client, a scripted delay,
    GraphQL's operationName.

    Kept apart from the columns, so a plain successful request carries none (NO_NOTES)."""

    code: str | None = None  # the answer's error code
    retry_after: float | None = None  # a 429's Retry-After, in seconds
    rate_limit: str | None = None  # which limit a 429 was for
    credits_available: int | None = None  # the balance a 402 reported
    latency_seconds: float = 0.0  # a scripted delay before the answer
    # The Idempotency-Key sent, kept here only once the headers are let go (the audit needs
    # it for as long as the entry is kept; until then the headers have it).
    idempotency_key: str | None = None
    operation_name: str | None = None  # GraphQL's operationName, when the client sent one


NO_NOTES = Notes()


@dataclass(frozen=True, slots=True)
class Entry:
    id: int  # the request's id (Engine.new_request_id): stable until the next reset
    at: float
    method: str
    path: str
    operation: str | None
    api_key: str | None
    status: int
    duration_ms: float
    job_id: str | None = None  # the job it created or read
    raw_headers: bytes | None = _NO_HEADERS  # see `joined_headers`; None once dropped
    raw_body: bytes | None = b""  # as received, perhaps cut; None once dropped
    flags: int = 0
    body_digest: int = 0  # of the whole body as received, even once cut or dropped
    notes: Notes = NO_NOTES

    @property
    def operation_name(self) -> str | None:
        """GraphQL's operationName, as the client sent it."""
        return self.notes.operation_name

    @property
    def code(self) -> str | None:
        return self.notes.code

    @property
    def truncated(self) -> bool:
        return bool(self.flags & TRUNCATED)

    @property
    def body_dropped(self) -> bool:
        return bool(self.flags & BODY_DROPPED)

    @property
    def graphql(self) -> bool:
        return bool(self.flags & GRAPHQL)

    @property
    def answered_at(self) -> float:
        """When the client had its answer, on the mock's clock: arrival plus a scripted delay
        (the delay is real time, which a frozen clock does not show)."""
        return self.at + self.notes.latency_seconds

    def header_items(self) -> Iterator[tuple[str, str]]:
        """(lower-case name, value) of each header kept, the API key's left out."""
        items = (self.raw_headers or b"").decode("latin-1").split("\0")
        for name, value in zip(items[::2], items[1::2], strict=False):
            if name == _KEY_HEADER:
                continue
            if name == _AUTHORIZATION and value[:7].lower() == "bearer ":
                continue
            yield name, value

    @property
    def headers(self) -> dict[str, str]:
        """The request's headers by lower-case name; repeated ones joined with ", "."""
        found: dict[str, str] = {}
        for name, value in self.header_items():
            found[name] = f"{found[name]}, {value}" if name in found else value
        return found

    def header(self, name: str) -> str | None:
        """The first value of header `name` (lower-case), None if not sent or not kept."""
        return next((value for key, value in self.header_items() if key == name), None)

    @property
    def idempotency_key(self) -> str | None:
        """The Idempotency-Key it was sent with, kept even once its headers are let go."""
        return self.notes.idempotency_key or self.header(IDEMPOTENCY_HEADER)

    @property
    def body(self) -> str | None:
        """The body as text (UTF-8, what cannot be read replaced), None once dropped."""
        return None if self.raw_body is None else self.raw_body.decode("utf-8", "replace")

    def decoded_body(self) -> Any:
        """The body's JSON, or None when there is none, it is cut or dropped, or not JSON."""
        if not self.raw_body or self.flags & (TRUNCATED | BODY_DROPPED):
            return None
        try:
            return json.loads(self.raw_body)
        except (ValueError, RecursionError):
            return None

    @property
    def variables(self) -> dict[str, Any] | None:
        """A GraphQL request's variables, when its body is kept whole; None otherwise."""
        if not self.graphql:
            return None
        payload = self.decoded_body()
        variables = payload.get("variables") if isinstance(payload, dict) else None
        return variables if isinstance(variables, dict) else None

    @property
    def digest(self) -> str:
        """Equal for two requests that ask the same thing: the operation and the body's bytes."""
        return f"{self.operation}\0{self.body_digest:x}"

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "id": self.id,
            "at": iso(self.at),
            "method": self.method,
            "path": self.path,
            "operation": self.operation,
            "apiKey": self.api_key,
            "status": self.status,
            "code": self.code,
            "jobId": self.job_id,
            "durationMs": round(self.duration_ms, 3),
            "headers": self.headers,
            "body": self.body,
            "truncated": self.truncated,
            "bodyDropped": self.body_dropped,
        }
        if self.graphql:
            shown["operationName"] = self.operation_name
            shown["rootFields"] = [self.operation] if self.operation else []
            shown["variables"] = self.variables
        return shown


def joined_headers(headers: Sequence[tuple[bytes, bytes]]) -> bytes:
    """ASGI headers as one bytes object, name NUL value NUL ..., at most HEADER_BYTES long.

    NUL is the one byte HTTP allows in neither a name nor a value, and joining the pairs'
    items flat is a single call, which matters on the API plane's path."""
    joined = b"\0".join(_flat(headers))
    if len(joined) > HEADER_BYTES:
        kept = b""
        for name, value in headers:
            more = b"%s%s\0%s" % (b"\0" if kept else b"", name, value)
            if len(kept) + len(more) > HEADER_BYTES:
                break
            kept += more
        joined = kept
    return joined
