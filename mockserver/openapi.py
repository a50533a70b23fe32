"""The OpenAPI 3 description of the REST routes, built from the catalog the mock serves."""

from __future__ import annotations

from typing import Any

from .core.catalog import Catalog
from .core.faults import ERROR_CODES
from .version import __version__

_NULLABLE_STRING = {"type": "string", "nullable": True}
_RATE_HEADERS = {
    "X-RateLimit-Limit": {
        "description": "Requests allowed per minute",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in this minute",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Reset": {
        "description": "Unix time (seconds) when the minute window resets",
        "schema": {"type": "integer"},
    },
}


def _error(status: int) -> dict[str, Any]:
    headers: dict[str, Any] = {} if status == 401 else dict(_RATE_HEADERS)
    if status == 429:
        headers["Retry-After"] = {"description": "Seconds to wait", "schema": {"type": "integer"}}
    return {
        "description": ERROR_CODES[status][1],
        "headers": headers,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    }


def _ok(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": dict(_RATE_HEADERS),
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/AvatarEnvelope"}}
        },
    }


def build_openapi(catalog: Catalog) -> dict[str, Any]:
    """OpenAPI 3.0 for `POST /v1/avatar` and `GET /v1/avatar/{id}`."""
    avatar_request = {
        "type": "object",
        "additionalProperties": False,
        "required": ["service", "text", "avatarId"],
        "properties": {
            "service": {"type": "string", "enum": ["hedra"], "description": "Service identifier"},
            "text": {"type": "string", "minLength": 1, "description": "What the avatar says"},
            "avatarId": {"type": "string", "enum": sorted(catalog.avatars)},
            # Optional fields may also be sent as null, which means "not given".
            "voice": {"type": "string", "nullable": True, "enum": [*sorted(catalog.voices), None]},
            "version": {
                "type": "string",
                "nullable": True,
                "enum": [*sorted(catalog.versions), None],
            },
            "webhookUrl": {
                "type": "string",
                "nullable": True,
                "format": "uri",
                "pattern": "^https?://[^/?#\\s]+",
                "description": "An absolute http(s) URL",
            },
        },
    }
    avatar = {
        "type": "object",
        "required": ["id", "status", "url", "createdAt"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["processing", "completed", "failed"]},
            "url": _NULLABLE_STRING,
            "videoUrl": _NULLABLE_STRING,
            "duration": {"type": "number", "nullable": True},
            "webhookUrl": _NULLABLE_STRING,
            "creditCost": {"type": "integer"},
            "createdAt": {"type": "string", "format": "date-time"},
            "completedAt": {"type": "string", "format": "date-time", "nullable": True},
            "error": _NULLABLE_STRING,
        },
    }
    errors = {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["message", "extensions"],
                    "properties": {
                        "message": {"type": "string"},
                        "extensions": {
                            "type": "object",
                            "required": ["code"],
                            "properties": {"code": {"type": "string"}},
                        },
                    },
                },
            }
        },
    }
    envelope = {
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {
                "type": "object",
                "required": ["avatar"],
                "properties": {"avatar": {"$ref": "#/components/schemas/Avatar"}},
            }
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Doitong API: Hedra avatar service (REST), as served by mock-doitong",
            "version": __version__,
        },
        "security": [{"ApiKey": []}],
        "paths": {
            "/v1/avatar": {
                "post": {
                    "operationId": "createAvatar",
                    "summary": "Start an avatar video",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/AvatarRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": _ok("The accepted job, processing"),
                        **{str(s): _error(s) for s in (400, 401, 402, 413, 429, 500)},
                    },
                }
            },
            "/v1/avatar/{id}": {
                "get": {
                    "operationId": "getAvatar",
                    "summary": "Poll an avatar video",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": _ok("The job as it is now"),
                        **{str(s): _error(s) for s in (401, 404, 429, 500)},
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
            "schemas": {
                "AvatarRequest": avatar_request,
                "Avatar": avatar,
                "AvatarEnvelope": envelope,
                "Errors": errors,
            },
        },
    }
