"""`mock-doitong`: serve the mock, print its schema."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import click

from .app import create_app
from .contract.command import contract
from .control.openapi import build_openapi
from .core.catalog import FixtureError, load_fixtures
from .core.clock import EARLIEST, LATEST, ClockLimitError, ClockMode, iso, parse_iso
from .core.engine import DEFAULT_MAX_JOBS
from .core.webhook_policy import parse_host_rules
from .runtime.config import DEFAULT_JOB_SECONDS, DEFAULT_JOURNAL_SIZE, MockConfig
from .runtime.mock_runtime import MockRuntime
from .server import DEFAULT_HOST, ServerTimeouts, serve_forever
from .version import __version__

DEFAULT_PORT = 8910
ENV = "MOCK_DOITONG_"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def _clock_start(_: click.Context, __: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        start = parse_iso(value)
    except (ValueError, OverflowError):
        raise click.BadParameter(
            f"expected an ISO 8601 time such as 2024-01-01T00:00:00Z, got {value!r}"
        ) from None
    if not EARLIEST <= start <= LATEST:
        raise click.BadParameter(
            f"the clock can show {iso(EARLIEST)} to {iso(LATEST)}, got {value!r}"
        )
    return start


def _host_rules(_: click.Context, __: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    try:
        parse_host_rules(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    return value


@main.command()
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    envvar=ENV + "HOST",
    show_envvar=True,
    help="Interface to listen on. Keep 127.0.0.1 unless other machines must reach it.",
)
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    envvar=ENV + "PORT",
    show_envvar=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--fixtures",
    "fixtures_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    envvar=ENV + "FIXTURES",
    show_envvar=True,
    help="Directory of fixtures (plans, accounts, catalog, sample video) "
    "to use instead of the bundled ones.",
)
@click.option(
    "--seed",
    type=int,
    envvar=ENV + "SEED",
    show_envvar=True,
    help="Seed for ids and secrets, so a run can be repeated exactly.  [default: random]",
)
@click.option(
    "--clock",
    "clock_mode",
    type=click.Choice([m.value for m in ClockMode]),
    default="real",
    show_default=True,
    envvar=ENV + "CLOCK",
    show_envvar=True,
    help="real: wall time (plus any advance). "
    "virtual: frozen; only POST /__mock/clock/advance moves it.",
)
@click.option(
    "--clock-start",
    callback=_clock_start,
    envvar=ENV + "CLOCK_START",
    show_envvar=True,
    help="Where the clock starts, ISO 8601.  [default: now; virtual: 2024-01-01T00:00:00Z]",
)
@click.option(
    "--job-seconds",
    type=click.FloatRange(0),
    default=DEFAULT_JOB_SECONDS,
    show_default=True,
    envvar=ENV + "JOB_SECONDS",
    show_envvar=True,
    help="Seconds (on the mock's clock) from accepting a job to its completion.",
)
@click.option(
    "--webhook-attempts",
    type=click.IntRange(1),
    default=5,
    show_default=True,
    envvar=ENV + "WEBHOOK_ATTEMPTS",
    show_envvar=True,
    help="Attempts per webhook delivery before it is given up as failed.",
)
@click.option(
    "--webhook-backoff",
    type=click.FloatRange(0),
    default=10.0,
    show_default=True,
    envvar=ENV + "WEBHOOK_BACKOFF",
    show_envvar=True,
    help="Seconds before the first retry; each later retry waits twice as long as the last.",
)
@click.option(
    "--webhook-timeout",
    type=click.FloatRange(0, min_open=True),
    default=5.0,
    show_default=True,
    envvar=ENV + "WEBHOOK_TIMEOUT",
    show_envvar=True,
    help="Seconds (real time) a receiver has to answer one attempt.",
)
@click.option(
    "--webhook-allow",
    multiple=True,
    callback=_host_rules,
    metavar="HOST|CIDR",
    envvar=ENV + "WEBHOOK_ALLOW",
    show_envvar=True,
    help="Send webhooks only to these hosts (and names under them) or CIDR ranges; "
    "repeatable, space-separated in the variable.  [default: anywhere --webhook-deny allows]",
)
@click.option(
    "--webhook-deny",
    multiple=True,
    callback=_host_rules,
    metavar="HOST|CIDR",
    envvar=ENV + "WEBHOOK_DENY",
    show_envvar=True,
    help="Never send webhooks to these hosts or CIDR ranges; repeatable. The mock's own control "
    "plane is always refused, link-local and cloud-metadata addresses unless allowed.",
)
@click.option(
    "--scenario",
    envvar=ENV + "SCENARIO",
    show_envvar=True,
    help="Scenario to start in: a name from fixtures/scenarios (e.g. flaky) or a JSON file.",
)
@click.option(
    "--admin-token",
    envvar=ENV + "ADMIN_TOKEN",
    show_envvar=True,
    help="Require this token (header X-Mock-Admin-Token) on /__mock/ routes.",
)
@click.option(
    "--journal-size",
    type=click.IntRange(1),
    default=DEFAULT_JOURNAL_SIZE,
    show_default=True,
    envvar=ENV + "JOURNAL_SIZE",
    show_envvar=True,
    help="How many API requests the journal keeps (the oldest go first).",
)
@click.option(
    "--max-jobs",
    type=click.IntRange(1),
    default=DEFAULT_MAX_JOBS,
    show_default=True,
    envvar=ENV + "MAX_JOBS",
    show_envvar=True,
    help="How many jobs to keep; the oldest finished ones are forgotten beyond it.",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(0, min_open=True),
    default=ServerTimeouts.header_seconds,
    show_default=True,
    envvar=ENV + "HEADER_TIMEOUT",
    show_envvar=True,
    help="Seconds a client has to send a request's headers; then 408 and the connection closes.",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0, min_open=True),
    default=ServerTimeouts.body_seconds,
    show_default=True,
    envvar=ENV + "BODY_TIMEOUT",
    show_envvar=True,
    help="Seconds a client has to send a request's body once its headers are in.",
)
@click.option(
    "--shutdown-timeout",
    type=click.IntRange(0),
    default=ServerTimeouts.shutdown_seconds,
    show_default=True,
    envvar=ENV + "SHUTDOWN_TIMEOUT",
    show_envvar=True,
    help="Seconds requests in flight get to finish when the mock is stopped; then they are cut.",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    envvar=ENV + "ACCESS_LOG",
    show_envvar=True,
    help="Log every request to stderr.",
)
def serve(
    *,
    host: str,
    port: int,
    fixtures_dir: Path | None,
    seed: int | None,
    clock_mode: str,
    clock_start: float | None,
    job_seconds: float,
    webhook_attempts: int,
    webhook_backoff: float,
    webhook_timeout: float,
    webhook_allow: tuple[str, ...],
    webhook_deny: tuple[str, ...],
    scenario: str | None,
    admin_token: str | None,
    journal_size: int,
    max_jobs: int,
    header_timeout: float,
    body_timeout: float,
    shutdown_timeout: int,
    access_log: bool,
) -> None:
    """Start the mock and serve until interrupted (Ctrl+C)."""
    config = MockConfig(
        fixtures_dir=fixtures_dir,
        seed=seed,
        clock=ClockMode(clock_mode),
        clock_start=clock_start,
        job_seconds=job_seconds,
        webhook_attempts=webhook_attempts,
        webhook_backoff_seconds=webhook_backoff,
        webhook_timeout_seconds=webhook_timeout,
        webhook_allow=webhook_allow,
        webhook_deny=webhook_deny,
        scenario=scenario,
        admin_token=admin_token,
        journal_size=journal_size,
        max_jobs=max_jobs,
    )
    try:
        runtime = MockRuntime(config)
    except FixtureError as error:
        raise click.ClickException(f"bad fixtures: {error}") from None
    except ClockLimitError as error:
        raise click.UsageError(str(error)) from None
    if admin_token is None and not _is_loopback(host):
        click.echo(
            f"warning: the control plane (/__mock/) is open to anyone who can reach {host}; "
            "set --admin-token to guard it",
            err=True,
        )
    app = create_app(runtime=runtime)
    timeouts = ServerTimeouts(header_timeout, body_timeout, shutdown_timeout)
    serve_forever(
        app,
        host,
        port,
        lambda url: click.echo(banner(url, runtime)),
        access_log=access_log,
        timeouts=timeouts,
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
        f"  GraphQL  POST {url}/graphql   (GET it in a browser for the explorer)",
        f"  REST     POST {url}/v1/avatar   GET {url}/v1/avatar/{{id}}",
        f"  Control  {url}/__mock/   (clock, reset, accounts, jobs, faults, requests, webhooks)",
        f"  Clock    {clock.mode.value}, jobs finish after {runtime.config.job_seconds:g} s;"
        f" seed {runtime.engine.randomness.seed}",
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


main.add_command(contract)
