"""The stores seam: an engine keeps its state in the stores it is given, through their protocols.

Each store is wrapped in an object that has the protocol's methods and nothing else, so any
call the engine or a plane makes beyond a protocol fails here, as it would for a second
implementation written against the protocols alone.
"""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest

from mockserver import ServerThread, create_app
from mockserver.core import stores
from mockserver.core.catalog import load_fixtures
from mockserver.core.clock import Clock, ClockMode
from mockserver.core.engine import Engine
from mockserver.core.inbox import Inbox, Received
from mockserver.core.job_request import from_avatar_input
from mockserver.core.jobs import JobStatus
from mockserver.core.randomness import Randomness
from mockserver.core.stores import Stores, memory_stores
from mockserver.core.webhooks import Attempt, DeliveryStatus, RetryPolicy
from mockserver.runtime import mock_runtime

from conftest import Api, rest_body, virtual_config

FIXTURES = load_fixtures(None)
KEY = "YOUR_API_KEY"
STORE_FIELDS = ("jobs", "accounts", "idempotency", "journal", "webhooks", "inbox", "ledger")


def protocol_members(protocol: type) -> list[str]:
    """The methods and properties written in the protocol's own body."""
    return [
        name
        for name, member in vars(protocol).items()
        if isinstance(member, property)
        or (inspect.isfunction(member) and member.__qualname__.startswith(protocol.__name__ + "."))
    ]


def only(protocol: type, inner: Any) -> Any:
    """`inner` seen through `protocol`: every other attribute, dunder or not, is missing."""

    def forward(name: str, member: Any) -> Any:
        if isinstance(member, property):
            return property(lambda self: getattr(inner, name))
        return lambda self, *args, **kwargs: getattr(inner, name)(*args, **kwargs)

    namespace = {name: forward(name, vars(protocol)[name]) for name in protocol_members(protocol)}
    return type(f"Only{protocol.__name__}", (), namespace)()


def narrowed(
    retry_policy: RetryPolicy | None = None, journal_capacity: int = 100, **journal_bounds: int
) -> Stores:
    memory = memory_stores(retry_policy, journal_capacity=journal_capacity, **journal_bounds)
    protocols = {name: stores.Stores.__annotations__[name] for name in STORE_FIELDS}
    return Stores(
        **{
            name: only(getattr(stores, protocols[name]), getattr(memory, name))
            for name in STORE_FIELDS
        }
    )


def engine_with(given: Stores | None) -> Engine:
    return Engine(
        FIXTURES,
        Clock(ClockMode.VIRTUAL),
        randomness=Randomness(7),
        job_seconds=30.0,
        stores=given,
    )


def test_a_wrapped_store_has_only_the_protocol_methods() -> None:
    jobs = only(stores.JobStore, {})
    assert "get" in protocol_members(stores.JobStore)
    assert jobs.get("nothing") is None and len(jobs) == 0
    with pytest.raises(AttributeError):
        jobs.items()
    assert not hasattr(type(jobs), "__iter__")  # JobStore has none: only tests walk the ids


def test_the_engine_keeps_its_state_in_the_stores_it_is_given() -> None:
    given = memory_stores()
    engine = engine_with(given)
    for name in STORE_FIELDS:
        assert getattr(engine, name) is getattr(given, name)


def test_two_engines_made_without_stores_share_none() -> None:
    first, second = engine_with(None), engine_with(None)
    for name in STORE_FIELDS:
        assert getattr(first, name) is not getattr(second, name)


def test_the_engine_runs_a_job_through_stores_that_have_only_the_protocol_methods() -> None:
    engine = engine_with(narrowed())
    admission = engine.admit(KEY, "X-API-Key")
    body = rest_body(webhookUrl="http://127.0.0.1:9/hook")
    request = from_avatar_input(FIXTURES.catalog, body, "", "rest.create")
    job = engine.create_job(admission, request, idempotency_key="once")
    assert engine.create_job(admission, request, idempotency_key="once") is job
    assert engine.get_job(admission.account, job.id) is job
    engine.clock.advance(30)
    (delivery,) = engine.run_due().deliveries + engine.run_due().deliveries
    engine.record_attempt(delivery, Attempt(at=engine.clock.now(), duration_ms=1.0, status=200))
    assert job.status is JobStatus.COMPLETED
    assert [d.status for d in engine.webhooks] == [DeliveryStatus.DELIVERED]
    engine.journal.record(
        at=0.0, method="GET", path="/", operation=None, api_key=KEY, status=200, duration_ms=1.0
    )
    assert [entry.status for entry in engine.journal.select()] == [200]
    engine.reset()
    assert engine.jobs.get(job.id) is None and engine.journal.select() == []


def test_both_planes_work_on_stores_that_have_only_the_protocol_methods(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mock_runtime, "memory_stores", narrowed)
    with (
        ServerThread(create_app(virtual_config())) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        api = Api(client)
        created = api.rest_create(rest_body(webhookUrl=f"{server.url}/__mock/inbox/hook"))
        job_id = created.json()["data"]["avatar"]["id"]
        api.advance(30)
        assert api.rest_get(job_id).json()["data"]["avatar"]["status"] == "completed"
        assert client.get(f"/outputs/{job_id}.mp4").status_code == 200
        assert [job["id"] for job in client.get("/__mock/jobs").json()["jobs"]] == [job_id]
        (debit,) = client.get("/__mock/ledger").json()["entries"]
        assert (debit["jobId"], debit["kind"]) == (job_id, "debit")
        assert client.get(f"/__mock/jobs/{job_id}").status_code == 200
        (delivery,) = client.get("/__mock/webhooks").json()["deliveries"]
        assert delivery["status"] == "delivered"
        assert client.post(f"/__mock/webhooks/{delivery['id']}/replay").status_code == 200
        assert len(client.get("/__mock/inbox").json()["webhooks"]) == 2
        assert len(client.get("/__mock/requests").json()["requests"]) == 3
        assert client.get("/__mock/accounts").status_code == 200
        api.reset()
        assert client.get("/__mock/jobs").json()["jobs"] == []
        assert client.get("/__mock/inbox").json()["webhooks"] == []


def test_the_inbox_keeps_its_newest_webhooks_within_its_byte_budget() -> None:
    inbox = Inbox(capacity=10, body_budget=100)
    for number in range(5):
        inbox.record(Received(at=0.0, path="/hook", headers={}, body=b"%d" % number * 30))
    assert [received.body[:1] for received in inbox] == [b"2", b"3", b"4"]  # 90 bytes
    assert inbox.recorded == 5
    assert [received.body[:1] for received in inbox.recorded_since(3)] == [b"3", b"4"]
    inbox.record(Received(at=0.0, path="/hook", headers={}, body=b"w" * 500))
    assert [received.body[:1] for received in inbox] == [b"w"]  # the newest stays, alone
    for number in range(12):
        inbox.record(Received(at=0.0, path="/hook", headers={}, body=b"%d" % (number % 10)))
    assert len(inbox) == 10  # and the count's bound holds beside the budget's
