"""GraphQL admission: which documents need a key; one operation is one request and one charge."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import KEY, Api, generate_input

GENERATE_LITERAL = (
    'generate(input: {type: "AVATAR", provider: "hedra", '
    'input: {text: "Hello, welcome to our platform!", avatarId: "professional-1"}})'
)
AVATAR_LITERAL = 'generateAvatar(input: {service: "hedra", text: "%s", avatarId: "professional-1"})'


def jobs(api: Api) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.client.get("/__mock/jobs").json()["jobs"]
    return found


def credits(api: Api, key: str = KEY) -> int:
    accounts = api.client.get("/__mock/accounts").json()["accounts"]
    (account,) = [a for a in accounts if a["apiKey"] == key]
    balance: int = account["credits"]
    return balance


def last_journal_entry(api: Api) -> dict[str, Any]:
    entry: dict[str, Any] = api.client.get("/__mock/requests").json()["requests"][-1]
    return entry


MIXED_WITH_INTROSPECTION = {
    "__typename first": '{ __typename avatar(id: "nope") { id } }',
    "__schema first": '{ __schema { queryType { name } } generation(id: "nope") { id } }',
    "behind a fragment": '{ __typename ...F } fragment F on Query { avatar(id: "nope") { id } }',
    "in an inline fragment": '{ __typename ... on Query { avatar(id: "nope") { id } } }',
}


@pytest.mark.parametrize(
    "document", MIXED_WITH_INTROSPECTION.values(), ids=list(MIXED_WITH_INTROSPECTION)
)
def test_a_document_mixing_introspection_and_api_fields_needs_a_key(
    api: Api, document: str
) -> None:
    response = api.graphql(document, key=None)
    assert response.status_code == 401, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    "document", MIXED_WITH_INTROSPECTION.values(), ids=list(MIXED_WITH_INTROSPECTION)
)
def test_with_a_key_it_runs_like_any_api_request(api: Api, document: str) -> None:
    before = api.graphql('{ avatar(id: "nope") { id } }')
    response = api.graphql(document)
    assert response.status_code == 404, response.text  # the resolver ran, for this key
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    remaining = int(before.headers["X-RateLimit-Remaining"])
    assert int(response.headers["X-RateLimit-Remaining"]) == remaining - 1  # it counted
    assert last_journal_entry(api)["operation"] in {"avatar", "generation"}


def test_a_mutation_with_typename_first_needs_a_key_and_creates_nothing(api: Api) -> None:
    document = f"mutation {{ __typename {GENERATE_LITERAL} {{ id }} }}"
    response = api.graphql(document, key=None)
    assert response.status_code == 401, response.text
    assert jobs(api) == []
    created = api.graphql(document)
    assert created.status_code == 200, created.text
    (job,) = jobs(api)
    assert created.json()["data"] == {"__typename": "Mutation", "generate": {"id": job["id"]}}
    assert credits(api) == 100_000 - 53


def test_a_scripted_fault_applies_to_a_mixed_document(api: Api) -> None:
    api.client.post("/__mock/faults", json={"status": 500, "operation": "avatar", "times": 1})
    response = api.graphql('{ __typename avatar(id: "nope") { id } }')
    assert response.status_code == 500


def test_introspection_alone_still_needs_no_key(api: Api) -> None:
    document = '{ __typename __schema { queryType { name } } t: __type(name: "Avatar") { name } }'
    response = api.graphql(document, key=None)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["t"] == {"name": "Avatar"}


# -- one operation, one request, one charge ------------------------------------------------


def aliased_generates(count: int) -> str:
    return (
        "mutation { " + " ".join(f"g{i}: {GENERATE_LITERAL} {{ id }}" for i in range(count)) + " }"
    )


def assert_refused_naming_query(response: Any, count: int) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST", "field": "query"}
    assert f"one API field; this one selects {count}" in error["message"]


def test_a_valid_create_beside_an_invalid_one_creates_and_charges_nothing(api: Api) -> None:
    document = (
        "mutation { a: " + AVATAR_LITERAL % "Hello there" + " { id } b: "
        + AVATAR_LITERAL % "" + " { id } }"
    )  # fmt: skip
    assert_refused_naming_query(api.graphql(document), 2)
    assert jobs(api) == [] and credits(api) == 100_000


def test_more_creates_than_credits_create_and_debit_nothing(api: Api) -> None:
    api.client.put(f"/__mock/accounts/{KEY}", json={"credits": 5 * 53})
    assert_refused_naming_query(api.graphql(aliased_generates(8)), 8)
    assert jobs(api) == [] and credits(api) == 5 * 53
    assert api.generate().status_code == 200  # each create on its own still works


def test_several_creates_count_as_the_one_refused_request_they_are(api: Api) -> None:
    first = api.generate(key="test_starter_key")
    remaining = int(first.headers["X-RateLimit-Remaining"])
    response = api.graphql(aliased_generates(10), key="test_starter_key")
    assert_refused_naming_query(response, 10)
    assert int(response.headers["X-RateLimit-Remaining"]) == remaining - 1
    assert len(jobs(api)) == 1  # the first generate's, and no other


def test_an_enterprise_key_gets_no_batch_of_jobs_either(api: Api) -> None:
    assert_refused_naming_query(api.graphql(aliased_generates(40), key="test_unlimited_key"), 40)
    assert jobs(api) == []


def test_several_queries_in_one_operation_are_refused_too(api: Api) -> None:
    document = '{ a: avatar(id: "x") { id } b: generation(id: "y") { id } }'
    assert_refused_naming_query(api.graphql(document), 2)


def test_one_field_selected_twice_under_one_key_is_one_field(api: Api) -> None:
    document = f"mutation {{ {GENERATE_LITERAL} {{ id }} {GENERATE_LITERAL} {{ status }} }}"
    response = api.graphql(document)
    assert response.status_code == 200, response.text
    (job,) = jobs(api)
    assert response.json()["data"]["generate"] == {"id": job["id"], "status": "processing"}


def test_separate_operations_in_one_document_still_run_by_name(api: Api) -> None:
    document = (
        "mutation One($input: GenerateInput!) { generate(input: $input) { id } }\n"
        "mutation Two { " + AVATAR_LITERAL % "Hi" + " { id } }"
    )
    body = {"query": document, "operationName": "One", "variables": {"input": generate_input()}}
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    response = api.client.post("/graphql", content=json.dumps(body), headers=headers)
    assert response.status_code == 200, response.text
    assert len(jobs(api)) == 1
