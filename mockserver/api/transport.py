"""What a transport tells the API endpoint: what a request asks for, and how to answer it.

REST, GraphQL and the video download differ only here: how they read what a request asks (its
operation, its key) and how they write the answer. Everything between (the clock, the body's
limit, admission, errors, the journal) is the endpoint's, the same for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol, TypeVar

from starlette.responses import Response

from ..core.accounts import Account
from ..core.engine import Admission
from ..core.errors import ApiError
from ..runtime.mock_runtime import MockRuntime
from .request import ApiRequest


@dataclass(slots=True)  # not frozen: one is made per request, and frozen triples that cost
class Ask:
    """What a request asks for, read by its transport before admission."""

    # The operation (scripted faults and the journal go by it) and the key it came with.
    operation: str | None
    api_key: str | None
    # The key's account, when the transport already looked it up: the lookup computes a keyed
    # digest, and once per request is enough (see Engine.admit).
    account: Account | None = None
    # False for what answers without admission, so with no fault, key or count: an
    # introspection-only GraphQL document, the video download.
    admit: bool = True
    # A bad request the transport found before admission, answered after it: a client without
    # a valid key gets its 401 first, whatever its body holds.
    error: ApiError | None = None
    # Whether the request is a GraphQL one: the journal shows its variables and name.
    graphql: ClassVar[bool] = False

    @property
    def operation_name(self) -> str | None:
        """The name the client gave its operation (GraphQL's operationName), for the journal."""
        return None


AskT = TypeVar("AskT", bound=Ask)


class Transport(Protocol[AskT]):
    """One transport of the API plane, as the endpoint drives it."""

    # Whether its route has a body, which the endpoint reads (bounded) before `ask`.
    has_body: bool
    # The header a key is expected in, for the 401 that names it.
    auth_header: str

    async def ask(self, request: ApiRequest, runtime: MockRuntime, body: bytes | None) -> AskT:
        """What the request asks; `body` is None when it could not be read (its error is the
        endpoint's to answer). Raises nothing a client can cause: bad input goes in `error`."""
        ...

    def act(
        self, request: ApiRequest, runtime: MockRuntime, admission: Admission | None, ask: AskT
    ) -> Response:
        """Do what was asked and answer it; raises ApiError. `admission` is None exactly when
        `ask.admit` is False."""
        ...

    def error_response(self, error: ApiError, headers: dict[str, str] | None) -> Response:
        """`error` in this transport's envelope, `headers` (the admission's) under its own."""
        ...
