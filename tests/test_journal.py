"""The request journal: every API request, filterable, bounded; control calls left out."""

from __future__ import annotations

import random

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.core.journal import Filters, Journal
from mockserver.core.journal_entry import Entry

from conftest import Api, virtual_config


def journal(api: Api, **params: str) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = api.client.get("/__mock/requests", params=params).json()[
        "requests"
    ]
    return entries


def test_each_api_request_is_recorded_with_its_outcome(api: Api) -> None:
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    api.generate(key="test_pro_key")
    api.rest_get("missing")
    api.rest_create(key=None)
    api.advance(30)
    api.client.get(f"/outputs/{job_id}.mp4")
    entries = journal(api)
    assert [
        (e["method"], e["path"], e["operation"], e["apiKey"], e["status"]) for e in entries
    ] == [
        ("POST", "/v1/avatar", "rest.create", "YOUR_API_KEY", 200),
        ("POST", "/graphql", "generate", "test_pro_key", 200),
        ("GET", "/v1/avatar/missing", "rest.get", "YOUR_API_KEY", 404),
        ("POST", "/v1/avatar", "rest.create", None, 401),
        ("GET", f"/outputs/{job_id}.mp4", "output", None, 200),
    ]
    assert entries[0]["at"] == "2024-01-01T00:00:00Z"
    assert entries[-1]["at"] == "2024-01-01T00:00:30Z"
    assert all(isinstance(e["durationMs"], float) for e in entries)


def test_filters(api: Api) -> None:
    api.rest_create()
    api.generate()
    api.generate(key="test_pro_key")
    assert len(journal(api, operation="generate")) == 2
    assert len(journal(api, apiKey="test_pro_key")) == 1
    assert len(journal(api, status="200")) == 3
    assert [e["apiKey"] for e in journal(api, limit="1")] == ["test_pro_key"]
    assert api.client.get("/__mock/requests", params={"limit": "many"}).status_code == 400


def test_the_journal_keeps_only_the_newest_entries() -> None:
    with TestClient(create_app(virtual_config(journal_size=5))) as client:
        api = Api(client)
        for index in range(12):
            api.rest_get(f"job-{index}", key="test_unlimited_key")
        paths = [e["path"] for e in journal(api)]
        assert paths == [f"/v1/avatar/job-{index}" for index in range(7, 12)]


def test_reset_empties_the_journal(api: Api) -> None:
    api.rest_create()
    api.reset()
    assert journal(api) == []


def test_select_is_filtering_every_entry_whatever_the_ring_holds() -> None:
    """The newest-first search finds what filtering the whole journal finds, whether or not
    the ring has wrapped, with and without a limit."""
    draw = random.Random(5)
    for count in (0, 3, 7, 8, 9, 25):
        journal = Journal(capacity=8)
        for n in range(count):
            journal.record(
                at=float(n),
                method="GET",
                path=f"/v1/avatar/{n}",
                operation=draw.choice(["rest.get", "rest.create", None]),
                api_key=draw.choice(["a", "b"]),
                status=draw.choice([200, 404]),
                duration_ms=0.5,
                request_id=n + 1,
            )
        everything = journal.entries()
        assert [entry.at for entry in everything] == sorted(entry.at for entry in everything)
        for operation, api_key, status in [(None, None, None), ("rest.get", None, 404)]:
            wanted = [
                e
                for e in everything
                if (operation is None or e.operation == operation)
                and (api_key is None or e.api_key == api_key)
                and (status is None or e.status == status)
            ]
            for limit in (None, 1, 2, 100):
                found = journal.select(Filters(operation, api_key, status), limit)
                assert found == (wanted[-limit:] if limit else wanted), (count, limit)


def polls(count: int) -> Journal:
    """A journal of `count` polls, request ids 1 to `count`."""
    journal = Journal()
    for request_id in range(1, count + 1):
        journal.record(
            at=float(request_id),
            method="GET",
            path="/v1/avatar/job-1",
            operation="rest.get",
            api_key="key",
            status=200,
            duration_ms=1.0,
            request_id=request_id,
        )
    return journal


def test_a_limit_keeps_that_many_of_the_newest_and_zero_keeps_none() -> None:
    journal = polls(3)
    assert [entry.id for entry in journal.select(limit=None)] == [1, 2, 3]
    assert [entry.id for entry in journal.select(limit=2)] == [2, 3]
    assert [entry.id for entry in journal.select(limit=5)] == [1, 2, 3]
    assert journal.select(limit=0) == []


def test_the_newest_few_are_read_without_building_every_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The dashboard asks for the newest 100 of 10,000 once a second: only those are built."""
    journal = polls(1000)
    built = 0
    build = Journal._entry

    def counting(self: Journal, i: int) -> Entry:
        nonlocal built
        built += 1
        return build(self, i)

    monkeypatch.setattr(Journal, "_entry", counting)
    assert [entry.id for entry in journal.select(limit=3)] == [998, 999, 1000]
    assert built == 3
