"""The answer writer's JSON encoder: the standard encoder's text, and its errors, in every case."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mockserver.web import answers
from mockserver.web.answers import compact_json_encoder, encode_json

SAMPLE = {"text": "héllo 世界", "n": [1, 2.5, None, True], "nested": {"x": [{}], "1": "\\"}}
STANDARD = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class NotJson:
    pass


def cycle() -> list[Any]:
    value: list[Any] = []
    value.append(value)
    return value


def outcome(encode: Callable[[Any], str], value: Any) -> tuple[str, str]:
    try:
        return "text", encode(value)
    except Exception as error:
        return type(error).__name__, str(error)


VALUES = {
    "mixed tree": SAMPLE,
    "keys of every kind JSON writes": {7: "int", 2.5: "float", True: "bool", None: "null"},
    "nan": float("nan"),
    "infinities": [float("inf"), -float("inf")],
    "an object": NotJson(),
    "an object inside": {"inside": NotJson()},
    "a tuple key": {(1, 2): "tuple key"},
    "a cycle": cycle(),
    "a cycle inside": {"loop": cycle()},
    "a lone surrogate": "\ud800",  # encodable; only UTF-8 refuses it (json_values keeps it out)
    "an int too long to write": 10**5000,
}


@pytest.mark.parametrize("value", VALUES.values(), ids=VALUES.keys())
def test_every_value_has_the_standard_outcome(value: Any) -> None:
    assert outcome(encode_json, value) == outcome(STANDARD.encode, value)


def test_a_cycle_is_the_standard_error_not_a_recursion_error() -> None:
    # The C encoder is made without the cycle check: on its own it recurses until Python stops it.
    with pytest.raises(ValueError, match="Circular reference detected"):
        encode_json(cycle())


def test_without_the_c_encoder_the_standard_one_does_the_work() -> None:
    assert compact_json_encoder(None)(SAMPLE) == STANDARD.encode(SAMPLE)


def test_a_c_encoder_that_refuses_the_arguments_leaves_the_standard_one() -> None:
    def refuses(*_: object) -> object:
        raise TypeError("make_encoder() takes other arguments")

    assert compact_json_encoder(refuses)(SAMPLE) == STANDARD.encode(SAMPLE)


@pytest.mark.parametrize("error", [RecursionError, ValueError, TypeError, OverflowError])
def test_whatever_the_c_encoder_raises_is_encoded_again_by_the_standard_one(
    error: type[Exception],
) -> None:
    def fails(*_: object) -> Callable[[Any, int], list[str]]:
        def encode_chunks(value: Any, indent: int) -> list[str]:
            raise error("from the C encoder")

        return encode_chunks

    assert compact_json_encoder(fails)(SAMPLE) == STANDARD.encode(SAMPLE)


def test_a_json_answer_is_the_standard_encoding_in_utf8() -> None:
    assert answers.json_response(SAMPLE).body == STANDARD.encode(SAMPLE).encode()
