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


@pytest.mark.parametrize("library", ["httpx", "faker", "graphql", "ariadne"])
def test_the_command_line_loads_no_heavy_library_before_it_serves(library: str) -> None:
    probe = f"import sys, mockserver.cli; print({library!r} in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False", f"{library} is loaded by importing the CLI"


def test_the_receiver_check_is_still_importable_from_its_package() -> None:
    from mockserver.receiver_check import check_receiver  # noqa: PLC0415 - what a user writes
    from mockserver.receiver_check.runner import check_receiver as runner_check  # noqa: PLC0415

    assert check_receiver is runner_check


def test_the_control_client_is_still_importable_from_the_package() -> None:
    from mockserver.control import MockControl  # noqa: PLC0415 - what a user writes
    from mockserver.control.client import MockControl as Client  # noqa: PLC0415

    assert MockControl is Client
