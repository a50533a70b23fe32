"""Reading a state document field by field, each error naming where in the document it is.

A snapshot comes from a client (`PUT /__mock/state`) or from a file (`serve --state`), so every
value is checked before anything is built from it: a wrong type, a number out of range or an
unknown name is a StateError whose `field` is the value's path (`jobs[3].createdAt`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, TypeVar

from .clock import EARLIEST, LATEST, MAX_LEAD_SECONDS
from .encodable import has_lone_surrogate

T = TypeVar("T")
# Every instant a mock stamps lies between the clock's earliest and what it may lead by.
LAST_INSTANT = LATEST + MAX_LEAD_SECONDS


class StateError(ValueError):
    """A state document that cannot be loaded: `field` says where, the message what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Fields:
    """One JSON object of a state document, at `path`, read one field at a time."""

    __slots__ = ("path", "raw")

    def __init__(self, raw: Any, path: str) -> None:
        if not isinstance(raw, dict):
            raise StateError(path, f"expected an object, got {_shown(raw)}")
        self.raw: dict[str, Any] = raw
        self.path = path

    def where(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, message: str) -> StateError:
        return StateError(self.where(name), message)

    def only(self, *names: str) -> Fields:
        """Refuse any field not in `names` (a typo would otherwise be dropped unseen)."""
        unknown = sorted(set(self.raw) - set(names))
        if unknown:
            raise self.fail(unknown[0][:80], f"unknown field; known: {', '.join(names)}")
        return self

    def _get(self, name: str) -> Any:
        if name not in self.raw:
            raise self.fail(name, "is required")
        return self.raw[name]

    def text(self, name: str, *, empty: bool = False) -> str:
        value = self._get(name)
        if not isinstance(value, str) or (not empty and not value):
            raise self.fail(
                name, f"expected a{'' if empty else ' non-empty'} string, got {_shown(value)}"
            )
        if has_lone_surrogate(value):
            raise self.fail(name, "holds a lone surrogate, which UTF-8 cannot encode")
        return value

    def optional_text(self, name: str) -> str | None:
        return None if self.raw.get(name) is None else self.text(name, empty=True)

    def whole(self, name: str, low: int = 0, high: int = 2**63 - 1) -> int:
        value = self._get(name)
        if type(value) is not int or not low <= value <= high:
            raise self.fail(
                name, f"expected a whole number from {low} to {high}, got {_shown(value)}"
            )
        return value

    def optional_whole(self, name: str, low: int = 0, high: int = 2**63 - 1) -> int | None:
        return None if self.raw.get(name) is None else self.whole(name, low, high)

    def number(self, name: str, low: float = 0.0, high: float = 1e15) -> float:
        value = self._get(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not low <= value <= high
        ):
            raise self.fail(
                name, f"expected a number from {low:g} to {high:g}, got {_shown(value)}"
            )
        return float(value)

    def instant(self, name: str) -> float:
        """Seconds since the Unix epoch, within what the mock's clock can stamp."""
        return self.number(name, EARLIEST, LAST_INSTANT)

    def optional_instant(self, name: str) -> float | None:
        return None if self.raw.get(name) is None else self.instant(name)

    def flag(self, name: str) -> bool:
        value = self.raw.get(name, False)
        if not isinstance(value, bool):
            raise self.fail(name, f"expected true or false, got {_shown(value)}")
        return value

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = self._get(name)
        if value not in choices:
            raise self.fail(name, f"expected one of {', '.join(choices)}, got {_shown(value)}")
        assert isinstance(value, str)
        return value

    def object(self, name: str) -> Fields:
        return Fields(self._get(name), self.where(name))

    def items(self, name: str) -> Iterator[tuple[str, Any]]:
        """Each element of the list `name`, with its path (`jobs[3]`)."""
        value = self._get(name)
        if not isinstance(value, list):
            raise self.fail(name, f"expected a list, got {_shown(value)}")
        where = self.where(name)
        for index, item in enumerate(value):
            yield f"{where}[{index}]", item

    def objects(self, name: str) -> Iterator[Fields]:
        for path, item in self.items(name):
            yield Fields(item, path)

    def raw_list(self, name: str) -> list[Any]:
        value = self._get(name)
        if not isinstance(value, list):
            raise self.fail(name, f"expected a list, got {_shown(value)}")
        return value
