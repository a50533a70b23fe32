"""The contract as published: SDL and OpenAPI snapshots, so a change shows up as a reviewed diff."""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import pytest

from serve_process import EXECUTABLE

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.mark.parametrize(
    ("command", "snapshot"), [("schema", "schema.graphql"), ("openapi", "openapi.json")]
)
def test_printed_contract_matches_its_snapshot(command: str, snapshot: str) -> None:
    printed = subprocess.run(
        [EXECUTABLE, command], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    expected = (SNAPSHOTS / snapshot).read_text()
    if printed != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                printed.splitlines(keepends=True),
                f"tests/snapshots/{snapshot}",
                f"mock-doitong {command}",
            )
        )
        pytest.fail(
            f"The {command} contract changed. Review the diff; if it is intended, run\n"
            f"  mock-doitong {command} > tests/snapshots/{snapshot}\n\n{diff}",
            pytrace=False,
        )
