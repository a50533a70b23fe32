"""The control plane, `/__mock/...`: its routes and OpenAPI description, and `MockControl`, the
Python client of those routes that tests use.

`MockControl` is loaded when first asked for: it needs httpx, which the server itself loads only
when a first webhook is sent, so importing the routes must not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import MockControl

__all__ = ["MockControl"]


def __getattr__(name: str) -> Any:
    if name == "MockControl":
        from .client import MockControl  # noqa: PLC0415 - see the module's docstring

        return MockControl
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
