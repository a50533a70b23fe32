"""GraphQL over HTTP: read the operation, admit it, execute it, answer with a real HTTP status.

Imported on a worker thread after start-up (see graphql_api), since graphql-core is the
heaviest import of the mock.

Parsing and validating a document costs far more than executing it, so each distinct query
text is parsed and validated once and kept in a bounded cache.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ariadne.explorer import ExplorerGraphiQL
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    execute_sync,
    parse,
    validate,
)
from graphql.language import FieldNode
from starlette.responses import Response

from . import graphql_fast
from .api_plane import admit
from .api_request import ApiRequest
from .core.errors import ApiError, bad_request, internal_error
from .graphql_errors import bad_request_entry
from .graphql_fast import FastPlan
from .graphql_schema import RequestContext, executable_schema
from .responses import json_response, parse_json
from .runtime import MockRuntime

AUTH_HEADER = "Authorization: Bearer <API key>"
CACHE_SIZE = 512


@dataclass(frozen=True)
class Prepared:
    """A parsed, validated document and the root field each of its operations selects first."""

    document: DocumentNode
    errors: tuple[GraphQLError, ...]
    root_fields: dict[str | None, str]
    plans: dict[str | None, FastPlan | None] = field(default_factory=dict)

    def fast_plan(self, schema: GraphQLSchema, operation_name: str | None) -> FastPlan | None:
        """The short-cut plan for this operation (made once), or None for the full executor."""
        if operation_name not in self.plans:
            self.plans[operation_name] = graphql_fast.plan(schema, self.document, operation_name)
        return self.plans[operation_name]


def _root_fields(document: DocumentNode) -> dict[str | None, str]:
    fields: dict[str | None, str] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            first = next(
                (s for s in definition.selection_set.selections if isinstance(s, FieldNode)), None
            )
            name = definition.name.value if definition.name else None
            fields[name] = first.name.value if first else ""
    return fields


class DocumentCache:
    """Query text -> Prepared, least recently used first out."""

    def __init__(self, schema: GraphQLSchema, size: int = CACHE_SIZE) -> None:
        self._schema = schema
        self._size = size
        self._entries: OrderedDict[str, Prepared] = OrderedDict()

    def get(self, query: str) -> Prepared:
        prepared = self._entries.get(query)
        if prepared is not None:
            self._entries.move_to_end(query)
            return prepared
        prepared = self._prepare(query)
        self._entries[query] = prepared
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return prepared

    def _prepare(self, query: str) -> Prepared:
        try:
            document = parse(query)
        except GraphQLError as error:
            raise bad_request(f"GraphQL syntax error: {error.message}", "query") from None
        except RecursionError:
            raise bad_request("GraphQL document is nested too deeply", "query") from None
        try:
            errors = tuple(validate(self._schema, document))
        except RecursionError:
            raise bad_request("GraphQL document is nested too deeply", "query") from None
        return Prepared(document, errors, _root_fields(document))


@dataclass(frozen=True)
class Operation:
    """One GraphQL request, read and checked as far as can be done before authentication."""

    prepared: Prepared
    name: str | None
    variables: dict[str, Any] | None
    root_field: str

    @property
    def introspection_only(self) -> bool:
        return self.root_field.startswith("__")


def read_operation(payload: Any, documents: DocumentCache) -> Operation:
    if not isinstance(payload, dict):
        raise bad_request("The request body must be a JSON object with a query")
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        raise bad_request("query must be a non-empty string", "query")
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise bad_request("variables must be a JSON object", "variables")
    name = payload.get("operationName")
    if name is not None and not isinstance(name, str):
        raise bad_request("operationName must be a string", "operationName")
    prepared = documents.get(query)
    if name is None and len(prepared.root_fields) > 1:
        raise bad_request("operationName is required when the query has several operations")
    if name is not None and name not in prepared.root_fields:
        raise bad_request(f"No operation named {name!r} in the query", "operationName")
    root = (
        prepared.root_fields.get(name, "")
        if name
        else next(iter(prepared.root_fields.values()), "")
    )
    return Operation(prepared, name, variables, root)


def _result_response(result: ExecutionResult, headers: dict[str, str]) -> Response:
    """200 with data, or the status of the first error, in the documented envelope."""
    if not result.errors:
        return json_response({"data": result.data}, 200, headers)
    status = 0
    entries = []
    for error in result.errors:
        original = error.original_error
        if isinstance(original, ApiError):
            entries.append(original.body()["errors"][0])
            status = status or original.status
            headers = {**headers, **original.headers}
        elif original is None or isinstance(original, GraphQLError):  # variable coercion
            entries.append(bad_request_entry(error.message))
            status = status or 400
        else:  # a bug in the mock: say so in the envelope rather than crash
            failure = internal_error(f"Internal server error: {type(original).__name__}")
            entries.append(failure.body()["errors"][0])
            status = status or 500
    return json_response({"errors": entries, "data": result.data}, status, headers)


class GraphQLExecutor:
    def __init__(self, runtime: MockRuntime) -> None:
        self.runtime = runtime
        self.schema = executable_schema()
        self.documents = DocumentCache(self.schema)
        self.explorer_html = ExplorerGraphiQL(title="mock-doitong").html(None)

    async def handle(self, request: ApiRequest) -> Response:
        self.runtime.sync()
        engine = self.runtime.engine
        operation: Operation | None = None
        request_error: ApiError | None = None
        try:
            body = await request.body(self.runtime.config.max_body_bytes)
            operation = read_operation(parse_json(body), self.documents)
        except ApiError as error:
            request_error = error
        if operation is not None and operation.introspection_only and not operation.prepared.errors:
            request.operation = operation.root_field
            return self._execute(operation, None, request, {})
        root_field = operation.root_field if operation is not None else None
        api_key = _bearer(request.header(b"authorization"))
        try:
            admission = await admit(self.runtime, request, root_field, api_key, AUTH_HEADER)
        except ApiError as error:
            return _error_response(error)
        if request_error is not None:
            return _error_response(request_error, admission.headers)
        assert operation is not None
        if operation.prepared.errors:
            entries = [bad_request_entry(e.message) for e in operation.prepared.errors]
            return json_response({"errors": entries, "data": None}, 400, admission.headers)
        context = RequestContext(
            engine, admission, request.base_url, request.header(b"idempotency-key")
        )
        return self._execute(operation, context, request, admission.headers)

    def _execute(
        self,
        operation: Operation,
        context: RequestContext | None,
        request: ApiRequest,
        headers: dict[str, str],
    ) -> Response:
        fast = None
        if context is not None and self.runtime.config.graphql_fast_path:
            fast = operation.prepared.fast_plan(self.schema, operation.name)
        if fast is not None:
            result = graphql_fast.execute(fast, self.schema, operation.variables, context)
        else:
            result = execute_sync(
                self.schema,
                operation.prepared.document,
                variable_values=operation.variables,
                operation_name=operation.name,
                context_value=context,
            )
        return _result_response(result, headers)


def _error_response(error: ApiError, headers: dict[str, str] | None = None) -> Response:
    """An error before execution, shaped like one from execution: `data` is null either way."""
    body = {**error.body(), "data": None}
    return json_response(body, error.status, {**(headers or {}), **error.headers})


def _bearer(header: str | None) -> str | None:
    """The key from `Authorization: Bearer <key>`; None when the header is absent or not Bearer."""
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return key.strip() or None
