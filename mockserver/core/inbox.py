"""A webhook receiver inside the mock: tests point `webhookUrl` at it and read what arrived."""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from . import json_values
from .clock import iso

CAPACITY = 10_000
BODY_BUDGET = 32 * 1024 * 1024  # bytes of bodies held, all webhooks together
# Deeper than any webhook: a body nested past it is listed by its bytes alone. Encoding the answer
# recurses once per level, and the interpreter's stack has room for about a thousand.
MAX_JSON_DEPTH = 64


@dataclass(frozen=True)
class Received:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes

    def as_json(self) -> dict[str, Any]:
        try:
            parsed: Any = json.loads(self.body)
        except (ValueError, RecursionError):  # not JSON, a number of thousands of digits, or
            parsed = None  # nested past what the interpreter's stack can decode
        if json_values.nesting_depth(parsed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            parsed = None  # decoded, but an answer holding it could not be encoded
        if json_values.surrogate_path(parsed) is not None:
            parsed = None  # "\ud800" decodes, but this answer could not be encoded with it
        return {
            "at": iso(self.at),
            "path": self.path,
            "headers": self.headers,
            # base64 keeps the exact bytes, which a signature check needs
            "bodyBase64": base64.b64encode(self.body).decode(),
            "json": parsed,
        }


class Inbox:
    """The newest webhooks received: at most `capacity` of them, and of `body_budget` bytes of
    bodies together (the newest is kept whatever its size). Anyone may post to it, so a count
    alone would let 10,000 bodies of a megabyte each take ten gigabytes."""

    def __init__(self, capacity: int = CAPACITY, body_budget: int = BODY_BUDGET) -> None:
        self.capacity = capacity
        self.body_budget = body_budget
        self._received: deque[Received] = deque()
        self._body_bytes = 0
        # Webhooks recorded since the inbox was made, those let go of and cleared included:
        # each one's sequence number, by which a durable store writes only the new ones and
        # lets go of the rows of those no longer kept.
        self.recorded = 0

    def __iter__(self) -> Iterator[Received]:
        return iter(list(self._received))

    def __len__(self) -> int:
        return len(self._received)

    def record(self, received: Received) -> None:
        kept = self._received
        kept.append(received)
        self._body_bytes += len(received.body)
        self.recorded += 1
        while len(kept) > self.capacity or (self._body_bytes > self.body_budget and len(kept) > 1):
            self._body_bytes -= len(kept.popleft().body)

    def clear(self) -> None:
        self._received.clear()
        self._body_bytes = 0

    def recorded_since(self, count: int) -> list[Received]:
        """The webhooks recorded after the first `count` (those still kept), oldest first."""
        wanted = min(self.recorded - count, len(self._received))
        if wanted <= 0:
            return []
        newest_first = list(islice(reversed(self._received), wanted))
        newest_first.reverse()
        return newest_first
