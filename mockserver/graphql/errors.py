"""Rewrite graphql-core's variable errors so they name the field by its full path.

graphql-core says "Variable '$input' has invalid value at .input: Expected value of type
'GenerateContentInput' to include required field 'avatarId'"; a person fixing the request
wants "input.input.avatarId is required", the same words the REST transport uses.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.errors import SHOWN_CHARS, bad_request, clipped, shown

_VARIABLE = re.compile(
    r"^Variable '\$(?P<var>\w+)' has invalid value(?: at \.(?P<path>[\w.\[\]]+))?: (?P<detail>.*)$",
    re.DOTALL,
)
_REQUIRED = re.compile(r"to include required field '(?P<field>\w+)'")
_UNKNOWN = re.compile(r"not to include unknown field '(?P<field>\w+)'")
_MISSING = ("not to be None", "to be provided")
_LONG_QUOTED = re.compile(f"'([^']{{{SHOWN_CHARS + 1},}})'")


def describe(message: str) -> tuple[str, str | None]:
    """(message, field path) of a GraphQL request error; as it was if not about a variable.
    Whatever the message names of the request (a field, a type, a value), it names shortly."""
    match = _VARIABLE.match(message)
    if match is None:
        return _short_quotes(message), None
    field = match["var"] + (f".{match['path']}" if match["path"] else "")
    detail = match["detail"]
    if required := _REQUIRED.search(detail):
        field = f"{field}.{required['field']}"
        return f"{clipped(field)} is required", field
    if unknown := _UNKNOWN.search(detail):
        field = f"{field}.{unknown['field']}"
        return f"Unknown field {clipped(field)}", field
    if any(phrase in detail for phrase in _MISSING):
        return f"{clipped(field)} is required", field
    return f"{clipped(field)}: {_short_quotes(detail)}", field


def _short_quotes(message: str) -> str:
    """graphql-core's message with each long name or value it quotes cut short."""
    return _LONG_QUOTED.sub(lambda quoted: shown(quoted[1]), message)


def bad_request_entry(message: str, field: str | None = None) -> dict[str, Any]:
    """One entry of the documented `errors` list for a request the schema rejects; `field`
    when the error itself knows which field it is about."""
    text, described = describe(message)
    entry: dict[str, Any] = bad_request(text, field or described).body()["errors"][0]
    return entry
