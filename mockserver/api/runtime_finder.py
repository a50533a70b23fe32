"""Which runtime an API request is for: the default mock's, or the session its key names.

The key is read as its transport reads it (REST's `X-API-Key`, GraphQL's bearer token) and
looked at once: a key without a session part (`core.session_keys`) is the default mock's, with
no lookup at all; a session's key costs one dict lookup. A key of a session that is not alive
is a 401 before anything else happens: it belongs to no runtime that could count or journal it.
A video link of a session's job carries the session in its path, since a download has no key.
"""

from __future__ import annotations

from ..core.errors import ApiError, shown, unauthorized
from ..core.session_keys import session_of
from ..runtime.mock_runtime import MockRuntime
from ..runtime.sessions import Sessions
from .request import ApiRequest, bearer_key


class RuntimeFinder:
    """The `find_runtime` of each API route (see api.endpoint)."""

    __slots__ = ("root", "sessions")

    def __init__(self, root: MockRuntime, sessions: Sessions) -> None:
        self.root = root
        self.sessions = sessions

    def _of_key(self, api_key: str | None) -> MockRuntime:
        session_id = session_of(api_key)
        if session_id is None:
            return self.root
        session = self.sessions.get(session_id)
        if session is None:
            raise unauthorized(
                f"Invalid API key: session {shown(session_id)} has ended or never existed"
            )
        return session.runtime

    def by_rest_key(self, request: ApiRequest) -> MockRuntime:
        return self._of_key(request.header(b"x-api-key"))

    def by_bearer_key(self, request: ApiRequest) -> MockRuntime:
        return self._of_key(bearer_key(request.header(b"authorization")))

    def root_only(self, request: ApiRequest) -> MockRuntime:
        return self.root

    def by_session_path(self, request: ApiRequest) -> MockRuntime:
        session_id = request.path_param("session_id")
        session = self.sessions.get(session_id)
        if session is None:
            raise ApiError(
                404, "NOT_FOUND", f"No session {shown(session_id)}: it ended or never existed"
            )
        return session.runtime
