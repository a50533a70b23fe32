"""Sessions inside one app: their shapes, their isolation, their keys, their end and expiry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver import ClockMode, MockConfig, create_app

from conftest import rest_body

KEY = "YOUR_API_KEY"


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app(MockConfig(clock=ClockMode.VIRTUAL, seed=1, max_sessions=3))
    with TestClient(app) as client:
        yield client


def new_session(client: TestClient, **body: object) -> dict[str, object]:
    response = client.post("/__mock/sessions", json=body)
    assert response.status_code == 201, response.text
    session: dict[str, object] = response.json()
    return session


def first_key(session: dict[str, object]) -> str:
    keys = session["apiKeys"]
    assert isinstance(keys, list)
    key: str = keys[0]["apiKey"]
    return key


def test_a_new_session_answers_its_id_keys_control_url_and_expiry(client: TestClient) -> None:
    session = new_session(client)
    assert set(session) == {"id", "apiKeys", "controlUrl", "expiresAt"}
    assert first_key(session) == f"{KEY}.{session['id']}"
    keys = session["apiKeys"]
    assert isinstance(keys, list)
    assert set(keys[0]) == {"apiKey", "plan", "credits", "webhookSecret"}
    assert session["controlUrl"] == f"http://testserver/__mock/sessions/{session['id']}"


def test_a_session_job_is_its_own_and_a_404_everywhere_else(client: TestClient) -> None:
    one, other = new_session(client), new_session(client)
    created = client.post("/v1/avatar", json=rest_body(), headers={"X-API-Key": first_key(one)})
    assert created.status_code == 200, created.text
    job_id = created.json()["data"]["avatar"]["id"]
    assert client.get(f"/__mock/sessions/{one['id']}/jobs/{job_id}").status_code == 200
    assert client.get(f"/__mock/sessions/{other['id']}/jobs/{job_id}").status_code == 404
    assert client.get(f"/__mock/jobs/{job_id}").status_code == 404
    polled = client.get(f"/v1/avatar/{job_id}", headers={"X-API-Key": first_key(other)})
    assert polled.status_code == 404
    assert client.get("/__mock/requests").json()["requests"] == []


def test_advancing_a_session_moves_only_its_clock(client: TestClient) -> None:
    session = new_session(client)
    root_before = client.get("/__mock/clock").json()["epoch"]
    key = first_key(session)
    job_id = client.post("/v1/avatar", json=rest_body(), headers={"X-API-Key": key}).json()["data"][
        "avatar"
    ]["id"]
    control = f"/__mock/sessions/{session['id']}"
    client.post(f"{control}/clock/advance", json={"seconds": 60})
    polled = client.get(f"/v1/avatar/{job_id}", headers={"X-API-Key": key}).json()
    assert polled["data"]["avatar"]["status"] == "completed"
    assert client.get("/__mock/clock").json()["epoch"] == root_before
    video = polled["data"]["avatar"]["videoUrl"]
    assert video.startswith(f"http://testserver{control}/outputs/")
    assert client.get(video).status_code == 200


def test_a_session_fault_fails_only_that_session(client: TestClient) -> None:
    one, other = new_session(client), new_session(client)
    client.post(f"/__mock/sessions/{one['id']}/faults", json={"status": 500})
    body = rest_body()
    assert (
        client.post("/v1/avatar", json=body, headers={"X-API-Key": first_key(one)}).status_code
        == 500
    )
    assert (
        client.post("/v1/avatar", json=body, headers={"X-API-Key": first_key(other)}).status_code
        == 200
    )
    assert client.post("/v1/avatar", json=body, headers={"X-API-Key": KEY}).status_code == 200


def test_a_session_scenario_renames_its_keys_into_the_session(client: TestClient) -> None:
    session = new_session(client, scenario="out-of-credits")
    keys = session["apiKeys"]
    assert isinstance(keys, list)
    assert keys[0]["credits"] == 75
    root = client.get("/__mock/accounts").json()["accounts"]
    assert next(a for a in root if a["apiKey"] == KEY)["credits"] == 100000


def test_an_ended_session_is_404_and_its_keys_401(client: TestClient) -> None:
    session = new_session(client)
    assert client.delete(f"/__mock/sessions/{session['id']}").status_code == 200
    gone = client.get(f"/__mock/sessions/{session['id']}/clock")
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    refused = client.post("/v1/avatar", json=rest_body(), headers={"X-API-Key": first_key(session)})
    assert refused.status_code == 401
    graphql = client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Authorization": f"Bearer {first_key(session)}"},
    )
    assert graphql.status_code == 401
    assert graphql.json()["data"] is None


def test_more_sessions_than_the_limit_is_a_429_in_the_envelope(client: TestClient) -> None:
    for _ in range(3):
        new_session(client)
    refused = client.post("/__mock/sessions", json={})
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_SESSIONS"
    assert len(client.get("/__mock/sessions").json()["sessions"]) == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"clock": "sundial"}, "clock"),
        ({"seed": "x"}, "seed"),
        ({"jobSeconds": -1}, "jobSeconds"),
        ({"scenario": "nope"}, "scenario"),
        ({"accounts": [{"apiKey": "k", "plan": "gold", "credits": 1}]}, "accounts[0].plan"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_session_body_is_a_400_naming_the_field(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    refused = client.post("/__mock/sessions", json=body)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["field"] == field
