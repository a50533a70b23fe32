"""`assert_requested`: did the client send what the test expects, and if not, what came closest.

A request matches when every criterion holds: its JSON (the REST body or GraphQL's `input`)
and its variables contain the expected values (a subset: keys the test does not name are not
checked, nested objects the same way, lists element by element), its headers carry the ones
expected, and it came with the expected key. A failure says what was expected and lists the
requests of that operation that came closest, each with the fields that differ, so the test's
author sees the near miss rather than a count.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .entries import RequestEntry, unread

SHOWN_NEAR_MISSES = 5
SHOWN_VALUE_CHARS = 60


@dataclass(frozen=True)
class Expected:
    """What a test expects of a request, besides its operation."""

    json: Any = None
    variables: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    api_key: str | None = None

    def differences(self, entry: RequestEntry) -> list[str]:
        """What of `entry` differs from this (nothing: it matches)."""
        found: list[str] = []
        if self.api_key is not None and entry.api_key != self.api_key:
            found.append(f"apiKey {_shown(entry.api_key)}")
        if self.json is not None:
            actual = entry.input
            if unread(actual):
                found.append("no JSON input" if entry.body is not None else "body not kept")
            else:
                found.extend(_subset_differences(self.json, actual, ""))
        if self.variables is not None:
            actual_variables = entry.variables if entry.graphql else None
            if actual_variables is None:
                found.append("no variables")
            else:
                found.extend(_subset_differences(self.variables, actual_variables, "variables"))
        for name, value in (self.headers or {}).items():
            sent = entry.headers.get(name.lower())
            if sent is None:
                found.append(f"header {name} missing")
            elif sent != value:
                found.append(f"header {name} {_shown(sent)}")
        return found

    def describe(self) -> str:
        """' with {...} and headers {...}', or '' when nothing is expected beyond the operation."""
        parts = []
        if self.json is not None:
            parts.append(_json(self.json))
        if self.variables is not None:
            parts.append(f"variables {_json(self.variables)}")
        if self.headers is not None:
            parts.append(f"headers {_json(self.headers)}")
        if self.api_key is not None:
            parts.append(f"key {self.api_key}")
        return (" with " + " and ".join(parts)) if parts else ""


def verify(
    journal: Sequence[RequestEntry],
    operation: str | None,
    expected: Expected,
    times: int | None,
) -> str | None:
    """Why the journal does not show what is expected (None: it does).

    `times` None: at least once; a number: exactly that many (0 for "never").
    """
    entries = [e for e in journal if operation is None or e.operation == operation]
    message = _verify(entries, operation, expected, times)
    if message is not None and not entries and journal:
        seen = Counter(entry.operation or "(no operation)" for entry in journal)
        message += " (other requests: " + ", ".join(f"{n} {op}" for op, n in seen.items()) + ")"
    return message


def _verify(
    entries: Sequence[RequestEntry], operation: str | None, expected: Expected, times: int | None
) -> str | None:
    differences = [(entry, expected.differences(entry)) for entry in entries]
    matching = [entry for entry, differ in differences if not differ]
    if (len(matching) >= 1) if times is None else (len(matching) == times):
        return None
    what = operation or "request"
    wanted = "at least 1" if times is None else ("no" if times == 0 else str(times))
    message = f"expected {wanted} {what}{expected.describe()}; got {len(entries)} {what}"
    if matching and times is not None and len(matching) > times:
        named = ", ".join(f"#{entry.id}" for entry in matching)
        return f"{message}, {len(matching)} matching: {named}"
    if matching:
        message += f", {len(matching)} matching"
    # Too few: the closest of the others, fewest differences first.
    misses = sorted(
        ((entry, differ) for entry, differ in differences if differ),
        key=lambda pair: (len(pair[1]), pair[0].id),
    )
    if misses:
        near = [f"#{entry.id} {' and '.join(differ)}" for entry, differ in misses]
        message += ": " + ", ".join(near[:SHOWN_NEAR_MISSES])
        if len(near) > SHOWN_NEAR_MISSES:
            message += f", and {len(near) - SHOWN_NEAR_MISSES} more"
    return message


def _subset_differences(expected: Any, actual: Any, path: str) -> Iterator[str]:
    """Where `actual` does not contain `expected`, each as 'path missing' or 'path <value>'."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            yield f"{path or 'body'} {_shown(actual)}"
            return
        for key, value in expected.items():
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                yield f"{where} missing"
            else:
                yield from _subset_differences(value, actual[key], where)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            yield f"{path or 'body'} {_shown(actual)}"
            return
        for index, (want, have) in enumerate(zip(expected, actual, strict=True)):
            yield from _subset_differences(want, have, f"{path}[{index}]")
    elif not _same_scalar(expected, actual):
        yield f"{path or 'body'} {_shown(actual)}"


def _same_scalar(expected: Any, actual: Any) -> bool:
    # JSON tells true from 1, Python's == does not.
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return bool(expected == actual)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _shown(value: Any) -> str:
    text = _json(value)
    return text if len(text) <= SHOWN_VALUE_CHARS else text[:SHOWN_VALUE_CHARS] + "..."
