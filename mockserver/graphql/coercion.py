"""A root field's arguments from the request's variables, by a plan made once per operation.

graphql-core coerces variables by walking their types anew on every request, and that walk
costs more than creating the job. The documented operations pass each argument as a non-null
variable of an input object built of String and ID fields (or of an ID alone), so the plan here
takes exactly those: for a value of the shape it expects (a dict with known keys, strings where
String and ID are asked for) it builds what graphql-core builds, the same dicts in the same field
order. Any other value (a number for an ID, a missing required field, an unknown key, a null)
is given up on, and graphql-core coerces the variables itself: its value or its errors, exactly.
An operation the plan cannot describe gets no plan, and graphql-core does all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    Undefined,
    VariableNode,
    type_from_ast,
)
from graphql.utilities.coerce_input_value import coerce_default_value

# Input objects nest a few levels in the documented types; a deeper (or recursive) type is
# left to graphql-core rather than followed.
MAX_INPUT_DEPTH = 8


class GiveUp(Exception):
    """A value the plan does not take as it is: graphql-core coerces the variables instead.

    Raised anew each time, never one instance again and again: an exception raised again adds
    to the traceback it already carries, which holds every frame it was raised through, with
    their callers' (a request, its body), for as long as the instance lives."""


Coerce = Callable[[Any], Any]


def _string(value: Any) -> Any:
    # graphql-core's String and ID both take a str as it is; an ID's number is converted,
    # which is graphql-core's to do.
    if type(value) is str:
        return value
    raise GiveUp


def _nullable(inner: Coerce) -> Coerce:
    def coerce(value: Any) -> Any:
        return None if value is None else inner(value)

    return coerce


def _non_null(inner: Coerce) -> Coerce:
    def coerce(value: Any) -> Any:
        if value is None:
            raise GiveUp
        return inner(value)

    return coerce


def _input_object(type_: GraphQLInputObjectType, depth: int) -> Coerce | None:
    if type_.is_one_of or "out_type" in vars(type_):
        return None  # a custom outbound value, or oneOf's rules: graphql-core's
    fields: list[tuple[str, str, Coerce, bool]] = []
    for name, field in type_.fields.items():
        if coerce_default_value(field) is not Undefined:
            return None  # defaults are graphql-core's to fill in
        coerce_field = _compile(field.type, depth + 1)
        if coerce_field is None:
            return None
        required = isinstance(field.type, GraphQLNonNull)
        fields.append((name, field.out_name or name, coerce_field, required))
    names = frozenset(type_.fields)
    plan = tuple(fields)

    def coerce(value: Any) -> Any:
        if type(value) is not dict or not value.keys() <= names:
            raise GiveUp
        coerced: dict[str, Any] = {}
        for name, out_name, coerce_field, required in plan:
            if name in value:
                coerced[out_name] = coerce_field(value[name])
            elif required:
                raise GiveUp
        return coerced

    return coerce


def _compile(type_: GraphQLInputType, depth: int = 0) -> Coerce | None:
    """How to coerce a value of `type_`, or None for a type the plan leaves to graphql-core."""
    if depth > MAX_INPUT_DEPTH:
        return None
    if isinstance(type_, GraphQLNonNull):
        inner = _compile(type_.of_type, depth)
        return None if inner is None else _non_null(inner)
    if type_ is GraphQLString or type_ is GraphQLID:
        return _nullable(_string)
    if isinstance(type_, GraphQLInputObjectType):
        inner = _input_object(type_, depth)
        return None if inner is None else _nullable(inner)
    return None  # lists, enums, other scalars


@dataclass(frozen=True, slots=True)
class ArgumentPlan:
    """(argument's name for the resolver, variable's name, how to coerce its value), each."""

    arguments: tuple[tuple[str, str, Coerce], ...]

    def coerce(self, variables: dict[str, Any] | None) -> dict[str, Any] | None:
        """The resolver's arguments, or None where graphql-core must coerce the variables."""
        if variables is None:
            return None
        arguments: dict[str, Any] = {}
        try:
            for out_name, variable, coerce in self.arguments:
                if variable not in variables:
                    return None
                arguments[out_name] = coerce(variables[variable])
        except GiveUp:
            return None
        return arguments


def argument_plan(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    field_def: GraphQLField,
    field_node: FieldNode,
) -> ArgumentPlan | None:
    """The plan for an operation whose one root field takes each argument from a non-null
    variable without a default, used by that argument alone; None for any other operation."""
    definitions = {}
    for definition in operation.variable_definitions or ():
        type_ = type_from_ast(schema, definition.type)
        if definition.default_value is not None or not isinstance(type_, GraphQLNonNull):
            return None
        definitions[definition.variable.name.value] = type_
    given = {node.name.value: node.value for node in field_node.arguments or ()}
    if given.keys() != field_def.args.keys():
        return None  # an argument left out (a default to apply) is graphql-core's
    arguments: list[tuple[str, str, Coerce]] = []
    for name, arg_def in field_def.args.items():
        value = given[name]
        if not isinstance(value, VariableNode) or value.name.value not in definitions:
            return None  # a literal, or a variable the document does not define
        variable = value.name.value
        coerce = _compile(definitions.pop(variable))  # popped: each variable used once
        if coerce is None:
            return None
        arguments.append((arg_def.out_name or name, variable, coerce))
    if definitions:
        return None  # a variable no argument uses: graphql-core still coerces it
    return ArgumentPlan(tuple(arguments))
