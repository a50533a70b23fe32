"""The query parameters of the control plane's listings, checked before they are used.

Every filter is one of three kinds: free text (a key, an id), one of a known set (a status), or
a whole number inside bounds. Anything else is a 400 naming the parameter, never an empty list
that looks like an answer, and never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from ..core.errors import bad_request

# ASCII digits only: `str.isdigit` also accepts '²', which `int()` then refuses. The length cap
# keeps `int()` off numbers thousands of digits long (it refuses those too, and slowly).
_WHOLE = re.compile(r"[0-9]{1,12}")


class ControlQuery:
    """`request.query_params`, read through checks."""

    def __init__(self, params: Mapping[str, str]) -> None:
        self._params = params

    def text(self, name: str) -> str | None:
        return self._params.get(name)

    def choice(self, name: str, choices: Collection[str]) -> str | None:
        """The value if it is one of `choices`, None when absent; a 400 otherwise."""
        value = self._params.get(name)
        if value is not None and value not in choices:
            raise bad_request(f"{name} must be one of {', '.join(choices)}, got {value!r}", name)
        return value

    def whole(self, name: str, low: int, high: int) -> int | None:
        """A whole number from `low` to `high`, None when absent; a 400 otherwise."""
        value = self._params.get(name)
        if value is None:
            return None
        number = int(value) if _WHOLE.fullmatch(value) else None
        if number is None or not low <= number <= high:
            shown = value if len(value) <= 40 else value[:40] + "..."
            raise bad_request(
                f"{name} must be a whole number from {low} to {high}, got {shown!r}", name
            )
        return number
