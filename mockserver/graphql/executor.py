"""GraphQL over HTTP: read the operation, admit it, execute it, answer with a real HTTP status.

Imported on a worker thread after start-up (see graphql_api), since graphql-core is the
heaviest import of the mock.

No document reaches the parser for a client without a valid key unless its text could be an
introspection-only document, the one kind that answers without a key; and that parsing is
bounded (graphql_limits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeGuard

from ariadne.explorer import ExplorerGraphiQL
from graphql import ExecutionResult, GraphQLError, execute_sync
from starlette.responses import Response

from ..api.endpoint import admit
from ..api.request import ApiRequest
from ..core.errors import ApiError, bad_request, internal_error
from ..runtime.mock_runtime import MockRuntime
from ..web.answers import json_response
from ..web.json_body import parse_json
from . import fast_path
from .documents import DocumentCache, OperationShape, Prepared, may_be_introspection
from .errors import bad_request_entry
from .schema import RequestContext, executable_schema

AUTH_HEADER = "Authorization: Bearer <API key>"


@dataclass(slots=True)  # not frozen: two are made per request, and frozen triples that cost
class Payload:
    """The request body's fields, checked without reading the document."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None


@dataclass(slots=True)
class Operation:
    """The operation a request runs: its document and what admission needs of it."""

    prepared: Prepared
    name: str | None
    shape: OperationShape

    @property
    def runs_without_key(self) -> bool:
        return self.shape.introspection_only and not self.prepared.errors


def read_payload(payload: Any) -> Payload:
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
    return Payload(query, variables, name)


def select_operation(prepared: Prepared, name: str | None) -> Operation:
    operations = prepared.operations
    if name is None and len(operations) > 1:
        raise bad_request("operationName is required when the query has several operations")
    if name is not None and name not in operations:
        raise bad_request(f"No operation named {name!r} in the query", "operationName")
    shape = operations[name] if name else next(iter(operations.values()), _NO_OPERATION)
    return Operation(prepared, name, shape)


_NO_OPERATION = OperationShape("", False)  # a document of fragments only: invalid anyway


def _is_bug(original: BaseException | None) -> TypeGuard[BaseException]:
    """An error from execution that no request can cause: an exception of the mock's own."""
    return original is not None and not isinstance(original, (ApiError, GraphQLError))


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
        elif not _is_bug(original):  # variable coercion
            entries.append(bad_request_entry(error.message))
            status = status or 400
        else:  # a bug in the mock (reported by _execute): say so rather than crash
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
        api_key = _bearer(request.header(b"authorization"))
        payload, operation, request_error = await self._read_before_auth(request)
        if operation is not None and operation.runs_without_key:
            request.operation = operation.shape.root_field
            assert payload is not None
            return self._execute(operation, payload.variables, None, request, {})
        account = engine.find_account(api_key)
        if account is None:
            # No valid key: refused below without reading the document, so the document's
            # operation is not known, whether or not its text happens to be kept.
            operation = None
        elif operation is None and request_error is None and payload is not None:
            operation, request_error = self._read(payload)
        root_field = operation.shape.root_field if operation is not None else None
        try:
            admission = await admit(
                self.runtime, request, root_field, api_key, AUTH_HEADER, account=account
            )
        except ApiError as error:
            return _error_response(error)
        if request_error is None and operation is None and payload is not None:
            # Only if the key became valid while a scripted delay held admission.
            operation, request_error = self._read(payload)
        if request_error is not None:
            return _error_response(request_error, admission.headers)
        assert operation is not None and payload is not None
        if operation.prepared.errors:
            entries = [_validation_entry(e) for e in operation.prepared.errors]
            return json_response({"errors": entries, "data": None}, 400, admission.headers)
        context = RequestContext(
            engine, admission, request.base_url, request.header(b"idempotency-key")
        )
        return self._execute(operation, payload.variables, context, request, admission.headers)

    async def _read_before_auth(
        self, request: ApiRequest
    ) -> tuple[Payload | None, Operation | None, ApiError | None]:
        """The body, and the operation only if reading it is free (the document is kept) or
        it may need no key (it could be introspection only); a 400 is kept for after auth."""
        payload: Payload | None = None
        try:
            body = await request.body(self.runtime.config.max_body_bytes)
            payload = read_payload(parse_json(body))
            prepared = self.documents.cached(payload.query)
            if prepared is None and may_be_introspection(payload.query):
                prepared = self.documents.get(payload.query)
            if prepared is None:
                return payload, None, None
            return payload, select_operation(prepared, payload.operation_name), None
        except ApiError as error:
            return payload, None, error

    def _read(self, payload: Payload) -> tuple[Operation | None, ApiError | None]:
        """The operation, read after the key was found valid."""
        try:
            prepared = self.documents.get(payload.query)
            return select_operation(prepared, payload.operation_name), None
        except ApiError as error:
            return None, error

    def _execute(
        self,
        operation: Operation,
        variables: dict[str, Any] | None,
        context: RequestContext | None,
        request: ApiRequest,
        headers: dict[str, str],
    ) -> Response:
        fast = None
        if context is not None and self.runtime.config.graphql_fast_path:
            fast = operation.prepared.fast_plan(self.schema, operation.name)
        if fast is not None:
            result = fast_path.execute(fast, self.schema, variables, context)
        else:
            result = execute_sync(
                self.schema,
                operation.prepared.document,
                variable_values=variables,
                operation_name=operation.name,
                context_value=context,
            )
        for error in result.errors or ():
            bug = error.original_error
            if _is_bug(bug):  # reported as REST's are, so the test that caused it fails
                self.runtime.report_bug(f"{request.method} {request.path}", bug)
        return _result_response(result, headers)


def _validation_entry(error: GraphQLError) -> dict[str, Any]:
    field = (error.extensions or {}).get("field")
    return bad_request_entry(error.message, field if isinstance(field, str) else None)


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
