"""Journal entries as the Python client hands them out: typed, with the body already decoded.

Each one is read from the control plane's JSON (`GET /__mock/requests`), and can still be read
by that JSON's field names (`entry["operation"]`), as the dicts the client used to return were.
"""

from __future__ import annotations

import json as json_module
from dataclasses import dataclass, field
from typing import Any

_UNREAD = object()


@dataclass(frozen=True)
class RequestEntry:
    """One API request the mock received, and what it answered."""

    id: int
    at: str  # ISO 8601, on the mock's clock
    method: str
    path: str
    operation: str | None  # "rest.create", "rest.get", "generate", "avatar", ...
    api_key: str | None
    status: int  # 0 for a connection the mock cut on purpose
    code: str | None  # the error code answered, None on success
    job_id: str | None  # the job it created or read
    headers: dict[str, str]  # by lower-case name; the API key is `api_key`, never here
    body: str | None  # as text, perhaps cut (`truncated`); None once dropped for the budget
    truncated: bool
    body_dropped: bool
    variables: dict[str, Any] | None  # GraphQL's variables; None for REST
    operation_name: str | None  # GraphQL's operationName
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> RequestEntry:
        return cls(
            id=entry["id"],
            at=entry["at"],
            method=entry["method"],
            path=entry["path"],
            operation=entry["operation"],
            api_key=entry["apiKey"],
            status=entry["status"],
            code=entry["code"],
            job_id=entry["jobId"],
            headers=entry["headers"],
            body=entry["body"],
            truncated=entry["truncated"],
            body_dropped=entry["bodyDropped"],
            variables=entry.get("variables"),
            operation_name=entry.get("operationName"),
            raw=entry,
        )

    def __getitem__(self, name: str) -> Any:
        """The field of the control plane's JSON, e.g. `entry["apiKey"]`."""
        return self.raw[name]

    @property
    def graphql(self) -> bool:
        return "variables" in self.raw

    @property
    def json(self) -> Any:
        """The body's JSON; None when there is none, it is cut or dropped, or not JSON."""
        if self.body is None or self.truncated or not self.body.strip():
            return None
        try:
            return json_module.loads(self.body)
        except ValueError:
            return None

    @property
    def input(self) -> Any:
        """What `assert_requested(json=...)` matches: the REST body, or GraphQL's `input`
        variable (the documented operations take their whole input in it)."""
        if self.graphql:
            return (self.variables or {}).get("input", _UNREAD)
        body = self.json
        return _UNREAD if body is None else body


def unread(value: Any) -> bool:
    """Whether `value` is RequestEntry.input's "there is nothing to match" marker."""
    return value is _UNREAD
