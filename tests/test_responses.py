"""The one writer of answers: its JSON is what the standard encoder writes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mockserver.responses import encode_json

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
