"""Each test still starts from a fresh mock now that its reset is left to the server's loop
(mockserver/deferred_reset.py) and the plugin keeps its handle for the session: whatever a
test's first contact with the mock is (a request, `app`, the plugin's own `max_credits` check)
and however many tests before it never touched the mock."""

from __future__ import annotations

import asyncio
from concurrent.futures import CancelledError
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from mockserver.deferred_reset import DeferredReset

pytest_plugins = ["pytester"]

# Each `dirty` test leaves a job (50 credits), a fault, a changed account, a moved clock, a
# received webhook and a delivery, a used rate limit and a journal behind it; the tests after it
# check that none of it is there at their first contact, whichever that is.
AFTER_DIRTY_TESTS = """
import asyncio
import httpx
import pytest

LEFT = {}

def create(mock):
    return httpx.post(mock.rest_url, headers={"X-API-Key": "test_free_key"},
        json={"service": "hedra", "text": "Hi", "avatarId": "casual-1",
              "webhookUrl": mock.webhook_url})

def dirty(mock):
    created = create(mock).json()["data"]["avatar"]
    LEFT.setdefault("job", created["id"])  # the first job of a fresh mock with the default seed
    mock.set_account(credits=70)
    mock.fail_next(500, operation="rest.get", times=5)
    mock.advance(100)
    assert len(mock.received_webhooks()) == 1

def fresh(mock, *operations):
    assert mock.jobs() == []
    assert mock.faults() == []
    assert mock.account("YOUR_API_KEY")["credits"] == 100000
    assert mock.now() == "2024-01-01T00:00:00Z"
    assert mock.received_webhooks() == []
    assert mock.deliveries() == []
    assert mock.ledger() == []
    assert [r.operation for r in mock.requests()] == list(operations)

def test_dirty_1(mock_doitong):
    dirty(mock_doitong)

def test_first_contact_is_a_request(mock_doitong):
    polled = httpx.get(f"{mock_doitong.rest_url}/{LEFT['job']}",
                       headers={"X-API-Key": "test_free_key"})
    assert polled.status_code == 404
    fresh(mock_doitong, "rest.get")

def test_dirty_2(mock_doitong):
    dirty(mock_doitong)

def test_first_contact_is_the_app(mock_doitong):
    async def poll():
        transport = httpx.ASGITransport(app=mock_doitong.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return await client.get(f"/v1/avatar/{LEFT['job']}",
                                    headers={"X-API-Key": "test_free_key"})
    assert asyncio.run(poll()).status_code == 404
    fresh(mock_doitong, "rest.get")

def test_dirty_3(mock_doitong):
    dirty(mock_doitong)

@pytest.mark.mock_doitong(max_credits=0)
def test_first_contact_is_the_max_credits_check(mock_doitong):
    pass

def test_dirty_4(mock_doitong):
    dirty(mock_doitong)

@pytest.mark.mock_doitong(scenario="out-of-credits", seed=7)
def test_untouched_with_a_scenario_and_a_seed(mock_doitong):
    pass

def test_untouched(mock_doitong):
    pass

def test_after_tests_that_never_touched_the_mock(mock_doitong):
    fresh(mock_doitong)  # the default accounts, not the scenario of the test before
    created = create(mock_doitong)  # the free key's running job is gone: 200, not 429
    assert created.status_code == 200
    assert created.json()["data"]["avatar"]["id"] == LEFT["job"]  # the default seed, not 7

def test_dirty_5(mock_doitong):
    dirty(mock_doitong)
"""


def test_every_first_contact_finds_a_fresh_mock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(AFTER_DIRTY_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=11)
    # every job counted once: none lost with a reset that was dropped, none twice
    result.stdout.re_match_lines([r"11 tests used the mock: 6 jobs, 300 credits$"])


class Recorder:
    """A stand-in for the mock's app: it records what it served and what ran before."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.marker = "the wrapped app's"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.seen.append(scope["path"])


def serve(front: DeferredReset, path: str) -> None:
    async def nothing() -> Any:
        return {}

    async def ignore(message: Any) -> None:
        return None

    asyncio.run(front({"type": "http", "path": path}, nothing, ignore))


def wrapping(app: Recorder) -> DeferredReset:
    return DeferredReset(app)  # type: ignore[arg-type]


def test_a_deferred_reset_runs_before_the_next_request_and_only_once() -> None:
    app = Recorder()
    front = wrapping(app)
    done = front.defer(lambda: app.seen.append("reset"))
    assert not done.done() and app.seen == []
    serve(front, "/first")
    serve(front, "/second")
    assert app.seen == ["reset", "/first", "/second"]
    assert done.result(0) is None


def test_a_reset_left_while_another_waits_replaces_it() -> None:
    app = Recorder()
    front = wrapping(app)
    first = front.defer(lambda: app.seen.append("first"))
    second = front.defer(lambda: app.seen.append("second"))
    front.run_pending()
    front.run_pending()
    assert app.seen == ["second"]
    with pytest.raises(CancelledError):
        first.result(0)
    assert second.done()


def test_a_reset_that_raises_is_on_its_future_and_the_request_still_served() -> None:
    app = Recorder()
    front = wrapping(app)

    def broken() -> None:
        raise RuntimeError("reset exploded")

    done = front.defer(broken)
    serve(front, "/after")
    assert app.seen == ["/after"]
    with pytest.raises(RuntimeError, match="reset exploded"):
        done.result(0)


def test_the_wrapper_is_the_app_to_the_server_s_hooks() -> None:
    app = Recorder()
    assert wrapping(app).marker == "the wrapped app's"
    assert isinstance(DeferredReset(Starlette()).state, type(Starlette().state))
