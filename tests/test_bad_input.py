"""Every kind of bad input gets a 400 (or 413) in the documented envelope, naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import GENERATE, GENERATE_AVATAR, KEY, Api, generate_input, rest_body

BEARER = {"Authorization": f"Bearer {KEY}"}
REST_KEY = {"X-API-Key": KEY}


def assert_bad_request(response: Any, *fragments: str) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    for fragment in fragments:
        assert fragment in error["message"], error["message"]
    return error


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "VIDEO"}, "input.type"),
        ({"provider": "heygen"}, "input.provider"),
        ({"input": {"text": "Hi", "avatarId": "nobody-9"}}, "input.input.avatarId"),
        ({"input": {"text": "   ", "avatarId": "professional-1"}}, "input.input.text"),
        ({"input": {"text": "word " * 301, "avatarId": "professional-1"}}, "input.input.text"),
        ({"options": {"voice": "robot"}}, "input.options.voice"),
        ({"options": {"language": "xx"}}, "input.options.language"),
        ({"options": {"version": "hedra-9"}}, "input.options.version"),
        ({"webhookUrl": "ftp://example.com/hook"}, "input.webhookUrl"),
        ({"options": {"webhookUrl": "not a url"}}, "input.options.webhookUrl"),
    ],
)
def test_generate_rejects_bad_values_naming_the_field(
    api: Api, overrides: dict[str, Any], field: str
) -> None:
    error = assert_bad_request(api.generate(**overrides), field)
    assert error["extensions"]["field"] == field


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"input": {"type": "AVATAR", "provider": "hedra", "input": {"text": "Hi"}}},
            "input.input.avatarId is required",
        ),
        ({"input": {**generate_input(), "colour": "red"}}, "Unknown field input.colour"),
        (
            {"input": {**generate_input(), "input": {"text": 5, "avatarId": "professional-1"}}},
            "input.input.text: String cannot represent a non string value: 5",
        ),
        ({"input": {**generate_input(), "options": [1]}}, "input.options: Expected value"),
        ({}, "input is required"),
    ],
)
def test_generate_rejects_missing_unknown_and_ill_typed_fields(
    api: Api, variables: dict[str, Any], message: str
) -> None:
    assert_bad_request(api.graphql(GENERATE, variables), message)


def test_generate_avatar_rejects_a_bad_service(api: Api) -> None:
    variables = {"input": {"service": "other", "text": "Hi", "avatarId": "professional-1"}}
    assert_bad_request(api.graphql(GENERATE_AVATAR, variables), "input.service")


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ("mutation { generate(input: ", "syntax"),
        ('{ avatar(id: "x") { id nonsense } }', "nonsense"),
        ("{ " * 5000 + "}" * 5000, ""),
    ],
)
def test_graphql_syntax_and_validation_errors_are_400(
    api: Api, document: str, fragment: str
) -> None:
    assert_bad_request(api.graphql(document), fragment)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "Malformed JSON"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"", "Malformed JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"query": 5}', "query"),
        (b'{"query": "{ __typename }", "variables": [1]}', "variables"),
        (b'{"query": "{ __typename }", "operationName": 3}', "operationName"),
        (b'{"query": "query A { __typename } query B { __typename }"}', "operationName"),
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (b'{"query": "{ __typename }", "variables": ' + b'{"a":' * 40 + b"1" + b"}" * 41, "nested"),
    ],
)
def test_graphql_malformed_bodies_are_400(api: Api, body: bytes, fragment: str) -> None:
    response = api.client.post("/graphql", content=body, headers=BEARER)
    assert_bad_request(response, fragment)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (rest_body(service="other"), "service"),
        (rest_body(avatarId="nobody-9"), "avatarId"),
        (rest_body(text=""), "text"),
        (rest_body(text="word " * 301), "text"),
        (rest_body(voice="robot"), "voice"),
        (rest_body(version="hedra-9"), "version"),
        (rest_body(webhookUrl="javascript:alert(1)"), "webhookUrl"),
        (rest_body(webhookUrl="https://\u0101\u00fd\u000fh"), "webhookUrl"),  # found by fuzzing
        (rest_body(webhookUrl="http://exa mple.com/"), "webhookUrl"),
        (rest_body(webhookUrl="http://x.com:99999/"), "webhookUrl"),
        (rest_body(text=12), "text"),
        (rest_body(colour="red"), "colour"),
        ({"service": "hedra", "avatarId": "professional-1"}, "text"),
        ({"service": "hedra", "text": "Hi"}, "avatarId"),
    ],
)
def test_rest_rejects_bad_fields_by_name(api: Api, body: dict[str, Any], field: str) -> None:
    error = assert_bad_request(api.rest_create(body), field)
    assert error["extensions"]["field"] == field


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{", "Malformed JSON"),
        (b"\xc3\x28", "UTF-8"),
        (b'"just a string"', "JSON object"),
        (b"[" * 50 + b"]" * 50, "JSON object"),  # deep, but REST reads no deeper than one level
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
    ],
)
def test_rest_malformed_bodies_are_400(api: Api, body: bytes, fragment: str) -> None:
    assert_bad_request(api.client.post("/v1/avatar", content=body, headers=REST_KEY), fragment)


@pytest.mark.parametrize("path", ["/graphql", "/v1/avatar"])
def test_bodies_over_the_limit_are_413(api: Api, path: str) -> None:
    headers = {**BEARER, **REST_KEY}
    response = api.client.post(path, content=b"x" * (1024 * 1024 + 1), headers=headers)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_bad_input_creates_nothing_and_charges_nothing(api: Api) -> None:
    before = {
        a["apiKey"]: a["credits"] for a in api.client.get("/__mock/accounts").json()["accounts"]
    }
    api.generate(input={"text": "Hi", "avatarId": "nobody"})
    api.rest_create(rest_body(voice="robot"))
    after = {
        a["apiKey"]: a["credits"] for a in api.client.get("/__mock/accounts").json()["accounts"]
    }
    assert after == before


def test_unknown_routes_and_methods_use_the_envelope(api: Api) -> None:
    missing = api.client.get("/v2/nothing")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    wrong_method = api.client.delete("/v1/avatar")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_optional_fields_may_be_null(api: Api) -> None:
    """What the OpenAPI spec says (nullable), the mock does: null means not given."""
    body = rest_body(voice=None, version=None, webhookUrl=None)
    assert api.rest_create(body).status_code == 200
