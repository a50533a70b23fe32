"""The control plane, `/__mock/...`: the mock's own JSON API for tests and people.

Never part of the vendor's API: API keys do not open it, and nothing here is journaled.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .core.clock import iso
from .core.errors import ApiError, bad_request
from .core.webhooks import Delivery
from .responses import error_response, json_response, parse_json, read_body
from .runtime import MockRuntime


async def _json_body(request: Request, limit: int) -> Any:
    body = await read_body(request, limit)
    return parse_json(body) if body.strip() else {}


class AdminEndpoints:
    def __init__(self, runtime: MockRuntime) -> None:
        self.runtime = runtime

    def routes(self) -> list[Route]:
        return [
            Route("/__mock/reset", self._guard(self.reset), methods=["POST"]),
            Route("/__mock/clock", self._guard(self.clock), methods=["GET"]),
            Route("/__mock/clock/advance", self._guard(self.advance), methods=["POST"]),
            Route("/__mock/accounts", self._guard(self.accounts), methods=["GET"]),
            Route("/__mock/accounts/{api_key}", self._guard(self.put_account), methods=["PUT"]),
            Route("/__mock/webhooks", self._guard(self.deliveries), methods=["GET"]),
            Route("/__mock/webhooks/{delivery_id}", self._guard(self.delivery), methods=["GET"]),
            Route(
                "/__mock/webhooks/{delivery_id}/replay", self._guard(self.replay), methods=["POST"]
            ),
        ]

    def _guard(self, handler: Any) -> Any:
        """Turn an ApiError raised by a handler into the enveloped answer."""

        async def guarded(request: Request) -> Response:
            try:
                response: Response = await handler(request)
            except ApiError as error:
                return error_response(error)
            return response

        return guarded

    def _clock_state(self) -> dict[str, Any]:
        now = self.runtime.clock.now()
        return {"now": iso(now), "epoch": now, "mode": self.runtime.clock.mode.value}

    async def reset(self, request: Request) -> Response:
        self.runtime.reset()
        return json_response({"reset": True, "clock": self._clock_state()})

    async def clock(self, request: Request) -> Response:
        self.runtime.sync()
        return json_response(self._clock_state())

    async def advance(self, request: Request) -> Response:
        body = await _json_body(request, self.runtime.config.max_body_bytes)
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            raise bad_request(f"seconds must be a number >= 0, got {seconds!r}", "seconds")
        await self.runtime.advance(float(seconds))
        return json_response(self._clock_state())

    async def accounts(self, request: Request) -> Response:
        accounts = [a.as_json() for a in self.runtime.engine.list_accounts()]
        return json_response({"accounts": accounts})

    async def deliveries(self, request: Request) -> Response:
        """Webhook deliveries, oldest first; `?jobId=` and `?status=` narrow the list."""
        self.runtime.sync()
        job_id = request.query_params.get("jobId")
        status = request.query_params.get("status")
        deliveries = [
            d.as_json()
            for d in self.runtime.engine.webhooks
            if (job_id is None or d.job_id == job_id) and (status is None or d.status == status)
        ]
        return json_response({"deliveries": deliveries})

    def _find_delivery(self, request: Request) -> Delivery:
        delivery_id = request.path_params["delivery_id"]
        delivery = self.runtime.engine.webhooks.get(delivery_id)
        if delivery is None:
            raise ApiError(404, "NOT_FOUND", f"No webhook delivery {delivery_id!r}")
        return delivery

    async def delivery(self, request: Request) -> Response:
        return json_response(self._find_delivery(request).as_json())

    async def replay(self, request: Request) -> Response:
        delivery = self._find_delivery(request)
        await self.runtime.replay(delivery)
        return json_response(delivery.as_json())

    async def put_account(self, request: Request) -> Response:
        body = await _json_body(request, self.runtime.config.max_body_bytes)
        account = self.runtime.engine.put_account(request.path_params["api_key"], body)
        return json_response(account.as_json())
