"""Check a webhook receiver: what it must accept, what it must refuse, and how fast.

`check_receiver(url_or_app, secret=...)` sends the battery in `cases` (made by the mock's own
payload and signing code, in `deliveries`) over HTTP or to an ASGI/WSGI app in-process, and
returns a `ReceiverReport`; `assert_receiver_ok` raises with the report on any failure. The
command `mock-doitong check-receiver` is in `command`.

The runner is loaded when first asked for: it needs httpx, which `mock-doitong serve` (whose CLI
registers the command) must not load at start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .cases import CASE_NAMES, DEFAULT_TIMEOUT
from .results import CaseResult, ReceiverReport

if TYPE_CHECKING:
    from .runner import ReceiverTarget, assert_receiver_ok, check_receiver

__all__ = [
    "CASE_NAMES",
    "DEFAULT_TIMEOUT",
    "CaseResult",
    "ReceiverReport",
    "ReceiverTarget",
    "assert_receiver_ok",
    "check_receiver",
]
_FROM_RUNNER = {"ReceiverTarget", "assert_receiver_ok", "check_receiver"}


def __getattr__(name: str) -> Any:
    if name in _FROM_RUNNER:
        from . import runner  # noqa: PLC0415 - see the module's docstring

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
