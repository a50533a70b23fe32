"""Scenarios on their own: checked in full when read, errors naming the file and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from core_engine import FIXTURES, KEY, make_engine

from mockserver.core.catalog import FixtureError
from mockserver.core.scenarios import (
    MAX_JOB_SECONDS,
    Scenario,
    ScenarioNotFound,
    available_scenarios,
    load_scenario,
    parse_scenario,
)

SHIPPED = [
    "failing-jobs",
    "flaky",
    "out-of-credits",
    "rate-limited-free",
    "slow",
    "unreliable-webhooks",
]


def refusal(raw: Any) -> str:
    with pytest.raises(FixtureError) as refused:
        parse_scenario("mine", raw, "mine.json", FIXTURES)
    return str(refused.value)


def test_a_scenario_keeps_what_it_says() -> None:
    raw = {
        "description": "two keys, one fault",
        "jobSeconds": 5,
        "accounts": [{"apiKey": "YOUR_API_KEY", "credits": 75}],
        "faults": [{"status": 500, "times": 1}],
    }
    scenario = parse_scenario("mine", raw, "mine.json", FIXTURES)
    assert scenario == Scenario(
        name="mine",
        description="two keys, one fault",
        job_seconds=5.0,
        accounts=({"apiKey": "YOUR_API_KEY", "credits": 75},),
        faults=({"status": 500, "times": 1},),
    )
    assert scenario.as_json() == {"name": "mine", **raw}


def test_an_empty_scenario_changes_nothing() -> None:
    scenario = parse_scenario("empty", {}, "empty.json", FIXTURES)
    assert (scenario.job_seconds, scenario.accounts, scenario.faults) == (None, (), ())
    assert scenario.description == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "mine.json: a scenario must be a JSON object"),
        ({"accounts": [], "zone": 1, "colour": 2}, "mine.json: unknown field 'colour'"),
        ({"description": 5}, "mine.json: description must be a string"),
        ({"jobSeconds": True}, "mine.json: jobSeconds must be a number from 0 to"),
        ({"jobSeconds": "5"}, "mine.json: jobSeconds must be a number from 0 to"),
        ({"jobSeconds": -1}, "mine.json: jobSeconds must be a number from 0 to"),
        ({"jobSeconds": MAX_JOB_SECONDS + 1}, "mine.json: jobSeconds must be a number from 0 to"),
        ({"jobSeconds": float("inf")}, "mine.json: jobSeconds must be a number from 0 to"),
        ({"accounts": {"apiKey": "k"}}, "mine.json: accounts must be a list of objects"),
        ({"accounts": ["k"]}, "mine.json: accounts[0]: expected an object with an apiKey"),
        ({"accounts": [{"plan": "free"}]}, "mine.json: accounts[0].apiKey: expected a non-empty"),
        ({"accounts": [{"apiKey": ""}]}, "mine.json: accounts[0].apiKey: expected a non-empty"),
        (
            {"accounts": [{"apiKey": "YOUR_API_KEY"}, {"apiKey": "new", "credits": 1}]},
            "mine.json: accounts[1].plan: plan is required",
        ),
        (
            {"accounts": [{"apiKey": "YOUR_API_KEY", "credits": 1.5}]},
            "mine.json: accounts[0].credits: credits must be a whole number",
        ),
        (
            {"accounts": [{"apiKey": "YOUR_API_KEY", "limits": {"perHour": 1}}]},
            "mine.json: accounts[0].limits: limits: unknown limit 'perHour'",
        ),
        (
            {"accounts": [{"apiKey": "YOUR_API_KEY", "webhookSecret": ""}]},
            "mine.json: accounts[0].webhookSecret",
        ),
        ({"faults": {"status": 500}}, "mine.json: faults must be a list"),
        ({"faults": [{"status": 500}, {"times": 2}]}, "mine.json: faults[1]: A fault needs"),
        ({"faults": [{"status": 500, "when": 1}]}, "mine.json: faults[0]: Unknown fault field"),
        ({"faults": [{"webhook": "resend"}]}, "mine.json: faults[0]: webhook must be one of"),
        (
            {"faults": [{"webhook": "delay", "seconds": -1}]},
            "mine.json: faults[0]: seconds must be a number from 0",
        ),
    ],
)
def test_a_bad_scenario_is_refused_naming_the_file_and_the_field(raw: Any, message: str) -> None:
    assert refusal(raw).startswith(message)


@pytest.mark.parametrize("seconds", [0, 0.5, MAX_JOB_SECONDS])
def test_job_seconds_may_be_anything_from_zero_to_a_year(seconds: float) -> None:
    raw = {"jobSeconds": seconds}
    assert parse_scenario("mine", raw, "mine.json", FIXTURES).job_seconds == seconds


def test_a_new_account_in_a_scenario_may_follow_an_earlier_one_for_the_same_key() -> None:
    accounts = [{"apiKey": "new", "plan": "free", "credits": 5}, {"apiKey": "new", "credits": 9}]
    scenario = parse_scenario("mine", {"accounts": accounts}, "mine.json", FIXTURES)
    assert scenario.accounts == tuple(accounts)


def test_each_reset_scripts_the_faults_afresh() -> None:
    raw = {"faults": [{"status": 500, "times": 1}, {"webhook": "unsigned", "times": 1}]}
    engine = make_engine()
    engine.activate(parse_scenario("mine", raw, "m", FIXTURES))
    fault, webhook_fault = engine.all_faults()
    assert (fault.times, webhook_fault.times) == (1, 1)
    assert engine.take_fault("rest.create", KEY) is fault
    assert engine.webhook_faults.book.take(KEY, "job", lambda _: True) is webhook_fault
    assert engine.all_faults() == []  # both used up...
    engine.reset()
    again, webhook_again = engine.all_faults()  # ...and whole again after a reset
    assert (again.times, webhook_again.times) == (1, 1)
    assert (again.id, webhook_again.id) == (fault.id, webhook_fault.id)  # seeded: the same ids


# -- loading ---------------------------------------------------------------------------------


def test_the_bundled_scenarios_are_listed_and_load_by_name_with_or_without_json() -> None:
    assert available_scenarios(FIXTURES.scenarios_dir) == SHIPPED
    for name in SHIPPED:
        scenario = load_scenario(name, FIXTURES, bundled_only=True)
        assert scenario.name == name and scenario.description
        assert load_scenario(f"{name}.json", FIXTURES) == scenario


def test_a_scenario_file_loads_by_path_unless_only_bundled_ones_may(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"jobSeconds": 3}))
    assert load_scenario(str(path), FIXTURES).job_seconds == 3
    with pytest.raises(ScenarioNotFound) as refused:
        load_scenario(str(path), FIXTURES, bundled_only=True)
    assert "available: " + ", ".join(SHIPPED) in str(refused.value)


def test_an_unknown_scenario_lists_the_bundled_ones() -> None:
    with pytest.raises(ScenarioNotFound) as refused:
        load_scenario("no-such-scenario", FIXTURES)
    assert str(refused.value) == (
        "no scenario 'no-such-scenario' (available: " + ", ".join(SHIPPED) + ")"
    )


@pytest.mark.parametrize("content", [b"{", b"\xff{}"], ids=["broken", "not-utf-8"])
def test_a_file_that_is_no_json_is_refused_naming_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(FixtureError) as refused:
        load_scenario(str(path), FIXTURES)
    assert str(refused.value).startswith(f"{path}: not valid JSON")


def test_errors_in_a_file_name_its_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"faults": [{"status": 418}]}))
    with pytest.raises(FixtureError) as refused:
        load_scenario(str(path), FIXTURES)
    assert str(refused.value).startswith(f"{path}: faults[0]: status must be one of")


def test_no_scenarios_directory_means_none_are_bundled(tmp_path: Path) -> None:
    assert available_scenarios(tmp_path / "nowhere") == []
