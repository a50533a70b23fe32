"""The one writer of answers and reader of bodies: the same JSON as the standard library."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mockserver.core.errors import ApiError
from mockserver.web.answers import encode_json
from mockserver.web.json_body import MAX_JSON_DEPTH, decode_json, parse_json

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_encode_json_writes_what_the_standard_encoder_writes(value: Any) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert encode_json(value) == expected
    assert json.loads(encode_json(value)) == value


def test_encode_json_keeps_text_unescaped_and_compact() -> None:
    assert (
        encode_json({"text": "héllo 世界", "n": [1, None]}) == '{"text":"héllo 世界","n":[1,null]}'
    )


def _outcome(decode: Callable[[str], Any], text: str) -> tuple[str, Any]:
    try:
        return "value", decode(text)
    except json.JSONDecodeError as error:
        return "error", (error.msg, error.pos)


JSONISH = st.text(alphabet=' \t\n\r{}[]",:0123456789.eE+-truefalsn\\\ufeffa', max_size=30)


@example("\ufeff{}")
@example('{"a": 1} x')
@given(JSONISH | JSON_VALUES.map(json.dumps).map(lambda text: f" \n{text}\t "))
def test_decode_json_reads_and_refuses_what_json_loads_does(text: str) -> None:
    assert _outcome(decode_json, text) == _outcome(json.loads, text)


def _nested(depth: int, inside: str = "0") -> bytes:
    return ('{"a":' * (depth - 1) + "[" + inside + "]" + "}" * (depth - 1)).encode()


def test_nesting_past_the_limit_is_refused_and_up_to_it_is_read() -> None:
    assert parse_json(_nested(MAX_JSON_DEPTH)) is not None
    with pytest.raises(ApiError, match="nested more than 32 levels"):
        parse_json(_nested(MAX_JSON_DEPTH + 1))
    # Brackets in strings count towards the shortcut's estimate, never towards the depth.
    many = json.dumps("{[" * 100)
    assert parse_json(_nested(MAX_JSON_DEPTH, many)) is not None
    with pytest.raises(ApiError, match="nested more than"):
        parse_json(_nested(MAX_JSON_DEPTH + 1, many))
