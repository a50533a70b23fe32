"""`/outputs/{id}.mp4`: the finished video, served by the mock so a client's download really works.

Every completed job serves the same small, playable sample clip from the fixtures; Starlette's
FileResponse answers Range requests, which video players and resumable downloads use.
"""

from __future__ import annotations

from starlette.responses import FileResponse, Response

from ..core.errors import ApiError
from ..core.jobs import JobStatus
from ..runtime.mock_runtime import MockRuntime
from ..web.answers import error_response
from .request import ApiRequest


class MediaEndpoint:
    def __init__(self, runtime: MockRuntime) -> None:
        self.runtime = runtime

    async def video(self, request: ApiRequest) -> Response:
        self.runtime.sync()
        request.operation = "output"
        job_id = request.path_param("job_id")
        job = self.runtime.engine.jobs.get(job_id)
        if job is None or job.status is not JobStatus.COMPLETED:
            error = ApiError(404, "NOT_FOUND", f"No finished video {job_id}.mp4")
            return error_response(error)
        return FileResponse(
            self.runtime.engine.fixtures.sample_video,
            media_type="video/mp4",
            filename=f"{job_id}.mp4",
            content_disposition_type="inline",
        )
