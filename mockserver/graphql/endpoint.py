"""`/graphql`: the endpoint, with the GraphQL machinery loaded off the start-up path.

graphql-core and ariadne take longer to import than the rest of the mock together. The server
starts answering without them; `warm_up` loads them on a worker thread right after start, and a
GraphQL request that comes before they are ready waits for them.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..api.request import ApiRequest
from ..runtime.mock_runtime import MockRuntime

if TYPE_CHECKING:
    from .executor import GraphQLExecutor


class GraphQLEndpoint:
    def __init__(self, runtime: MockRuntime) -> None:
        self.runtime = runtime
        self._loading: asyncio.Future[GraphQLExecutor] | None = None

    def _build(self) -> GraphQLExecutor:
        module = importlib.import_module(".executor", __package__)
        executor: GraphQLExecutor = module.GraphQLExecutor(self.runtime)
        return executor

    def warm_up(self) -> asyncio.Future[GraphQLExecutor]:
        """Start loading the GraphQL machinery on a worker thread (once)."""
        if self._loading is None:
            self._loading = asyncio.get_running_loop().run_in_executor(None, self._build)
        return self._loading

    async def handle(self, request: ApiRequest) -> Response:
        executor = await self.warm_up()
        return await executor.handle(request)

    async def explorer(self, request: Request) -> Response:
        executor = await self.warm_up()
        return HTMLResponse(executor.explorer_html)
