"""The control plane, `/__mock/...`: its routes and OpenAPI description, and `MockControl`, the
Python client of those routes that tests use."""

from .client import MockControl

__all__ = ["MockControl"]
