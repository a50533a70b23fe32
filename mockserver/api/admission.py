"""Admission of an API request: scripted fault (with its delay), then key, then rate limits."""

from __future__ import annotations

import asyncio

from ..core.engine import Admission
from ..core.scripted_refusals import FAULT_HEADER, header_fault
from ..runtime.mock_runtime import MockRuntime
from .request import ApiRequest
from .transport import Ask

_FAULT_HEADER = FAULT_HEADER.lower().encode("latin-1")  # as ASGI names headers


class DropConnection(BaseException):
    """Raised to cut the client's connection with no answer at all.

    A BaseException so that no error handler on the way turns it into a 500 response.
    """


async def admit(runtime: MockRuntime, request: ApiRequest, ask: Ask, header: str) -> Admission:
    """Admit what `ask` asks for; raises ApiError (scripted, 401, 429) or DropConnection.

    `header` names where the transport expects the key, for the 401."""
    engine = runtime.engine
    asked = request.header(_FAULT_HEADER)
    fault = header_fault(asked, ask.operation) if asked else None
    fault = fault or engine.take_fault(ask.operation, ask.api_key)
    account = ask.account
    if fault is not None:
        if fault.latency_ms:
            request.latency_seconds = fault.latency_ms / 1000  # the audit's answered_at
            await asyncio.sleep(fault.latency_ms / 1000)
            account = None  # the accounts may have changed meanwhile: look again
        if fault.outcome == "drop":
            raise DropConnection
    return engine.admit(ask.api_key, header, fault, account, request.id)
