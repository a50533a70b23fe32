"""`POST /v1/avatar` and `GET /v1/avatar/{id}`, answering `{"data": {"avatar": ...}}`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .api_plane import admit
from .core import job_request
from .core.errors import ApiError
from .core.jobs import avatar_view
from .responses import base_url, error_response, json_response, parse_json, read_body
from .runtime import MockRuntime

AUTH_HEADER = "X-API-Key"


class RestEndpoints:
    def __init__(self, runtime: MockRuntime) -> None:
        self.runtime = runtime

    async def create(self, request: Request) -> Response:
        self.runtime.sync()
        engine = self.runtime.engine
        try:
            body = await read_body(request, self.runtime.config.max_body_bytes)
        except ApiError as error:
            body_error: ApiError | None = error
        else:
            body_error = None
        try:
            admission = await admit(
                self.runtime, request, "rest.create", request.headers.get("x-api-key"), AUTH_HEADER
            )
        except ApiError as error:
            return error_response(error)
        try:
            if body_error is not None:
                raise body_error
            catalog = engine.fixtures.catalog
            spec = job_request.from_avatar_input(
                catalog, parse_json(body, False), "", "rest.create"
            )
            job = engine.create_job(
                admission, spec, request.headers.get("idempotency-key"), base_url(request)
            )
        except ApiError as error:
            return error_response(error, admission.headers)
        payload = {"data": {"avatar": avatar_view(job, base_url(request))}}
        return json_response(payload, 200, admission.headers)

    async def get(self, request: Request) -> Response:
        self.runtime.sync()
        engine = self.runtime.engine
        try:
            admission = await admit(
                self.runtime, request, "rest.get", request.headers.get("x-api-key"), AUTH_HEADER
            )
        except ApiError as error:
            return error_response(error)
        try:
            job = engine.get_job(admission.account, request.path_params["job_id"])
        except ApiError as error:
            return error_response(error, admission.headers)
        payload = {"data": {"avatar": avatar_view(job, base_url(request))}}
        return json_response(payload, 200, admission.headers)
