"""The GraphQL short cut answers exactly as graphql-core's executor does.

Two mocks with the same seed get the same requests in the same order, one with the short cut and
one without; every answer (status, headers, body) must match byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis_graphql
import pytest
from graphql import parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.graphql.fast_path import plan
from mockserver.graphql.schema import executable_schema, sdl

from conftest import AVATAR, GENERATE, GENERATE_AVATAR, GENERATION, generate_input, virtual_config

Pair = tuple[TestClient, TestClient]


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    fast = TestClient(create_app(virtual_config(seed=77, graphql_fast_path=True)))
    full = TestClient(create_app(virtual_config(seed=77, graphql_fast_path=False)))
    with fast, full:
        yield fast, full


def same_answer(pair: Pair, body: dict[str, Any], key: str | None = "test_unlimited_key") -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    fast, full = (client.post("/graphql", json=body, headers=headers) for client in pair)
    assert (fast.status_code, fast.content) == (full.status_code, full.content)
    assert fast.headers.get("x-ratelimit-remaining") == full.headers.get("x-ratelimit-remaining")
    return fast.json()


def control(pair: Pair, method: str, path: str, **kwargs: Any) -> None:
    for client in pair:
        assert client.request(method, f"/__mock{path}", **kwargs).status_code in (200, 201)


def test_documented_operations_and_their_errors(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    created = same_answer(pair, {"query": GENERATE, "variables": {"input": generate_input()}})
    job_id = created["data"]["generate"]["id"]
    avatar_input = {"service": "hedra", "text": "Hi", "avatarId": "casual-1"}
    same_answer(pair, {"query": GENERATE_AVATAR, "variables": {"input": avatar_input}})
    control(pair, "POST", "/clock/advance", json={"seconds": 60})
    for document in (AVATAR, GENERATION):
        same_answer(pair, {"query": document, "variables": {"id": job_id}})
        same_answer(pair, {"query": document, "variables": {"id": "missing"}})  # 404
    cases: list[dict[str, Any]] = [
        {"query": GENERATE, "variables": {}},  # missing variable
        {"query": GENERATE, "variables": {"input": {**generate_input(), "colour": 1}}},
        {"query": GENERATE, "variables": {"input": generate_input(type="VIDEO")}},  # resolver 400
        {"query": "mutation { generate(input: {type: \"AVATAR\", provider: \"hedra\", "
         "input: {text: \"Hi\", avatarId: \"casual-1\"}}) { a: id b: status __typename } }"},
        {"query": "mutation { generate(input: {type: \"AVATAR\", provider: \"hedra\", "
         "input: {text: 5, avatarId: \"casual-1\"}}) { id } }"},
        {"query": "query Q($id: ID!) { avatar(id: $id) { id id status } }",
         "variables": {"id": job_id}},
        {"query": "query Q($id: ID!) { avatar(id: $id) { ...F } } fragment F on Avatar { id }",
         "variables": {"id": job_id}},
        {"query": "query Q($id: ID!) { a: avatar(id: $id) { id } b: generation(id: $id) { id } }",
         "variables": {"id": job_id}},
        {"query": "query Q($id: ID!, $s: Boolean!) { avatar(id: $id) @include(if: $s) { id } }",
         "variables": {"id": job_id, "s": False}},
    ]  # fmt: skip
    for body in cases:
        same_answer(pair, body)


def test_credits_limits_and_idempotency_read_the_same(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    control(pair, "PUT", "/accounts/poor", json={"plan": "free", "credits": 60})
    body = {"query": GENERATE, "variables": {"input": generate_input()}}
    same_answer(pair, body, key="poor")  # accepted
    same_answer(pair, body, key="poor")  # 429: one job at a time on free
    control(pair, "POST", "/clock/advance", json={"seconds": 60})
    same_answer(pair, body, key="poor")  # 402: 7 credits left


SCHEMA_SDL = sdl()


@given(
    document=st.one_of(
        hypothesis_graphql.queries(SCHEMA_SDL), hypothesis_graphql.mutations(SCHEMA_SDL)
    )
)
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_documents_read_the_same(pair: Pair, document: str) -> None:
    same_answer(pair, {"query": document})


def test_the_documented_operations_take_the_short_cut() -> None:
    """Otherwise the comparisons above would compare the executor with itself."""
    schema = executable_schema()
    for document in (GENERATE, GENERATE_AVATAR, AVATAR, GENERATION):
        assert plan(schema, parse(document), None) is not None
    fragment = "query Q($id: ID!) { avatar(id: $id) { ...F } } fragment F on Avatar { id }"
    assert plan(schema, parse(fragment), None) is None
