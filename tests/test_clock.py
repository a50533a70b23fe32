"""The mock's clock: `advance` keeps its promise on a real clock too, and nothing breaks it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from receiver import Receiver, receiving

from mockserver import ClockMode, MockConfig, ServerThread, create_app
from mockserver.core.clock import parse_iso

from conftest import Api, rest_body

receiver = pytest.fixture(receiving)


@pytest.fixture
def real_clock_api() -> Iterator[Api]:
    """A real-clock mock on a loopback socket whose jobs take far longer than a test may wait."""
    config = MockConfig(clock=ClockMode.REAL, job_seconds=5, seed=5)
    with (
        ServerThread(create_app(config), port=0) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        yield Api(http)


def test_advance_on_a_real_clock_runs_what_fell_due_before_it_answers(
    real_clock_api: Api, receiver: Receiver
) -> None:
    """Completion, the webhook attempt and its retry: all run and logged inside the jump."""
    api = real_clock_api
    receiver.statuses = [500]  # the first attempt fails, so a retry falls due 10 s later
    created = api.rest_create(rest_body(webhookUrl=receiver.url))
    job = created.json()["data"]["avatar"]
    api.advance(60)
    (delivery,) = api.client.get("/__mock/webhooks").json()["deliveries"]
    assert delivery["status"] == "delivered"
    assert [attempt["status"] for attempt in delivery["attempts"]] == [500, 200]
    assert len(receiver.received) == 2
    finished = api.rest_get(job["id"]).json()["data"]["avatar"]
    assert finished["status"] == "completed"
    # ...at its own instant inside the jump, not at the jump's end.
    took = parse_iso(finished["completedAt"]) - parse_iso(job["createdAt"])
    assert 5 <= took <= 7
    first, retry = (parse_iso(attempt["at"]) for attempt in delivery["attempts"])
    assert 10 <= retry - first <= 12


LATEST = "9000-01-01T00:00:00Z"  # the documented latest instant the clock may show


def test_an_advance_past_the_latest_instant_is_a_400_naming_seconds(live_api: Api) -> None:
    refused = live_api.client.post("/__mock/clock/advance", json={"seconds": 1e12})
    assert refused.status_code == 400
    (error,) = refused.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST", "field": "seconds"}
    assert LATEST in error["message"]
    # Nothing moved, and the mock goes on answering.
    assert live_api.client.get("/__mock/clock").json()["now"] == "2024-01-01T00:00:00Z"
    assert live_api.rest_create().status_code == 200


def test_a_real_clock_refuses_the_same_advance(real_clock_api: Api) -> None:
    refused = real_clock_api.client.post("/__mock/clock/advance", json={"seconds": 1e12})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["field"] == "seconds"
    assert real_clock_api.rest_create().status_code == 200


def test_at_the_latest_instant_every_answer_is_still_representable(
    live_api: Api, receiver: Receiver
) -> None:
    """Up to the limit is allowed; what the mock stamps from there (jobs, windows) still fits."""
    now = live_api.client.get("/__mock/clock").json()["epoch"]
    assert live_api.advance(parse_iso(LATEST) - now)["now"] == LATEST
    refused = live_api.client.post("/__mock/clock/advance", json={"seconds": 1})
    assert refused.status_code == 400
    created = live_api.rest_create(rest_body(webhookUrl=receiver.url))
    assert created.status_code == 200, created.text
    assert int(created.headers["X-RateLimit-Reset"]) == parse_iso(LATEST) + 60
    job = live_api.client.get(f"/__mock/jobs/{created.json()['data']['avatar']['id']}")
    assert job.status_code == 200 and job.json()["dueAt"].startswith("9000-01-01T00:00:")
    assert live_api.client.get("/__mock/jobs").status_code == 200
