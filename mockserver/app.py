"""`create_app`: one Starlette application around one MockRuntime (the default mock) and the
sessions made inside it, sharing nothing with other applications."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, NoReturn

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .api.avatar_answer import AvatarAnswer
from .api.endpoint import ApiEndpoint
from .api.media import Video
from .api.rest import RestCreate, RestGet
from .api.runtime_finder import RuntimeFinder
from .control.routes import AdminEndpoints
from .core.errors import ApiError, clipped, internal_error
from .graphql.endpoint import GraphQLEndpoint
from .runtime.config import MockConfig
from .runtime.mock_runtime import MockRuntime
from .runtime.sessions import SESSIONS_PATH, Sessions
from .web.answers import error_response

_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown routes and methods in the documented envelope instead of plain text."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
    message = f"{request.method} {clipped(request.url.path)}: {exc.detail}"
    return error_response(ApiError(exc.status_code, code, message), dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> Response:
    """A bug in the mock outside both planes' guards, which report their own (api.endpoint,
    control.routes): logged with its trace, kept for the test that caused it, and an enveloped
    500 for the client. What is left to reach here: GET /graphql (the console and the explorer),
    Starlette's routing."""
    request.app.state.runtime.report_bug(f"{request.method} {request.url.path}", exc)
    return error_response(internal_error())


JOB_PATH = "/v1/avatar/"
WARM_UP_AFTER_SECONDS = 0.25  # from the application's start to GraphQL's loading


NO_MIDDLEWARE = (
    "MockApp runs no Starlette middleware: it answers POST /v1/avatar, POST /graphql and "
    "GET /v1/avatar/{id} directly, without it, so middleware added here would silently miss "
    "the busiest routes. Wrap the whole application instead: app = YourMiddleware(create_app())."
)


class MockApp(Starlette):
    """Starlette, with the API plane's busiest routes called directly.

    Those routes are ApiEndpoints, complete ASGI apps, so Starlette's middleware and route
    matching add nothing to them but time (more than the mock's own work on a create). Anything
    else, and these paths under a root path, goes through Starlette, where the same endpoints
    are routed too. Middleware would then run for some requests and not others, so adding any
    is an error rather than a surprise.
    """

    def __init__(
        self, direct: dict[tuple[str, str], ASGIApp], job_get: ASGIApp, **options: Any
    ) -> None:
        # Starlette's own body limit is middleware too; the API plane has its own limit.
        if options.get("middleware") or options.get("max_body_size") is not None:
            raise RuntimeError(NO_MIDDLEWARE)
        super().__init__(**options)
        self._direct = direct
        self._job_get = job_get

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.direct_endpoint(scope) if scope["type"] == "http" else None
        if endpoint is not None:
            await endpoint(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    def add_middleware(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError(NO_MIDDLEWARE)

    def listening_on(self, endpoints: list[tuple[str, int]]) -> None:
        """Called by the server once it listens (see server.py)."""
        self.state.runtime.listening_on(endpoints)
        self.state.sessions.listening_on(endpoints)

    def every_second(self) -> None:
        """Called by the server's housekeeping once a second: sessions idle too long end."""
        self.state.sessions.expire()

    def direct_endpoint(self, scope: Scope) -> ASGIApp | None:
        """The API endpoint for this request, if it is one of the direct routes, with the
        scope made ready for it (its path parameters, the app). The server's protocol calls
        that endpoint itself, without uvicorn's task (see direct_http)."""
        if scope.get("root_path"):
            return None
        path = scope["path"]
        endpoint = self._direct.get((scope["method"], path))
        if endpoint is None and scope["method"] == "GET":
            job_id = _job_id(path)
            if job_id is not None:
                scope["path_params"] = {"job_id": job_id}
                endpoint = self._job_get
        if endpoint is not None:
            scope["app"] = self
        return endpoint


def _job_id(path: str) -> str | None:
    """The job id of a `GET /v1/avatar/{job_id}` path, as Starlette's `{job_id}` matches it."""
    if not path.startswith(JOB_PATH):
        return None
    job_id = path[len(JOB_PATH) :]
    return job_id if job_id and "/" not in job_id else None


def create_app(
    config: MockConfig | None = None,
    runtime: MockRuntime | None = None,
    warm_up_graphql: bool = True,
) -> MockApp:
    """Build the mock's ASGI application; pass `runtime` to share one built elsewhere.

    `warm_up_graphql=False` loads GraphQL on its first request instead of right after start
    (the pytest fixture's choice: a session that never uses GraphQL never pays for it).
    """
    runtime = runtime or MockRuntime(config or MockConfig())
    sessions = Sessions(runtime.config, runtime.engine.fixtures)
    graphql = GraphQLEndpoint()
    admin = AdminEndpoints(runtime, sessions)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Loading GraphQL on its worker thread competes with the server for the interpreter,
        # so it waits until the server has started and answered its first requests; a GraphQL
        # request that comes sooner starts it at once.
        warming = (
            asyncio.get_running_loop().call_later(WARM_UP_AFTER_SECONDS, graphql.warm_up)
            if warm_up_graphql
            else None
        )
        await runtime.start()
        try:
            yield
        finally:
            if warming is not None:
                warming.cancel()
            await sessions.close()
            await runtime.stop()

    finder = RuntimeFinder(runtime, sessions)
    answer = AvatarAnswer()  # one template for both REST routes
    rest_create = ApiEndpoint(finder.by_rest_key, RestCreate(answer))
    graphql_post = ApiEndpoint(finder.by_bearer_key, graphql)
    rest_get = ApiEndpoint(finder.by_rest_key, RestGet(answer))
    video = Video()
    routes = [
        Route("/v1/avatar", rest_create, methods=["POST"]),
        Route("/graphql", graphql_post, methods=["POST"]),
        Route(JOB_PATH + "{job_id}", rest_get, methods=["GET"]),
        Route("/graphql", graphql.explorer, methods=["GET"]),
        Route(
            "/outputs/{job_id}.mp4",
            ApiEndpoint(finder.root_only, video),
            methods=["GET", "HEAD"],
        ),
        # A session's jobs link to their videos under the session's path (MockRuntime.link_path).
        Route(
            SESSIONS_PATH + "/{session_id}/outputs/{job_id}.mp4",
            ApiEndpoint(finder.by_session_path, video),
            methods=["GET", "HEAD"],
        ),
        *admin.routes(),
    ]
    app = MockApp(
        direct={("POST", "/v1/avatar"): rest_create, ("POST", "/graphql"): graphql_post},
        job_get=rest_get,
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _unexpected},
    )
    app.state.runtime = runtime
    app.state.sessions = sessions
    return app
