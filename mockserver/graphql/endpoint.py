"""`/graphql`: the GraphQL transport, with the GraphQL machinery loaded off the start-up path.

graphql-core and ariadne take longer to import than the rest of the mock together. The server
starts answering without them; `warm_up` loads them on a worker thread shortly after start, and a
GraphQL request that comes before they are ready waits for them.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..api.request import ApiRequest
from ..core.engine import Admission
from ..core.errors import ApiError
from ..runtime.mock_runtime import MockRuntime
from ..web.answers import json_response
from .console import Console

if TYPE_CHECKING:
    from .executor import GraphQLAsk, GraphQLExecutor

AUTH_HEADER = "Authorization: Bearer <API key>"


class GraphQLEndpoint:
    """The API endpoint's transport for `POST /graphql` (see api.transport), and the console."""

    has_body = True
    auth_header = AUTH_HEADER

    def __init__(self) -> None:
        self._loading: asyncio.Future[GraphQLExecutor] | None = None
        self._executor: GraphQLExecutor | None = None
        self._console = Console()

    def _build(self) -> GraphQLExecutor:
        module = importlib.import_module(".executor", __package__)
        executor: GraphQLExecutor = module.GraphQLExecutor()
        return executor

    def warm_up(self) -> asyncio.Future[GraphQLExecutor]:
        """Start loading the GraphQL machinery on a worker thread (once)."""
        if self._loading is None:
            self._loading = asyncio.get_running_loop().run_in_executor(None, self._build)
        return self._loading

    async def _loaded(self) -> GraphQLExecutor:
        # Each request waits on a future of its own (the shield's), never on the shared one:
        # the API routes start requests outside any task (direct_http), and a future that
        # several of those hand to their tasks loses asyncio's mark of being waited on (most
        # of them then answered a 500); and a request cancelled while it waits does not cancel
        # the loading for every other.
        executor = self._executor = await asyncio.shield(self.warm_up())
        return executor

    async def ask(
        self, request: ApiRequest, runtime: MockRuntime, body: bytes | None
    ) -> GraphQLAsk:
        executor = self._executor or await self._loaded()
        return executor.ask(request, runtime, body)

    def act(
        self,
        request: ApiRequest,
        runtime: MockRuntime,
        admission: Admission | None,
        ask: GraphQLAsk,
    ) -> Response:
        assert self._executor is not None  # `ask` came first, and loaded it
        return self._executor.act(request, runtime, admission, ask)

    def error_response(self, error: ApiError, headers: dict[str, str] | None) -> Response:
        """An error outside execution, shaped like one from it: `data` is null either way."""
        body = {**error.body(), "data": None}
        return json_response(body, error.status, {**(headers or {}), **error.headers})

    async def explorer(self, request: Request) -> Response:
        """`GET /graphql`: the console, which works offline; `?explorer=graphiql` is ariadne's
        GraphiQL, kept for those online (it loads its code from a public CDN)."""
        if request.query_params.get("explorer") == "graphiql":
            executor = self._executor or await self._loaded()
            return HTMLResponse(executor.explorer_html)
        return self._console.response()
