"""IntColumn: numbers appended at the end and taken from the front, across chunk boundaries."""

from __future__ import annotations

import random
from collections import deque

import pytest

from mockserver.core import int_column
from mockserver.core.int_column import IntColumn


def test_it_keeps_numbers_in_order_and_gives_the_oldest_first() -> None:
    column = IntColumn()
    assert len(column) == 0 and list(column) == []
    for value in (5, -1, 2**62):
        column.append(value)
    assert list(column) == [5, -1, 2**62] and len(column) == 3
    assert column.popleft() == 5
    assert list(column) == [-1, 2**62]
    column.clear()
    assert list(column) == [] and len(column) == 0


def test_an_empty_column_has_nothing_to_pop() -> None:
    column = IntColumn()
    with pytest.raises(IndexError):
        column.popleft()
    column.append(1)
    column.popleft()
    with pytest.raises(IndexError):
        column.popleft()


@pytest.mark.parametrize("seed", range(4))
def test_it_matches_a_deque_over_many_chunks(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(int_column, "CHUNK", 4)
    column, model = IntColumn(), deque[int]()
    draw = random.Random(seed)
    for step in range(500):
        if model and draw.random() < 0.45:
            assert column.popleft() == model.popleft()
        else:
            column.append(step)
            model.append(step)
        assert len(column) == len(model)
        assert list(column) == list(model)
    assert len(column._chunks) <= len(model) // 4 + 2  # spent chunks are let go


def test_a_chunk_is_allocated_once_at_its_full_size() -> None:
    column = IntColumn()
    column.append(7)
    (chunk,) = column._chunks
    assert len(chunk) == int_column.CHUNK and chunk.itemsize == 4
    for value in range(int_column.CHUNK - 1):
        column.append(value)
    assert column._chunks[0] is chunk  # filled in place, never moved


def test_a_number_past_32_bits_or_below_zero_widens_its_chunk_and_the_later_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(int_column, "CHUNK", 2)
    column = IntColumn()
    for value in (1, 2, 2**32 - 1, 2**32, 5, -3, 2**63 - 1):
        column.append(value)
    assert list(column) == [1, 2, 2**32 - 1, 2**32, 5, -3, 2**63 - 1]
    assert [chunk.itemsize for chunk in column._chunks] == [4, 8, 8, 8]
    with pytest.raises(OverflowError):  # past 64 bits: a number it cannot hold, said so
        column.append(2**63)
    column.clear()
    column.append(1)
    assert column._chunks[0].itemsize == 4  # narrow again after a clear
