"""The newest entries of a listing that matches filters, found from the newest end.

A mock under load holds up to 100,000 jobs and 10,000 deliveries; a page that shows the latest
few every second must not walk (or encode) all of them to do it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Reversible
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def newest(items: Iterable[T], keep: Callable[[T], bool], limit: int | None) -> list[T]:
    """The items `keep` accepts, oldest first; with `limit`, only the newest `limit` of them."""
    if limit is None:
        return [item for item in items if keep(item)]
    backwards = reversed(items) if isinstance(items, Reversible) else reversed(list(items))
    found = list(islice((item for item in backwards if keep(item)), limit))
    found.reverse()
    return found
