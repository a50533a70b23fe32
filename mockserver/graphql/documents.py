"""GraphQL documents: parsed and checked once, kept by query text, and what admission reads of them.

Parsing and validating a document costs far more than executing it, so each distinct valid query
text is prepared once and kept, in a cache bounded in entries and in characters of query text (a
parsed document takes far more memory than its text). A document that failed is
never kept: a client sending a different broken document each time must not fill memory.
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

from ..core.errors import bad_request
from . import fast_path, limits
from .fast_path import FastPlan

CACHE_ENTRIES = 512
CACHE_CHARS = 256 * 1024  # of query text, all entries together
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


@dataclass(eq=False)
class Prepared:
    """A parsed, validated document, the shape of each of its operations, and the fast plans
    made for them so far.

    Not frozen: the plans are filled in as operations are first run, on the one Prepared the
    cache shares among requests. The rest is set once, when the document is prepared.
    """

    document: DocumentNode
    errors: tuple[GraphQLError, ...]
    operations: dict[str | None, OperationShape]
    _plans: dict[str | None, FastPlan | None] = field(default_factory=dict, init=False, repr=False)

    def fast_plan(self, schema: GraphQLSchema, operation_name: str | None) -> FastPlan | None:
        """The short-cut plan for this operation (made once), or None for the full executor."""
        if operation_name not in self._plans:
            self._plans[operation_name] = fast_path.plan(schema, self.document, operation_name)
        return self._plans[operation_name]


def may_be_introspection(query: str) -> bool:
    """False when the text cannot be an introspection-only document: no `__schema`, `__type`
    or `__typename` in it. Such a document is not parsed for a client without a valid key."""
    return "__type" in query or "__schema" in query


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
    """Parse and check a document within the bounds of graphql_limits; 400 (ApiError) if it
    cannot be read at all, or a Prepared whose `errors` say why it cannot run."""
    limits.check_text(query)
    try:
        document = parse(query, max_tokens=limits.MAX_TOKENS)
    except GraphQLError as error:
        if "Parsing aborted" in error.message:  # graphql-core stopped at max_tokens
            raise limits.too_large("tokens", limits.MAX_TOKENS) from None
        raise bad_request(f"GraphQL syntax error: {error.message}", "query") from None
    except RecursionError:
        raise bad_request("GraphQL document is nested too deeply", "query") from None
    limits.check_counts(document)
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
    if not errors:
        limits.check_answer_size(schema, document)
    return Prepared(document, tuple(errors), operations)


class DocumentCache:
    """Query text -> Prepared for valid documents, least recently used first out."""

    def __init__(
        self, schema: GraphQLSchema, entries: int = CACHE_ENTRIES, chars: int = CACHE_CHARS
    ) -> None:
        self._schema = schema
        self._max_entries = entries
        self._max_chars = chars
        self._chars = 0
        self._entries: OrderedDict[str, Prepared] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def chars(self) -> int:
        """Characters of query text held, all entries together."""
        return self._chars

    def cached(self, query: str) -> Prepared | None:
        """The prepared document if this text is kept; never parses."""
        prepared = self._entries.get(query)
        if prepared is not None:
            self._entries.move_to_end(query)
        return prepared

    def get(self, query: str) -> Prepared:
        """The prepared document, prepared now if it is not kept (ApiError if unreadable)."""
        prepared = self.cached(query)
        if prepared is not None:
            return prepared
        prepared = prepare(self._schema, query)
        if not prepared.errors and len(query) <= self._max_chars:
            self._entries[query] = prepared
            self._chars += len(query)
            while len(self._entries) > self._max_entries or self._chars > self._max_chars:
                evicted, _ = self._entries.popitem(last=False)
                self._chars -= len(evicted)
        return prepared
