"""GraphQL admission: which documents need a key."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import KEY, Api

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
