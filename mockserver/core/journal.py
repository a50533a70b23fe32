"""The request journal: what reached the API plane, bounded so a long-running mock stays small.

Kept as a ring of columns rather than one object per request: times, durations, statuses and
ids sit unboxed in arrays, and the few distinct strings (methods, operations, keys, most paths,
error codes) are shared. At 100,000 entries this is a fraction of the memory of 100,000 small
objects.

What was sent is kept as the bytes that arrived: the body object the endpoint already read (cut
to `body_bytes`) and the headers joined into one bytes object. Nothing is decoded or parsed until
an entry is read, so recording costs the hot path almost nothing. Equal bytes are held once
(a client's polls send the same headers each time), and those held are what grows with
traffic, so they share one budget (`body_budget`, all entries together, counted as held):
past it the oldest entries' bodies and headers are let go first, and the entries stay.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, replace
from typing import Any

from .journal_entry import (
    BODY_DROPPED,
    GRAPHQL,
    IDEMPOTENCY_HEADER,
    NO_NOTES,
    TRUNCATED,
    Entry,
    Notes,
)
from .shared_bytes import SharedBytes
from .shared_strings import SharedStrings

DEFAULT_CAPACITY = 10_000
DEFAULT_BODY_BYTES = 64 * 1024  # of one body; the rest is cut off (`truncated`)
DEFAULT_BODY_BUDGET = 32 * 1024 * 1024  # of bodies and headers, all entries together
DROPPED = 0  # the status recorded for a connection the mock cut on purpose
_DIGEST_BITS = 0xFFFF_FFFF


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
# An entry's values in Entry's field order (id, at, method, ..., body_digest, notes).
EntryValues = tuple[Any, ...]


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
        # A millisecond figure for people to read: single precision says it to the microsecond
        # for anything under a minute, in half the room.
        self._duration = array("f")
        self._status = array("H")
        self._flags = array("B")
        # 32 bits of the body's hash: the audit compares a key's requests with each other, and
        # a chance in four billion that two bodies look alike is far below anything it reports.
        self._digest = array("I")
        # One flat list per other column: a tuple per entry would cost 88 bytes more each.
        self._method: list[str] = []
        self._path: list[str] = []
        self._operation: list[str | None] = []
        self._api_key: list[str | None] = []
        self._job_id: list[str | None] = []
        # What was sent, held in `_sent` (one copy of each equal bytes object), or None once
        # let go to keep within the budget. The budget bounds this memory, not the capacity.
        self._headers: list[bytes | None] = []
        self._body: list[bytes | None] = []
        # By slot, for the few entries that have any: most have none, and a column of them
        # would cost every entry a reference.
        self._notes: dict[int, Notes] = {}
        self._count = 0  # entries recorded since the last clear: the next one's sequence number
        self._drop_from = 0  # sequence number of the oldest entry that may still hold a body
        self._share = SharedStrings()
        self._sent = SharedBytes()

    def __len__(self) -> int:
        return len(self._at)

    @property
    def held_bytes(self) -> int:
        """Bytes of bodies and headers held, all entries together, each distinct copy once
        with what holding it costs (at most `body_budget`)."""
        return self._sent.size

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
        headers: bytes = b"",
        body: bytes | None = None,
        graphql: bool = False,
        notes: Notes = NO_NOTES,
        request_id: int = 0,
    ) -> None:
        share, sent = self._share, self._sent
        path, operation, api_key = share(path), share.optional(operation), share.optional(api_key)
        flags = GRAPHQL if graphql else 0
        if body is None:
            body = b""
        digest = hash(body) & _DIGEST_BITS
        if len(body) > self.body_bytes:
            body = body[: self.body_bytes]
            flags |= TRUNCATED
        if len(self._at) < self.capacity:
            headers, body = sent.hold(headers), sent.hold(body)
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
            self._headers.append(headers)
            self._body.append(body)
            if notes is not NO_NOTES:
                self._notes[self._count] = notes
        else:
            slot = self._count % self.capacity
            headers, body = self._take_over(slot, headers, body)
            self._id[slot], self._at[slot], self._duration[slot] = request_id, at, duration_ms
            self._status[slot], self._flags[slot], self._digest[slot] = status, flags, digest
            self._method[slot], self._path[slot] = method, path
            self._operation[slot], self._api_key[slot] = operation, api_key
            self._job_id[slot], self._headers[slot], self._body[slot] = job_id, headers, body
            if notes is NO_NOTES:
                self._notes.pop(slot, None)
            else:
                self._notes[slot] = notes
        self._count += 1
        if sent.size > self.body_budget:
            self._drop_oldest_bodies()

    def _take_over(self, slot: int, headers: bytes, body: bytes) -> tuple[bytes, bytes]:
        """Hold `headers` and `body` in place of what the entry in `slot` held (if it still
        does), and hand back the copies held.

        The entry that falls out of the ring often sent what the new one sends (a client's
        polls, a test's repeated create): then its copies carry over, with no holder let go
        and none taken."""
        sent = self._sent
        old_body = self._body[slot]
        if old_body is None:
            return sent.hold(headers), sent.hold(body)
        old_headers = self._headers[slot]
        assert old_headers is not None  # let go of together with the body
        if old_headers == headers:
            headers = old_headers
        else:
            sent.release(old_headers)
            headers = sent.hold(headers)
        if old_body == body:
            body = old_body
        else:
            sent.release(old_body)
            body = sent.hold(body)
        return headers, body

    def _drop_oldest_bodies(self) -> None:
        """Let go of the oldest bodies (and headers) held until the rest fit the budget.

        A body held by newer entries too stays until the last of them lets go, so this may
        let go of several entries' bodies for one copy's worth."""
        sequence = max(self._drop_from, self._count - len(self._at))
        while self._sent.size > self.body_budget and sequence < self._count:
            slot = sequence % self.capacity
            if self._body[slot] is not None:
                self._keep_idempotency_key(slot)
                self._let_go(slot)
                self._flags[slot] |= BODY_DROPPED
            sequence += 1
        self._drop_from = sequence

    def _keep_idempotency_key(self, slot: int) -> None:
        """Move the entry's Idempotency-Key (if any) from its headers to its notes."""
        key = self._entry(slot).header(IDEMPOTENCY_HEADER)
        if key is not None:
            self._notes[slot] = replace(self._notes.get(slot, NO_NOTES), idempotency_key=key)

    def _let_go(self, slot: int) -> None:
        """Stop holding the headers and body of the entry in `slot` (if it still does)."""
        body = self._body[slot]
        if body is not None:
            headers = self._headers[slot]
            assert headers is not None  # let go of together
            self._sent.release(headers)
            self._sent.release(body)
            self._headers[slot] = self._body[slot] = None

    def _entry(self, i: int) -> Entry:
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
            raw_headers=self._headers[i],
            raw_body=self._body[i],
            flags=self._flags[i],
            body_digest=self._digest[i],
            notes=self._notes.get(i, NO_NOTES),
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

    @property
    def recorded(self) -> int:
        """Entries recorded since the last clear, those no longer kept included."""
        return self._count

    def recorded_since(self, count: int) -> list[Entry]:
        """The entries recorded after the first `count` (those still kept), oldest first."""
        wanted = min(self._count - count, len(self._at))
        # The newest entry is in slot (count - 1) % capacity, whether or not the ring is full.
        first = self._count - max(wanted, 0)
        return [self._entry(sequence % self.capacity) for sequence in range(first, self._count)]

    def values_since(self, count: int) -> list[EntryValues]:
        """`recorded_since(count)`'s entries as the values an Entry holds, in its fields' order,
        without building one: the state directory's commit encodes them at once."""
        wanted = min(self._count - count, len(self._at))
        first, capacity = self._count - max(wanted, 0), self.capacity
        ids, at, method, path = self._id, self._at, self._method, self._path
        operation, api_key, status = self._operation, self._api_key, self._status
        duration, job_id, headers, body = self._duration, self._job_id, self._headers, self._body
        flags, digest = self._flags, self._digest
        notes = self._notes
        return [
            (
                ids[i],
                at[i],
                method[i],
                path[i],
                operation[i],
                api_key[i],
                status[i],
                duration[i],
                job_id[i],
                headers[i],
                body[i],
                flags[i],
                digest[i],
                notes.get(i, NO_NOTES),
            )
            for i in [sequence % capacity for sequence in range(first, self._count)]
        ]

    def restore(self, entries: list[Entry]) -> None:
        """Start over holding `entries` (oldest first) as they were, within this journal's
        capacity and budget: what was sent and noted, each entry's digest and flags."""
        self.clear()
        for entry in entries[max(len(entries) - self.capacity, 0) :]:
            slot = len(self._at)
            sent = self._sent
            headers, body = entry.raw_headers, entry.raw_body
            if headers is None or body is None:  # let go of together
                headers = body = None
            self._id.append(entry.id)
            self._at.append(entry.at)
            self._duration.append(entry.duration_ms)
            self._status.append(entry.status)
            self._flags.append(entry.flags)
            self._digest.append(entry.body_digest)
            self._method.append(self._share(entry.method))
            self._path.append(self._share(entry.path))
            self._operation.append(self._share.optional(entry.operation))
            self._api_key.append(self._share.optional(entry.api_key))
            self._job_id.append(entry.job_id)
            self._headers.append(None if headers is None else sent.hold(headers))
            self._body.append(None if body is None else sent.hold(body))
            if entry.notes is not NO_NOTES:
                self._notes[slot] = entry.notes
            self._count += 1
        if self._sent.size > self.body_budget:
            self._drop_oldest_bodies()

    def get(self, request_id: int) -> Entry | None:
        """The entry of request `request_id`, None if it is not (or no longer) kept."""
        try:
            return self._entry(self._id.index(request_id))
        except (ValueError, OverflowError):
            return None

    def select(self, filters: Filters = NO_FILTERS, limit: int | None = None) -> list[Entry]:
        """Entries matching every filter given, oldest first; `limit` keeps the newest ones
        (that many: 0 keeps none; None keeps them all)."""
        if limit is None:
            return [entry for entry in self.entries() if filters.match(entry)]
        # The newest few are what a dashboard asks for once a second: build entries from the
        # newest end and stop at `limit`, rather than building every entry to keep a handful.
        newest: list[Entry] = []
        for i in reversed(self._order()):
            if len(newest) >= limit:
                break
            entry = self._entry(i)
            if filters.match(entry):
                newest.append(entry)
        newest.reverse()
        return newest
