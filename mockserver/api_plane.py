"""What every API-plane request goes through, whichever transport carries it.

One admission path (scripted fault -> auth -> rate limit), one journal entry per request, and
the scripted dropped connection, so GraphQL and REST cannot drift apart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .core.engine import Admission
from .core.journal import DROPPED
from .runtime import MockRuntime

Endpoint = Callable[[Request], Awaitable[Response]]


class DropConnection(BaseException):
    """Raised to cut the client's connection with no answer at all.

    A BaseException so that no error handler on the way turns it into a 500 response.
    """


async def admit(
    runtime: MockRuntime,
    request: Request,
    operation: str | None,
    api_key: str | None,
    header: str,
) -> Admission:
    """Scripted fault (with its delay), then authentication and rate limits; raises ApiError."""
    # Kept in the scope (not request.state) for the journal: cheaper on every request.
    request.scope["mock.operation"], request.scope["mock.api_key"] = operation, api_key
    engine = runtime.engine
    asked = request.headers.get("x-mock-fault")
    fault = engine.one_off_fault(asked.strip().lower()) if asked else None
    fault = fault or engine.take_fault(operation, api_key)
    if fault is not None:
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.outcome == "drop":
            raise DropConnection
    return engine.admit(api_key, header, fault)


def journaled(runtime: MockRuntime, handler: Endpoint) -> Endpoint:
    """Record the request in the journal once it is answered (or dropped)."""

    async def endpoint(request: Request) -> Response:
        at, started = runtime.clock.now(), time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status_code
            return response
        except DropConnection:
            status = DROPPED
            raise
        finally:
            runtime.engine.journal.record(
                at=at,
                method=request.scope["method"],
                path=request.scope["path"],
                operation=request.scope.get("mock.operation"),
                api_key=request.scope.get("mock.api_key"),
                status=status,
                duration_ms=(time.perf_counter() - started) * 1000,
            )

    return endpoint


class DropConnectionMiddleware:
    """Turns DropConnection into a reset connection on a real server.

    uvicorn does not hand the socket to the app, but its `receive` is a method of the object
    that owns the transport; aborting that transport resets the TCP connection. In-process (no
    socket) the client sees ConnectionResetError, which is what an HTTP client raises too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except DropConnection:
            transport = getattr(getattr(receive, "__self__", None), "transport", None)
            if transport is None:
                raise ConnectionResetError("connection dropped by a scripted fault") from None
            transport.abort()
            await asyncio.sleep(0)  # let the server see the connection is gone before we return
