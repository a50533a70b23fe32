"""`POST /v1/avatar` and `GET /v1/avatar/{id}`, answering `{"data": {"avatar": ...}}`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from starlette.responses import Response

from ..core import job_request
from ..core.catalog import Catalog
from ..core.checked_bodies import CheckedBodies
from ..core.engine import Admission
from ..core.errors import ApiError
from ..core.job_request import JobRequest
from ..core.jobs import Job
from ..runtime.mock_runtime import MockRuntime
from ..web.answers import encoded_json_response, error_response
from ..web.json_body import parse_json
from .avatar_answer import AvatarAnswer
from .request import ApiRequest
from .transport import Ask

AUTH_HEADER = "X-API-Key"


@dataclass(slots=True)
class CreateAsk(Ask):
    """A create, and its body: read before admission, checked only once admitted."""

    body: bytes = b""


def read_create(catalog: Catalog, body: bytes) -> JobRequest:
    """A create body, checked against `catalog`; raises ApiError (400) naming the field."""
    return job_request.from_avatar_input(catalog, parse_json(body, False), "", "rest.create")


class _Rest:
    """What both REST routes share: the key's header, the envelope, the avatar answer."""

    auth_header = AUTH_HEADER

    def __init__(self, answer: AvatarAnswer) -> None:
        self._answer = answer

    def error_response(self, error: ApiError, headers: dict[str, str] | None) -> Response:
        return error_response(error, headers)

    def _avatar_response(self, job: Job, base_url: str, headers: dict[str, str]) -> Response:
        return encoded_json_response(self._answer.encode(job, base_url), 200, headers)


class RestCreate(_Rest):
    """`POST /v1/avatar`: a job from the body."""

    has_body = True

    def __init__(self, answer: AvatarAnswer) -> None:
        super().__init__(answer)
        self._catalog: Catalog | None = None
        self._bodies: CheckedBodies | None = None

    async def ask(self, request: ApiRequest, runtime: MockRuntime, body: bytes | None) -> CreateAsk:
        return CreateAsk("rest.create", request.header(b"x-api-key"), body=body or b"")

    def act(
        self, request: ApiRequest, runtime: MockRuntime, admission: Admission | None, ask: CreateAsk
    ) -> Response:
        assert admission is not None  # a create is always admitted
        engine = runtime.engine
        spec = self._checked(engine.fixtures.catalog).read(ask.body)
        base_url = request.base_url
        job = engine.create_job(admission, spec, request.header(b"idempotency-key"), base_url)
        request.job_id = job.id
        return self._avatar_response(job, base_url, admission.headers)

    def _checked(self, catalog: Catalog) -> CheckedBodies:
        """The bodies already checked against `catalog`: what a body reads as depends on the
        catalog, and a runtime found for another request may come with another one."""
        if self._bodies is None or catalog is not self._catalog:
            self._catalog = catalog
            self._bodies = CheckedBodies(partial(read_create, catalog))
        return self._bodies


class RestGet(_Rest):
    """`GET /v1/avatar/{id}`: a job of the caller's key."""

    has_body = False

    async def ask(self, request: ApiRequest, runtime: MockRuntime, body: bytes | None) -> Ask:
        return Ask("rest.get", request.header(b"x-api-key"))

    def act(
        self, request: ApiRequest, runtime: MockRuntime, admission: Admission | None, ask: Ask
    ) -> Response:
        assert admission is not None  # a poll is always admitted
        job_id = request.job_id = request.path_param("job_id")  # asked for, found or not
        job = runtime.engine.get_job(admission.account, job_id)
        return self._avatar_response(job, request.base_url, admission.headers)
