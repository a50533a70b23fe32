"""Decoding a JSON request body: every way it can be malformed is a 400 naming what is wrong."""

from __future__ import annotations

import json
from typing import Any

from ..core import json_values
from ..core.errors import ApiError, bad_request

MAX_JSON_DEPTH = 32

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"  # what JSON allows around a value


def decode_json(text: str) -> Any:
    """`json.loads(text)`, without its two regex scans for the whitespace around the value
    (they cost more than decoding a small body). Same values, same errors."""
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    start = len(text) - len(text.lstrip(_WHITESPACE))
    value, end = _DECODER.raw_decode(text, start)
    if end != len(text):
        end = len(text) - len(text[end:].lstrip(_WHITESPACE))
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
    return value


def parse_json(body: bytes, check_depth: bool = True) -> Any:
    """Decode a JSON body; malformed JSON, bad UTF-8, absurd nesting, integers of thousands of
    digits and lone surrogates are 400s, never 500s (see json_values for the last two).

    `check_depth=False` skips the depth walk for bodies whose reader never recurses (REST).
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise bad_request(f"The request body is not valid UTF-8 (byte {error.start})") from None
    try:
        value = decode_json(text)
    except json.JSONDecodeError as error:
        raise bad_request(
            f"Malformed JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        value = None
        depth = MAX_JSON_DEPTH + 1
    except ValueError:  # only int() raises a ValueError that is not a JSONDecodeError
        raise _too_many_digits(text) from None
    else:
        deep = check_depth and _may_nest_deeply(text)
        depth = json_values.nesting_depth(value, MAX_JSON_DEPTH) if deep else 0
    if depth > MAX_JSON_DEPTH:
        raise bad_request(f"JSON is nested more than {MAX_JSON_DEPTH} levels deep")
    if json_values.may_hold_surrogates(text):
        path = json_values.surrogate_path(value)
        if path is not None:
            raise _lone_surrogate(path)
    return value


def _too_many_digits(text: str) -> ApiError:
    limit = json_values.max_integer_digits()
    path = json_values.long_integer_path(text)
    if not path:
        return bad_request(f"The request body holds a number of more than {limit} digits")
    field = json_values.field_name(path)
    return bad_request(f"{field} is a number of more than {limit} digits", field)


def _lone_surrogate(path: list[str]) -> ApiError:
    what = "a lone surrogate (half of a UTF-16 pair), which UTF-8 cannot encode"
    if not path:
        return bad_request(f"The request body is a string holding {what}")
    field = json_values.field_name(path)
    return bad_request(f"{field} holds {what}", field)


def _may_nest_deeply(text: str) -> bool:
    """False when the text cannot nest past MAX_JSON_DEPTH: each level opens with a bracket of
    its own, so it has at least as many brackets as levels (those in strings only add to the
    count). Counting them costs far less than walking the decoded value."""
    return text.count("{") + text.count("[") > MAX_JSON_DEPTH
