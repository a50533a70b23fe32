"""GraphQL documents: parsed and checked once, kept by query text, and what admission reads of them.

Parsing and validating a document costs far more than executing it, so each distinct query text
is prepared once and kept in a bounded cache.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    validate,
)

from . import graphql_fast
from .core.errors import bad_request
from .graphql_fast import FastPlan

CACHE_ENTRIES = 512
MAX_NAMED_FIELDS = 5  # how many of the offending root fields a 400 lists


@dataclass(frozen=True)
class OperationShape:
    """What admission needs of one operation before it runs."""

    # The one API field it selects (scripted faults and the journal go by it); for an
    # introspection-only operation, its first field.
    root_field: str
    # Every root field is an introspection field (`__schema`, `__type`, `__typename`): such an
    # operation reaches no resolver of the mock, so it answers without a key.
    introspection_only: bool


@dataclass(frozen=True)
class Prepared:
    """A parsed, validated document and the shape of each of its operations."""

    document: DocumentNode
    errors: tuple[GraphQLError, ...]
    operations: dict[str | None, OperationShape]
    plans: dict[str | None, FastPlan | None] = field(default_factory=dict)

    def fast_plan(self, schema: GraphQLSchema, operation_name: str | None) -> FastPlan | None:
        """The short-cut plan for this operation (made once), or None for the full executor."""
        if operation_name not in self.plans:
            self.plans[operation_name] = graphql_fast.plan(schema, self.document, operation_name)
        return self.plans[operation_name]


def root_fields(document: DocumentNode, operation: OperationDefinitionNode) -> list[FieldNode]:
    """The fields an operation selects at its root, inline fragments and fragment spreads
    included (each fragment once)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    found: list[FieldNode] = []
    seen: set[str] = set()
    pending: list[SelectionSetNode] = [operation.selection_set]
    while pending:  # a stack rather than recursion: fragments can nest deeply
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    pending.append(fragments[name].selection_set)
    return found


def _shape(fields: list[FieldNode]) -> tuple[OperationShape, GraphQLError | None]:
    """The operation's shape, and the error if it selects more than one API field."""
    api_keys: dict[str, str] = {}  # response key -> field name; fields of one key merge
    for node in fields:
        name = node.name.value
        if not name.startswith("__"):
            api_keys.setdefault(node.alias.value if node.alias else name, name)
    if not api_keys:
        return OperationShape(fields[0].name.value if fields else "", True), None
    shape = OperationShape(next(iter(api_keys.values())), False)
    if len(api_keys) == 1:
        return shape, None
    # One request, one charge, one answer: several creates in one operation could not be
    # admitted, rate-limited and charged as the one request the limits count.
    named = ", ".join(list(api_keys)[:MAX_NAMED_FIELDS])
    more = ", ..." if len(api_keys) > MAX_NAMED_FIELDS else ""
    error = GraphQLError(
        f"An operation may select one API field; this one selects {len(api_keys)} "
        f"({named}{more}): send one request for each",
        extensions={"field": "query"},
    )
    return shape, error


def prepare(schema: GraphQLSchema, query: str) -> Prepared:
    """Parse and validate a document; 400 (ApiError) if it cannot be read at all, or a Prepared
    whose `errors` say why it cannot run."""
    try:
        document = parse(query)
    except GraphQLError as error:
        raise bad_request(f"GraphQL syntax error: {error.message}", "query") from None
    except RecursionError:
        raise bad_request("GraphQL document is nested too deeply", "query") from None
    try:
        errors = list(validate(schema, document))
    except RecursionError:
        raise bad_request("GraphQL document is nested too deeply", "query") from None
    operations: dict[str | None, OperationShape] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            shape, refusal = _shape(root_fields(document, definition))
            operations[definition.name.value if definition.name else None] = shape
            if refusal is not None:
                errors.append(refusal)
    return Prepared(document, tuple(errors), operations)


class DocumentCache:
    """Query text -> Prepared, least recently used first out."""

    def __init__(self, schema: GraphQLSchema, entries: int = CACHE_ENTRIES) -> None:
        self._schema = schema
        self._max_entries = entries
        self._entries: OrderedDict[str, Prepared] = OrderedDict()

    def get(self, query: str) -> Prepared:
        prepared = self._entries.get(query)
        if prepared is not None:
            self._entries.move_to_end(query)
            return prepared
        prepared = prepare(self._schema, query)
        self._entries[query] = prepared
        if len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return prepared
