"""One copy of each equal bytes object held, with a count of its holders and their size in all.

The journal keeps what each request sent, and most requests send what others sent before: a
client's polls carry the same headers each time, a test's creates often the same body. Held
once, a repeat costs a reference; counted, a copy is let go when its last holder lets go of it,
and `size` is what all of them hold at once, the figure a budget can be kept on.
"""

from __future__ import annotations

# What one distinct copy costs beyond its length on 64-bit CPython: the object's header, its
# holder count and its place in the table, spare room included (tracemalloc shows 110 to 133
# bytes, as the table grows). Counted in `size`, so that many small copies are not free.
OVERHEAD = 136


class _Held:
    __slots__ = ("data", "holders")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.holders = 1


class SharedBytes:
    """`hold` hands back the copy already held of equal bytes (or keeps this one); `release`
    lets go of one hold. The empty bytes object is a singleton and never counted."""

    def __init__(self) -> None:
        self._held: dict[bytes, _Held] = {}
        self.size = 0  # bytes held, OVERHEAD included for each distinct copy

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, data: bytes) -> bytes:
        if not data:
            return data
        held = self._held.get(data)
        if held is None:
            self._held[data] = _Held(data)
            self.size += len(data) + OVERHEAD
            return data
        held.holders += 1
        return held.data

    def release(self, data: bytes) -> None:
        """Let go of one hold of `data` (a copy `hold` handed back)."""
        if not data:
            return
        held = self._held[data]
        held.holders -= 1
        if not held.holders:
            del self._held[data]
            self.size -= len(data) + OVERHEAD
