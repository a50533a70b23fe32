"""`GET /__mock/ui`: the dashboard, a page of the mock's own that reads the control routes.

The page and its files hold no data, so they are served without the admin token: the page asks
for the token and sends it with every call it makes, and each of those is guarded as usual.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cached_property

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..core.errors import ApiError, shown
from ..web.package_files import PackageFiles

Handler = Callable[[Request], Awaitable[Response]]
PAGE = "index.html"


class Dashboard:
    @cached_property
    def files(self) -> PackageFiles:
        """Read when first asked for: an app that is never opened in a browser never reads them."""
        return PackageFiles(__package__ or "mockserver.control", "ui")

    def routes(self, wrap: Callable[[Handler], Handler]) -> list[Route]:
        return [
            Route("/__mock/ui", wrap(self.page), methods=["GET"]),
            Route("/__mock/ui/{name}", wrap(self.asset), methods=["GET"]),
        ]

    async def page(self, request: Request) -> Response:
        return self._file(PAGE)

    async def asset(self, request: Request) -> Response:
        return self._file(request.path_params["name"])

    def _file(self, name: str) -> Response:
        response = self.files.response(name)
        if response is None:
            raise ApiError(404, "NOT_FOUND", f"The dashboard has no file {shown(name)}")
        return response


def browsers_to_dashboard(handler: Handler) -> Handler:
    """`handler`, except that a browser asking for a page is sent to the dashboard.

    Checked before the admin token: the redirect shows nothing, and the dashboard asks for it.
    """

    async def route(request: Request) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            # Relative, so it stays right under a root path: /__mock/ + ui.
            return RedirectResponse("ui", status_code=303)
        return await handler(request)

    return route
