"""`POST /v1/avatar` and `GET /v1/avatar/{id}`, answering `{"data": {"avatar": ...}}`."""

from __future__ import annotations

from starlette.responses import Response

from ..core import job_request
from ..core.checked_bodies import CheckedBodies
from ..core.errors import ApiError
from ..core.job_request import JobRequest
from ..core.jobs import Job
from ..runtime.mock_runtime import MockRuntime
from ..web.answers import encoded_json_response, error_response
from ..web.json_body import parse_json
from .avatar_answer import AvatarAnswer
from .endpoint import admit
from .request import ApiRequest

AUTH_HEADER = "X-API-Key"


class RestEndpoints:
    def __init__(self, runtime: MockRuntime) -> None:
        self.runtime = runtime
        self._bodies = CheckedBodies(self._check_body)
        self._answer = AvatarAnswer()

    def _check_body(self, body: bytes) -> JobRequest:
        catalog = self.runtime.engine.fixtures.catalog
        return job_request.from_avatar_input(catalog, parse_json(body, False), "", "rest.create")

    async def create(self, request: ApiRequest) -> Response:
        self.runtime.sync()
        engine = self.runtime.engine
        try:
            body = await request.body(self.runtime.config.max_body_bytes)
        except ApiError as error:
            body_error: ApiError | None = error
        else:
            body_error = None
        try:
            admission = await admit(
                self.runtime, request, "rest.create", request.header(b"x-api-key"), AUTH_HEADER
            )
        except ApiError as error:
            return error_response(error)
        try:
            if body_error is not None:
                raise body_error
            spec = self._bodies.read(body)
            job = engine.create_job(
                admission, spec, request.header(b"idempotency-key"), request.base_url
            )
        except ApiError as error:
            return error_response(error, admission.headers)
        return self._avatar_answer(job, request.base_url, admission.headers)

    async def get(self, request: ApiRequest) -> Response:
        self.runtime.sync()
        engine = self.runtime.engine
        try:
            admission = await admit(
                self.runtime, request, "rest.get", request.header(b"x-api-key"), AUTH_HEADER
            )
        except ApiError as error:
            return error_response(error)
        try:
            job = engine.get_job(admission.account, request.path_param("job_id"))
        except ApiError as error:
            return error_response(error, admission.headers)
        return self._avatar_answer(job, request.base_url, admission.headers)

    def _avatar_answer(self, job: Job, base_url: str, headers: dict[str, str]) -> Response:
        return encoded_json_response(self._answer.encode(job, base_url), 200, headers)
