"""`/__mock/sessions`: make, list, show and end the server's sessions.

Everything else a session has is the control plane's own table mounted under
`/__mock/sessions/{id}` (control.routes); these routes manage the sessions themselves, and
belong to the server, not to any one mock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.clock import ClockLimitError, iso
from ..core.errors import ApiError, bad_request, shown
from ..core.session_keys import session_key
from ..runtime.mock_runtime import MockRuntime
from ..runtime.sessions import SESSIONS_PATH, Session, Sessions, TooManySessions
from ..web.answers import json_response
from ..web.bodies import read_body
from ..web.json_body import parse_json
from .session_body import read_session_options

Handler = Callable[[Request, MockRuntime], Awaitable[Response]]
Guard = Callable[[Handler], Callable[[Request], Awaitable[Response]]]
# The fixture key whose session key a session's answer names first: the vendor's samples use it.
FIRST_KEY = "YOUR_API_KEY"


class SessionRoutes:
    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    def routes(self, guard: Guard) -> list[Route]:
        one = f"{SESSIONS_PATH}/{{session_id}}"
        return [
            Route(SESSIONS_PATH, guard(self.create), methods=["POST"]),
            Route(SESSIONS_PATH, guard(self.listing), methods=["GET"]),
            Route(one, guard(self.show), methods=["GET"]),
            Route(one, guard(self.end), methods=["DELETE"]),
        ]

    def _view(self, session: Session, request: Request) -> dict[str, Any]:
        """`{id, apiKeys, controlUrl, expiresAt}`, the key made from YOUR_API_KEY first."""
        first = session_key(FIRST_KEY, session.id)
        accounts = sorted(
            session.runtime.engine.list_accounts(), key=lambda account: account.api_key != first
        )
        base_url = str(request.base_url).rstrip("/")
        return {
            "id": session.id,
            "apiKeys": [
                {
                    "apiKey": account.api_key,
                    "plan": account.plan,
                    "credits": account.credits,
                    "webhookSecret": account.webhook_secret,
                }
                for account in accounts
            ],
            "controlUrl": f"{base_url}{SESSIONS_PATH}/{session.id}",
            "expiresAt": iso(self.sessions.expires_at(session)),
        }

    def _found(self, request: Request) -> Session:
        session_id = request.path_params["session_id"]
        session = self.sessions.get(session_id)
        if session is None:
            raise ApiError(
                404, "NOT_FOUND", f"No session {shown(session_id)}: it ended or never existed"
            )
        return session

    async def create(self, request: Request, runtime: MockRuntime) -> Response:
        raw = await read_body(
            request.receive, request.headers.get("content-length"), runtime.config.max_body_bytes
        )
        body = parse_json(raw) if raw.strip() else {}
        options = read_session_options(body, runtime.engine.fixtures)
        try:
            session = await self.sessions.create(options)
        except TooManySessions as error:
            raise ApiError(429, "TOO_MANY_SESSIONS", str(error)) from None
        except ValueError as error:  # an account the body lays over the fixtures
            field, message = error.args
            raise bad_request(message, field) from None
        except ClockLimitError as error:
            raise bad_request(f"jobSeconds: {error}", "jobSeconds") from None
        return json_response(self._view(session, request), 201)

    async def listing(self, request: Request, runtime: MockRuntime) -> Response:
        views = [self._view(session, request) for session in self.sessions]
        return json_response({"sessions": views})

    async def show(self, request: Request, runtime: MockRuntime) -> Response:
        return json_response(self._view(self._found(request), request))

    async def end(self, request: Request, runtime: MockRuntime) -> Response:
        session = self._found(request)
        self.sessions.end(session.id)
        return json_response({"id": session.id, "ended": True})
