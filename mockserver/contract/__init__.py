"""Conformance checks that run against any deployment: the mock, or the real service."""

from .runner import ContractOptions, run_contract

__all__ = ["ContractOptions", "run_contract"]
