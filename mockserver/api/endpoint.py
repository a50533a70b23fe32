"""What every API-plane request goes through, whichever transport carries it.

One admission path (scripted fault -> auth -> rate limit), one journal entry per request, the
scripted dropped connection, and an enveloped 500 for a bug of ours, so GraphQL and REST cannot
drift apart.

An `ApiEndpoint` is a plain ASGI app: the application calls it directly for its routes, without
Starlette's middleware and routing on the way (see app.MockApp), and Starlette's router calls it
for the same routes otherwise; either way it does all of the above itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..core.accounts import Account
from ..core.engine import Admission
from ..core.errors import internal_error
from ..core.journal import DROPPED
from ..runtime.mock_runtime import MockRuntime
from ..web.answers import error_response, send_response
from .request import ApiRequest

Handler = Callable[[ApiRequest], Awaitable[Response]]


class DropConnection(BaseException):
    """Raised to cut the client's connection with no answer at all.

    A BaseException so that no error handler on the way turns it into a 500 response.
    """


async def admit(
    runtime: MockRuntime,
    request: ApiRequest,
    operation: str | None,
    api_key: str | None,
    header: str,
    *,
    account: Account | None = None,
) -> Admission:
    """Scripted fault (with its delay), then authentication and rate limits; raises ApiError.

    `account`: the key's account, if the transport already found it (see Engine.admit)."""
    request.operation, request.api_key = operation, api_key
    engine = runtime.engine
    asked = request.header(b"x-mock-fault")
    fault = engine.one_off_fault(asked.strip().lower()) if asked else None
    fault = fault or engine.take_fault(operation, api_key)
    if fault is not None:
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
            account = None  # the accounts may have changed meanwhile: look again
        if fault.outcome == "drop":
            raise DropConnection
    return engine.admit(api_key, header, fault, account)


class ApiEndpoint:
    """An API-plane handler as an ASGI app: journaled once it is answered (or dropped)."""

    def __init__(self, runtime: MockRuntime, handler: Handler) -> None:
        self.runtime = runtime
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = self.runtime
        request = ApiRequest(scope, receive)
        at, started = runtime.clock.now(), time.perf_counter()
        response: Response | None = None
        try:
            response = await self.handler(request)
            status = response.status_code
        except DropConnection:
            status = DROPPED
        except ClientDisconnect:
            status = 400  # nobody is there to answer, and it is no bug of ours
        except Exception as error:
            status = 500
            response = error_response(internal_error())
            runtime.report_bug(f"{request.method} {request.path}", error)
        runtime.engine.journal.record(
            at=at,
            method=request.method,
            path=request.path,
            operation=request.operation,
            api_key=request.api_key,
            status=status,
            duration_ms=(time.perf_counter() - started) * 1000,
        )
        if response is not None:
            await send_response(response, scope, receive, send)
        elif status == DROPPED:
            await _drop_connection(receive)


async def _drop_connection(receive: Receive) -> None:
    """Reset the client's TCP connection, sending nothing.

    uvicorn does not hand the socket to the app, but its `receive` is a method of the object
    that owns the transport; aborting that transport resets the connection. In-process (no
    socket) the client sees ConnectionResetError, which is what an HTTP client raises too.
    """
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionResetError("connection dropped by a scripted fault")
    transport.abort()
    await asyncio.sleep(0)  # let the server see the connection is gone before we return
