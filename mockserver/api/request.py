"""An API-plane request, read straight from the ASGI scope.

The API plane's routes are the mock's hot path: a test suite sends thousands of creates and
polls. Starlette's Request, its header mapping and URL objects cost more per request than the
mock's own work on a create, so these routes read the few things they need from the scope here,
once, and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import Receive, Scope

from ..core.errors import ApiError
from ..web.bodies import read_body

if TYPE_CHECKING:
    from .transport import Ask


class ApiRequest:
    __slots__ = (
        "_base_url",
        "_headers",
        "api_key",
        "ask",
        "error",
        "id",
        "job_id",
        "latency_seconds",
        "link_path",
        "operation",
        "receive",
        "received",
        "scope",
    )

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self.receive = receive
        # ASGI header names are lower-case bytes. Reversed, so that of a repeated header the
        # first one wins, as it does in Starlette's `headers.get`.
        self._headers: dict[bytes, bytes] = dict(reversed(scope["headers"]))
        self._base_url: str | None = None
        # Where the links in answers live under the host: a session's runtime has its own path.
        self.link_path = ""
        # Filled in by the endpoint, for the journal: what was asked, and by which key.
        self.operation: str | None = None
        # Given by the endpoint once the request's runtime is known (Engine.new_request_id).
        self.id = 0
        self.api_key: str | None = None
        # What the journal keeps of the request beyond that, filled in on the way: the body
        # as read, what the transport made of it, the job it created or read, the error
        # answered (also one GraphQL put in its result), a scripted delay.
        self.received: bytes | None = None
        self.ask: Ask | None = None
        self.job_id: str | None = None
        self.error: ApiError | None = None
        self.latency_seconds = 0.0

    @property
    def method(self) -> str:
        method: str = self.scope["method"]
        return method

    @property
    def path(self) -> str:
        path: str = self.scope["path"]
        return path

    def path_param(self, name: str) -> str:
        value: str = self.scope["path_params"][name]
        return value

    def header(self, name: bytes) -> str | None:
        """The first value of header `name` (lower-case bytes), decoded as HTTP says: Latin-1."""
        value = self._headers.get(name)
        return None if value is None else value.decode("latin-1")

    async def body(self, limit: int) -> bytes:
        """The whole body; 413 as soon as it passes `limit` bytes, declared or streamed."""
        declared = self._headers.get(b"content-length")
        return await read_body(self.receive, declared, limit, self.scope.get("extensions"))

    @property
    def base_url(self) -> str:
        """Scheme and authority the client used (and the runtime's link path), so links in
        answers reach this very server and the runtime that made them."""
        if self._base_url is None:
            self._base_url = base_url_of(self.scope, self.header(b"host")) + self.link_path
        return self._base_url


def base_url_of(scope: Scope, host: str | None) -> str:
    """`scheme://host[root_path]` from the Host header, or the server's address without one."""
    if not host:
        server = scope.get("server") or ("localhost", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"


def bearer_key(header: str | None) -> str | None:
    """The key from `Authorization: Bearer <key>`; None when the header is absent or not Bearer."""
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return key.strip() or None
