"""`/outputs/{id}.mp4`: the finished video, served by the mock so a client's download really works.

Every completed job serves the same small, playable sample clip from the fixtures; Starlette's
FileResponse answers Range requests, which video players and resumable downloads use. A
download is not admitted: the link is all it needs, and it counts against no limit.
"""

from __future__ import annotations

from starlette.responses import FileResponse, Response

from ..core.engine import Admission
from ..core.errors import ApiError, clipped
from ..core.jobs import JobStatus
from ..runtime.mock_runtime import MockRuntime
from ..web.answers import error_response
from .request import ApiRequest
from .transport import Ask


class Video:
    has_body = False
    auth_header = ""  # never asked for: a download is not admitted

    async def ask(self, request: ApiRequest, runtime: MockRuntime, body: bytes | None) -> Ask:
        return Ask("output", None, admit=False)

    def act(
        self, request: ApiRequest, runtime: MockRuntime, admission: Admission | None, ask: Ask
    ) -> Response:
        job_id = request.job_id = request.path_param("job_id")
        job = runtime.engine.current_job(job_id)
        if job is None or job.status is not JobStatus.COMPLETED:
            raise ApiError(404, "NOT_FOUND", f"No finished video {clipped(job_id + '.mp4')}")
        return FileResponse(
            runtime.engine.fixtures.sample_video,
            media_type="video/mp4",
            filename=f"{job_id}.mp4",
            content_disposition_type="inline",
        )

    def error_response(self, error: ApiError, headers: dict[str, str] | None) -> Response:
        return error_response(error, headers)
