"""The OpenAPI description tells the truth: what it allows the mock accepts, what it refuses the
mock refuses, and clients generated from it get one type per field."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mockserver.core.job_request import MAX_TEXT_CHARS

from conftest import Api, rest_body


def description(api: Api) -> dict[str, Any]:
    response = api.client.get("/__mock/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def text_schema(api: Api) -> dict[str, Any]:
    schema: dict[str, Any] = description(api)["components"]["schemas"]["AvatarRequest"]
    text: dict[str, Any] = schema["properties"]["text"]
    return text


def allows(schema: dict[str, Any], text: str) -> bool:
    """JSON Schema's reading of a string schema: lengths, and `pattern` searched, not matched."""
    return (
        schema["minLength"] <= len(text) <= schema["maxLength"]
        and re.search(schema["pattern"], text) is not None
    )


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("Hi", True),
        ("\u4e00", True),  # one CJK character is something to say
        ("a" * MAX_TEXT_CHARS, True),
        ("\u00a0", False),  # a non-breaking space alone
        ("\x1c\x1d\x1e\x1f", False),  # separators Python counts as white space
        ("\u3000", False),  # the ideographic space: a space, not a CJK character to speak
        ("\u2028 \t\n", False),
        ("a" * (MAX_TEXT_CHARS + 1), False),
    ],
    ids=["words", "cjk", "longest", "nbsp", "separators", "ideographic space", "spaces", "long"],
)
def test_the_text_rule_in_the_description_is_the_mocks(api: Api, text: str, allowed: bool) -> None:
    assert allows(text_schema(api), text) is allowed
    status = api.rest_create(rest_body(text=text)).status_code
    assert status == (200 if allowed else 400)


def test_the_description_states_the_limit_in_speech_and_words(api: Api) -> None:
    said = text_schema(api)["description"]
    assert "two minutes" in said and "300 words" in said and "480" in said


def test_it_names_its_server_and_has_a_short_title(live_api: Api) -> None:
    spec = description(live_api)
    assert spec["servers"] == [{"url": str(live_api.client.base_url).rstrip("/")}]
    assert len(spec["info"]["title"]) <= 30


def test_no_enum_holds_null(api: Api) -> None:
    """A null inside an enum made openapi-python-client generate three enum types per field."""
    stack: list[Any] = [description(api)]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            assert None not in item.get("enum", []), item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def test_optional_choices_may_still_be_null(api: Api) -> None:
    request = description(api)["components"]["schemas"]["AvatarRequest"]["properties"]
    assert request["voice"]["nullable"] and request["version"]["nullable"]
    assert api.rest_create(rest_body(voice=None, version=None)).status_code == 200


def test_the_idempotency_key_rule_is_described_not_left_to_a_schema(api: Api) -> None:
    """A schema cannot say a value is good only if it was not sent before with another body;
    as a parameter, every fuzzer's repeated header values read as wrongly refused requests."""
    create = description(api)["paths"]["/v1/avatar"]["post"]
    assert "Idempotency-Key" in create["description"]
    assert "Idempotency-Key" in create["responses"]["400"]["description"]
    assert all(p["name"] != "Idempotency-Key" for p in create.get("parameters", []))
