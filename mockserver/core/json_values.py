"""What a well-formed JSON body may still not hold: text UTF-8 cannot encode, numbers too long,
nesting too deep to walk.

`json` decodes `"\\ud800"` (half of a surrogate pair, alone) without complaint, but no answer or
stored value can hold one: encoding it to UTF-8 later raises, long after the request that brought
it. And `json` refuses an integer of more digits than `sys.get_int_max_str_digits()` with a plain
ValueError. Both are the client's doing, so `parse_json` (mockserver.responses) turns both into
400s naming the field, using what is here to find it. None of this runs for an ordinary body.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .encodable import has_lone_surrogate


def may_hold_surrogates(text: str) -> bool:
    """Whether the JSON `text` can decode to a surrogate: only a `\\u` escape can make one,
    because the bytes were already decoded as strict UTF-8."""
    return "\\u" in text


def field_name(path: list[str]) -> str:
    """`variables.input.text` or `items[2]`, printable even when a key holds a surrogate."""
    dotted = ".".join(path).replace(".[", "[")
    return dotted.encode("utf-8", "backslashreplace").decode("utf-8")


def surrogate_path(value: Any) -> list[str] | None:
    """Where in `value` the first string or key holding a lone surrogate is, or None."""
    stack: list[tuple[Any, list[str]]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                return path
        elif isinstance(item, dict):
            for key in item:
                if has_lone_surrogate(key):
                    return [*path, key]
        stack.extend(reversed(_children(item, path)))
    return None


def _children(item: Any, path: list[str]) -> list[tuple[Any, list[str]]]:
    """The values inside a container with their paths, in document order."""
    if isinstance(item, dict):
        return [(child, [*path, key]) for key, child in item.items()]
    if isinstance(item, list):
        return [(child, [*path, f"[{index}]"]) for index, child in enumerate(item)]
    return []


class _TooManyDigits:
    """Stands in for an integer `int()` refuses to read, so that its place can be found."""


_TOO_MANY_DIGITS = _TooManyDigits()


def _int_or_marker(digits: str) -> Any:
    try:
        return int(digits)
    except ValueError:
        return _TOO_MANY_DIGITS


_MARKING_DECODER = json.JSONDecoder(parse_int=_int_or_marker)


def long_integer_path(text: str) -> list[str] | None:
    """Where in the JSON `text` the first integer of too many digits is, or None.

    Decodes `text` again, which is fine: this runs only after a decode already failed on it.
    """
    try:
        value = _MARKING_DECODER.decode(text)
    except ValueError:
        return None
    stack: list[tuple[Any, list[str]]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if item is _TOO_MANY_DIGITS:
            return path
        stack.extend(reversed(_children(item, path)))
    return None


def max_integer_digits() -> int:
    return sys.get_int_max_str_digits()


def nesting_depth(value: Any, limit: int) -> int:
    """How deeply containers nest in `value`, counted without recursion; once past `limit`, a
    depth past it (the walk stops there)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth <= limit:
            stack.extend((child, depth + 1) for child in children)
        else:
            return depth
    return deepest
