"""Reading a request body, bounded: a body past the limit is refused before it is all read."""

from __future__ import annotations

from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import Receive

from ..core.errors import payload_too_large
from .server_extensions import WHOLE_BODY


async def read_body(
    receive: Receive,
    declared_length: bytes | str | None,
    limit: int,
    extensions: dict[str, Any] | None = None,
) -> bytes:
    """Read a body from `receive`, refusing (413) anything past `limit` bytes without reading it
    all: at once when the declared length is too long, else when the streamed chunks pass it.
    A body the server already holds whole (`extensions`, the scope's) is taken from there."""
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        raise payload_too_large(limit)
    whole: bytes | None = extensions.get(WHOLE_BODY) if extensions is not None else None
    if whole is not None:
        if len(whole) > limit:
            raise payload_too_large(limit)
        return whole
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk: bytes = message.get("body", b"")
        more: Any = message.get("more_body", False)
        if not more and not chunks:
            if len(chunk) > limit:
                raise payload_too_large(limit)
            return chunk  # the usual case: one message holds the whole body
        size += len(chunk)
        if size > limit:
            raise payload_too_large(limit)
        chunks.append(chunk)
        if not more:
            return b"".join(chunks)
