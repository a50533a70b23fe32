"""What `mock-doitong serve` can be told: one table of options, each filling one setting.

No default is written here: each option's default is the default of the field it fills, in
MockConfig (the mock), ServerTimeouts (how long the server waits on clients) or ServeSettings
(where it listens), so `--help`, the pytest plugin and a MockConfig made in code cannot
disagree. Every option can also be set by a variable: MOCK_DOITONG_ and the option's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import click

from .core.clock import DEFAULT_VIRTUAL_START, EARLIEST, LATEST, ClockMode, iso, parse_iso
from .core.randomness import MAX_SEED
from .core.webhook_policy import parse_host_rules
from .runtime.config import DEFAULT_HOST, DEFAULT_PORT, MockConfig, field_default
from .server import ServerTimeouts

ENV = "MOCK_DOITONG_"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ServeSettings:
    """Where `serve` listens and whether it logs requests (the mock's settings are a MockConfig)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    access_log: bool = False
    state: Path | None = None  # where the state is kept across restarts; None: memory only


def _clock_mode(_: click.Context, __: click.Parameter, value: str) -> ClockMode:
    return ClockMode(value)


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


@dataclass(frozen=True)
class Option:
    """One `serve` option: its flag, the field it fills, its help, and what else click needs."""

    flag: str  # "--port", or "--access-log/--no-access-log" for a switch
    settings: type[Any]  # the dataclass the field belongs to
    name: str  # the field, and the parameter `serve` receives
    help: str
    # What `--help` says of a default that is no value (None: "random", "now", ...); without
    # it such a default is not shown.
    shown_default: str | None = None
    click_options: dict[str, Any] = field(default_factory=dict)

    @property
    def default(self) -> Any:
        return field_default(self.settings, self.name)

    @property
    def envvar(self) -> str:
        return ENV + self.flag.split("/")[0].removeprefix("--").replace("-", "_").upper()

    def decorate(self, command: F) -> F:
        default = self.default
        if isinstance(default, Enum):
            default = default.value  # what the option reads, and --help shows
        has_value = default is not None and default != ()
        decorator = click.option(
            self.flag,
            self.name,
            default=default if has_value else None,
            show_default=has_value,
            envvar=self.envvar,
            show_envvar=True,
            # In the help itself: click would show a string default in parentheses.
            help=f"{self.help}  [default: {self.shown_default}]"
            if self.shown_default
            else self.help,
            **self.click_options,
        )
        return decorator(command)


SECONDS = click.FloatRange(0, min_open=True)
OPTIONS = (
    Option(
        "--host",
        ServeSettings,
        "host",
        "Interface to listen on. Keep 127.0.0.1 unless other machines must reach it.",
    ),
    Option(
        "--port",
        ServeSettings,
        "port",
        "Port to listen on; 0 picks a free one.",
        click_options={"type": click.IntRange(0, 65535)},
    ),
    Option(
        "--fixtures",
        MockConfig,
        "fixtures_dir",
        "Directory of fixtures (plans, accounts, catalog, sample video) "
        "to use instead of the bundled ones.",
        click_options={"type": click.Path(exists=True, file_okay=False, path_type=Path)},
    ),
    Option(
        "--seed",
        MockConfig,
        "seed",
        "Seed for ids and secrets, so a run can be repeated exactly.",
        shown_default="random",
        click_options={"type": click.IntRange(0, MAX_SEED)},
    ),
    Option(
        "--clock",
        MockConfig,
        "clock",
        "real: wall time (plus any advance). "
        "virtual: frozen; only POST /__mock/clock/advance moves it.",
        click_options={"type": click.Choice([m.value for m in ClockMode]), "callback": _clock_mode},
    ),
    Option(
        "--clock-start",
        MockConfig,
        "clock_start",
        "Where the clock starts, ISO 8601.",
        shown_default=f"now; virtual: {iso(DEFAULT_VIRTUAL_START)}",
        click_options={"callback": _clock_start},
    ),
    Option(
        "--job-seconds",
        MockConfig,
        "job_seconds",
        "Seconds (on the mock's clock) from accepting a job to its completion.",
        click_options={"type": click.FloatRange(0)},
    ),
    Option(
        "--webhook-attempts",
        MockConfig,
        "webhook_attempts",
        "Attempts per webhook delivery before it is given up as failed.",
        click_options={"type": click.IntRange(1)},
    ),
    Option(
        "--webhook-backoff",
        MockConfig,
        "webhook_backoff_seconds",
        "Seconds before the first retry; each later retry waits twice as long as the last.",
        click_options={"type": click.FloatRange(0)},
    ),
    Option(
        "--webhook-timeout",
        MockConfig,
        "webhook_timeout_seconds",
        "Seconds (real time) a receiver has to answer one attempt; a stopping mock waits as "
        "long for the attempts in flight.",
        click_options={"type": SECONDS},
    ),
    Option(
        "--webhook-allow",
        MockConfig,
        "webhook_allow",
        "Send webhooks only to these hosts (and names under them) or CIDR ranges; "
        "repeatable, space-separated in the variable.",
        shown_default="anywhere --webhook-deny allows",
        click_options={"multiple": True, "callback": _host_rules, "metavar": "HOST|CIDR"},
    ),
    Option(
        "--webhook-deny",
        MockConfig,
        "webhook_deny",
        "Never send webhooks to these hosts or CIDR ranges; repeatable. The mock's own control "
        "plane is always refused, link-local and cloud-metadata addresses unless allowed.",
        click_options={"multiple": True, "callback": _host_rules, "metavar": "HOST|CIDR"},
    ),
    Option(
        "--scenario",
        MockConfig,
        "scenario",
        "Scenario to start in: a name from fixtures/scenarios (e.g. flaky) or a JSON file.",
    ),
    Option(
        "--admin-token",
        MockConfig,
        "admin_token",
        "Require this token (header X-Mock-Admin-Token) on /__mock/ routes.",
    ),
    Option(
        "--journal-size",
        MockConfig,
        "journal_size",
        "How many API requests the journal keeps (the oldest go first).",
        click_options={"type": click.IntRange(1)},
    ),
    Option(
        "--journal-body-bytes",
        MockConfig,
        "journal_body_bytes",
        "How many bytes of each request's body the journal keeps; longer ones are cut "
        "(truncated: true).",
        click_options={"type": click.IntRange(0)},
    ),
    Option(
        "--journal-body-budget",
        MockConfig,
        "journal_body_budget",
        "Bytes of request bodies and headers the journal keeps in all; past it the oldest "
        "entries lose theirs first (the entries stay).",
        click_options={"type": click.IntRange(0)},
    ),
    Option(
        "--audit-poll-floor",
        MockConfig,
        "audit_poll_floor_seconds",
        "Seconds (on the mock's clock) below which the audit calls two polls of one job a "
        "polling storm.",
        click_options={"type": click.FloatRange(0)},
    ),
    Option(
        "--max-jobs",
        MockConfig,
        "max_jobs",
        "How many jobs to keep; the oldest finished ones are forgotten beyond it.",
        click_options={"type": click.IntRange(1)},
    ),
    Option(
        "--state",
        ServeSettings,
        "state",
        "Keep the state in this directory (an SQLite database): every answer is written "
        "before it is sent, so a restart or a killed process loses nothing (a power cut "
        "may lose the last moments).",
        shown_default="in memory only",
        click_options={"type": click.Path(file_okay=False, path_type=Path), "metavar": "DIR"},
    ),
    Option(
        "--session-ttl",
        MockConfig,
        "session_ttl_seconds",
        "Seconds (real time) a session may go unused before it is ended.",
        click_options={"type": click.FloatRange(min=1, max=365 * 86_400)},
    ),
    Option(
        "--max-sessions",
        MockConfig,
        "max_sessions",
        "How many sessions may be alive at once; POST /__mock/sessions over it is a 429.",
        click_options={"type": click.IntRange(1)},
    ),
    Option(
        "--header-timeout",
        ServerTimeouts,
        "header_seconds",
        "Seconds a client has to send a request's headers; then 408 and the connection closes.",
        click_options={"type": SECONDS},
    ),
    Option(
        "--body-timeout",
        ServerTimeouts,
        "body_seconds",
        "Seconds a client has to send a request's body once its headers are in.",
        click_options={"type": SECONDS},
    ),
    Option(
        "--shutdown-timeout",
        ServerTimeouts,
        "shutdown_seconds",
        "Seconds requests in flight get to finish when the mock is stopped; then they are cut.",
        click_options={"type": click.IntRange(0)},
    ),
    Option(
        "--access-log/--no-access-log",
        ServeSettings,
        "access_log",
        "Log every request to stderr.",
    ),
)


def serve_options(command: F) -> F:
    """Give `command` every option of the table, listed in its order."""
    for option in reversed(OPTIONS):
        command = option.decorate(command)
    return command


def settings_from(
    values: dict[str, Any],
) -> tuple[ServeSettings, MockConfig, ServerTimeouts]:
    """The three settings objects `serve`'s option values fill."""

    def made(settings: type[Any]) -> Any:
        return settings(**{f.name: values[f.name] for f in fields(settings) if f.name in values})

    return made(ServeSettings), made(MockConfig), made(ServerTimeouts)
