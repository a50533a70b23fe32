"""`mock-doitong contract`: the conformance checks as a command."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..runtime.config import field_default
from .options import ContractOptions

F = TypeVar("F", bound=Callable[..., Any])


def _listen_address(_: click.Context, __: click.Parameter, value: str) -> tuple[str, int]:
    host, _sep, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(f"expected HOST:PORT, got {value!r}")
    return host, int(port)


def _seconds(flag: str, name: str, help: str) -> Callable[[F], F]:
    """A positive number of seconds, with ContractOptions' default (shown in --help)."""
    return click.option(
        flag,
        name,
        type=click.FloatRange(0, min_open=True),
        default=field_default(ContractOptions, name),
        show_default=True,
        help=help,
    )


_LISTEN_HOST, _LISTEN_PORT = field_default(ContractOptions, "webhook_listen")


class _ContractCommand(click.Command):
    """`--help` ends with the checks' names, read only when help is asked for."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from .checks import CHECKS  # noqa: PLC0415 - see `contract`

        with formatter.section("Checks (in the order they run; pick some with --check NAME)"):
            formatter.write_dl(
                [(name, (check.__doc__ or "").strip().rstrip(".")) for name, check in CHECKS]
            )


@click.command(cls=_ContractCommand)
@click.option("--base-url", required=True, help="The deployment: the mock's URL or the real API's.")
@click.option(
    "--api-key",
    required=True,
    envvar="DOITONG_API_KEY",
    show_envvar=True,
    help="API key to use (prefer the environment variable for a real key).",
)
@click.option(
    "--allow-spend",
    is_flag=True,
    help="Run the checks that create jobs (they spend credits on the real service; "
    "against the mock they always run).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_seconds("--timeout", "timeout", "Seconds for one HTTP request.")
@_seconds("--job-timeout", "job_timeout", "Seconds a job may take to finish on a real service.")
@_seconds("--poll-every", "poll_every", "Seconds between polls of a real service.")
@click.option(
    "--webhook-secret",
    envvar="DOITONG_WEBHOOK_SECRET",
    show_envvar=True,
    help="The account's webhook secret, to verify signatures (read from the mock itself).",
)
@click.option("--webhook-url", help="Public URL that reaches --webhook-listen (real service only).")
@click.option(
    "--webhook-listen",
    default=f"{_LISTEN_HOST}:{_LISTEN_PORT}",
    show_default=True,
    callback=_listen_address,
    help="HOST:PORT for the local webhook receiver.",
)
@click.option(
    "--admin-token",
    envvar="MOCK_DOITONG_ADMIN_TOKEN",
    show_envvar=True,
    help="The mock's admin token, when it was started with --admin-token.",
)
@click.option(
    "--check", "only", multiple=True, help="Run only this check (repeatable; listed below)."
)
def contract(
    *,
    base_url: str,
    api_key: str,
    allow_spend: bool,
    as_json: bool,
    timeout: float,
    job_timeout: float,
    poll_every: float,
    webhook_secret: str | None,
    webhook_url: str | None,
    webhook_listen: tuple[str, int],
    admin_token: str | None,
    only: tuple[str, ...],
) -> None:
    """Check that a deployment keeps the documented contract; exit 1 if any check fails.

    Shapes, types, status codes, error envelopes, rate-limit headers, the job lifecycle and the
    webhook signature, against the mock or the real service. On the real service, checks that
    create jobs run only with --allow-spend. A mock is left as it was found: its clock is
    never moved (on a frozen clock the run's jobs are completed through the control plane, on a
    real one they are waited for) and none of the run's jobs or webhooks is left pending.
    """
    # Imported here: the contract's HTTP client is not needed to serve, and costs start-up time.
    from .checks import CHECKS  # noqa: PLC0415
    from .probe import ControlPlaneLocked  # noqa: PLC0415
    from .runner import run_contract  # noqa: PLC0415

    known = {name for name, _ in CHECKS}
    unknown = sorted(set(only) - known)
    if unknown:
        raise click.BadParameter(f"no check {unknown[0]!r}; known: {', '.join(sorted(known))}")
    options = ContractOptions(
        base_url=base_url,
        api_key=api_key,
        allow_spend=allow_spend,
        timeout=timeout,
        job_timeout=job_timeout,
        poll_every=poll_every,
        webhook_secret=webhook_secret,
        webhook_url=webhook_url,
        webhook_listen=webhook_listen,
        only=only,
        admin_token=admin_token,
    )
    try:
        report = run_contract(options)
    except ControlPlaneLocked as locked:
        # Not a pass with fewer checks: the run could not check what it should.
        raise click.UsageError(str(locked)) from None
    click.echo(report.as_json() if as_json else report.as_table())
    sys.exit(1 if report.failed else 0)
