"""The server starts without its heaviest libraries: they load when first needed (README)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest

from mockserver.cli import CLIENT_COMMANDS

HEAVY_LIBRARIES = ["httpx", "faker", "graphql", "ariadne"]
# What only the other commands, snapshots or an audit use: `serve` starts without them.
NOT_FOR_SERVING = [
    "mockserver.contract.command",
    "mockserver.receiver_check.command",
    "mockserver.state_command",
    "mockserver.core.state_document",
    "mockserver.core.audit_journal",
]


def loaded_by(statements: str, module: str) -> bool:
    """Whether a fresh interpreter has `module` loaded after running `statements`."""
    probe = f"import sys; {statements}; print({module!r} in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return result.stdout.strip() == "True"


@pytest.mark.parametrize("library", HEAVY_LIBRARIES)
def test_building_the_app_loads_no_heavy_library(library: str) -> None:
    assert not loaded_by("import mockserver; mockserver.create_app()", library)


@pytest.mark.parametrize("library", HEAVY_LIBRARIES)
def test_the_command_line_loads_no_heavy_library_before_it_serves(library: str) -> None:
    assert not loaded_by("import mockserver.cli", library)


@pytest.mark.parametrize("module", NOT_FOR_SERVING)
def test_serve_starts_without_what_only_other_commands_and_snapshots_use(module: str) -> None:
    statements = "import mockserver.cli, mockserver; mockserver.create_app()"
    assert not loaded_by(statements, module)


@pytest.mark.parametrize("command", ["contract", "check-receiver", "state"])
def test_a_command_loaded_when_named_still_answers_its_help(command: str) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    from mockserver.cli import main  # noqa: PLC0415

    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: main {command}" in result.output


def test_the_receiver_check_is_still_importable_from_its_package() -> None:
    from mockserver.receiver_check import check_receiver  # noqa: PLC0415 - what a user writes
    from mockserver.receiver_check.runner import check_receiver as runner_check  # noqa: PLC0415

    assert check_receiver is runner_check


def test_the_control_client_is_still_importable_from_the_package() -> None:
    from mockserver.control import MockControl  # noqa: PLC0415 - what a user writes
    from mockserver.control.client import MockControl as Client  # noqa: PLC0415

    assert MockControl is Client


@pytest.mark.parametrize("name", sorted(CLIENT_COMMANDS))
def test_each_command_loaded_when_named_is_the_command_of_that_name(name: str) -> None:
    module, _, attribute = CLIENT_COMMANDS[name].partition(":")
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command)
    assert command.name == name
