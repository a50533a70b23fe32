"""Whole numbers from text a client wrote: a query parameter, a header.

`str.isdigit()` is true for `²` and `٣` too, and `int()` refuses the first, reads the second as
3, and refuses any string of thousands of digits: so only a few ASCII digits count here.
"""

from __future__ import annotations


def whole_number(text: str, max_digits: int) -> int | None:
    """`text` as an int when it is 1 to `max_digits` ASCII digits; None otherwise."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None
