"""One copy of each repeated string, for state that keeps many of them (jobs, the journal)."""

from __future__ import annotations

DEFAULT_LIMIT = 10_000


class SharedStrings:
    """Hands back an equal string seen before, so a million jobs hold one copy of each voice.

    Bounded: past `limit` distinct strings it stops remembering new ones (and returns them as
    they are), so client-chosen strings cannot grow it without end.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        seen = self._seen.get(text)
        if seen is not None:
            return seen
        if len(self._seen) < self.limit:
            self._seen[text] = text
        return text

    def optional(self, text: str | None) -> str | None:
        if text is None:
            return None
        seen = self._seen.get(text)  # a string seen before, without a second call for it
        return seen if seen is not None else self(text)
