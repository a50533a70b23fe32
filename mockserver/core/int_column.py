"""A column of whole numbers that grows at its end and is cut from its front, in fixed chunks.

Each chunk is allocated once at its full size and never resized. One growing array would be
moved to a larger block again and again as it grew, and the blocks it left behind stay in the
process's memory as holes; chunks of one size leave none, as a freed one is the next one's.
Unboxed, a number takes 4 bytes while the numbers fit in 32 bits unsigned (a request id does
for billions of requests), 8 from the first one that does not: a list would hold a reference
to a 32-byte int for each.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Iterator
from itertools import islice

CHUNK = 4096  # numbers per chunk: small enough that a mostly empty last one is cheap
NARROW, WIDE = "I", "q"  # the chunks' typecodes: 4 bytes unsigned, then 8 bytes signed


class IntColumn:
    """Signed 64-bit numbers, oldest first: `append` at the end, `popleft` from the front."""

    __slots__ = ("_chunks", "_head", "_tail")

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._chunks: deque[array[int]] = deque()
        self._head = 0  # where the oldest number is in the first chunk
        self._tail = CHUNK  # where the next one goes in the last chunk; CHUNK: a new one

    def __len__(self) -> int:
        return len(self._chunks) * CHUNK - self._head - (CHUNK - self._tail)

    def append(self, value: int) -> None:
        chunks = self._chunks
        if self._tail == CHUNK:
            typecode = chunks[-1].typecode if chunks else NARROW  # once wide, wide on
            chunks.append(array(typecode, [0]) * CHUNK)
            self._tail = 0
        chunk = chunks[-1]
        try:
            chunk[self._tail] = value
        except OverflowError:  # negative, or past 32 bits: this chunk, and those after, go wide
            chunk = chunks[-1] = array(WIDE, chunk)
            chunk[self._tail] = value
        self._tail += 1

    def popleft(self) -> int:
        """The oldest number, taken out; IndexError if there is none."""
        if not len(self):
            raise IndexError("popleft from an empty IntColumn")
        value = self._chunks[0][self._head]
        self._head += 1
        if self._head == CHUNK:  # the first chunk is spent: it goes, and the next is first
            self._chunks.popleft()
            self._head = 0
        return value

    def __iter__(self) -> Iterator[int]:
        last = len(self._chunks) - 1
        for index, chunk in enumerate(self._chunks):
            start = self._head if index == 0 else 0
            yield from islice(chunk, start, self._tail if index == last else CHUNK)
