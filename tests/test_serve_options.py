"""`serve`'s options: each fills one setting, takes that setting's one default, and shows it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
import pytest

from mockserver.cli import serve
from mockserver.core.clock import ClockMode
from mockserver.core.webhooks import RetryPolicy
from mockserver.runtime.config import MockConfig, field_default
from mockserver.serve_options import OPTIONS, Option, ServeSettings, settings_from
from mockserver.server import ServerTimeouts

# The options and variables users and the README know: none may go or be renamed.
PUBLIC = {
    "--host": "MOCK_DOITONG_HOST",
    "--port": "MOCK_DOITONG_PORT",
    "--fixtures": "MOCK_DOITONG_FIXTURES",
    "--seed": "MOCK_DOITONG_SEED",
    "--clock": "MOCK_DOITONG_CLOCK",
    "--clock-start": "MOCK_DOITONG_CLOCK_START",
    "--job-seconds": "MOCK_DOITONG_JOB_SECONDS",
    "--webhook-attempts": "MOCK_DOITONG_WEBHOOK_ATTEMPTS",
    "--webhook-backoff": "MOCK_DOITONG_WEBHOOK_BACKOFF",
    "--webhook-timeout": "MOCK_DOITONG_WEBHOOK_TIMEOUT",
    "--webhook-allow": "MOCK_DOITONG_WEBHOOK_ALLOW",
    "--webhook-deny": "MOCK_DOITONG_WEBHOOK_DENY",
    "--scenario": "MOCK_DOITONG_SCENARIO",
    "--admin-token": "MOCK_DOITONG_ADMIN_TOKEN",
    "--journal-size": "MOCK_DOITONG_JOURNAL_SIZE",
    "--journal-body-bytes": "MOCK_DOITONG_JOURNAL_BODY_BYTES",
    "--journal-body-budget": "MOCK_DOITONG_JOURNAL_BODY_BUDGET",
    "--audit-poll-floor": "MOCK_DOITONG_AUDIT_POLL_FLOOR",
    "--max-jobs": "MOCK_DOITONG_MAX_JOBS",
    "--state": "MOCK_DOITONG_STATE",
    "--session-ttl": "MOCK_DOITONG_SESSION_TTL",
    "--max-sessions": "MOCK_DOITONG_MAX_SESSIONS",
    "--header-timeout": "MOCK_DOITONG_HEADER_TIMEOUT",
    "--body-timeout": "MOCK_DOITONG_BODY_TIMEOUT",
    "--shutdown-timeout": "MOCK_DOITONG_SHUTDOWN_TIMEOUT",
    "--access-log/--no-access-log": "MOCK_DOITONG_ACCESS_LOG",
}


def parse(*args: str) -> tuple[ServeSettings, MockConfig, ServerTimeouts]:
    """What `serve` would run with, for these arguments, without running it."""
    with serve.make_context("serve", list(args)) as context:
        return settings_from(context.params)


def test_every_option_keeps_its_flag_and_variable() -> None:
    assert {option.flag: option.envvar for option in OPTIONS} == PUBLIC


def test_every_option_fills_a_field_of_its_settings_once() -> None:
    names = [option.name for option in OPTIONS]
    assert len(names) == len(set(names))
    for option in OPTIONS:
        assert option.name in {f.name for f in dataclasses.fields(option.settings)}, option


def test_without_arguments_serve_runs_with_every_setting_at_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in PUBLIC.values():
        monkeypatch.delenv(variable, raising=False)
    assert parse() == (ServeSettings(), MockConfig(), ServerTimeouts())


def test_the_webhook_defaults_are_the_retry_policy_s() -> None:
    config, policy = MockConfig(), RetryPolicy()
    assert config.webhook_attempts == policy.max_attempts
    assert config.webhook_backoff_seconds == policy.backoff_seconds
    assert config.webhook_timeout_seconds == policy.timeout_seconds


def test_flags_and_variables_fill_their_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCK_DOITONG_WEBHOOK_ATTEMPTS", "2")
    monkeypatch.setenv("MOCK_DOITONG_WEBHOOK_DENY", "10.0.0.0/8 blocked.example")
    monkeypatch.setenv("MOCK_DOITONG_ACCESS_LOG", "true")
    settings, config, timeouts = parse(
        "--port", "0", "--clock", "virtual", "--webhook-backoff", "3", "--body-timeout", "7",
        "--seed", "9", "--fixtures", str(Path(__file__).parent.parent / "fixtures"),
    )  # fmt: skip
    assert settings == ServeSettings(port=0, access_log=True)
    assert config.clock is ClockMode.VIRTUAL and config.seed == 9
    assert config.webhook_attempts == 2 and config.webhook_backoff_seconds == 3.0
    assert config.webhook_deny == ("10.0.0.0/8", "blocked.example")
    assert config.fixtures_dir is not None and config.fixtures_dir.name == "fixtures"
    assert timeouts == ServerTimeouts(body_seconds=7.0)


def help_of(option: Option) -> str:
    context = serve.make_context("serve", [])
    (parameter,) = [p for p in serve.params if p.name == option.name]
    record = parameter.get_help_record(context)
    assert record is not None
    return record[1]


@pytest.mark.parametrize("option", OPTIONS, ids=lambda option: option.flag)
def test_help_shows_each_default_and_variable(option: Option) -> None:
    text = help_of(option)
    assert f"env var: {option.envvar}" in text
    default = field_default(option.settings, option.name)
    if option.shown_default:
        assert f"[default: {option.shown_default}]" in text
    elif isinstance(default, bool):
        assert f"default: {'access-log' if default else 'no-access-log'}" in text
    elif default not in (None, ()):
        assert f"default: {default}" in text
    else:
        assert "default:" not in text


def test_a_field_without_a_plain_default_is_a_clear_error() -> None:
    with pytest.raises(LookupError, match="no field 'nope'"):
        field_default(MockConfig, "nope")

    @dataclasses.dataclass
    class Needs:
        value: int

    with pytest.raises(LookupError, match="no plain default"):
        field_default(Needs, "value")


def test_a_bad_value_is_refused_naming_the_option() -> None:
    with pytest.raises(click.BadParameter, match="CIDR"):
        parse("--webhook-deny", "10.0.0.0/33")
