"""Scenario files: shipped ones, loaded at start, at run time, and over resets."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.core.catalog import default_fixtures_dir

from conftest import Api, rest_body, virtual_config
from serve_process import EXECUTABLE, ServeProcess

SHIPPED = [
    "failing-jobs",
    "flaky",
    "out-of-credits",
    "rate-limited-free",
    "slow",
    "unreliable-webhooks",
]


def test_the_shipped_scenarios_are_listed(api: Api) -> None:
    listing = api.client.get("/__mock/scenarios").json()
    assert listing == {"scenarios": SHIPPED, "active": None}


def test_out_of_credits_at_start() -> None:
    with TestClient(create_app(virtual_config(scenario="out-of-credits"))) as client:
        api = Api(client)
        assert api.rest_create().status_code == 200
        refused = api.rest_create()
        assert refused.status_code == 402
        assert refused.json()["errors"][0]["extensions"]["creditsAvailable"] == 75 - 53


def test_rate_limited_free_at_run_time_and_kept_over_reset(api: Api) -> None:
    activated = api.client.post("/__mock/scenarios/rate-limited-free")
    assert activated.json()["active"]["name"] == "rate-limited-free"
    statuses = [api.rest_get("x").status_code for _ in range(11)]
    assert statuses == [404] * 10 + [429]
    api.reset()
    assert [api.rest_get("x").status_code for _ in range(11)][-1] == 429
    api.client.post("/__mock/reset", json={"scenario": None})
    assert api.client.get("/__mock/scenarios").json()["active"] is None
    assert [api.rest_get("x").status_code for _ in range(11)][-1] == 404


def test_failing_jobs_fail_about_half_and_refund(api: Api) -> None:
    api.client.post("/__mock/scenarios/failing-jobs")
    ids = [
        api.rest_create(key="test_unlimited_key").json()["data"]["avatar"]["id"] for _ in range(20)
    ]
    api.advance(30)
    outcomes = Counter(
        api.rest_get(i, key="test_unlimited_key").json()["data"]["avatar"]["status"] for i in ids
    )
    assert set(outcomes) == {"completed", "failed"}
    assert 3 <= outcomes["failed"] <= 17


def test_flaky_answers_some_500s_and_drops_some_connections(live_api: Api) -> None:
    live_api.client.post("/__mock/scenarios/flaky")
    outcomes: Counter[str] = Counter()
    for _ in range(40):
        try:
            outcomes[str(live_api.rest_get("x", key="test_unlimited_key").status_code)] += 1
        except httpx.TransportError:
            outcomes["dropped"] += 1
    assert outcomes["500"] > 0 and outcomes["404"] > 0 and outcomes["dropped"] > 0
    live_api.client.post("/__mock/reset", json={"scenario": None})


def test_slow_sets_job_time_and_latency(api: Api) -> None:
    api.client.post("/__mock/scenarios/slow")
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    assert api.client.get(f"/__mock/jobs/{job_id}").json()["dueAt"] == "2024-01-01T00:02:00Z"
    (entry,) = api.client.get("/__mock/requests").json()["requests"][:1]
    assert entry["durationMs"] >= 1500


def test_unknown_scenario_is_404(api: Api) -> None:
    response = api.client.post("/__mock/scenarios/nope")
    assert response.status_code == 404
    assert "failing-jobs" in response.json()["errors"][0]["message"]


def test_scenario_by_path_from_the_command_line(tmp_path: Path) -> None:
    custom = tmp_path / "mine.json"
    custom.write_text(
        json.dumps(
            {
                "description": "YOUR_API_KEY gets a 500 on its first create",
                "faults": [{"status": 500, "operation": "rest.create", "times": 1}],
            }
        )
    )
    with ServeProcess("--port", "0", "--scenario", str(custom)) as served:
        assert "Scenario mine: YOUR_API_KEY gets a 500" in served.banner()
        headers = {"X-API-Key": "YOUR_API_KEY"}
        first = httpx.post(f"{served.url}/v1/avatar", json=rest_body(), headers=headers)
        second = httpx.post(f"{served.url}/v1/avatar", json=rest_body(), headers=headers)
        assert (first.status_code, second.status_code) == (500, 200)


def test_named_scenario_from_the_command_line() -> None:
    with ServeProcess("--port", "0", "--scenario", "out-of-credits") as served:
        accounts = httpx.get(f"{served.url}/__mock/accounts").json()["accounts"]
        assert next(a for a in accounts if a["apiKey"] == "YOUR_API_KEY")["credits"] == 75


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{", "not valid JSON"),
        ('{"faults": [{"status": 418}]}', "faults[0]"),
        ('{"colour": 1}', "unknown field"),
        ('{"accounts": [{"apiKey": "YOUR_API_KEY", "plan": "platinum"}]}', "accounts[0].plan"),
        ('{"accounts": [{"apiKey": "new", "plan": "free", "credits": -5}]}', "accounts[0].credits"),
        ('{"accounts": [{"apiKey": "new", "credits": 5}]}', "accounts[0].plan"),
        ('{"accounts": [{"apiKey": "new", "plan": "free", "credits": 1, "limits": 3}]}', "limits"),
        ('{"jobSeconds": NaN}', "jobSeconds"),
        ('{"description": ["not", "text"]}', "description"),
    ],
)
def test_a_bad_scenario_file_stops_serve_with_a_clear_message(
    tmp_path: Path, content: str, fragment: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = subprocess.run(
        [EXECUTABLE, "serve", "--port", "0", "--scenario", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert fragment in result.stderr and str(bad) in result.stderr
    assert "Traceback" not in result.stderr


def _fixtures_with_scenario(tmp_path: Path, name: str, scenario: object) -> Path:
    """A copy of the bundled fixtures with one more scenario file."""
    root = tmp_path / "fixtures"
    shutil.copytree(default_fixtures_dir(), root)
    (root / "scenarios" / f"{name}.json").write_text(json.dumps(scenario))
    return root


def test_a_bad_scenario_is_refused_at_run_time_and_never_made_active(tmp_path: Path) -> None:
    broken = {"accounts": [{"apiKey": "YOUR_API_KEY", "plan": "platinum", "credits": 5}]}
    fixtures = _fixtures_with_scenario(tmp_path, "broken", broken)
    with TestClient(create_app(virtual_config(fixtures_dir=fixtures))) as client:
        api = Api(client)
        assert client.post("/__mock/scenarios/out-of-credits").status_code == 200
        for refused in (
            client.post("/__mock/scenarios/broken"),
            client.post("/__mock/reset", json={"scenario": "broken"}),
        ):
            assert refused.status_code == 400
            (error,) = refused.json()["errors"]
            assert "broken.json" in error["message"] and "accounts[0].plan" in error["message"]
            assert error["extensions"] == {"code": "BAD_REQUEST", "field": "scenario"}
        assert client.get("/__mock/scenarios").json()["active"]["name"] == "out-of-credits"
        assert client.post("/__mock/reset").status_code == 200
        assert api.rest_create().status_code == 200
        assert api.rest_create().status_code == 402  # still out-of-credits' 75


def test_a_bare_name_is_the_bundled_scenario_whatever_the_working_directory_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    impostor = json.dumps({"description": "from the working directory"})
    for name in ("flaky", "flaky.json", "mine.json"):
        (tmp_path / name).write_text(impostor)
    monkeypatch.chdir(tmp_path)
    bundled = json.loads((default_fixtures_dir() / "scenarios" / "flaky.json").read_text())
    with TestClient(create_app(virtual_config(scenario="flaky"))) as client:
        active = client.get("/__mock/scenarios").json()["active"]
        assert active["description"] == bundled["description"]
        for name in ("flaky", "flaky.json"):
            chosen = client.post(f"/__mock/scenarios/{name}").json()["active"]
            assert chosen["description"] == bundled["description"]
        assert client.post("/__mock/scenarios/mine.json").status_code == 404


def test_shipped_scenarios_are_in_the_fixtures() -> None:
    names = sorted(p.stem for p in (default_fixtures_dir() / "scenarios").glob("*.json"))
    assert names == SHIPPED
