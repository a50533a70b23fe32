"""One running mock: its configuration, the engine moved through time, and its webhook I/O.

Between the core (state and rules, no I/O) and the planes that serve it over HTTP."""

from .config import MockConfig
from .mock_runtime import MockRuntime

__all__ = ["MockConfig", "MockRuntime"]
