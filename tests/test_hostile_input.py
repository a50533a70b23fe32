"""Hostile input on every route: no 5xx, no bug reported, and every listing answers afterwards.

Bodies are JSON texts built by hand, so that they can hold what `json.dumps` never writes:
integers of thousands of digits, lone surrogates (`"\\ud800"`), `NaN`. Strings are full of
non-ASCII digits and odd Unicode; headers and query parameters too. Examples are bounded and
derandomized, so a run in CI is the same run every time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver import create_app

from conftest import GENERATE, LISTINGS, virtual_config

KEY = "test_unlimited_key"
HOSTILE = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

NON_ASCII_DIGITS = [
    "\u00b2",
    "\u00b9",
    "\u0663",
    "\u06f5",
    "\uff15",
    "\u07c0",
    "\u2460",
    "\U0001d7d9",
]
ODD_CHARACTERS = [
    "\x00",
    "\x1c",
    "\x85",
    "\u00a0",
    "\u00ad",
    "\u200b",
    "\u200d",
    "\u202e",
    "\u2028",
    "\u3000",
    "\ufeff",
    "\ufffd",
    "\uffff",
    "\u0301",
    "\U0001f600",
    "\U0010ffff",
    "a",
    " ",
    *NON_ASCII_DIGITS,
]
FIELD_NAMES = [
    "service", "text", "avatarId", "voice", "version", "webhookUrl", "type", "provider",
    "input", "options", "seed", "scenario", "seconds", "plan", "credits", "webhookSecret",
    "limits", "requestsPerMinute", "status", "outcome", "operation", "apiKey", "times",
    "probability", "latencyMs", "message", "error", "query", "variables", "operationName",
]  # fmt: skip

odd_text = st.text(alphabet=st.sampled_from(ODD_CHARACTERS), max_size=8)
surrogate = st.integers(0xD800, 0xDFFF).map(lambda code: f"\\u{code:04x}")


@st.composite
def json_string(draw: st.DrawFn) -> str:
    """A JSON string literal: odd Unicode, maybe with a lone surrogate escaped into it."""
    literal = json.dumps(draw(odd_text))
    if draw(st.booleans()):
        at = draw(st.integers(1, len(literal) - 1))
        literal = literal[:at] + draw(surrogate) + literal[at:]
    return literal


def numbers() -> st.SearchStrategy[str]:
    """Number literals: too long to read, not finite, too large for a float or for a clock."""
    too_long = st.integers(4301, 5000).map(lambda digits: "9" * digits)
    hostile = too_long | st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-0"])
    long_but_readable = st.integers(20, 4300).map(lambda digits: "1" + "0" * (digits - 1))
    return hostile | long_but_readable | st.sampled_from(["1e15", "1e308", "-1", "0.5", "3"])


def json_value() -> st.SearchStrategy[str]:
    leaves = json_string() | numbers() | st.sampled_from(["true", "false", "null"])
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=3).map(lambda items: f"[{','.join(items)}]")
            | json_object(children)
        ),
        max_leaves=6,
    )


def json_object(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    keys = st.sampled_from(FIELD_NAMES).map(json.dumps) | json_string()
    pairs = st.lists(st.tuples(keys, values), max_size=4)
    return pairs.map(lambda items: "{" + ",".join(f"{k}:{v}" for k, v in items) + "}")


def bodies() -> st.SearchStrategy[bytes]:
    """One known field with one hostile value (most often), any object of them, any value."""
    values = json_value()
    leaf = json_string() | numbers()
    one_field = st.tuples(st.sampled_from(FIELD_NAMES), leaf).map(
        lambda pair: f"{{{json.dumps(pair[0])}:{pair[1]}}}"
    )
    texts = one_field | json_object(values) | values
    return texts.map(lambda text: text.encode("utf-8", "surrogatepass"))


path_parts = odd_text.filter(bool).map(lambda part: quote(part, safe=""))
query_values = odd_text | st.integers(4301, 5000).map(lambda digits: "9" * digits)
# What HTTP headers can carry: Latin-1, here never plain ASCII (that could script a real fault).
latin1_values = st.text(alphabet="\u00b2\u00b3\u00b9\u00bc\u00a0\u00ad\u00ff0123456789", min_size=1)
header_values = latin1_values.filter(lambda value: not value.isascii())


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(virtual_config(seed=11)), base_url="http://mock.test") as test:
        yield test


def assert_no_damage(client: TestClient, response: Any) -> None:
    assert response.status_code < 500, response.text[:2000]
    for path in LISTINGS:
        listing = client.get(path)
        assert listing.status_code == 200, (path, listing.text[:2000])
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    assert runtime.errors == [], runtime.errors[-1]
    client.delete("/__mock/faults")  # a fault the fuzzer made (a scripted 500) is no defect


JSON_ROUTES = [
    ("POST", "/__mock/reset"),
    ("PUT", "/__mock/accounts/{part}"),
    ("POST", "/__mock/jobs/{job}/fail"),
    ("POST", "/__mock/jobs/{part}/fail"),
    ("POST", "/__mock/faults"),
    ("POST", "/__mock/inbox/{part}"),
]


@pytest.mark.parametrize(("method", "template"), JSON_ROUTES)
@HOSTILE
@given(body=bodies(), part=path_parts)
def test_json_control_routes_survive_hostile_bodies(
    client: TestClient, method: str, template: str, body: bytes, part: str
) -> None:
    job = client.post("/v1/avatar", json=_valid_create(), headers={"X-API-Key": KEY})
    path = template.format(part=part, job=job.json()["data"]["avatar"]["id"])
    assert_no_damage(client, client.request(method, path, content=body))


@HOSTILE
@given(body=bodies())
@example(body=b'{"seconds": 1' + b"0" * 400 + b"}")  # too large for a float: found here
def test_advance_survives_hostile_bodies(client: TestClient, body: bytes) -> None:
    response = client.post("/__mock/clock/advance", content=body)
    client.post("/__mock/reset")  # an advance that was good moved the clock: start again
    assert_no_damage(client, response)


@HOSTILE
@given(body=bodies(), fault=header_values, key=header_values)
def test_rest_create_survives_hostile_bodies_and_headers(
    client: TestClient, body: bytes, fault: str, key: str
) -> None:
    headers = {"X-API-Key": KEY, "Content-Type": "application/json"}
    for extra in ({}, {"X-Mock-Fault": fault}, {"Idempotency-Key": key}):
        encoded = {name: value.encode("latin-1") for name, value in {**headers, **extra}.items()}
        response = client.post("/v1/avatar", content=body, headers=encoded)
        assert_no_damage(client, response)


@HOSTILE
@given(variables=bodies(), body=bodies())
def test_graphql_survives_hostile_variables_and_bodies(
    client: TestClient, variables: bytes, body: bytes
) -> None:
    document = json.dumps(GENERATE).encode()
    wrapped = b'{"query": ' + document + b', "variables": {"input": ' + variables + b"}}"
    for content in (wrapped, body):
        for headers in ({"Authorization": f"Bearer {KEY}"}, {}):
            assert_no_damage(client, client.post("/graphql", content=content, headers=headers))


GET_ROUTES = [
    "/v1/avatar/{part}",
    "/__mock/jobs/{part}",
    "/__mock/webhooks/{part}",
    "/__mock/jobs?apiKey={value}&status={value}",
    "/__mock/requests?operation={value}&apiKey={value}",
    "/__mock/requests?status={value}",
    "/__mock/requests?limit={value}",
    "/__mock/webhooks?jobId={value}&status={value}",
]
POST_ROUTES = [
    "/__mock/jobs/{part}/complete",
    "/__mock/webhooks/{part}/replay",
    "/__mock/scenarios/{part}",
]


@pytest.mark.parametrize("template", GET_ROUTES + POST_ROUTES)
@HOSTILE
@given(part=path_parts, value=query_values)
def test_paths_and_queries_survive_odd_unicode_and_digits(
    client: TestClient, template: str, part: str, value: str
) -> None:
    path = template.format(part=part, value=quote(value, safe=""))
    method = "POST" if template in POST_ROUTES else "GET"
    assert_no_damage(client, client.request(method, path, headers={"X-API-Key": KEY}))


def _valid_create() -> dict[str, Any]:
    return {"service": "hedra", "text": "Hi", "avatarId": "professional-1"}
