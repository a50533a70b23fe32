"""`GET /graphql` in a browser: a console written here, with the vendor's operations filled in.

It needs nothing from the network: its stylesheet, script and samples are files of this package,
written into the one document the route answers (`web.inline_page`), so it works offline and
adds no route under the vendor's paths. Serving it loads none of the GraphQL machinery.
"""

from __future__ import annotations

from functools import cached_property

from starlette.responses import Response

from ..web.inline_page import inline_page
from ..web.package_files import PackageFiles, file_response

FOLDER = "console"
PAGE = "console.html"


class Console:
    @cached_property
    def _page(self) -> tuple[bytes, str]:
        return inline_page(PackageFiles(__package__ or "mockserver.graphql", FOLDER), PAGE)

    def response(self) -> Response:
        body, policy = self._page
        return file_response(body, "text/html; charset=utf-8", policy)
