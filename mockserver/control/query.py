"""The query parameters of the control plane's listings, checked before they are used.

Every filter is one of three kinds: free text (a key, an id), one of a known set (a status), or
a whole number inside bounds. Anything else is a 400 naming the parameter, never an empty list
that looks like an answer, and never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from ..core.clock import parse_iso
from ..core.errors import bad_request
from ..core.journal import Filters

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


def entry_id(text: str) -> int | None:
    """A journal entry's id as a path gives it; None if it cannot be one (so: not found)."""
    return int(text) if _WHOLE.fullmatch(text) else None


def journal_filters(query: ControlQuery, statuses: tuple[int, int]) -> Filters:
    """The journal's filters from `?operation=`, `?apiKey=`, `?status=` (within `statuses`),
    `?code=`, `?jobId=`, `?since=` and `?contains=`.

    `since` is an entry id (the entries after it) or an ISO 8601 instant (those that arrived
    at it or later), so a test can ask for what happened after a request it knows of, or
    after a moment on the mock's clock.
    """
    since = query.text("since")
    since_id = since_at = None
    if since is not None:
        since_id = entry_id(since)
        if since_id is None:
            since_at = _instant(since)
    contains = query.text("contains")
    return Filters(
        operation=query.text("operation"),
        api_key=query.text("apiKey"),
        status=query.whole("status", *statuses),
        code=query.text("code"),
        job_id=query.text("jobId"),
        since_id=since_id,
        since_at=since_at,
        contains=contains.encode() if contains is not None else None,
    )


def _instant(text: str) -> float:
    try:
        return parse_iso(text)
    except (ValueError, OverflowError):
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise bad_request(
            f"since must be an entry id or an ISO 8601 time such as 2024-01-01T00:00:00Z,"
            f" got {shown!r}",
            "since",
        ) from None
