"""The server starts without its heaviest libraries: they load when first needed (README)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("library", ["httpx", "faker", "graphql", "ariadne"])
def test_building_the_app_loads_no_heavy_library(library: str) -> None:
    probe = f"import sys, mockserver; mockserver.create_app(); print({library!r} in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False", f"{library} is loaded by create_app()"


def test_the_control_client_is_still_importable_from_the_package() -> None:
    from mockserver.control import MockControl  # noqa: PLC0415 - what a user writes
    from mockserver.control.client import MockControl as Client  # noqa: PLC0415

    assert MockControl is Client
