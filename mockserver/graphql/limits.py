"""Bounds on the work one GraphQL document can cause, each refused with a 400 naming `query`.

Introspection answers without a key, so whatever an introspection document can make the mock do,
anyone can. Each bound is checked before the work it guards: the text's length before parsing,
the token count while parsing, the field and alias counts before validation, and the size of
the answer (estimated from the schema) before execution.
"""

from __future__ import annotations

from functools import cache

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.language import Visitor, visit
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from ..core.errors import ApiError, bad_request

MAX_QUERY_CHARS = 32_768  # the vendor's documents are ~200, GraphiQL's introspection ~1,600
MAX_TOKENS = 4_000
MAX_FIELDS = 500
MAX_ALIASES = 50
# An estimate of the values an answer holds, counting each list as long as the longest list of
# that name the schema has. The full introspection query of graphql-core (what GraphiQL and most
# clients send) estimates at about 42,000, so this leaves it room and little else.
MAX_ANSWER_VALUES = 100_000


def too_large(what: str, limit: int) -> ApiError:
    return bad_request(f"GraphQL document is too large: more than {limit:,} {what}", "query")


def check_text(query: str) -> None:
    """Before parsing: the text's length (the parser itself stops at MAX_TOKENS)."""
    if len(query) > MAX_QUERY_CHARS:
        raise too_large("characters", MAX_QUERY_CHARS)


class _Counter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.fields = 0
        self.aliases = 0

    def enter_field(self, node: FieldNode, *_: object) -> None:
        self.fields += 1
        self.aliases += node.alias is not None


def check_counts(document: DocumentNode) -> None:
    """Before validation, whose cost grows with the fields a document selects."""
    counter = _Counter()
    visit(document, counter)
    if counter.fields > MAX_FIELDS:
        raise too_large("fields", MAX_FIELDS)
    if counter.aliases > MAX_ALIASES:
        raise too_large("aliases", MAX_ALIASES)


def check_answer_size(schema: GraphQLSchema, document: DocumentNode) -> None:
    """Before execution, for a valid document: fragments and nested lists multiply the work a
    few hundred fields can ask for (`fields { type { fields { type ... } } }`)."""
    estimate = _AnswerEstimate(schema, document)
    try:
        values = estimate.of_document()
    except RecursionError:
        raise bad_request("GraphQL document is nested too deeply", "query") from None
    if values > MAX_ANSWER_VALUES:
        raise too_large("values in its answer (estimated)", MAX_ANSWER_VALUES)


class _AnswerEstimate:
    """Values an answer can hold, each fragment estimated once (a valid document has no cycle)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.list_lengths = _longest_lists(schema)
        self.longest = max(self.list_lengths.values(), default=1)
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.document = document
        self._fragment_values: dict[str, int] = {}

    def of_document(self) -> int:
        roots = {
            "query": self.schema.query_type,
            "mutation": self.schema.mutation_type,
            "subscription": self.schema.subscription_type,
        }
        total = 0
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                root = roots.get(definition.operation.value)
                if root is not None:
                    total += self._of(definition.selection_set, root)
        return total

    def _of(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._of_field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                type_ = self.schema.get_type(condition.name.value) if condition else parent
                total += self._of(selection.selection_set, type_ or parent)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._of_fragment(selection.name.value)
            if total > MAX_ANSWER_VALUES:
                return total  # already too large: no need to know by how much
        return total

    def _of_fragment(self, name: str) -> int:
        if name not in self._fragment_values:
            fragment = self.fragments[name]
            type_ = self.schema.get_type(fragment.type_condition.name.value)
            self._fragment_values[name] = (
                self._of(fragment.selection_set, type_) if type_ is not None else 1
            )
        return self._fragment_values[name]

    def _of_field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        if node.selection_set is None:
            return 1
        field = _field_of(self.schema, parent, node.name.value)
        if field is None:
            return 1
        field_type = field.type
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        times = 1
        if isinstance(field_type, GraphQLList):
            times = self.list_lengths.get(node.name.value, self.longest)
        return 1 + times * self._of(node.selection_set, get_named_type(field_type))


@cache
def _longest_lists(schema: GraphQLSchema) -> dict[str, int]:
    """The longest list each introspection list field can answer with, for this schema."""
    types = list(schema.type_map.values())
    fields = [f for t in types for f in (getattr(t, "fields", None) or {}).values()]
    interfaces = [len(getattr(t, "interfaces", ())) for t in types]
    return {
        "types": len(types),
        "directives": len(schema.directives),
        "fields": max((len(getattr(t, "fields", None) or {}) for t in types), default=0),
        "inputFields": max((len(getattr(t, "fields", None) or {}) for t in types), default=0),
        "args": max(
            [len(getattr(f, "args", None) or {}) for f in fields]
            + [len(d.args) for d in schema.directives],
            default=0,
        ),
        "enumValues": max((len(getattr(t, "values", None) or {}) for t in types), default=0),
        "interfaces": max(interfaces, default=0),
        "possibleTypes": len(types),
        "locations": max((len(d.locations) for d in schema.directives), default=0),
    }


def _field_of(schema: GraphQLSchema, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    if name == "__schema":
        return SchemaMetaFieldDef
    if name == "__type":
        return TypeMetaFieldDef
    fields: dict[str, GraphQLField] | None = getattr(parent, "fields", None)
    return fields.get(name) if fields else None
