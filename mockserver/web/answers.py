"""The one writer of answers: JSON bodies, the documented error envelope, headers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..core.compact_json import C_MAKE_ENCODER, compact_encoder
from ..core.errors import ApiError
from .server_extensions import WHOLE_ANSWER

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# How `_ENCODER`, and so `encode_json`, writes a string: quoted, escaped, non-ASCII kept as is.
encode_json_string: Callable[[str], str] = json.encoder.encode_basestring


def compact_json_encoder(make: Callable[..., Any] | None = C_MAKE_ENCODER) -> Callable[[Any], str]:
    """`_ENCODER.encode`, minus the C encoder that `encode` builds anew on every call
    (core.compact_json)."""
    return compact_encoder(_ENCODER, make)


encode_json = compact_json_encoder()


class _JSON(Response):
    """A Response whose raw headers are built directly: Starlette's generic header setup costs
    more than encoding the body, and every API answer goes through here."""

    media_type = "application/json"

    def __init__(self, body: bytes, status: int, headers: dict[str, str] | None) -> None:
        self.status_code = status
        self.body = body
        self.background = None
        raw = [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
        ]
        if headers:
            raw.extend((name.lower().encode(), value.encode()) for name, value in headers.items())
        self.raw_headers = raw


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return _JSON(encode_json(payload).encode(), status, headers)


def encoded_json_response(
    body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """An answer whose JSON is already encoded."""
    return _JSON(body, status, headers)


async def send_response(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    """Send `response`; a JSON answer whole where the server takes it so, else in two
    messages, with none of Response.__call__'s extras."""
    if isinstance(response, _JSON):
        extensions = scope.get("extensions")
        if extensions is not None:
            whole = extensions.get(WHOLE_ANSWER)
            if whole is not None:
                whole(response.status_code, response.raw_headers, response.body)
                return
        start = {"type": "http.response.start", "status": response.status_code}
        await send({**start, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": response.body})
    else:
        await response(scope, receive, send)


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> Response:
    """The documented body `{"errors": [...]}` with the error's status and headers."""
    return json_response(error.body(), error.status, {**(headers or {}), **error.headers})
