"""`mock-doitong`: serve the mock, print its schema."""

from __future__ import annotations

import importlib
import ipaddress
import json
import logging
from pathlib import Path
from typing import Any

import click

from .app import create_app
from .control.openapi import build_openapi
from .core.catalog import FixtureError, load_fixtures
from .core.clock import ClockLimitError
from .runtime.mock_runtime import MockRuntime
from .serve_options import serve_options, settings_from
from .server import ServerTimeouts, serve_forever
from .version import __version__

# The commands that are clients of a running mock, each in a module of its own, by name:
# loaded when named (or listed by --help), so that `serve` starts without them.
CLIENT_COMMANDS = {
    "contract": "mockserver.contract.command:contract",
    "check-receiver": "mockserver.receiver_check.command:check_receiver_command",
    "state": "mockserver.state_command:state_command",
}


class _Commands(click.Group):
    """The group of commands, the client ones imported only when they are needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *CLIENT_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = CLIENT_COMMANDS.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        module, _, name = where.partition(":")
        command: click.Command = getattr(importlib.import_module(module), name)
        return command


@click.group(
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="mock-doitong")
def main() -> None:
    """A local test double of the Doitong API's Hedra avatar service.

    The same GraphQL and REST API as the vendor documents, jobs that finish on a clock you
    control, credits, rate limits and every documented error on demand.

    \b
    Start it:       mock-doitong serve
    Test clock:     mock-doitong serve --clock virtual   (then POST /__mock/clock/advance)
    Its schema:     mock-doitong schema
    """


@main.command()
@serve_options
def serve(**values: Any) -> None:
    """Start the mock and serve until stopped.

    Ctrl+C (SIGINT) or SIGTERM stops it: it takes no new connection, gives requests in flight
    up to --shutdown-timeout and webhook attempts in flight up to --webhook-timeout to finish
    (each attempt recorded and printed), then exits 0. A second signal stops it at once: the
    process dies of that signal (exit status 130 for SIGINT, 143 for SIGTERM).
    """
    settings, config, timeouts = settings_from(values)
    try:
        runtime = MockRuntime(config)
    except FixtureError as error:
        raise click.ClickException(f"bad fixtures: {error}") from None
    except ClockLimitError as error:
        raise click.UsageError(str(error)) from None
    if settings.state is not None:
        # Only `serve --state` needs SQLite and the state directory: every other start skips
        # their import.
        from .runtime.durable_state import keep_state  # noqa: PLC0415
        from .runtime.state_dir import StateDirError  # noqa: PLC0415

        try:
            keep_state(runtime, settings.state)
        except StateDirError as error:
            raise click.ClickException(str(error)) from None
    runtime.finishes_webhooks_when_stopped = True
    _log_to_stderr()
    if config.admin_token is None and not _is_loopback(settings.host):
        click.echo(
            f"warning: the control plane (/__mock/) is open to anyone who can reach "
            f"{settings.host}; set --admin-token to guard it",
            err=True,
        )
    serve_forever(
        create_app(runtime=runtime),
        settings.host,
        settings.port,
        lambda url: click.echo(banner(url, runtime)),
        on_stopping=lambda: click.echo(stopping_notice(runtime, timeouts), err=True),
        access_log=settings.access_log,
        timeouts=timeouts,
    )
    click.echo("Stopped.", err=True)


def _log_to_stderr() -> None:
    """The mock's own lines (webhooks given up, what a stop waited for, bugs) on stderr, plain.

    Without a handler Python would print only its warnings and errors."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("mockserver")
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def stopping_notice(runtime: MockRuntime, timeouts: ServerTimeouts) -> str:
    """What `serve` prints once a signal stopped it accepting connections."""
    return (
        f"Stopping: no new connections; requests in flight get up to "
        f"{timeouts.shutdown_seconds:g} s, webhook attempts in flight up to "
        f"{runtime.config.webhook_timeout_seconds:g} s. Signal again to stop at once."
    )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def banner(url: str, runtime: MockRuntime) -> str:
    """What `serve` prints once it accepts requests: where to send them, and with which keys."""
    clock = runtime.clock
    lines = [
        f"mock-doitong {__version__}: Doitong API (Hedra avatar service) test double",
        f"  GraphQL  POST {url}/graphql   (GET it in a browser for the console)",
        f"  REST     POST {url}/v1/avatar   GET {url}/v1/avatar/{{id}}",
        f"  Control  {url}/__mock/   (clock, reset, accounts, jobs, faults, requests, webhooks)",
        f"  Dashboard {url}/__mock/ui   (open it in a browser)",
        f"  Clock    {clock.mode.value}, jobs finish after {runtime.config.job_seconds:g} s;"
        f" seed {runtime.engine.randomness.seed}",
        *(
            [f"  State    {durable.directory.path} ({len(runtime.engine.jobs):,} jobs kept)"]
            if (durable := runtime.durable)
            else []
        ),
        *(
            [f"  Scenario {scenario.name}: {scenario.description}"]
            if (scenario := runtime.engine.scenario)
            else []
        ),
        "API keys (GraphQL: Authorization: Bearer <key>; REST: X-API-Key: <key>):",
    ]
    for account in runtime.engine.list_accounts():
        lines.append(
            f"  {account.api_key:<22} {account.plan:<10} {account.credits:>12,} credits"
            f"   webhook secret {account.webhook_secret}"
        )
    lines.append(f"Ready at {url}")
    return "\n".join(lines)


@main.command()
def schema() -> None:
    """Print the GraphQL schema (SDL) the mock serves."""
    from .graphql.schema import sdl  # noqa: PLC0415 - ariadne stays off `serve`'s start-up

    click.echo(sdl().rstrip("\n"))


@main.command()
@click.option(
    "--fixtures",
    "fixtures_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Fixtures whose catalog (avatars, voices, versions) the spec lists.",
)
def openapi(fixtures_dir: Path | None) -> None:
    """Print the OpenAPI 3 description of the REST routes (JSON)."""
    try:
        catalog = load_fixtures(fixtures_dir).catalog
    except FixtureError as error:
        raise click.ClickException(f"bad fixtures: {error}") from None
    click.echo(json.dumps(build_openapi(catalog), indent=2))
