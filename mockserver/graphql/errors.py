"""Rewrite graphql-core's variable errors so they name the field by its full path.

graphql-core says "Variable '$input' has invalid value at .input: Expected value of type
'GenerateContentInput' to include required field 'avatarId'"; a person fixing the request
wants "input.input.avatarId is required", the same words the REST transport uses.
"""

from __future__ import annotations

import re
from typing import Any

_VARIABLE = re.compile(
    r"^Variable '\$(?P<var>\w+)' has invalid value(?: at \.(?P<path>[\w.\[\]]+))?: (?P<detail>.*)$",
    re.DOTALL,
)
_REQUIRED = re.compile(r"to include required field '(?P<field>\w+)'")
_UNKNOWN = re.compile(r"not to include unknown field '(?P<field>\w+)'")
_MISSING = ("not to be None", "to be provided")


def describe(message: str) -> tuple[str, str | None]:
    """(message, field path) of a GraphQL request error; as it was if not about a variable."""
    match = _VARIABLE.match(message)
    if match is None:
        return message, None
    field = match["var"] + (f".{match['path']}" if match["path"] else "")
    detail = match["detail"]
    if required := _REQUIRED.search(detail):
        field = f"{field}.{required['field']}"
        return f"{field} is required", field
    if unknown := _UNKNOWN.search(detail):
        field = f"{field}.{unknown['field']}"
        return f"Unknown field {field}", field
    if any(phrase in detail for phrase in _MISSING):
        return f"{field} is required", field
    return f"{field}: {detail}", field


def bad_request_entry(message: str, field: str | None = None) -> dict[str, Any]:
    """One entry of the documented `errors` list for a request the schema rejects; `field`
    when the error itself knows which field it is about."""
    text, described = describe(message)
    field = field or described
    extensions: dict[str, Any] = {"code": "BAD_REQUEST"}
    if field:
        extensions["field"] = field
    return {"message": text, "extensions": extensions}
