"""The GraphQL short cut answers exactly as graphql-core's executor does.

Two mocks with the same seed get the same requests in the same order, one with the short cut and
one without; every answer (status, headers, body) must match byte for byte.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import hypothesis_graphql
import pytest
from graphql import parse
from graphql.execution.values import get_argument_values, get_variable_values
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


VENDOR_GENERATE = (  # the vendor's sample: no createdAt
    "mutation Generate($input: GenerateInput!) { generate(input: $input) "
    "{ id status type provider url metadata creditCost } }"
)
VENDOR_GENERATE_AVATAR = (
    "mutation GenerateAvatar($input: AvatarGenerationInput!) "
    "{ generateAvatar(input: $input) { id status videoUrl } }"
)
DOCUMENTED = (
    GENERATE,
    VENDOR_GENERATE,
    GENERATE_AVATAR,
    VENDOR_GENERATE_AVATAR,
    AVATAR,
    GENERATION,
)


def test_the_documented_operations_coerce_their_variables_by_plan() -> None:
    """Otherwise the differential tests below would only ever reach graphql-core's coercion."""
    schema = executable_schema()
    for document in DOCUMENTED:
        fast = plan(schema, parse(document), None)
        assert fast is not None and fast.arguments is not None, document
    literal = 'query { avatar(id: "x") { id } }'
    fast = plan(schema, parse(literal), None)
    assert fast is not None and fast.arguments is None


def _text_or_not() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["AVATAR", "hedra", "professional-1", "en-US-neural", "Hi there", ""]),
        st.text(max_size=5),
        st.none(),
        st.integers(-3, 3),
        st.booleans(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.lists(st.integers(), max_size=2),
    )


def _object_or_not(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    known = st.fixed_dictionaries({}, optional=fields)
    extra = st.dictionaries(st.sampled_from(["colour", "Text"]), _text_or_not(), max_size=1)
    merged = st.builds(lambda a, b: {**a, **b}, known, extra)
    return st.one_of(known, merged, _text_or_not())


CONTENT = _object_or_not({"text": _text_or_not(), "avatarId": _text_or_not()})
OPTIONS = _object_or_not(
    {n: _text_or_not() for n in ("voice", "language", "version", "webhookUrl")}
)
GENERATE_INPUTS = _object_or_not(
    {
        "type": _text_or_not(),
        "provider": _text_or_not(),
        "input": CONTENT,
        "options": OPTIONS,
        "webhookUrl": _text_or_not(),
    }
)
PATHS = [
    ("type",), ("provider",), ("input",), ("options",), ("webhookUrl",), ("colour",),
    ("input", "text"), ("input", "avatarId"), ("input", "colour"),
    ("options", "voice"), ("options", "language"), ("options", "version"),
    ("options", "webhookUrl"),
]  # fmt: skip
_DELETE = object()


def _changed(changes: list[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    """The documented input, with each (path, value) set (or deleted) where it still can be."""
    value: dict[str, Any] = generate_input()
    for path, new in changes:
        where: Any = value
        for name in path[:-1]:
            where = where.get(name) if isinstance(where, dict) else None
        if isinstance(where, dict):
            if new is _DELETE:
                where.pop(path[-1], None)
            else:
                where[path[-1]] = new
    return value


CHANGES = st.lists(
    st.tuples(st.sampled_from(PATHS), st.one_of(st.just(_DELETE), _text_or_not())), max_size=3
)
VARIABLES = st.one_of(
    st.builds(lambda changes: {"input": _changed(changes)}, CHANGES),
    st.builds(lambda changes, n: {"input": _changed(changes), "other": n}, CHANGES, st.integers()),
    st.builds(lambda value: {"input": value}, GENERATE_INPUTS),
    st.none(),
    st.just({}),
)


def _in_order(value: Any) -> Any:
    """A value with each dict's key order made visible, to compare orders too."""
    if isinstance(value, dict):
        return [(key, _in_order(item)) for key, item in value.items()]
    return value


@given(variables=VARIABLES)
@settings(max_examples=400, deadline=None, derandomize=True, database=None)
def test_the_coercion_plan_gives_what_graphql_core_gives_or_gives_up(
    variables: dict[str, Any] | None,
) -> None:
    schema = executable_schema()
    fast = plan(schema, parse(GENERATE), None)
    assert fast is not None and fast.arguments is not None
    by_plan = fast.arguments.coerce(variables)
    definitions = fast.operation.variable_definitions
    values = get_variable_values(schema, definitions, variables or {})
    if isinstance(values, list):  # an error: the plan must have given up on it
        assert by_plan is None
        return
    expected = get_argument_values(fast.field_def, fast.field_node, values)
    if by_plan is not None:
        assert _in_order(by_plan) == _in_order(expected)


@given(variables=VARIABLES)
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_variables_answer_the_same(pair: Pair, variables: dict[str, Any] | None) -> None:
    same_answer(pair, {"query": GENERATE, "variables": variables})


def test_variables_the_plan_gives_up_on_answer_as_the_executor_does(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    created = same_answer(pair, {"query": GENERATE, "variables": {"input": generate_input()}})
    job_id = created["data"]["generate"]["id"]
    content = {"text": "Hi", "avatarId": "casual-1"}
    cases: list[dict[str, Any]] = [
        {"query": AVATAR, "variables": {"id": 12}},  # an ID given as a number: graphql-core's
        {"query": AVATAR, "variables": {"id": None}},
        {"query": AVATAR, "variables": None},
        {"query": AVATAR, "variables": {"id": job_id, "unused": [1]}},
        {"query": GENERATE, "variables": {"input": {**generate_input(), "input": {"text": "Hi"}}}},
        {"query": GENERATE, "variables": {"input": {**generate_input(), "input": [content]}}},
        {"query": GENERATE, "variables": {"input": {**generate_input(), "options": None}}},
        {"query": GENERATE, "variables": {"input": {**generate_input(), "type": None}}},
        {"query": GENERATE, "variables": {"input": {**generate_input(), "type": 1}}},
        {"query": GENERATE_AVATAR, "variables": {"input": {"service": "hedra", **content,
                                                           "voice": 3}}},
    ]  # fmt: skip
    for body in cases:
        same_answer(pair, body)


def test_selections_the_plan_writes_answer_as_the_executor_does(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    variables = {"input": generate_input()}
    created = same_answer(pair, {"query": GENERATE, "variables": variables})
    job_id = created["data"]["generate"]["id"]
    control(pair, "POST", "/clock/advance", json={"seconds": 60})
    selections = [
        "{ id id status id }",  # a field asked twice: answered once, where first asked
        "{ status a: id b: id status }",
        "{ __typename t: __typename id }",
        "{ __typename }",
        "{ url videoUrl duration creditCost completedAt error webhookUrl }",
    ]
    schema = executable_schema()
    for selection in selections:
        document = f"query Q($id: ID!) {{ poll: avatar(id: $id) {selection} }}"
        assert plan(schema, parse(document), None) is not None, selection
        same_answer(pair, {"query": document, "variables": {"id": job_id}})
        document = f"mutation G($input: GenerateInput!) {{ generate(input: $input) {selection} }}"
        if "url" in selection:
            document = document.replace("videoUrl duration", "metadata type provider").replace(
                " webhookUrl", " createdAt"
            )
        same_answer(pair, {"query": document, "variables": variables})


class _Held:
    """Something a request's caller holds: kept alive by a give-up, it would leak with it."""


def test_a_value_the_plan_gives_up_on_keeps_nothing_of_the_request_alive() -> None:
    fast = plan(executable_schema(), parse(AVATAR), None)
    assert fast is not None and fast.arguments is not None
    arguments = fast.arguments
    held = _Held()
    kept = weakref.ref(held)

    def poll(request: _Held) -> dict[str, Any] | None:
        return arguments.coerce({"id": 12})  # a number for an ID: given up on

    for _ in range(3):
        assert poll(held) is None
    del held
    gc.collect()
    assert kept() is None  # no traceback of an earlier give-up holds its caller's frames
