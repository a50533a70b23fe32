"""The one writer of answers and reader of bodies: the same JSON as the standard library."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from mockserver.web.answers import encode_json
from mockserver.web.json_body import decode_json

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
