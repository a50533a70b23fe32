"""A test's background work ends with it: a webhook attempt that test 1 started and its receiver
holds is cut when test 2 is prepared, not left posting (up to the webhook timeout, 5 s) while
test 2 runs, even when test 2 never touches the mock and so never runs its reset."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

HELD_WEBHOOK = """
import logging
import socket
import threading

import httpx

accepted = threading.Event()  # the mock's attempt reached the receiver
sender_gone = threading.Event()  # ...and the mock closed its side, unanswered

class Kept(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)

LOOP_LOG = Kept()
logging.getLogger("asyncio").addHandler(LOOP_LOG)

def hold(listener):
    connection, _ = listener.accept()
    accepted.set()
    with connection:
        while connection.recv(65536):  # read, never answer, until the mock hangs up
            pass
    sender_gone.set()

RECEIVER = socket.create_server(("127.0.0.1", 0))
threading.Thread(target=hold, args=(RECEIVER,), daemon=True).start()

def test_1_starts_a_webhook_that_is_held(mock_doitong):
    headers = {"X-API-Key": mock_doitong.api_key}
    hook = f"http://127.0.0.1:{RECEIVER.getsockname()[1]}/hook"
    created = httpx.post(mock_doitong.rest_url, headers=headers,
        json={"service": "hedra", "text": "Hi", "avatarId": "casual-1", "webhookUrl": hook})
    job = created.json()["data"]["avatar"]
    for _ in range(100):
        polled = httpx.get(f"{mock_doitong.rest_url}/{job['id']}", headers=headers)
        if polled.json()["data"]["avatar"]["status"] == "completed":
            break
    else:
        raise AssertionError("the job never completed")
    assert accepted.wait(5)
    assert not sender_gone.is_set()

def test_2_does_not_have_test_1_s_attempt_still_posting(mock_doitong):
    assert sender_gone.wait(2)

def test_3_finds_the_log_consistent_and_the_loop_quiet(mock_doitong):
    assert mock_doitong.deliveries() == []
    assert mock_doitong.jobs() == []
    assert [record.getMessage() for record in LOOP_LOG.records] == []
"""


def test_a_webhook_attempt_of_the_test_before_is_cut_when_the_next_is_prepared(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nmock_doitong_job_seconds = 0\n")
    pytester.makepyfile(HELD_WEBHOOK)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
