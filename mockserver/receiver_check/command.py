"""`mock-doitong check-receiver`: the receiver check as a command."""

from __future__ import annotations

import json
import sys

import click

from .cases import CASES, DEFAULT_TIMEOUT


class _CheckReceiverCommand(click.Command):
    """`--help` ends with the cases, as `contract --help` ends with its checks."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Cases (in the order they are sent; pick some with --only NAME)"):
            formatter.write_dl([(case.name, case.summary) for case in CASES])


@click.command("check-receiver", cls=_CheckReceiverCommand)
@click.argument("url")
@click.option(
    "--secret",
    required=True,
    envvar="DOITONG_WEBHOOK_SECRET",
    show_envvar=True,
    help="The account's webhook secret, which the receiver verifies with.",
)
@click.option(
    "--other-secret",
    envvar="DOITONG_OTHER_WEBHOOK_SECRET",
    show_envvar=True,
    help="The secret of another account the receiver knows, for other-account-secret "
    "(default: one made up for the run).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--only", multiple=True, help="Run only this case (repeatable; listed below).")
@click.option(
    "--webhook-timeout",
    type=click.FloatRange(0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds an answer may take, as the mock's `serve --webhook-timeout`: a slower one "
    "fails its case.",
)
def check_receiver_command(
    *,
    url: str,
    secret: str,
    other_secret: str | None,
    as_json: bool,
    only: tuple[str, ...],
    webhook_timeout: float,
) -> None:
    """Send the webhook receiver at URL deliveries it must accept and forgeries it must refuse;
    exit 1 if it answers any of them wrongly.

    Genuine deliveries (completed, failed, the same one twice, one with undocumented fields)
    want 2xx; a bad, tampered, missing, malformed or other account's signature wants 4xx (a 2xx
    trusts forgeries, a 5xx crashes on them); a signed body that is not JSON wants 4xx. Every
    answer must come within --webhook-timeout. The deliveries are signed and shaped as the mock
    sends them.
    """
    try:
        from .runner import check_receiver  # noqa: PLC0415 - keeps httpx off `serve`'s start

        report = check_receiver(
            url,
            secret=secret,
            timeout=webhook_timeout,
            only=only,
            other_secret=other_secret,
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(json.dumps(report.as_json(), indent=2) if as_json else str(report))
    sys.exit(0 if report.passed else 1)
