"""A short cut through graphql-core's executor for the shape every documented operation has.

Each documented operation is one root field whose selection is a list of scalar fields. For such a
document the executor's general machinery (variable coercion by type, field collection, value
completion, the incremental publisher) costs more than the whole rest of a request. The plan here
is made once per operation and does only what that shape needs: the root field's arguments from
its variables (graphql.coercion, which leaves any value it does not expect to graphql-core), the
resolver, and the answer written from a template of its text (graphql.answer_template). Errors
use graphql-core's own functions, so they read exactly the same. Any other document (fragments,
directives, several root fields, nested selections, introspection) goes to `execute_sync`; the
tests run both paths side by side to keep them identical, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
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

from ..core.errors import ApiError
from ..core.jobs import Job, JobStatus
from .answer_template import AnswerTemplate, Selected, answer_template
from .coercion import ArgumentPlan, argument_plan
from .job_view import JobView
from .known_bodies import KnownBody
from .processing_answer import ProcessingAnswer, View, processing_answer

_PROCESSING = JobStatus.PROCESSING
MAX_COERCION_ERRORS = 50  # what graphql-core's executor allows too
_UNPROVEN: Any = object()  # a view not yet tried for a plan's processing answer


class _Info(NamedTuple):
    """What the mock's resolvers read from `info`: only the context."""

    context: Any


@dataclass(frozen=True)
class FastPlan:
    operation: OperationDefinitionNode
    field_node: FieldNode
    field_def: GraphQLField
    response_key: str
    # The resolver's arguments from the variables without graphql-core, where the operation
    # allows (see graphql.coercion).
    arguments: ArgumentPlan | None
    answer: AnswerTemplate
    # For each view a resolver answered with: the answer of a processing job, written from
    # what that view shares among processing jobs (None where that is not proven).
    _processing: dict[View, ProcessingAnswer | None] = field(default_factory=dict, repr=False)

    def processing(self, view: View) -> ProcessingAnswer | None:
        answer: ProcessingAnswer | None = self._processing.get(view, _UNPROVEN)
        if answer is _UNPROVEN:
            answer = self._processing[view] = processing_answer(self.answer, view)
        return answer


def _unwrap(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _selection(node: FieldNode, object_type: GraphQLObjectType) -> tuple[Selected, ...] | None:
    """The scalar fields the root field selects, in the order the executor answers them;
    None when a selection needs the executor (a fragment, a directive, arguments, a nested
    selection)."""
    chosen: dict[str, Selected] = {}
    assert node.selection_set is not None
    for sub in node.selection_set.selections:
        if not isinstance(sub, FieldNode) or sub.directives or sub.arguments or sub.selection_set:
            return None
        name = sub.name.value
        key = sub.alias.value if sub.alias else name
        if key in chosen:
            # Asked again under the same key: validation has made sure it is the same field
            # (no arguments here), which the executor answers once, where first asked.
            continue
        if name == "__typename":
            chosen[key] = Selected(key, name, None)
            continue
        sub_def = object_type.fields.get(name)
        scalar = _unwrap(sub_def.type) if sub_def else None
        if (
            sub_def is None
            or sub_def.resolve is not None
            or not isinstance(scalar, GraphQLScalarType)
        ):
            return None
        chosen[key] = Selected(key, name, scalar, isinstance(sub_def.type, GraphQLNonNull))
    return tuple(chosen.values())


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
    selection = _selection(node, object_type)
    if selection is None:
        return None
    response_key = node.alias.value if node.alias else node.name.value
    return FastPlan(
        operation=operation,
        field_node=node,
        field_def=field_def,
        response_key=response_key,
        arguments=argument_plan(schema, operation, field_def, node),
        answer=answer_template(response_key, object_type.name, selection),
    )


def _arguments(
    fast: FastPlan, schema: GraphQLSchema, variables: dict[str, Any] | None
) -> dict[str, Any] | list[GraphQLError]:
    """The resolver's arguments: by the plan where it takes the variables, else by
    graphql-core (which also says what is wrong with them)."""
    if fast.arguments is not None:
        arguments = fast.arguments.coerce(variables)
        if arguments is not None:
            return arguments
    values = get_variable_values(
        schema,
        fast.operation.variable_definitions or (),
        variables or {},
        max_errors=MAX_COERCION_ERRORS,
    )
    if isinstance(values, list):
        return values
    return get_argument_values(fast.field_def, fast.field_node, values)


def _known_arguments(
    fast: FastPlan,
    schema: GraphQLSchema,
    variables: dict[str, Any] | None,
    known: KnownBody | None,
) -> dict[str, Any] | list[GraphQLError]:
    """The arguments, kept in `known` once coerced without error (they depend on its bytes
    alone)."""
    if known is None:
        return _arguments(fast, schema, variables)
    if known.arguments is None:
        arguments = _arguments(fast, schema, variables)
        if isinstance(arguments, list):
            return arguments
        known.arguments = arguments
    return known.arguments


def execute(
    fast: FastPlan,
    schema: GraphQLSchema,
    variables: dict[str, Any] | None,
    context: Any,
    known: KnownBody | None = None,
) -> ExecutionResult | bytes:
    """Run the plan: coerce, resolve the root field, fill in the answer. The answer's bytes
    when it holds no error, else the result to answer as the executor's.

    With `known` (these variables came in a body read before), its arguments are coerced once
    and kept there, a create's resolver keeps there the create they ask for (`context.known`;
    the executor makes it again from there, see GraphQLExecutor.act), and the answer about a
    finished job is kept there too."""
    try:
        args = _known_arguments(fast, schema, variables, known)
        if isinstance(args, list):
            return ExecutionResult(None, args)
        if known is not None:
            context.known = known
        assert fast.field_def.resolve is not None
        source = fast.field_def.resolve(None, _Info(context), **args)
    except Exception as error:  # the executor turns resolver errors into located errors too
        return located(fast, error)
    answered: JobView | None = context.answered
    if answered is None:
        return fast.answer.fill(source)
    return answer_about(fast, answered.job, answered.view, context.base_url, known)


def located(fast: FastPlan, error: Exception) -> ExecutionResult:
    """The result of a resolver that raised `error`, as the executor gives it."""
    if isinstance(error, ApiError):  # an answer, not a bug: nobody reads where it was raised
        error = error.as_answer()
    return ExecutionResult(None, [located_error(error, [fast.field_node], [fast.response_key])])


def answer_about(
    fast: FastPlan, job: Job, view: View, base_url: str, known: KnownBody | None
) -> bytes:
    """The answer of a resolver that answered with `view` of `job`: a processing job's written
    from the job itself where that is proven, any other filled in from the view (a finished
    job's kept with `known`, when the body was read before)."""
    if job.status is _PROCESSING:
        processing = fast.processing(view)
        if processing is not None:
            try:
                return processing.fill(job)
            except Exception:  # a value its encoder refuses: the template says how, below
                pass
    if known is not None:  # a poll's answer may be kept
        return known.answer(job, base_url, lambda: fast.answer.fill(view(job, base_url)))
    return fast.answer.fill(view(job, base_url))
