"""The control plane: its routes, their checks, its index, and the Python client over it."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver import ServerThread, create_app
from mockserver.control.client import MockControl

from conftest import Api, virtual_config
from serve_process import ServeProcess


def test_clock_reads_and_advances(api: Api) -> None:
    clock = api.client.get("/__mock/clock").json()
    assert clock == {"now": "2024-01-01T00:00:00Z", "epoch": 1704067200.0, "mode": "virtual"}
    assert api.advance(90.5)["now"] == "2024-01-01T00:01:30Z"


@pytest.mark.parametrize("body", [{"seconds": -1}, {"seconds": "ten"}, {}, [5], {"seconds": True}])
def test_bad_advance_is_400(api: Api, body: object) -> None:
    response = api.client.post("/__mock/clock/advance", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["field"] == "seconds"


def test_accounts_list_and_put(api: Api) -> None:
    accounts = {a["apiKey"]: a for a in api.client.get("/__mock/accounts").json()["accounts"]}
    assert accounts["YOUR_API_KEY"]["plan"] == "pro"
    assert accounts["YOUR_API_KEY"]["limits"] == {
        "requestsPerMinute": 60,
        "concurrentJobs": 10,
        "dailyRequests": 10000,
    }
    created = api.client.put("/__mock/accounts/second-key", json={"plan": "free", "credits": 75})
    assert created.status_code == 200
    assert created.json()["webhookSecret"].startswith("whsec_")
    assert created.json()["limits"]["requestsPerMinute"] == 10
    assert api.rest_create(key="second-key").status_code == 200


def test_put_changes_only_what_it_names(api: Api) -> None:
    api.client.put("/__mock/accounts/YOUR_API_KEY", json={"credits": 5})
    account = next(
        a
        for a in api.client.get("/__mock/accounts").json()["accounts"]
        if a["apiKey"] == "YOUR_API_KEY"
    )
    assert account["credits"] == 5
    assert account["plan"] == "pro"
    assert account["webhookSecret"] == "whsec_your_webhook_secret"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plan": "platinum", "credits": 1}, "plan"),
        ({"plan": "free", "credits": -1}, "credits"),
        ({"plan": "free", "credits": "lots"}, "credits"),
        ({"plan": "free", "credits": 1, "limits": {"bogus": 1}}, "limits"),
        ({"plan": "free", "credits": 1, "nickname": "x"}, "nickname"),
        ({"plan": ["free"], "credits": 1}, "plan"),
        ({"plan": "free", "credits": 1, "webhookSecret": ""}, "webhookSecret"),
    ],
)
def test_bad_account_is_400(api: Api, body: dict[str, object], field: str) -> None:
    response = api.client.put("/__mock/accounts/new-key", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["field"] == field


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "plan", "plan is required to create an account"),
        ({"plan": "free"}, "credits", "credits is required to create an account"),
        ({"credits": 10}, "plan", "plan is required to create an account"),
        (
            {"plan": None, "credits": 10},
            "plan",
            "plan must be one of free, starter, pro, enterprise, got null",
        ),
        (
            {"plan": "free", "credits": True},
            "credits",
            "credits must be a whole number >= 0, got true",
        ),
    ],
)
def test_a_new_account_without_plan_or_credits_is_a_400_that_says_what_is_missing(
    api: Api, body: dict[str, object], field: str, message: str
) -> None:
    response = api.client.put("/__mock/accounts/new", json=body)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error == {"message": message, "extensions": {"code": "BAD_REQUEST", "field": field}}


def test_reset_restores_the_fixtures(api: Api) -> None:
    api.client.put("/__mock/accounts/temp", json={"plan": "free", "credits": 1})
    api.rest_create()
    api.reset()
    accounts = {a["apiKey"]: a for a in api.client.get("/__mock/accounts").json()["accounts"]}
    assert "temp" not in accounts
    assert accounts["YOUR_API_KEY"]["credits"] == 100000


def test_the_control_client_verifies_certificates_for_https_only() -> None:
    """Loading certificates is a third of a pytest session's start: plain http skips it."""
    plain, tls = MockControl("http://127.0.0.1:8910"), MockControl("https://mock.example")
    try:
        modes = [client._http._transport._pool._ssl_context.verify_mode for client in (plain, tls)]
        assert modes == [ssl.CERT_NONE, ssl.CERT_REQUIRED]
    finally:
        plain.close()
        tls.close()


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/__mock/jobs", {"status": "bogus"}, "status"),
        ("/__mock/jobs", {"status": "PROCESSING"}, "status"),
        ("/__mock/webhooks", {"status": "bogus"}, "status"),
        ("/__mock/requests", {"status": "²"}, "status"),
        ("/__mock/requests", {"status": "\uff11\uff12"}, "status"),  # full-width digits
        ("/__mock/requests", {"status": "-1"}, "status"),
        ("/__mock/requests", {"status": "600"}, "status"),
        ("/__mock/requests", {"limit": "²"}, "limit"),
        ("/__mock/requests", {"limit": "9" * 5000}, "limit"),
        ("/__mock/requests", {"limit": "0"}, "limit"),
        ("/__mock/requests", {"limit": " 5"}, "limit"),
    ],
)
def test_a_malformed_listing_query_is_a_400_naming_the_parameter(
    live_api: Api, path: str, params: dict[str, str], field: str
) -> None:
    response = live_api.client.get(path, params=params)
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST", "field": field}
    assert field in error["message"] and len(error["message"]) < 200


def test_well_formed_listing_queries_filter(live_api: Api) -> None:
    live_api.rest_create()
    live_api.rest_get("nothing")
    jobs = live_api.client.get("/__mock/jobs", params={"status": "processing"}).json()["jobs"]
    assert len(jobs) == 1
    assert live_api.client.get("/__mock/jobs", params={"status": "failed"}).json()["jobs"] == []
    pending = live_api.client.get("/__mock/webhooks", params={"status": "pending"})
    assert pending.json() == {"deliveries": []}
    journal = live_api.client.get("/__mock/requests", params={"status": "404", "limit": "1"})
    assert [entry["status"] for entry in journal.json()["requests"]] == [404]


def test_the_control_url_the_banner_prints_answers_an_index_of_the_control_routes() -> None:
    with ServeProcess("--port", "0", "--clock", "virtual") as served:
        (line,) = [line for line in served.output if line.strip().startswith("Control")]
        control_url = line.split()[1]
        assert control_url == f"{served.url}/__mock/"
        with httpx.Client(timeout=10) as http:
            index = http.get(control_url)
            assert index.status_code == 200
            assert index.headers["content-type"].startswith("application/json")
            routes = index.json()["routes"]
            listed = {(route["method"], route["path"]) for route in routes}
            assert ("POST", "/__mock/clock/advance") in listed
            assert ("GET", "/__mock/jobs/{job_id}") in listed
            assert all(route["does"] for route in routes)
            for method, path in sorted(listed):
                if method == "GET" and "{" not in path:  # every plain listing really answers
                    assert http.get(served.url + path).status_code == 200, path
            bare = http.get(f"{served.url}/__mock", follow_redirects=True)
            assert bare.json() == index.json()


def test_the_index_is_guarded_like_every_control_route() -> None:
    with TestClient(create_app(virtual_config(admin_token="s3cret"))) as guarded:
        assert guarded.get("/__mock/").status_code == 401
        opened = guarded.get("/__mock/", headers={"X-Mock-Admin-Token": "s3cret"})
        assert opened.status_code == 200 and opened.json()["routes"]


def _handle_members() -> set[str]:
    """The members the README's table of the fixture's handle lists."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("| member | what |", 1)[1].split("\n\n", 1)[0]
    first_cells = [row.split("|")[1] for row in table.splitlines()[2:]]
    return {name.split("(")[0] for cell in first_cells for name in re.findall(r"`([^`]+)`", cell)}


def test_a_mock_control_made_from_a_url_is_the_fixtures_handle_but_for_app(
    live_server: ServerThread, live_api: Api
) -> None:
    members = _handle_members()
    assert {"graphql_url", "rest_url", "api_key", "webhook_secret", "app"} <= members
    control = MockControl(live_server.url + "/")
    free = MockControl(live_server.url, api_key="test_free_key")
    try:
        assert [name for name in sorted(members - {"app"}) if not hasattr(control, name)] == []
        assert control.graphql_url == f"{live_server.url}/graphql"
        assert control.rest_url == f"{live_server.url}/v1/avatar"
        assert (control.api_key, control.webhook_secret) == (
            "YOUR_API_KEY",
            "whsec_your_webhook_secret",
        )
        assert (free.api_key, free.webhook_secret) == ("test_free_key", "whsec_test_free")
        free.set_account(credits=7)  # its own key unless told otherwise
        assert free.account("test_free_key")["credits"] == 7
        assert control.account("YOUR_API_KEY")["credits"] == 100_000
        created = live_api.client.post(
            "/graphql",
            json={"query": '{ avatar(id: "x") { id } }'},
            headers={"Authorization": f"Bearer {control.api_key}"},
        )
        assert created.url == control.graphql_url and created.status_code == 404
    finally:
        control.close()
        free.close()
