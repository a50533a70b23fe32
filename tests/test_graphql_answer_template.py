"""A value the answer template writes directly reads exactly as its scalar's coercion and the
answer writer would write it, and any other value still goes through both."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLScalarType,
    GraphQLString,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.graphql.answer_template import NullForNonNull, Selected, _encoder
from mockserver.web.answers import encode_json

SCALARS = [GraphQLString, GraphQLID, GraphQLInt, GraphQLFloat, GraphQLBoolean]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**31) - 2, 2**31 + 1),
    st.integers(),
    st.sampled_from([2**31 - 1, -(2**31), 2**31, -(2**31) - 1, 0, -0.0, 1e300, 5.0]),
    st.floats(),  # NaN and the infinities too
    st.text(max_size=6),
    st.sampled_from(["12", "1.5", "true", "", "\u2028", '"', "\\"]),
)


def written(encode: Any, value: Any) -> tuple[str, str]:
    try:
        return "text", encode(value)
    except GraphQLError as error:
        return "error", error.message


def the_long_way(scalar: GraphQLScalarType, value: Any) -> Any:
    return "null" if value is None else encode_json(scalar.coerce_output_value(value))


@pytest.mark.parametrize("scalar", SCALARS, ids=lambda scalar: scalar.name)
@given(value=VALUES)
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_each_value_is_written_as_coercing_and_encoding_it_would(
    scalar: GraphQLScalarType, value: Any
) -> None:
    encode = _encoder(Selected("key", "field", scalar))
    assert written(encode, value) == written(lambda v: the_long_way(scalar, v), value)


def test_the_values_written_directly_are_written_as_json_writes_them() -> None:
    """Spot checks that the comparison above is not vacuous: these take the direct way."""
    assert _encoder(Selected("k", "f", GraphQLInt))(2**31 - 1) == "2147483647"
    assert _encoder(Selected("k", "f", GraphQLFloat))(0.1) == "0.1"
    assert _encoder(Selected("k", "f", GraphQLBoolean))(False) == "false"
    assert _encoder(Selected("k", "f", GraphQLID))("a\u00e9\n") == '"a\u00e9\\n"'


def test_an_int_out_of_range_is_still_the_coercions_error() -> None:
    encode = _encoder(Selected("k", "f", GraphQLInt))
    with pytest.raises(GraphQLError, match="non 32-bit signed integer"):
        encode(2**31)


def test_null_for_a_non_null_field_is_a_bug_of_the_mock() -> None:
    with pytest.raises(NullForNonNull):
        _encoder(Selected("k", "f", GraphQLInt, non_null=True))(None)
