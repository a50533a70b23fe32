"""`mock-doitong contract`'s options take their defaults from ContractOptions, the one place."""

from __future__ import annotations

import dataclasses

import pytest

from mockserver.contract.command import contract
from mockserver.contract.options import ContractOptions


@pytest.fixture(autouse=True)
def _no_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DOITONG_API_KEY", "DOITONG_WEBHOOK_SECRET", "MOCK_DOITONG_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_without_flags_a_run_has_every_default_of_contract_options() -> None:
    with contract.make_context("contract", ["--base-url", "http://m", "--api-key", "k"]) as context:
        params = context.params
    expected = ContractOptions("http://m", "k")
    for field in dataclasses.fields(ContractOptions):
        if field.name in params:
            assert params[field.name] == getattr(expected, field.name), field.name
    assert {"timeout", "job_timeout", "poll_every", "webhook_listen"} <= set(params)


def test_help_shows_the_defaults() -> None:
    with contract.make_context("contract", ["--base-url", "http://m", "--api-key", "k"]) as context:
        text = contract.get_help(context)
    defaults = ContractOptions("http://m", "k")
    for shown in (defaults.timeout, defaults.job_timeout, defaults.poll_every):
        assert f"default: {shown}" in text
    assert "default: {}:{}".format(*defaults.webhook_listen) in text
