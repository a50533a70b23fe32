"""Conformance checks that run against any deployment: the mock, or the real service.

The command is in `command`, the checks in `checks`, the runner (`run_contract`) in `runner`;
nothing is imported here, so the CLI can load the command without the HTTP client.
"""
