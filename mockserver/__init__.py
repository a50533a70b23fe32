"""mock-doitong: a local test double of the Doitong API's Hedra avatar service."""

from __future__ import annotations

from .app import create_app
from .core.clock import ClockMode
from .core.webhooks import verify_signature
from .runtime.config import MockConfig
from .server import ServerThread
from .version import __version__

__all__ = [
    "ClockMode",
    "MockConfig",
    "ServerThread",
    "__version__",
    "create_app",
    "verify_signature",
]
