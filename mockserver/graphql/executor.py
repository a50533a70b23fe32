"""GraphQL over HTTP: what a request asks, its execution, and an answer with a real HTTP status.

The API endpoint (api.endpoint) admits each request between `ask` and `act`. Imported on a
worker thread after start-up (see graphql.endpoint), since graphql-core is the heaviest import
of the mock.

No document reaches the parser for a client without a valid key unless its text could be an
introspection-only document, the one kind that answers without a key; and that parsing is
bounded (graphql.limits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, TypeGuard

from ariadne.explorer import ExplorerGraphiQL
from graphql import ExecutionResult, GraphQLError, execute_sync
from starlette.responses import Response

from ..api.request import ApiRequest, bearer_key
from ..api.transport import Ask
from ..core.engine import Admission
from ..core.errors import ApiError, bad_request, internal_error
from ..runtime.mock_runtime import MockRuntime
from ..web.answers import encoded_json_response, json_response
from ..web.json_body import parse_json
from . import fast_path
from .documents import DocumentCache, OperationShape, Prepared, may_be_introspection
from .errors import bad_request_entry
from .known_bodies import KnownBodies, KnownBody
from .schema import RequestContext, executable_schema


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


def _result_response(
    request: ApiRequest, result: ExecutionResult, headers: dict[str, str]
) -> Response:
    """200 with data, or the status of the first error, in the documented envelope; that
    first error is handed to the journal (`request.error`), as the endpoint does for its own."""
    if not result.errors:
        return json_response({"data": result.data}, 200, headers)
    status = 0
    entries = []
    for error in result.errors:
        original = error.original_error
        if isinstance(original, ApiError):
            entries.append(original.body()["errors"][0])
            first = original
            headers = {**headers, **original.headers}
        elif not _is_bug(original):  # variable coercion
            entries.append(bad_request_entry(error.message))
            first = bad_request(error.message)
        else:  # a bug in the mock (reported by _execute): say so rather than crash
            first = internal_error(f"Internal server error: {type(original).__name__}")
            entries.append(first.body()["errors"][0])
        if not status:
            status, request.error = first.status, first
    return json_response({"errors": entries, "data": result.data}, status, headers)


@dataclass(slots=True)
class GraphQLAsk(Ask):
    """What a GraphQL request asks, and what of it was read before admission."""

    payload: Payload | None = None  # None only with `error` set, or no readable body
    chosen: Operation | None = None  # None while its document is unread (see `ask`)
    known: KnownBody | None = None  # what its bytes read as, when they read as before
    graphql: ClassVar[bool] = True

    @property
    def operation_name(self) -> str | None:
        return self.payload.operation_name if self.payload is not None else None


class GraphQLExecutor:
    """Reads and runs GraphQL requests for the API endpoint, which admits them in between.

    It holds no mock's state: the schema and the prepared documents serve every runtime."""

    def __init__(self) -> None:
        self.schema = executable_schema()
        self.documents = DocumentCache(self.schema)
        self.bodies = KnownBodies()
        self.explorer_html = ExplorerGraphiQL(title="mock-doitong").html(None)

    def ask(self, request: ApiRequest, runtime: MockRuntime, body: bytes | None) -> GraphQLAsk:
        """The operation, read only when that is free (its document is kept), when the key is
        valid, or when the document may need no key (it could be introspection only)."""
        api_key = bearer_key(request.header(b"authorization"))
        if body is None:  # unreadable: the endpoint answers why, after admission
            return GraphQLAsk(None, api_key)
        fast = runtime.config.graphql_fast_path  # off: every body read anew too (tests)
        known = self.bodies.get(body) if fast else None
        if known is not None:
            return self._ask_known(runtime, api_key, known)
        payload = account = None
        try:
            payload = read_payload(parse_json(body))
            operation = self._operation(payload, may_be_introspection(payload.query))
            if operation is not None and operation.runs_without_key:
                root_field = operation.shape.root_field
                return GraphQLAsk(root_field, None, admit=False, payload=payload, chosen=operation)
            account = runtime.engine.find_account(api_key)
            if account is None:
                # No valid key: refused at admission without reading the document, so its
                # operation is not known, whether or not its text happens to be kept.
                return GraphQLAsk(None, api_key, payload=payload)
            if operation is None:
                operation = self._operation(payload, True)
            assert operation is not None  # parsed, when asked to
        except ApiError as error:
            # Kept, and answered after admission, so a client without a valid key gets its
            # 401 whatever its body holds. GraphQL reads its body before admission (to know
            # the operation), which is why it catches here, unlike the other transports.
            return GraphQLAsk(None, api_key, account, error=error, payload=payload)
        if fast and not operation.prepared.errors:
            self.bodies.add(body, payload, operation)
        root_field = operation.shape.root_field
        return GraphQLAsk(root_field, api_key, account, payload=payload, chosen=operation)

    def _ask_known(self, runtime: MockRuntime, api_key: str | None, known: KnownBody) -> GraphQLAsk:
        """`ask` for bytes that read well before: the same steps from the key on, on what they
        read as then."""
        payload, operation = known.payload, known.operation
        root_field = operation.shape.root_field
        if operation.runs_without_key:
            return GraphQLAsk(
                root_field, None, admit=False, payload=payload, chosen=operation, known=known
            )
        account = runtime.engine.find_account(api_key)
        if account is None:  # as above: without a valid key, the operation is not known
            return GraphQLAsk(None, api_key, payload=payload)
        return GraphQLAsk(
            root_field, api_key, account, payload=payload, chosen=operation, known=known
        )

    def act(
        self,
        request: ApiRequest,
        runtime: MockRuntime,
        admission: Admission | None,
        ask: GraphQLAsk,
    ) -> Response:
        payload, operation = ask.payload, ask.chosen
        assert payload is not None  # without one, `ask.error` was answered instead
        if admission is None:  # introspection only: no key, so no context for resolvers
            assert operation is not None
            result = self._run_executor(runtime, request, operation, None, payload)
            return _result_response(request, result, {})
        if operation is None:
            # Only if the key became valid while a scripted delay held admission.
            operation = select_operation(self.documents.get(payload.query), payload.operation_name)
        if operation.prepared.errors:
            entries = [_validation_entry(e) for e in operation.prepared.errors]
            request.error = bad_request(operation.prepared.errors[0].message)
            return json_response({"errors": entries, "data": None}, 400, admission.headers)
        known = ask.known
        if known is not None:
            again = self._create_again(runtime, request, operation, admission, known)
            if again is not None:
                return again
        context = RequestContext(
            runtime.engine, admission, request.base_url, request.header(b"idempotency-key")
        )
        answer = self._execute(runtime, request, operation, context, payload, known=known)
        request.job_id = context.job_id
        if isinstance(answer, bytes):  # the fast path's answer, free of errors
            return encoded_json_response(answer, 200, admission.headers)
        return _result_response(request, answer, admission.headers)

    def _create_again(
        self,
        runtime: MockRuntime,
        request: ApiRequest,
        operation: Operation,
        admission: Admission,
        known: KnownBody,
    ) -> Response | None:
        """The create a body read before asked for (kept by the fast path), made again: what
        its resolver would do, since it does nothing else (schema.RequestContext.create), made
        without the resolver, its context or its arguments. Its errors are the resolver's,
        located at the root field as the fast path locates them. None when the body keeps no
        create checked against this runtime's catalog."""
        create = known.create(runtime.engine.fixtures.catalog)
        if create is None:
            return None
        fast = operation.prepared.fast_plan(self.schema, operation.name)
        assert fast is not None  # the fast path kept the create
        base_url = request.base_url
        idempotency_key = request.header(b"idempotency-key")
        try:
            job = runtime.engine.create_job(admission, create.request, idempotency_key, base_url)
        except Exception as error:
            result = fast_path.located(fast, error)
            self._report_bugs(runtime, request, result)
            return _result_response(request, result, admission.headers)
        request.job_id = job.id
        answer = fast_path.answer_about(fast, job, create.view, base_url, known)
        return encoded_json_response(answer, 200, admission.headers)

    def _operation(self, payload: Payload, parse: bool) -> Operation | None:
        """The operation, if its document is kept or `parse`; raises ApiError if unreadable."""
        query = payload.query
        prepared = self.documents.get(query) if parse else self.documents.cached(query)
        return None if prepared is None else select_operation(prepared, payload.operation_name)

    def _execute(
        self,
        runtime: MockRuntime,
        request: ApiRequest,
        operation: Operation,
        context: RequestContext,
        payload: Payload,
        *,
        known: KnownBody | None,
    ) -> ExecutionResult | bytes:
        """The fast path's answer (its bytes, or its errors), or the full executor's result.
        `known`: what the body read as before, when it did, for the fast path to keep what it
        works out of it."""
        fast = None
        if runtime.config.graphql_fast_path:
            fast = operation.prepared.fast_plan(self.schema, operation.name)
        if fast is None:
            return self._run_executor(runtime, request, operation, context, payload)
        result = fast_path.execute(fast, self.schema, payload.variables, context, known)
        if not isinstance(result, bytes):
            self._report_bugs(runtime, request, result)
        return result

    def _run_executor(
        self,
        runtime: MockRuntime,
        request: ApiRequest,
        operation: Operation,
        context: RequestContext | None,
        payload: Payload,
    ) -> ExecutionResult:
        result = execute_sync(
            self.schema,
            operation.prepared.document,
            variable_values=payload.variables,
            operation_name=operation.name,
            context_value=context,
        )
        self._report_bugs(runtime, request, result)
        return result

    def _report_bugs(
        self, runtime: MockRuntime, request: ApiRequest, result: ExecutionResult
    ) -> None:
        # graphql-core catches every exception a resolver raises and puts it in the result,
        # so a bug of ours never reaches the API endpoint's report: it is reported here.
        for error in result.errors or ():
            bug = error.original_error
            if _is_bug(bug):  # reported as REST's are, so the test that caused it fails
                runtime.report_bug(f"{request.method} {request.path}", bug)


def _validation_entry(error: GraphQLError) -> dict[str, Any]:
    """An error of the document itself: its field is `query`, as for a syntax error, unless
    the error names one of its own."""
    field = (error.extensions or {}).get("field")
    return bad_request_entry(error.message, field if isinstance(field, str) else "query")
