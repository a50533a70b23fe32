"""What the journal keeps of each request (headers, body, job, error code) and how to find it."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.core.journal import Journal
from mockserver.core.journal_entry import HEADER_BYTES, joined_headers
from mockserver.core.shared_bytes import OVERHEAD

from conftest import GENERATE, KEY, Api, generate_input, rest_body, virtual_config


def journal(api: Api, **params: str) -> list[dict[str, Any]]:
    response = api.client.get("/__mock/requests", params=params)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["requests"]
    return entries


def ids(entries: list[dict[str, Any]]) -> list[int]:
    return [entry["id"] for entry in entries]


def test_an_entry_keeps_what_was_sent_and_what_came_of_it(api: Api) -> None:
    body = rest_body(voice="en-US-neural")
    created = api.rest_create(body, **{"Idempotency-Key": "order-1"})
    job_id = created.json()["data"]["avatar"]["id"]
    (entry,) = journal(api)
    assert entry["id"] == 1
    assert entry["jobId"] == job_id
    assert entry["status"] == 200 and entry["code"] is None
    assert json.loads(entry["body"]) == body
    assert entry["truncated"] is False and entry["bodyDropped"] is False
    assert entry["headers"]["idempotency-key"] == "order-1"
    assert entry["headers"]["content-type"] == "application/json"
    assert "variables" not in entry  # a REST entry


def test_a_refused_request_keeps_its_error_code_and_the_job_it_asked_for(api: Api) -> None:
    api.rest_get("missing")
    api.rest_create({"service": "hedra"})
    missing, bad = journal(api)
    assert (missing["status"], missing["code"], missing["jobId"]) == (404, "NOT_FOUND", "missing")
    assert (bad["status"], bad["code"], bad["jobId"]) == (400, "BAD_REQUEST", None)


def test_the_api_key_is_the_entrys_apikey_and_never_in_its_headers(api: Api) -> None:
    api.rest_create()
    api.generate()
    api.client.post("/v1/avatar", json=rest_body(), headers={"X-API-Key": "wrong_key"})
    entries = journal(api)
    assert [entry["apiKey"] for entry in entries] == [KEY, KEY, "wrong_key"]
    for entry in entries:
        assert "x-api-key" not in entry["headers"]
        assert "authorization" not in entry["headers"]
        assert KEY not in json.dumps(entry["headers"]) and "wrong_key" not in str(entry["headers"])


def test_an_authorization_header_that_is_no_bearer_token_is_kept(api: Api) -> None:
    api.rest_create(Authorization="Basic dXNlcg==")
    (entry,) = journal(api)
    assert entry["headers"]["authorization"] == "Basic dXNlcg=="


def test_a_graphql_entry_keeps_its_operation_name_root_field_and_variables(api: Api) -> None:
    variables = {"input": generate_input()}
    created = api.graphql(GENERATE, variables)
    job_id = created.json()["data"]["generate"]["id"]
    api.graphql("query Poll($id: ID!) { avatar(id: $id) { status } }", {"id": job_id})
    generate, poll = journal(api)
    assert generate["operation"] == "generate" and generate["operationName"] is None
    assert generate["rootFields"] == ["generate"]
    assert generate["variables"] == variables
    assert generate["jobId"] == job_id
    assert (poll["operation"], poll["jobId"], poll["variables"]) == (
        "avatar",
        job_id,
        {"id": job_id},
    )
    assert poll["operationName"] is None  # none sent: the document's name is not operationName


def test_a_graphql_entry_keeps_the_operation_name_sent(api: Api) -> None:
    body = {
        "query": GENERATE,
        "variables": {"input": generate_input()},
        "operationName": "Generate",
    }
    api.client.post("/graphql", json=body, headers={"Authorization": f"Bearer {KEY}"})
    (entry,) = journal(api)
    assert entry["operationName"] == "Generate"


def test_a_graphql_error_inside_execution_is_journaled_with_its_code(api: Api) -> None:
    api.client.put("/__mock/accounts/poor_key", json={"plan": "free", "credits": 0})
    api.generate(key="poor_key")
    (entry,) = journal(api)
    assert (entry["status"], entry["code"], entry["jobId"]) == (402, "INSUFFICIENT_CREDITS", None)


def test_one_entry_by_its_id(api: Api) -> None:
    api.rest_create()
    api.rest_get("missing")
    second = api.client.get("/__mock/requests/2")
    assert second.status_code == 200
    assert second.json()["path"] == "/v1/avatar/missing" and second.json()["id"] == 2
    assert second.json() == journal(api)[1]


def test_an_unknown_entry_is_a_404_in_the_envelope(api: Api) -> None:
    api.rest_create()
    for unknown in ("99", "abc", "-1", "9" * 40):
        response = api.client.get(f"/__mock/requests/{unknown}")
        assert response.status_code == 404, unknown
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_ids_restart_after_a_reset(api: Api) -> None:
    api.rest_create()
    api.rest_create()
    api.reset()
    api.rest_create()
    assert ids(journal(api)) == [1]


def test_filter_by_job_id(api: Api) -> None:
    first = api.rest_create().json()["data"]["avatar"]["id"]
    second = api.rest_create().json()["data"]["avatar"]["id"]
    api.rest_get(first)
    api.rest_get(second)
    assert ids(journal(api, jobId=first)) == [1, 3]
    assert ids(journal(api, jobId=second)) == [2, 4]


def test_filter_by_operation_status_and_code(api: Api) -> None:
    api.rest_create()
    api.rest_get("missing")
    api.generate()
    api.rest_create(key=None)
    assert ids(journal(api, operation="rest.get")) == [2]
    assert ids(journal(api, operation="generate")) == [3]
    assert ids(journal(api, status="404")) == [2]
    assert ids(journal(api, code="UNAUTHORIZED")) == [4]
    assert ids(journal(api, code="NOT_FOUND", operation="rest.get")) == [2]
    assert journal(api, code="NOT_FOUND", operation="generate") == []


def test_filter_since_an_entry_id(api: Api) -> None:
    for _ in range(4):
        api.rest_create()
    assert ids(journal(api, since="2")) == [3, 4]
    assert journal(api, since="4") == []


def test_filter_since_an_instant_on_the_mocks_clock(api: Api) -> None:
    api.rest_create()
    api.advance(10)
    api.rest_create()
    api.advance(10)
    api.rest_create()
    assert ids(journal(api, since="2024-01-01T00:00:10Z")) == [2, 3]
    assert ids(journal(api, since="2024-01-01T00:00:10.5Z")) == [3]
    refused = api.client.get("/__mock/requests", params={"since": "yesterday"})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["field"] == "since"


def test_filter_by_a_substring_of_the_body(api: Api) -> None:
    api.rest_create(rest_body(voice="en-US-neural"))
    api.rest_create(rest_body(voice="en-GB-neural"))
    api.generate()
    assert ids(journal(api, contains='"en-GB-neural"')) == [2]
    assert ids(journal(api, contains="en-US-neural")) == [1, 3]
    assert journal(api, contains="fr-FR") == []


def test_a_long_body_is_cut_and_says_so() -> None:
    with TestClient(create_app(virtual_config(journal_body_bytes=40))) as client:
        api = Api(client)
        sent = json.dumps(rest_body(text="x" * 200))
        headers = {"X-API-Key": KEY, "Content-Type": "application/json"}
        assert client.post("/v1/avatar", content=sent, headers=headers).status_code == 200
        api.rest_create({"service": "hedra"})
        long, short = journal(api)
        assert long["truncated"] is True and long["body"] == sent[:40]
        assert short["truncated"] is False and json.loads(short["body"]) == {"service": "hedra"}


def test_past_the_budget_the_oldest_bodies_go_first_and_the_entries_stay() -> None:
    bodies = [rest_body(text=f"Take {n:02d}") for n in range(10)]  # all of one length
    size = len(json.dumps(bodies[0])) + OVERHEAD
    with TestClient(create_app(virtual_config(journal_body_budget=size * 6))) as client:
        api = Api(client)
        for body in bodies:
            api.rest_create(body)
        entries = journal(api)
        assert ids(entries) == list(range(1, 11))
        kept = [entry["body"] is not None for entry in entries]
        assert kept == sorted(kept)  # a run of dropped ones, then a run of kept ones
        assert 0 < kept.index(True) < 10
        dropped = entries[0]
        assert dropped["bodyDropped"] is True and dropped["body"] is None
        assert dropped["headers"] == {}
        assert (dropped["status"], dropped["jobId"]) == (200, entries[0]["jobId"])
        assert entries[-1]["bodyDropped"] is False and json.loads(entries[-1]["body"]) == bodies[-1]
        assert client.app.state.runtime.engine.journal.held_bytes <= size * 6  # type: ignore[attr-defined]


def record(journal: Journal, request_id: int, body: bytes, headers: bytes = b"") -> None:
    journal.record(
        at=float(request_id),
        method="POST",
        path="/v1/avatar",
        operation="rest.create",
        api_key=KEY,
        status=200,
        duration_ms=1.0,
        headers=headers,
        body=body,
        request_id=request_id,
    )


def test_the_budget_holds_over_the_ring_wrapping_around() -> None:
    journal = Journal(capacity=4, body_bytes=10, body_budget=2 * (10 + OVERHEAD) + 5)
    for request_id in range(1, 12):
        record(journal, request_id, b"%02d3456789abc" % request_id)  # each one its own
        assert journal.held_bytes <= journal.body_budget
    entries = journal.entries()
    assert [entry.id for entry in entries] == [8, 9, 10, 11]
    assert [entry.raw_body for entry in entries] == [None, None, b"103456789a", b"113456789a"]
    assert all(entry.truncated for entry in entries)
    assert journal.held_bytes == 2 * (10 + OVERHEAD)
    assert journal.get(11) is not None and journal.get(7) is None


def test_what_many_requests_sent_alike_is_held_once() -> None:
    journal = Journal(capacity=100)
    headers = joined_headers([(b"host", b"mock.test"), (b"accept", b"*/*")])
    for request_id in range(1, 251):  # round the ring twice and a half
        record(journal, request_id, b'{"text": "hi"}', bytes(headers))  # equal, not the same
    assert journal.held_bytes == len(headers) + len(b'{"text": "hi"}') + 2 * OVERHEAD
    entries = journal.entries()
    assert len({id(entry.raw_body) for entry in entries}) == 1
    assert entries[-1].headers == {"host": "mock.test", "accept": "*/*"}
    journal.clear()
    assert journal.held_bytes == 0


def test_a_copy_is_let_go_with_its_last_holder() -> None:
    journal = Journal(capacity=3)
    record(journal, 1, b"shared")
    record(journal, 2, b"shared")
    record(journal, 3, b"alone")
    both = len(b"shared") + len(b"alone") + 2 * OVERHEAD
    assert journal.held_bytes == both
    record(journal, 4, b"alone")  # replaces entry 1: entry 2 still holds "shared"
    assert journal.held_bytes == both
    record(journal, 5, b"alone")  # replaces entry 2, the last to hold "shared"
    assert journal.held_bytes == len(b"alone") + OVERHEAD


def test_headers_are_joined_and_a_huge_one_is_cut_at_a_whole_header() -> None:
    headers = [(b"host", b"mock.test"), (b"x-big", b"y" * HEADER_BYTES), (b"accept", b"*/*")]
    assert joined_headers(headers[:1] + headers[2:]) == b"host\0mock.test\0accept\0*/*"
    assert joined_headers(headers) == b"host\0mock.test"
    assert joined_headers([headers[2], headers[1], headers[0]]) == b"accept\0*/*"
