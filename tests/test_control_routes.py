"""The control plane's one guard (control/routes.py): every route gets the same wrapper."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from mockserver import create_app

from conftest import KEY, Api, virtual_config


def broken(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("engine exploded")


def test_a_bug_in_a_control_route_is_an_enveloped_500_kept_for_the_test() -> None:
    app = create_app(virtual_config())
    runtime = app.state.runtime
    runtime.engine.list_accounts = broken
    with TestClient(app) as client:
        response = client.get("/__mock/accounts")
        assert response.status_code == 500, response.text
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        (report,) = runtime.errors
        assert report.startswith("GET /__mock/accounts\n") and "engine exploded" in report
        assert client.get("/__mock/clock").status_code == 200  # the rest still answers
        assert client.get("/__mock/requests").json()["requests"] == []  # and is not journaled


def test_every_control_route_reads_state_up_to_the_clock() -> None:
    """The guard brings the runtime up to the clock's present, whichever route it guards."""
    app = create_app(virtual_config(job_seconds=30.0))
    runtime = app.state.runtime
    with TestClient(app) as client:
        api = Api(client)
        assert api.rest_create(**{"X-Mock-Fault": "failed"}).status_code == 200
        runtime.clock.move_to(runtime.clock.now() + 60)  # past the job's end, running nothing
        accounts = {a["apiKey"]: a for a in client.get("/__mock/accounts").json()["accounts"]}
        assert accounts[KEY]["credits"] == 100_000  # the failed job was refunded first


def test_a_reset_into_a_scenario_with_a_seed_is_one_reset() -> None:
    app = create_app(virtual_config())
    engine = app.state.runtime.engine
    seeds: list[int | None] = []
    reset = engine.reset

    def counted(seed: int | None = None) -> None:
        seeds.append(seed)
        reset(seed)

    engine.reset = counted
    with TestClient(app) as client:
        response = client.post("/__mock/reset", json={"scenario": "flaky", "seed": 3})
        assert response.status_code == 200, response.text
        faults = client.get("/__mock/faults").json()
    assert seeds == [3]
    # ...and it is the reset a mock started with that seed and scenario begins from.
    with TestClient(create_app(virtual_config(seed=3, scenario="flaky"))) as fresh:
        assert fresh.get("/__mock/faults").json() == faults
