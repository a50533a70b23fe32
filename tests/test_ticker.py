"""The real clock's ticker outlives any bug in due work: reported at once, the rest still runs."""

from __future__ import annotations

import logging

import httpx
import pytest
from receiver import Receiver, receiving
from starlette.testclient import TestClient

from mockserver import ClockMode, MockConfig, ServerThread, create_app
from mockserver.runtime.mock_runtime import MockRuntime

from conftest import Api, rest_body, virtual_config

receiver = pytest.fixture(receiving)

BROKEN_KEY = "test_pro_key"
OTHER_KEY = "test_unlimited_key"
JOB_SECONDS = 60.0


def create_with_hook(api: Api, url: str, key: str) -> str:
    response = api.rest_create(rest_body(webhookUrl=url), key=key)
    assert response.status_code == 200, response.text
    job_id: str = response.json()["data"]["avatar"]["id"]
    return job_id


def break_the_secret(runtime: MockRuntime) -> None:
    """A secret that cannot be encoded, so signing the webhook raises. Set on the account itself:
    the control plane is meant to refuse such a secret, and this test is about what happens when
    something slips through anyway."""
    account = runtime.engine.accounts.get(BROKEN_KEY)
    assert account is not None
    account.webhook_secret = "whsec_\ud800"


def test_an_error_finishing_one_job_is_reported_at_once_and_the_ticker_goes_on(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(MockConfig(clock=ClockMode.REAL, job_seconds=JOB_SECONDS, seed=1))
    runtime: MockRuntime = app.state.runtime
    with (
        caplog.at_level(logging.ERROR, logger="mockserver"),
        ServerThread(app) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        api = Api(http)
        server.call(lambda: break_the_secret(runtime))
        broken = create_with_hook(api, receiver.url, BROKEN_KEY)
        others = [create_with_hook(api, receiver.url, OTHER_KEY) for _ in range(3)]
        # Move the clock without a request (a request would run the due work itself): all four
        # jobs fall due together, and only the ticker is left to finish them, in one batch.
        server.call(lambda: runtime.clock.advance(JOB_SECONDS))
        assert receiver.wait_for(3, timeout=10), "the other key's jobs were never finished"
        assert sorted(hook.json()["id"] for hook in receiver.received) == sorted(others)

        # Reported while the mock still runs, with the job it was about and the cause.
        (bug,) = runtime.errors
        assert broken in bug and "UnicodeEncodeError" in bug
        assert any(broken in record.getMessage() for record in caplog.records)

        # The ticker is still alive: a job made now is finished by it too.
        later = create_with_hook(api, receiver.url, OTHER_KEY)
        server.call(lambda: runtime.clock.advance(JOB_SECONDS))
        assert receiver.wait_for(4, timeout=10), "the ticker died"
        assert receiver.received[-1].json()["id"] == later

        # No job was lost: the broken key's job ended too, only its webhook could not be signed.
        for job_id, key in [(broken, BROKEN_KEY), *((i, OTHER_KEY) for i in [*others, later])]:
            assert api.rest_get(job_id, key=key).json()["data"]["avatar"]["status"] == "completed"
        assert len(runtime.errors) == 1


def test_an_error_in_due_work_on_a_frozen_clock_fails_neither_advance_nor_other_jobs(
    receiver: Receiver,
) -> None:
    app = create_app(virtual_config())
    runtime: MockRuntime = app.state.runtime
    with TestClient(app) as client:
        api = Api(client)
        break_the_secret(runtime)
        broken = create_with_hook(api, receiver.url, BROKEN_KEY)
        other = create_with_hook(api, receiver.url, OTHER_KEY)
        api.advance(JOB_SECONDS)  # asserts a 200
        assert [hook.json()["id"] for hook in receiver.received] == [other]
        (bug,) = runtime.errors
        assert broken in bug
        assert api.rest_get(other, key=OTHER_KEY).json()["data"]["avatar"]["status"] == "completed"
