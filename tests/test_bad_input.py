"""Every kind of bad input gets a 400 (or 413) in the documented envelope, naming the field."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from mockserver.core.accounts import Limits, change_account
from mockserver.core.errors import ApiError
from mockserver.core.faults import parse_fault
from mockserver.core.job_request import MAX_TEXT_CHARS

from conftest import (
    GENERATE,
    GENERATE_AVATAR,
    KEY,
    LISTINGS,
    Api,
    generate_input,
    rest_body,
)

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
def test_graphql_syntax_and_validation_errors_are_400_naming_the_query(
    api: Api, document: str, fragment: str
) -> None:
    error = assert_bad_request(api.graphql(document), fragment)
    assert error["extensions"]["field"] == "query"  # the part of the request to fix


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "Malformed JSON"),
        (b'{"query": "{ __typ', "Unterminated string starting at (line 1, column 11)"),
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


# -- what json decodes but the mock cannot hold: thousands of digits, lone surrogates ----------

HUGE = b"9" * 5000  # json refuses to read it as an int (ValueError, not a JSONDecodeError)


def control_routes_with_json(api: Api) -> list[tuple[str, str, str]]:
    """(method, path, field) for every control route that reads a JSON body."""
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    return [
        ("POST", "/__mock/reset", "seed"),
        ("POST", "/__mock/clock/advance", "seconds"),
        ("PUT", "/__mock/accounts/someone", "credits"),
        ("POST", f"/__mock/jobs/{job_id}/fail", "error"),
        ("POST", "/__mock/faults", "times"),
    ]


def assert_every_listing_answers(api: Api) -> None:
    for path in LISTINGS:
        response = api.client.get(path)
        assert response.status_code == 200, (path, response.text)


def test_a_number_of_thousands_of_digits_is_a_400_naming_it_on_rest(api: Api) -> None:
    body = b'{"service": "hedra", "text": "Hi", "avatarId": "professional-1", "n": ' + HUGE + b"}"
    response = api.client.post("/v1/avatar", content=body, headers=REST_KEY)
    error = assert_bad_request(response, "n is a number of more than")
    assert error["extensions"]["field"] == "n"


def test_a_number_of_thousands_of_digits_is_a_400_naming_it_on_graphql(api: Api) -> None:
    body = b'{"query": "{ __typename }", "variables": {"input": {"items": [1, ' + HUGE + b"]}}}"
    error = assert_bad_request(api.client.post("/graphql", content=body, headers=BEARER))
    assert error["extensions"]["field"] == "variables.input.items[1]"
    unauthenticated = api.client.post("/graphql", content=body)
    assert unauthenticated.status_code == 401, unauthenticated.text


def test_a_number_of_thousands_of_digits_is_a_400_on_every_json_control_route(api: Api) -> None:
    for method, path, field in control_routes_with_json(api):
        body = b'{"' + field.encode() + b'": ' + HUGE + b"}"
        response = api.client.request(method, path, content=body)
        error = assert_bad_request(response, "more than 4300 digits")
        assert error["extensions"]["field"] == field, path


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"service": "hedra", "text": "Hi \\ud800", "avatarId": "professional-1"}', "text"),
        (b'{"service": "hedra", "text": "Hi", "avatarId": "professional-1", "\\udfff": 1}', None),
        (b'"\\ud800"', None),
    ],
    ids=["in a value", "in a key", "the whole body"],
)
def test_a_lone_surrogate_is_a_400_on_rest_and_nothing_is_kept(
    api: Api, body: bytes, field: str | None
) -> None:
    response = api.client.post("/v1/avatar", content=body, headers=REST_KEY)
    error = assert_bad_request(response, "lone surrogate")
    if field is not None:
        assert error["extensions"]["field"] == field
    assert api.client.get("/__mock/jobs").json() == {"jobs": []}
    assert_every_listing_answers(api)


def test_a_lone_surrogate_in_graphql_variables_or_document_is_a_400(api: Api) -> None:
    variables = b'{"input": {"type": "AVATAR", "provider": "hedra", "input": {"text": "\\ud800", '
    variables += b'"avatarId": "professional-1"}}}'
    body = b'{"query": "' + GENERATE.encode() + b'", "variables": ' + variables + b"}"
    error = assert_bad_request(api.client.post("/graphql", content=body, headers=BEARER))
    assert error["extensions"]["field"] == "variables.input.input.text"
    literal = 'mutation { generateAvatar(input: {service: "hedra", text: "\\ud800", '
    literal += 'avatarId: "professional-1"}) { id } }'
    response = api.graphql(literal)
    assert response.status_code == 400, response.text
    assert api.client.get("/__mock/jobs").json() == {"jobs": []}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/__mock/faults", b'{"status": 500, "message": "\\ud800"}', "message"),
        (
            "PUT",
            "/__mock/accounts/k",
            b'{"plan": "pro", "credits": 1, "webhookSecret": "\\udc00"}',
            "webhookSecret",
        ),
        ("POST", "/__mock/reset", b'{"scenario": "\\ud800"}', "scenario"),
    ],
    ids=["fault message", "webhook secret", "scenario name"],
)
def test_a_lone_surrogate_on_the_control_plane_is_a_400_before_it_is_stored(
    api: Api, method: str, path: str, body: bytes, field: str
) -> None:
    error = assert_bad_request(api.client.request(method, path, content=body), "lone surrogate")
    assert error["extensions"]["field"] == field
    assert_every_listing_answers(api)


def test_a_failure_message_with_a_lone_surrogate_is_a_400(api: Api) -> None:
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    response = api.client.post(f"/__mock/jobs/{job_id}/fail", content=b'{"error": "\\ud800"}')
    assert_bad_request(response, "lone surrogate")
    assert api.client.get(f"/__mock/jobs/{job_id}").json()["status"] == "processing"
    assert_every_listing_answers(api)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=\u00b2", "limit"),
        ("status=\u00b2", "status"),
        ("status=" + "9" * 5000, "status"),
        ("limit=\u0663", "limit"),
    ],
    ids=["superscript limit", "superscript status", "5,000 digits", "arabic-indic digit"],
)
def test_journal_filters_that_are_no_plain_whole_number_are_400(
    api: Api, query: str, field: str
) -> None:
    error = assert_bad_request(api.client.get(f"/__mock/requests?{query}"))
    assert error["extensions"]["field"] == field


@pytest.mark.parametrize(
    "value", ["\u00b2", "\u0665\u0660\u0660", "5" * 5000], ids=["superscript", "arabic", "long"]
)
def test_an_x_mock_fault_that_is_no_plain_status_is_a_400_over_a_real_socket(
    live_api: Api, value: str
) -> None:
    """The header arrives as Latin-1 bytes: `²` is one byte, and `isdigit()` says yes to it."""
    url = urlsplit(str(live_api.client.base_url))
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        body = json.dumps(rest_body())
        headers = {**REST_KEY, "X-Mock-Fault": value, "Content-Type": "application/json"}
        if not value.isascii():
            headers["X-Mock-Fault"] = value.encode("utf-8").decode("latin-1")
            if len(value) == 1:
                headers["X-Mock-Fault"] = value  # sent as the single Latin-1 byte 0xB2
        connection.request("POST", "/v1/avatar", body, headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 400, answer
    assert answer["errors"][0]["extensions"] == {"code": "BAD_REQUEST", "field": "X-Mock-Fault"}
    assert len(answer["errors"][0]["message"]) < 200


def test_values_loaded_from_files_cannot_hold_a_lone_surrogate_either() -> None:
    """Scenario files reach faults and accounts without parse_json: the core checks them too."""
    with pytest.raises(ApiError) as refused:
        parse_fault("flt_1", {"status": 500, "message": "bad \ud800"})
    assert refused.value.extensions == {"field": "message"}
    with pytest.raises(ValueError, match="lone surrogate") as secret:
        change_account(
            None,
            "k",
            {"plan": "pro", "credits": 1, "webhookSecret": "\udc00"},
            {"pro": Limits(60, 10, None)},
            lambda: "whsec_new",
        )
    assert secret.value.args[0] == "webhookSecret"


MEGABYTE_VALUE = "b" * (1024 * 1024 - 200)


@pytest.mark.parametrize(
    "body",
    [
        rest_body(avatarId=MEGABYTE_VALUE),
        rest_body(service=MEGABYTE_VALUE),
        {**rest_body(), MEGABYTE_VALUE: 1},
        rest_body(webhookUrl=MEGABYTE_VALUE),
    ],
    ids=["unknown avatar", "wrong service", "unknown field", "webhook url"],
)
def test_a_400_echoes_only_a_short_prefix_of_a_huge_value(api: Api, body: dict[str, Any]) -> None:
    response = api.rest_create(body)
    assert response.status_code == 400
    assert len(response.content) < 2_000, len(response.content)


def test_control_plane_answers_echo_only_a_short_prefix_too(api: Api) -> None:
    for method, path, body in [
        ("POST", "/__mock/faults", {"outcome": MEGABYTE_VALUE}),
        ("POST", "/__mock/faults", {MEGABYTE_VALUE: 1}),
        ("PUT", "/__mock/accounts/k", {"plan": MEGABYTE_VALUE, "credits": 1}),
        ("GET", "/__mock/requests?limit=" + "9" * 5000, None),
    ]:
        response = api.client.request(method, path, json=body)
        assert response.status_code == 400, path
        assert len(response.content) < 2_000, (path, len(response.content))


def test_an_idempotency_key_is_echoed_as_a_short_prefix(api: Api) -> None:
    key = "k" * 8000
    api.rest_create(**{"Idempotency-Key": key})
    response = api.rest_create(rest_body(text="Other words"), **{"Idempotency-Key": key})
    error = assert_bad_request(response, "Idempotency-Key 'kkkk")
    assert len(error["message"]) < 200


@pytest.mark.parametrize(
    "text", ["a" * 1_000_000, "a" * (MAX_TEXT_CHARS + 1), "word " * 1200 + "x"], ids=len
)
def test_a_text_longer_than_two_minutes_of_speech_can_need_is_a_400_naming_text(
    api: Api, text: str
) -> None:
    """Counted in characters, whatever the word count: one 1 MiB word was 50 credits and kept."""
    error = assert_bad_request(api.rest_create(rest_body(text=text)), "characters")
    assert error["extensions"]["field"] == "text"
    error = assert_bad_request(api.generate(input={"text": text, "avatarId": "professional-1"}))
    assert error["extensions"]["field"] == "input.input.text"
    assert api.client.get("/__mock/jobs").json() == {"jobs": []}


def test_a_text_of_the_longest_length_allowed_is_accepted(api: Api) -> None:
    text = ("a" * 19 + " ") * (MAX_TEXT_CHARS // 20)  # 300 words of 19 letters: 120 s
    assert len(text) == MAX_TEXT_CHARS
    response = api.rest_create(rest_body(text=text))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["avatar"]["creditCost"] == 500


@pytest.mark.parametrize("field", ["latencyMs", "probability"])
def test_a_fault_number_too_large_for_a_float_is_a_400(api: Api, field: str) -> None:
    """Found by tests/test_hostile_input.py: math.isfinite() raised OverflowError on it."""
    body = b'{"status": 500, "' + field.encode() + b'": 1' + b"0" * 400 + b"}"
    error = assert_bad_request(api.client.post("/__mock/faults", content=body), "finite")
    assert error["extensions"]["field"] == field
    assert api.client.get("/__mock/faults").json() == {"faults": []}


def test_the_inbox_takes_any_body_and_still_lists_one_with_a_lone_surrogate(api: Api) -> None:
    """Found by tests/test_hostile_input.py: the inbox's `json` view could not be encoded."""
    assert api.client.post("/__mock/inbox/hook", content=b'{"a": "\\ud800"}').status_code == 200
    (received,) = api.client.get("/__mock/inbox").json()["webhooks"]
    assert received["json"] is None
    assert received["bodyBase64"] == "eyJhIjogIlx1ZDgwMCJ9"


@pytest.mark.parametrize("body", [b"[" * 100_000, b"[" * 980 + b"]" * 980, b"[" * 500 + b"]" * 500])
def test_the_inbox_still_lists_a_body_nested_too_deeply_to_read_as_json(
    api: Api, body: bytes
) -> None:
    assert api.client.post("/__mock/inbox/hook", content=body).status_code == 200
    (received,) = api.client.get("/__mock/inbox").json()["webhooks"]
    assert received["json"] is None
    assert received["bodyBase64"].startswith("W1tb")  # its bytes, as they came


def test_advance_by_an_integer_too_large_for_a_float_is_a_400(api: Api) -> None:
    body = b'{"seconds": 1' + b"0" * 400 + b"}"
    error = assert_bad_request(api.client.post("/__mock/clock/advance", content=body))
    assert error["extensions"]["field"] == "seconds"
    assert len(error["message"]) < 200


# -- a seed a saved state could not hold ------------------------------------------------------


@pytest.mark.parametrize("seed", [-5, 2**63, 10**50])
def test_a_seed_a_state_could_not_hold_is_a_400_naming_it(api: Api, seed: int) -> None:
    before = api.client.get("/__mock/state").json()["randomness"]["seed"]
    for path in ("/__mock/reset", "/__mock/sessions"):
        error = assert_bad_request(api.client.post(path, json={"seed": seed}), "seed", "0")
        assert error["extensions"]["field"] == "seed"
    assert api.client.get("/__mock/sessions").json()["sessions"] == []
    assert api.client.get("/__mock/state").json()["randomness"]["seed"] == before


def test_the_largest_seed_is_taken_and_its_state_loads_back(api: Api) -> None:
    assert api.client.post("/__mock/reset", json={"seed": 2**63 - 1}).status_code == 200
    document = api.client.get("/__mock/state").json()
    assert api.client.put("/__mock/state", json=document).status_code == 200


# -- what an error quotes of what it was sent stays short, whatever made it ------------------

LONG = "a" * 60_000


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/{LONG}", None),
        ("GET", f"/__mock/ui/{LONG}", None),
        ("POST", f"/__mock/scenarios/{LONG}", None),
        ("POST", "/__mock/reset", {"scenario": LONG}),
        ("GET", f"/outputs/{LONG[:8_000]}.mp4", None),
        ("POST", "/graphql", {"query": "{" + LONG[:30_000] + "}"}),
        ("POST", "/graphql", {"query": "query Q($v: " + LONG[:30_000] + ") { __typename }"}),
        (
            "POST",
            "/graphql",
            {"query": GENERATE_AVATAR, "variables": {"input": {LONG[:30_000]: 1}}},
        ),
    ],
    ids=[
        "route",
        "dashboard file",
        "scenario path",
        "scenario name",
        "video",
        "field",
        "type",
        "key",
    ],
)
def test_no_error_quotes_much_of_what_it_was_sent(
    api: Api, method: str, path: str, body: Any
) -> None:
    response = api.client.request(method, path, json=body, headers=BEARER)
    assert 400 <= response.status_code < 500
    for error in response.json()["errors"]:
        assert len(error["message"]) <= 1003, error["message"][:100]
        assert len(error["extensions"].get("field") or "") <= 203
        assert "a" * 100 not in error["message"]
