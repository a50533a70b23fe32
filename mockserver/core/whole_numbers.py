"""Numbers a client wrote: whole numbers in a header, finite numbers in a JSON body.

`str.isdigit()` is true for `²` and `٣` too, and `int()` refuses the first, reads the second as
3, and refuses any string of thousands of digits: so only a few ASCII digits count here. And a JSON
integer of hundreds of digits is too large for a float: `math.isfinite()` raises on it.
"""

from __future__ import annotations

import math
from typing import Any


def whole_number(text: str, max_digits: int) -> int | None:
    """`text` as an int when it is 1 to `max_digits` ASCII digits; None otherwise."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def finite_number(value: Any) -> float | None:
    """`value` as a float when it is a JSON number a float can hold (not a bool, not NaN or
    infinite, not an integer too large to convert); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
