"""A stopping mock starts no webhook attempt: what falls due stays pending, a send is a 503.

The sender is told to stop, as a stopping `serve`'s is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from receiver import Receiver

from mockserver import ServerThread, create_app
from mockserver.runtime.mock_runtime import MockRuntime

from conftest import virtual_config

JOB = {"service": "hedra", "text": "Hello", "avatarId": "professional-1", "voice": "en-US-neural"}
KEY = {"X-API-Key": "YOUR_API_KEY"}


@contextmanager
def stopping_sender() -> Iterator[tuple[ServerThread, Receiver]]:
    """A mock in a thread whose sender was told to stop, as a stopping `serve`'s is."""
    with Receiver() as receiver, ServerThread(create_app(virtual_config())) as server:
        runtime: MockRuntime = server.app.state.runtime  # type: ignore[attr-defined]
        server.call(runtime.sender.stop_sending)
        yield server, receiver


def test_an_attempt_due_once_the_mock_is_stopping_is_not_sent_and_stays_pending() -> None:
    with stopping_sender() as (server, receiver):
        body = {**JOB, "webhookUrl": receiver.url}
        assert httpx.post(server.url + "/v1/avatar", json=body, headers=KEY).status_code == 200
        advanced = httpx.post(server.url + "/__mock/clock/advance", json={"seconds": 60})
        assert advanced.status_code == 200, advanced.text
        deliveries = httpx.get(server.url + "/__mock/webhooks").json()["deliveries"]
    assert [(d["status"], d["attempts"]) for d in deliveries] == [("pending", [])]
    assert receiver.received == []


def test_a_webhook_send_asked_of_a_stopping_mock_is_a_503_not_a_bug() -> None:
    with stopping_sender() as (server, receiver):
        body = {"url": receiver.url, "status": "completed"}
        answer = httpx.post(server.url + "/__mock/webhooks/send", json=body)
        errors = server.app.state.runtime.errors  # type: ignore[attr-defined]
    assert answer.status_code == 503
    assert answer.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert errors == []
    assert receiver.received == []
