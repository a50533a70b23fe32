"""SharedBytes: one copy of equal bytes, counted by holders, its size what is held at once."""

from __future__ import annotations

from mockserver.core.shared_bytes import OVERHEAD, SharedBytes


def test_equal_bytes_come_back_as_the_first_copy_and_count_once() -> None:
    shared = SharedBytes()
    first = shared.hold(b"same body")
    again = shared.hold(bytes(bytearray(b"same body")))  # equal, another object
    assert again is first
    assert (len(shared), shared.size) == (1, len(b"same body") + OVERHEAD)
    shared.hold(b"other")
    assert shared.size == len(b"same body") + len(b"other") + 2 * OVERHEAD


def test_a_copy_goes_with_its_last_holder() -> None:
    shared = SharedBytes()
    kept = shared.hold(b"body")
    shared.hold(b"body")
    shared.release(kept)
    assert (len(shared), shared.size) == (1, len(b"body") + OVERHEAD)
    shared.release(kept)
    assert (len(shared), shared.size) == (0, 0)


def test_the_empty_body_is_never_counted() -> None:
    shared = SharedBytes()
    assert shared.hold(b"") == b""
    shared.release(b"")
    assert (len(shared), shared.size) == (0, 0)
