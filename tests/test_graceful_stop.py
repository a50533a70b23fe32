"""`serve` stopped by SIGTERM or SIGINT loses nothing it was doing, and a second signal ends it.

A real `serve` process, real sockets and a webhook receiver that holds each request until the
test releases it: what is "in flight" is held there, by an event, not by a guess at timing. The
last tests tell a mock's sender to stop, as a stopping `serve` does, and ask it for attempts.
"""

from __future__ import annotations

import json
import signal
import socket
from collections.abc import Iterator
from contextlib import closing, contextmanager
from urllib.parse import urlsplit

import httpx
import pytest
from receiver import Receiver
from sockets import read_to_end

from mockserver import ServerThread, create_app
from mockserver.runtime.mock_runtime import MockRuntime

from conftest import virtual_config
from serve_process import ServeProcess

STOPS = [signal.SIGTERM, signal.SIGINT]
# Far longer than any test holds a request: only the test's release ends what is in flight.
PATIENT = ("--shutdown-timeout", "60", "--webhook-timeout", "60")


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def send_held_webhook(url: str, receiver: Receiver) -> socket.socket:
    """A control request the mock answers only once the held receiver answers its webhook."""
    body = json.dumps({"url": receiver.url, "status": "completed"}).encode()
    client = socket.create_connection(address(url), timeout=30)
    client.sendall(
        b"POST /__mock/webhooks/send HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    assert receiver.got_request.wait(30), "the webhook never reached the receiver"
    return client


def refused(url: str) -> bool:
    try:
        socket.create_connection(address(url), timeout=10).close()
    except ConnectionRefusedError:
        return True
    return False


JOB = {"service": "hedra", "text": "Hello", "avatarId": "professional-1", "voice": "en-US-neural"}
KEY = {"X-API-Key": "YOUR_API_KEY"}


@contextmanager
def job_webhook_in_flight(*args: str) -> Iterator[tuple[ServeProcess, Receiver]]:
    """A served mock whose background delivery of a finished job is held by the receiver."""
    with Receiver() as receiver, ServeProcess("--port", "0", "--job-seconds", "0", *args) as served:
        receiver.hold = True
        body = {**JOB, "webhookUrl": receiver.url}
        created = httpx.post(served.url + "/v1/avatar", json=body, headers=KEY)
        assert created.status_code == 200, created.text
        assert receiver.got_request.wait(30), "the job's webhook never reached the receiver"
        yield served, receiver


@pytest.mark.parametrize("stop", STOPS)
def test_a_request_in_flight_gets_its_answer_while_new_connections_are_refused(
    stop: signal.Signals,
) -> None:
    with Receiver() as receiver, ServeProcess("--port", "0", *PATIENT) as served:
        receiver.hold = True
        with closing(send_held_webhook(served.url, receiver)) as in_flight:
            served.process.send_signal(stop)
            served.wait_for("Stopping: no new connections")
            assert refused(served.url)
            assert served.process.poll() is None  # still answering the request in flight
            receiver.release()
            answer = read_to_end(in_flight)
        code = served.process.wait(30)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), answer
    assert json.loads(body)["status"] == "delivered"
    assert code == 0, served.banner()


@pytest.mark.parametrize("stop", STOPS)
def test_a_webhook_attempt_in_flight_is_waited_for_recorded_and_the_mock_exits_0(
    stop: signal.Signals,
) -> None:
    with job_webhook_in_flight(*PATIENT) as (served, receiver):
        served.process.send_signal(stop)
        served.wait_for("Stopping: no new connections")
        served.wait_for("stopping: waiting up to 60 s for 1 webhook attempt(s) in flight")
        assert served.process.poll() is None  # waiting for the receiver's answer
        receiver.release()
        recorded = served.wait_for("; recorded")
        code = served.process.wait(30)
    assert f"attempt 1 to {receiver.url}: HTTP 200; recorded" in recorded
    assert code == 0, served.banner()
    assert served.banner().rstrip().endswith("Stopped.")
    assert len(receiver.received) == 1


def test_an_attempt_that_outlasts_the_webhook_timeout_is_recorded_as_timed_out() -> None:
    with job_webhook_in_flight("--webhook-timeout", "1") as (served, _):
        served.process.send_signal(signal.SIGTERM)
        recorded = served.wait_for("; recorded")
        code = served.process.wait(30)
    assert "attempt 1" in recorded and "timeout: no answer within 1 s" in recorded
    assert code == 0, served.banner()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (signal.SIGTERM, signal.SIGTERM),
        (signal.SIGINT, signal.SIGINT),
        (signal.SIGINT, signal.SIGTERM),
    ],
)
def test_a_second_signal_ends_the_process_at_once_of_that_signal(
    first: signal.Signals, second: signal.Signals
) -> None:
    with job_webhook_in_flight(*PATIENT) as (served, _):
        served.process.send_signal(first)
        served.wait_for("stopping: waiting up to 60 s")
        served.process.send_signal(second)
        code = served.process.wait(30)  # while the receiver still holds the attempt
    assert code == -second, served.banner()
    assert f"{second.name} again: stopped at once" in served.banner()
    assert "; recorded" not in served.banner()


def test_a_second_signal_cuts_a_request_in_flight() -> None:
    with Receiver() as receiver, ServeProcess("--port", "0", *PATIENT) as served:
        receiver.hold = True
        with closing(send_held_webhook(served.url, receiver)) as in_flight:
            served.process.send_signal(signal.SIGTERM)
            served.wait_for("Stopping: no new connections")
            served.process.send_signal(signal.SIGTERM)
            code = served.process.wait(30)
            assert read_to_end(in_flight) == b""  # closed unanswered
    assert code == -signal.SIGTERM, served.banner()


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
