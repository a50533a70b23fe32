"""A short cut through graphql-core's executor for the shape every documented operation has.

Each documented operation is one root field whose selection is a list of scalar fields. For such a
document the executor's general machinery (field collection, value completion, the incremental
publisher) costs more than the whole rest of a request. The plan here does only what that shape
needs, and uses graphql-core's own functions for variables, arguments, scalar serialisation and
error location, so answers and errors read exactly the same. Any other document (fragments,
directives, several root fields, nested selections, introspection) goes to `execute_sync`; the
tests run both paths side by side to keep them identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    located_error,
)
from graphql.execution.values import get_argument_values, get_variable_values

MAX_COERCION_ERRORS = 50  # what graphql-core's executor allows too


class _Info(NamedTuple):
    """What the mock's resolvers read from `info`: only the context."""

    context: Any


@dataclass(frozen=True)
class FastPlan:
    operation: OperationDefinitionNode
    field_node: FieldNode
    field_def: GraphQLField
    response_key: str
    type_name: str
    # (response key, field name, its scalar type; None for __typename)
    selections: tuple[tuple[str, str, GraphQLScalarType | None], ...]


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def plan(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> FastPlan | None:
    """A plan for the simple shape, or None when the document needs the full executor."""
    definitions = document.definitions
    if not all(isinstance(d, OperationDefinitionNode) for d in definitions):
        return None  # fragments
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return None
    operation = operations[0]
    roots = {OperationType.QUERY: schema.query_type, OperationType.MUTATION: schema.mutation_type}
    root_type = roots.get(operation.operation)
    selections = operation.selection_set.selections
    if root_type is None or operation.directives or len(selections) != 1:
        return None
    node = selections[0]
    if not isinstance(node, FieldNode) or node.directives or node.selection_set is None:
        return None
    field_def = root_type.fields.get(node.name.value)
    object_type = _unwrap(field_def.type) if field_def else None
    if (
        field_def is None
        or field_def.resolve is None
        or not isinstance(object_type, GraphQLObjectType)
    ):
        return None
    chosen: list[tuple[str, str, GraphQLScalarType | None]] = []
    for sub in node.selection_set.selections:
        if not isinstance(sub, FieldNode) or sub.directives or sub.arguments or sub.selection_set:
            return None
        name = sub.name.value
        key = sub.alias.value if sub.alias else name
        if any(key == seen for seen, _, _ in chosen):
            return None  # field merging: leave it to the executor
        if name == "__typename":
            chosen.append((key, name, None))
            continue
        sub_def = object_type.fields.get(name)
        scalar = _unwrap(sub_def.type) if sub_def else None
        if not isinstance(scalar, GraphQLScalarType):
            return None
        chosen.append((key, name, scalar))
    return FastPlan(
        operation=operation,
        field_node=node,
        field_def=field_def,
        response_key=node.alias.value if node.alias else node.name.value,
        type_name=object_type.name,
        selections=tuple(chosen),
    )


def execute(
    fast: FastPlan, schema: GraphQLSchema, variables: dict[str, Any] | None, context: Any
) -> ExecutionResult:
    """Run the plan: coerce, resolve the root field, project its scalars."""
    values = get_variable_values(
        schema,
        fast.operation.variable_definitions or (),
        variables or {},
        max_errors=MAX_COERCION_ERRORS,
    )
    if isinstance(values, list):
        return ExecutionResult(None, values)
    path = [fast.response_key]
    try:
        args = get_argument_values(fast.field_def, fast.field_node, values)
        assert fast.field_def.resolve is not None
        source = fast.field_def.resolve(None, _Info(context), **args)
    except Exception as error:  # the executor turns resolver errors into located errors too
        return ExecutionResult(None, [located_error(error, [fast.field_node], path)])
    data: dict[str, Any] = {}
    for key, name, scalar in fast.selections:
        if scalar is None:
            data[key] = fast.type_name
            continue
        value = source[name]
        data[key] = None if value is None else scalar.serialize(value)
    return ExecutionResult({fast.response_key: data}, None)
