"""The stack's limit: bare Starlette routes on uvicorn[standard] answering a fixed JSON job."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

JOB = {
    "data": {
        "avatar": {
            "id": "abc123xyz000",
            "status": "processing",
            "url": None,
            "videoUrl": None,
            "duration": None,
            "webhookUrl": None,
            "creditCost": 53,
            "createdAt": "2024-01-01T00:00:00Z",
            "completedAt": None,
            "error": None,
        }
    }
}


async def create(request: Request) -> JSONResponse:
    await request.body()  # a real handler reads what it is sent
    return JSONResponse(JOB)


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


app = Starlette(
    routes=[
        Route("/v1/avatar", create, methods=["POST"]),
        Route("/graphql", create, methods=["POST"]),
        Route("/v1/avatar/{job_id}", create, methods=["GET"]),  # a poll: the same fixed job
        Route("/health", health, methods=["GET"]),
    ]
)
