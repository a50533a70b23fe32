"""`Idempotency-Key` on creates: a retry returns the original job and charges nothing."""

from __future__ import annotations

from test_credits import credits_of

from conftest import GENERATE, KEY, Api, generate_input, rest_body


def test_rest_retry_returns_the_original_job_once_charged(api: Api) -> None:
    before = credits_of(api)
    first = api.rest_create(rest_body(), **{"Idempotency-Key": "order-1"}).json()
    again = api.rest_create(rest_body(), **{"Idempotency-Key": "order-1"}).json()
    assert again == first
    assert credits_of(api) == before - 53


def test_rest_same_key_different_body_is_400(api: Api) -> None:
    api.rest_create(rest_body(), **{"Idempotency-Key": "order-2"})
    response = api.rest_create(rest_body(text="Something else"), **{"Idempotency-Key": "order-2"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_REQUEST", "field": "Idempotency-Key"}
    assert "order-2" in error["message"]


def test_graphql_retry_returns_the_original_job(api: Api) -> None:
    variables = {"input": generate_input()}
    headers = {"Idempotency-Key": "gql-1"}
    first = api.graphql(GENERATE, variables, **headers).json()["data"]["generate"]
    api.advance(30)
    again = api.graphql(GENERATE, variables, **headers).json()["data"]["generate"]
    assert again["id"] == first["id"]
    assert again["status"] == "completed"  # the original job, as it is now


def test_keys_are_per_account(api: Api) -> None:
    mine = api.rest_create(rest_body(), **{"Idempotency-Key": "shared"}).json()
    theirs = api.rest_create(
        rest_body(), key="test_pro_key", **{"Idempotency-Key": "shared"}
    ).json()
    assert mine["data"]["avatar"]["id"] != theirs["data"]["avatar"]["id"]


def test_retry_is_not_blocked_by_the_concurrency_limit(api: Api) -> None:
    headers = {"Idempotency-Key": "free-1"}
    first = api.rest_create(rest_body(), key="test_free_key", **headers)
    again = api.rest_create(rest_body(), key="test_free_key", **headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert KEY != "test_free_key"
