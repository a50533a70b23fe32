"""The answer to a fast-path operation, written from a template made once for its selection.

graphql-core completes each field of the answer and the answer writer then encodes the whole
tree; for one object of scalars both come to a fixed text with a value in each gap. So the text
`{"data":{"<root key>":{"<key>":...}}}` is made once per selection, with `__typename` written in,
and each request encodes only its values: each coerced as the executor coerces it (the scalar's
`coerce_output_value`) and encoded as the answer writer encodes it; a value of a built-in scalar
that the coercion would return unchanged (a str for String, an int of 32 bits for Int) is
written directly, as the writer would write it, without the two calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLScalarType,
    GraphQLString,
)

from ..web.answers import encode_json, encode_json_string

Encode = Callable[[Any], str]


@dataclass(frozen=True, slots=True)
class Selected:
    """One entry of the answer: its response key, the field it reads and that field's scalar
    (None for `__typename`), and whether the schema says it is never null."""

    key: str
    name: str
    scalar: GraphQLScalarType | None
    non_null: bool = False


class NullForNonNull(TypeError):
    """A resolver's value lacks a field the schema says is never null: a bug of the mock."""


def _finite_float(value: Any) -> bool:
    return type(value) is float and math.isfinite(value)


def _int32(value: Any) -> bool:
    return type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT


# For each built-in scalar, the values its output coercion returns unchanged, and how the answer
# writer encodes such a value: so those skip both calls and are written directly. Any other
# value (an int for a Float, a string for an Int, NaN, one out of range) goes the long way, to
# the coercion's value or its error. tests/test_graphql_answer_template.py holds both ways to
# the same text.
_DIRECT: dict[GraphQLScalarType, tuple[Callable[[Any], bool], Encode]] = {
    GraphQLString: (lambda value: type(value) is str, encode_json_string),
    GraphQLID: (lambda value: type(value) is str, encode_json_string),
    GraphQLInt: (_int32, int.__repr__),
    GraphQLFloat: (_finite_float, float.__repr__),
    GraphQLBoolean: (lambda value: type(value) is bool, lambda value: "true" if value else "false"),
}


def _encoder(field: Selected) -> Encode:
    scalar = field.scalar
    assert scalar is not None
    coerce = scalar.coerce_output_value
    direct, write = _DIRECT.get(scalar, (lambda value: False, encode_json))
    where = field.name

    def encode(value: Any) -> str:
        if value is None:
            if field.non_null:
                raise NullForNonNull(f"null for the non-null field {where}")
            return "null"
        if direct(value):
            return write(value)
        return encode_json(coerce(value))

    return encode


@dataclass(frozen=True, slots=True)
class AnswerTemplate:
    """The answer's text with a `%s` in each value's gap, and how each gap is filled."""

    text: str
    fields: tuple[tuple[str, Encode], ...]

    def fill(self, source: Mapping[str, Any]) -> bytes:
        """The answer for the resolver's value `source` (read as graphql-core's default
        resolver reads a mapping: a missing field is null)."""
        return (
            self.text % tuple([encode(source.get(name)) for name, encode in self.fields])
        ).encode()


def answer_template(
    root_key: str, type_name: str, selection: tuple[Selected, ...]
) -> AnswerTemplate:
    """The template for an answer `{"data": {root_key: {...selection}}}` of `type_name`."""
    pieces = []
    fields = []
    for field in selection:
        key = encode_json_string(field.key).replace("%", "%%")
        if field.scalar is None:
            value = encode_json_string(type_name).replace("%", "%%")
        else:
            value = "%s"
            fields.append((field.name, _encoder(field)))
        pieces.append(f"{key}:{value}")
    root = encode_json_string(root_key).replace("%", "%%")
    text = '{"data":{' + root + ":{" + ",".join(pieces) + "}}}"
    return AnswerTemplate(text, tuple(fields))
