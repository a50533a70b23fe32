"""Check a webhook receiver: what it must accept, what it must refuse, and how fast.

`check_receiver(url_or_app, secret=...)` sends the battery in `cases` (made by the mock's own
payload and signing code, in `deliveries`) over HTTP or to an ASGI/WSGI app in-process, and
returns a `ReceiverReport`; `assert_receiver_ok` raises with the report on any failure. The
command `mock-doitong check-receiver` is in `command`.
"""

from __future__ import annotations

from .cases import CASE_NAMES
from .results import CaseResult, ReceiverReport
from .runner import DEFAULT_TIMEOUT, ReceiverTarget, assert_receiver_ok, check_receiver

__all__ = [
    "CASE_NAMES",
    "DEFAULT_TIMEOUT",
    "CaseResult",
    "ReceiverReport",
    "ReceiverTarget",
    "assert_receiver_ok",
    "check_receiver",
]
