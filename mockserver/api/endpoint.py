"""The one path of every API-plane request, whichever transport carries it.

For each request, in this order: find its runtime, bring that runtime up to the clock's present
(all of it but quiet jobs' ends of the last moments, which a read of the job makes itself),
read the body (bounded), let the transport say what the request asks, admit it (scripted fault
-> key -> rate limit), answer a bad body only now (so a client without a valid key gets its 401
first), let the transport act, and journal the outcome once: with what was sent (headers and
body as they arrived, undecoded), the job it created or read and the error code answered. An
ApiError is answered in the transport's envelope with the admission's headers; any other
exception is a bug of ours, reported to the runtime and answered with an enveloped 500. So REST
and GraphQL cannot drift apart, and their handlers are straight lines.

An `ApiEndpoint` is a plain ASGI app: the application calls it directly for its busiest routes,
without Starlette's middleware and routing on the way (see app.MockApp), and Starlette's router
calls it for the same routes otherwise; either way it does all of the above itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Generic

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..core.engine import Admission
from ..core.errors import ApiError, internal_error
from ..core.journal import DROPPED
from ..core.journal_entry import NO_NOTES, Notes, joined_headers
from ..runtime.mock_runtime import MockRuntime
from ..web.answers import error_response, send_response
from .admission import DropConnection, admit
from .request import ApiRequest
from .transport import AskT, Transport

# Which runtime serves a request: the default mock's or a session's, found by the request's key
# (or its path, for a video link). The API plane reaches state only through the runtime this
# gives it, request by request. It raises ApiError when the request names a session that is not
# there (ended, or never made): answered in the transport's envelope, and journaled nowhere,
# since no runtime is the request's.
RuntimeFinder = Callable[[ApiRequest], MockRuntime]


class ApiEndpoint(Generic[AskT]):
    """One API route as an ASGI app: `transport` says what is asked and answers it."""

    __slots__ = ("find_runtime", "transport")

    def __init__(self, find_runtime: RuntimeFinder, transport: Transport[AskT]) -> None:
        self.find_runtime = find_runtime
        self.transport = transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = ApiRequest(scope, receive)
        try:
            runtime = self.find_runtime(request)
        except ApiError as error:
            await send_response(self.transport.error_response(error, None), scope, receive, send)
            return
        if runtime.link_path:
            request.link_path = runtime.link_path
        request.id = runtime.engine.new_request_id()
        at, started = runtime.clock.now(), time.perf_counter()
        response: Response | None = None
        try:
            runtime.sync_for_request(at)  # so that no request reads a job that should have ended
            response = await self._respond(request, runtime)
            status = response.status_code
        except DropConnection:
            status = DROPPED
        except ClientDisconnect:
            status = 400  # nobody is there to answer, and it is no bug of ours
        except Exception as error:
            status = 500
            # The plain envelope on both transports: there is no admission to speak for.
            request.error = failure = internal_error()
            response = error_response(failure)
            runtime.report_bug(f"{request.method} {request.path}", error)
        ask = request.ask
        name = ask.operation_name if ask is not None else None
        notes = NO_NOTES
        if request.error or request.latency_seconds or name:
            notes = _notes(request, name)
        runtime.engine.journal.record(
            at=at,
            method=request.method,
            path=request.path,
            operation=request.operation,
            api_key=request.api_key,
            status=status,
            duration_ms=(time.perf_counter() - started) * 1000,
            job_id=request.job_id,
            headers=joined_headers(request.scope["headers"]),
            body=request.received,
            graphql=ask is not None and ask.graphql,
            notes=notes,
            request_id=request.id,
        )
        if runtime.durable is not None and response is not None:  # `serve --state`
            try:
                await runtime.durable.durable()  # what this request changed is on disk first
            except Exception as error:
                runtime.report_bug("saving the state", error)
                response = error_response(internal_error())
        if response is not None:
            await send_response(response, scope, receive, send)
        elif status == DROPPED:
            await _drop_connection(receive)

    async def _respond(self, request: ApiRequest, runtime: MockRuntime) -> Response:
        transport = self.transport
        body: bytes | None = None
        unread: ApiError | None = None
        if transport.has_body:
            try:
                body = await request.body(runtime.config.max_body_bytes)
            except ApiError as error:  # a 413: answered after admission, as any bad body is
                unread = error
        # A client that is gone mid-body (ClientDisconnect) ends the request here, unadmitted:
        # nobody would hear the answer, and it must not count against the key's limits.
        request.received = body
        ask = request.ask = await transport.ask(request, runtime, body)
        request.operation, request.api_key = ask.operation, ask.api_key  # for the journal
        admission: Admission | None = None
        try:
            if ask.admit:
                admission = await admit(runtime, request, ask, transport.auth_header)
            kept = unread or ask.error
            if kept is not None:
                raise kept
            return transport.act(request, runtime, admission, ask)
        except ApiError as error:  # refused at admission (no headers yet), or after it
            request.error = error.as_answer()  # kept for the journal
            return transport.error_response(error, admission.headers if admission else None)


def _notes(request: ApiRequest, operation_name: str | None) -> Notes:
    """What the journal keeps of the error answered (its code, and what a 429 or a 402 told
    the client), of a scripted delay and of the name GraphQL's client gave its operation."""
    error = request.error
    if error is None:
        return Notes(latency_seconds=request.latency_seconds, operation_name=operation_name)
    retry_after = error.headers.get("Retry-After")
    limit = error.extensions.get("limit")
    credits = error.extensions.get("creditsAvailable")
    return Notes(
        code=error.code,
        retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
        rate_limit=limit if isinstance(limit, str) else None,
        credits_available=credits if isinstance(credits, int) else None,
        latency_seconds=request.latency_seconds,
        operation_name=operation_name,
    )


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
