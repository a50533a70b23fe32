"""The one writer of API-plane answers: JSON bodies, the documented error envelope, headers."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from .core.errors import ApiError, bad_request, payload_too_large

MAX_JSON_DEPTH = 32


# One encoder for every answer: json.dumps with options builds a new encoder on each call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


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
    return _JSON(_ENCODER.encode(payload).encode(), status, headers)


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> Response:
    """The documented body `{"errors": [...]}` with the error's status and headers."""
    return json_response(error.body(), error.status, {**(headers or {}), **error.headers})


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything past `limit` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        if int(declared) > limit:
            raise payload_too_large(limit)
        return await _receive_all(request)  # the server holds the body to the declared length
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise payload_too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def _receive_all(request: Request) -> bytes:
    """The whole body, straight from `receive` (no async generator on the way)."""
    chunks = []
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def parse_json(body: bytes, check_depth: bool = True) -> Any:
    """Decode a JSON body; malformed JSON, bad UTF-8 or absurd nesting are 400s, never 500s.

    `check_depth=False` skips the depth walk for bodies whose reader never recurses (REST).
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise bad_request(f"The request body is not valid UTF-8 (byte {error.start})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise bad_request(
            f"Malformed JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        value = None
        depth = MAX_JSON_DEPTH + 1
    else:
        depth = json_depth(value) if check_depth else 0
    if depth > MAX_JSON_DEPTH:
        raise bad_request(f"JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def json_depth(value: Any) -> int:
    """How deeply containers nest in `value`, counted without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:
            stack.extend((child, depth + 1) for child in children)
        else:
            return depth
    return deepest


def base_url(request: Request) -> str:
    """Scheme and authority the client used, so links in answers reach this very server.

    Read from the scope and cached on it: building Starlette URL objects costs more than the
    rest of a create request.
    """
    scope = request.scope
    cached: str | None = scope.get("mock.base_url")
    if cached is None:
        host = request.headers.get("host")
        if not host:
            server = scope.get("server") or ("localhost", 80)
            host = f"{server[0]}:{server[1]}"
        root = scope.get("root_path", "")
        cached = scope["mock.base_url"] = f"{scope.get('scheme', 'http')}://{host}{root}"
    return cached
