"""Snapshots: GET /__mock/state to one JSON document, PUT it into another mock, same answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.core.state_document import FORMAT, VERSION

from conftest import KEY, Api, rest_body, virtual_config

FREE = "test_free_key"
HOOK = "http://127.0.0.1:9/hook"  # nothing listens: every attempt fails, retries stay owed
# Everything the control plane shows of a mock's state.
VIEWS = [
    "/__mock/jobs",
    "/__mock/accounts",
    "/__mock/usage",
    "/__mock/ledger",
    "/__mock/webhooks",
    "/__mock/requests",
    "/__mock/faults",
    "/__mock/clock",
    "/__mock/scenarios",
    "/__mock/inbox",
]


def fresh(**overrides: Any) -> TestClient:
    return TestClient(create_app(virtual_config(**overrides)), base_url="http://mock.test")


@pytest.fixture
def pair() -> Iterator[tuple[Api, Api]]:
    with fresh() as first, fresh(seed=99) as second:
        yield Api(first), Api(second)


def busy_day(api: Api) -> list[str]:
    """A mock that has been through a bit of everything; returns the jobs' ids."""
    client = api.client
    ids = [api.rest_create().json()["data"]["avatar"]["id"] for _ in range(3)]
    keyed = api.rest_create(rest_body(webhookUrl=HOOK), **{"Idempotency-Key": "order-1"})
    ids.append(keyed.json()["data"]["avatar"]["id"])
    fault = {"outcome": "failed", "operation": "rest.create", "times": 1}
    assert client.post("/__mock/faults", json=fault).status_code == 201
    ids.append(api.rest_create(rest_body(webhookUrl=HOOK)).json()["data"]["avatar"]["id"])
    scripted = {"status": 500, "apiKey": FREE, "times": 2}
    assert client.post("/__mock/faults", json=scripted).status_code == 201
    # Copies at no retry's instant: a copy and a retry due together race to be logged first.
    copies = {"webhook": "duplicate", "copies": 2, "spreadSeconds": 250}
    assert client.post("/__mock/faults", json=copies).status_code == 201
    assert client.put(f"/__mock/accounts/{FREE}", json={"credits": 500}).status_code == 200
    api.rest_get(ids[0])
    api.advance(31)  # the jobs end; the webhooks fail and are owed retries
    ids.append(api.rest_create(rest_body(webhookUrl=HOOK)).json()["data"]["avatar"]["id"])
    assert client.post("/__mock/inbox/somewhere", content=b"\x00\xffraw").status_code == 200
    return ids


def views(api: Api) -> dict[str, Any]:
    return {path: timeless(api.client.get(path).json()) for path in VIEWS}


def timeless(value: Any) -> Any:
    """`value` without the real time things took (`durationMs`), which no two runs share."""
    if isinstance(value, dict):
        return {k: timeless(v) for k, v in value.items() if k not in ("durationMs", "duration_ms")}
    if isinstance(value, list):
        return [timeless(item) for item in value]
    return value


def answers(api: Api, ids: list[str]) -> list[Any]:
    return [api.rest_get(job_id).json() for job_id in ids]


def test_a_snapshot_loaded_into_another_mock_answers_as_the_first(pair: tuple[Api, Api]) -> None:
    first, second = pair
    ids = busy_day(first)
    document = first.client.get("/__mock/state").json()
    assert document["format"] == FORMAT and document["version"] == VERSION
    loaded = second.client.put("/__mock/state", content=json.dumps(document))
    assert loaded.status_code == 200, loaded.text
    assert views(second) == views(first)
    assert answers(second, ids) == answers(first, ids)
    # The same next steps give the same results: ids, retries, copies, the idempotent replay.
    for api in pair:
        api.rest_create(rest_body(webhookUrl=HOOK))
        api.rest_create(rest_body(webhookUrl=HOOK), **{"Idempotency-Key": "order-1"})
        api.advance(200)
    assert views(second) == views(first)
    second_state, first_state = (timeless(api.client.get("/__mock/state").json()) for api in pair)
    assert second_state == first_state


def test_a_snapshot_round_trips_through_json_unchanged(api: Api) -> None:
    busy_day(api)
    document = api.client.get("/__mock/state").json()
    assert api.client.put("/__mock/state", json=document).status_code == 200
    assert api.client.get("/__mock/state").json() == document


def test_an_idempotent_replay_after_loading_returns_the_job_it_made(pair: tuple[Api, Api]) -> None:
    first, second = pair
    made = first.rest_create(**{"Idempotency-Key": "k1"}).json()["data"]["avatar"]
    second.client.put("/__mock/state", json=first.client.get("/__mock/state").json())
    replay = second.rest_create(**{"Idempotency-Key": "k1"}).json()["data"]["avatar"]
    assert replay["id"] == made["id"]
    balance = second.client.get("/__mock/accounts").json()["accounts"]
    assert next(a for a in balance if a["apiKey"] == KEY)["credits"] == 100_000 - 53


def test_a_state_holding_a_fault_that_could_never_fire_still_loads(api: Api) -> None:
    # Earlier versions accepted `failed` for an operation that makes no job (it never fires);
    # a state they wrote loads as it was, though such a fault is refused when scripted now.
    busy_day(api)
    document = api.client.get("/__mock/state").json()
    fault = {**document["faults"][0], "status": None, "outcome": "failed", "operation": "rest.get"}
    document["faults"].append({**fault, "id": "flt_older"})
    assert api.client.put("/__mock/state", json=document).status_code == 200
    loaded = api.client.get("/__mock/faults").json()["faults"]
    assert {"id": "flt_older", "outcome": "failed", "operation": "rest.get"}.items() <= next(
        fault for fault in loaded if fault["id"] == "flt_older"
    ).items()


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        (lambda d: d["jobs"][0].update(createdAt="soon"), "jobs[0].createdAt", "number"),
        (lambda d: d["jobs"][0].update(avatarId="nobody"), "jobs[0].avatarId", "catalog"),
        (lambda d: d["accounts"][0].update(plan="gold"), "accounts[0].plan", "plan"),
        (lambda d: d["faults"][0].update(status=999), "faults[0].status", "status"),
        (lambda d: d.update(extra=1), "extra", "unknown"),
        (lambda d: d["clock"].pop("now"), "clock.now", "required"),
        (lambda d: d["randomness"].update(position=[1, 2]), "randomness.position", "position"),
        (lambda d: d["deliveries"][0].update(body="%%%"), "deliveries[0].body", "base64"),
        (lambda d: d.update(version=2), "version", "newer"),
        (lambda d: d.update(version=0), "version", "older"),
        (lambda d: d.pop("format"), "format", "not a mock-doitong state"),
    ],
)
def test_a_bad_document_is_a_400_naming_the_field_and_changes_nothing(
    api: Api, change: Any, field: str, says: str
) -> None:
    busy_day(api)
    before = api.client.get("/__mock/state").json()
    document = json.loads(json.dumps(before))
    change(document)
    answer = api.client.put("/__mock/state", json=document)
    assert answer.status_code == 400, answer.text
    error = answer.json()["errors"][0]
    assert error["extensions"]["field"] == field
    assert says in error["message"]
    assert api.client.get("/__mock/state").json() == before


@pytest.mark.parametrize("body", [b"", b"[]", b"{", b'"x"', b"null"])
def test_a_body_that_is_no_document_is_a_400(api: Api, body: bytes) -> None:
    answer = api.client.put("/__mock/state", content=body)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
