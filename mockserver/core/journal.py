"""The request journal: what reached the API plane, bounded so a long-running mock stays small.

Kept as a ring of columns rather than one object per request: times, durations, statuses and
ids sit unboxed in arrays, and the few distinct strings (methods, operations, keys, most paths,
error codes) are shared. At 100,000 entries this is a fraction of the memory of 100,000 small
objects.

What was sent is kept as the bytes that arrived: the body object the endpoint already read (cut
to `body_bytes`) and the headers joined into one bytes object. Nothing is decoded or parsed until
an entry is read, so recording costs the hot path almost nothing. Those bytes are what grows
with traffic, so they share one budget (`body_budget`, all entries together): past it the oldest
entries' bodies and headers are let go first, and the entries themselves stay.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any

from .clock import iso
from .shared_strings import SharedStrings

DEFAULT_CAPACITY = 10_000
DEFAULT_BODY_BYTES = 64 * 1024  # of one body; the rest is cut off (`truncated`)
DEFAULT_BODY_BUDGET = 32 * 1024 * 1024  # of bodies and headers, all entries together
# A request's headers are bounded by the server already; this keeps a client that sends a
# large one from taking a large share of the budget with a single entry.
HEADER_BYTES = 16 * 1024
DROPPED = 0  # the status recorded for a connection the mock cut on purpose

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
    """What few entries have: the error answered and what it told the client, a scripted delay.

    Kept apart from the columns, so a successful request without a delay carries none."""

    code: str | None = None  # the answer's error code
    retry_after: float | None = None  # a 429's Retry-After, in seconds
    rate_limit: str | None = None  # which limit a 429 was for
    credits_available: int | None = None  # the balance a 402 reported
    latency_seconds: float = 0.0  # a scripted delay before the answer
    # The Idempotency-Key sent, kept here only once the headers are let go (the audit needs
    # it for as long as the entry is kept; until then the headers have it).
    idempotency_key: str | None = None


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
    operation_name: str | None = None  # GraphQL's operationName
    notes: Notes = NO_NOTES

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


@dataclass(frozen=True, slots=True)
class Filters:
    """What `Journal.select` narrows by; None is no filter."""

    operation: str | None = None
    api_key: str | None = None
    status: int | None = None
    code: str | None = None
    job_id: str | None = None
    since_id: int | None = None  # entries with a greater id
    since_at: float | None = None  # entries that arrived at or after it
    contains: bytes | None = None  # a substring of the body as kept

    def match(self, entry: Entry) -> bool:
        body = entry.raw_body
        return (
            (self.operation is None or entry.operation == self.operation)
            and (self.api_key is None or entry.api_key == self.api_key)
            and (self.status is None or entry.status == self.status)
            and (self.code is None or entry.code == self.code)
            and (self.job_id is None or entry.job_id == self.job_id)
            and (self.since_id is None or entry.id > self.since_id)
            and (self.since_at is None or entry.at >= self.since_at)
            and (self.contains is None or (body is not None and self.contains in body))
        )


NO_FILTERS = Filters()


class Journal:
    """The newest `capacity` entries, oldest first, their bodies within `body_budget` bytes."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        body_bytes: int = DEFAULT_BODY_BYTES,
        body_budget: int = DEFAULT_BODY_BUDGET,
    ) -> None:
        self.capacity = capacity
        self.body_bytes = body_bytes
        self.body_budget = body_budget
        self.clear()

    def clear(self) -> None:
        self._id = array("Q")
        self._at = array("d")
        self._duration = array("d")
        self._status = array("H")
        self._flags = array("B")
        self._digest = array("q")
        # One flat list per other column: a tuple per entry would cost 88 bytes more each.
        self._method: list[str] = []
        self._path: list[str] = []
        self._operation: list[str | None] = []
        self._api_key: list[str | None] = []
        self._job_id: list[str | None] = []
        # (headers, body) as kept, or None once let go to keep within the budget: one pair
        # per entry (not two columns) so that the size held is read back from what is held
        # and an entry lets go of both at once. It is the budget that bounds this memory.
        self._sent: list[tuple[bytes, bytes] | None] = []
        self._operation_name: list[str | None] = []
        self._notes: list[Notes] = []
        self._count = 0  # entries recorded since the last clear: the next one's sequence number
        self._held = 0  # bytes held against the budget
        self._drop_from = 0  # sequence number of the oldest entry that may still hold a body
        self._share = SharedStrings()

    def __len__(self) -> int:
        return len(self._at)

    @property
    def held_bytes(self) -> int:
        """Bytes of bodies and headers kept, all entries together (at most `body_budget`)."""
        return self._held

    def record(
        self,
        *,
        at: float,
        method: str,
        path: str,
        operation: str | None,
        api_key: str | None,
        status: int,
        duration_ms: float,
        job_id: str | None = None,
        headers: bytes = _NO_HEADERS,
        body: bytes | None = None,
        graphql: bool = False,
        operation_name: str | None = None,
        notes: Notes = NO_NOTES,
        request_id: int = 0,
    ) -> None:
        share = self._share
        path, operation, api_key = share(path), share.optional(operation), share.optional(api_key)
        flags = GRAPHQL if graphql else 0
        if body is None:
            body = b""
        digest = hash(body)
        if len(body) > self.body_bytes:
            body = body[: self.body_bytes]
            flags |= TRUNCATED
        if operation_name is not None:
            operation_name = share(operation_name)
        slot = self._count % self.capacity
        if len(self._at) < self.capacity:
            self._id.append(request_id)
            self._at.append(at)
            self._duration.append(duration_ms)
            self._status.append(status)
            self._flags.append(flags)
            self._digest.append(digest)
            self._method.append(method)
            self._path.append(path)
            self._operation.append(operation)
            self._api_key.append(api_key)
            self._job_id.append(job_id)
            self._sent.append((headers, body))
            self._operation_name.append(operation_name)
            self._notes.append(notes)
        else:
            self._let_go(slot)
            self._id[slot], self._at[slot], self._duration[slot] = request_id, at, duration_ms
            self._status[slot], self._flags[slot], self._digest[slot] = status, flags, digest
            self._method[slot], self._path[slot] = method, path
            self._operation[slot], self._api_key[slot] = operation, api_key
            self._job_id[slot], self._sent[slot] = job_id, (headers, body)
            self._operation_name[slot], self._notes[slot] = operation_name, notes
        self._count += 1
        self._held += len(headers) + len(body)
        if self._held > self.body_budget:
            self._drop_oldest_bodies()

    def _drop_oldest_bodies(self) -> None:
        """Let go of the oldest bodies (and headers) kept until the rest fit the budget."""
        sequence = max(self._drop_from, self._count - len(self._at))
        while self._held > self.body_budget and sequence < self._count:
            slot = sequence % self.capacity
            if self._sent[slot] is not None:
                self._keep_idempotency_key(slot)
            self._let_go(slot)
            self._flags[slot] |= BODY_DROPPED
            sequence += 1
        self._drop_from = sequence

    def _keep_idempotency_key(self, slot: int) -> None:
        """Move the entry's Idempotency-Key (if any) from its headers to its notes."""
        key = self._entry(slot).header(IDEMPOTENCY_HEADER)
        if key is not None:
            self._notes[slot] = replace(self._notes[slot], idempotency_key=key)

    def _let_go(self, slot: int) -> None:
        """Stop holding the headers and body of the entry in `slot` (if it still does)."""
        sent = self._sent[slot]
        if sent is not None:
            self._held -= len(sent[0]) + len(sent[1])
            self._sent[slot] = None

    def _entry(self, i: int) -> Entry:
        sent = self._sent[i]
        return Entry(
            id=self._id[i],
            at=self._at[i],
            method=self._method[i],
            path=self._path[i],
            operation=self._operation[i],
            api_key=self._api_key[i],
            status=self._status[i],
            duration_ms=self._duration[i],
            job_id=self._job_id[i],
            raw_headers=sent[0] if sent is not None else None,
            raw_body=sent[1] if sent is not None else None,
            flags=self._flags[i],
            body_digest=self._digest[i],
            operation_name=self._operation_name[i],
            notes=self._notes[i],
        )

    def _order(self) -> range | list[int]:
        size = len(self._at)
        if size < self.capacity:
            return range(size)
        start = self._count % self.capacity
        return [(start + offset) % size for offset in range(size)]

    def entries(self) -> list[Entry]:
        """Every entry, oldest first."""
        return [self._entry(i) for i in self._order()]

    def get(self, request_id: int) -> Entry | None:
        """The entry of request `request_id`, None if it is not (or no longer) kept."""
        try:
            return self._entry(self._id.index(request_id))
        except (ValueError, OverflowError):
            return None

    def select(self, filters: Filters = NO_FILTERS, limit: int | None = None) -> list[Entry]:
        """Entries matching every filter given, oldest first; `limit` keeps the newest ones."""
        found = [entry for entry in self.entries() if filters.match(entry)]
        return found[-limit:] if limit else found
