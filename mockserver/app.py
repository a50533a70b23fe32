"""`create_app`: one Starlette application around one MockRuntime, sharing nothing with others."""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from .admin import AdminEndpoints
from .api_plane import DropConnectionMiddleware, journaled
from .config import MockConfig
from .core.errors import ApiError, internal_error
from .graphql_api import GraphQLEndpoint
from .media import MediaEndpoint
from .responses import error_response
from .rest import RestEndpoints
from .runtime import MockRuntime

logger = logging.getLogger("mockserver")

_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown routes and methods in the documented envelope instead of plain text."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
    message = f"{request.method} {request.url.path}: {exc.detail}"
    return error_response(ApiError(exc.status_code, code, message), dict(exc.headers or {}))


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client left mid-request: nobody is there to answer, and it is no bug of ours."""
    return Response(status_code=400)


async def _unexpected(request: Request, exc: Exception) -> Response:
    """A bug in the mock: logged with its trace, kept for the test that caused it, and an
    enveloped 500 for the client."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    trace = "".join(traceback.format_exception(exc))
    request.app.state.runtime.errors.append(f"{request.method} {request.url.path}\n{trace}")
    return error_response(internal_error())


def create_app(
    config: MockConfig | None = None,
    runtime: MockRuntime | None = None,
    warm_up_graphql: bool = True,
) -> Starlette:
    """Build the mock's ASGI application; pass `runtime` to share one built elsewhere.

    `warm_up_graphql=False` loads GraphQL on its first request instead of right after start
    (the pytest fixture's choice: a session that never uses GraphQL never pays for it).
    """
    runtime = runtime or MockRuntime(config or MockConfig())
    graphql = GraphQLEndpoint(runtime)
    rest = RestEndpoints(runtime)
    media = MediaEndpoint(runtime)
    admin = AdminEndpoints(runtime)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if warm_up_graphql:
            graphql.warm_up()
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    routes = [
        # The busiest routes first: Starlette tries them in order.
        Route("/v1/avatar", journaled(runtime, rest.create), methods=["POST"]),
        Route("/graphql", journaled(runtime, graphql.handle), methods=["POST"]),
        Route("/v1/avatar/{job_id}", journaled(runtime, rest.get), methods=["GET"]),
        Route("/graphql", graphql.explorer, methods=["GET"]),
        Route("/outputs/{job_id}.mp4", journaled(runtime, media.video), methods=["GET", "HEAD"]),
        *admin.routes(),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(DropConnectionMiddleware)],
        lifespan=lifespan,
        exception_handlers={
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            Exception: _unexpected,
        },
    )
    app.state.runtime = runtime
    return app
