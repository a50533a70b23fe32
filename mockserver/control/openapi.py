"""The OpenAPI 3 description of the REST routes, built from the catalog the mock serves."""

from __future__ import annotations

from typing import Any

from ..core.billing import CJK_CHAR_MS, LONG_MAX_MS, SPACE_CHARACTERS, WORD_MS
from ..core.catalog import Catalog
from ..core.faults import ERROR_CODES
from ..core.job_request import MAX_TEXT_CHARS
from ..runtime.config import DEFAULT_HOST, DEFAULT_PORT
from ..version import __version__

_NULLABLE_STRING = {"type": "string", "nullable": True}
DEFAULT_SERVER = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
_MAX_WORDS = LONG_MAX_MS // WORD_MS
_MAX_CJK_CHARS = LONG_MAX_MS // CJK_CHAR_MS
_TEXT = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_TEXT_CHARS,
    # Something to say: at least one character that is not a space (the mock's own list).
    "pattern": f"[^{SPACE_CHARACTERS}]",
    "description": (
        "What the avatar says: at most two minutes of speech, i.e. "
        f"{_MAX_WORDS} words, or {_MAX_CJK_CHARS} Chinese, Japanese or Korean characters, "
        f"counting {WORD_MS} ms a word and {CJK_CHAR_MS} ms a CJK character (a longer text is "
        f"a 400 naming `text`), and at most {MAX_TEXT_CHARS} characters in all"
    ),
}
_CREATE_DESCRIPTION = (
    "Send an `Idempotency-Key` header to make retries safe: a create that repeats an earlier "
    "key of the same API key with the same body answers the original job and charges nothing; "
    "the same key with another body is a 400 naming `Idempotency-Key`. The header is described "
    "here rather than as a parameter because whether a value is good depends on the requests "
    "sent before it, which a schema cannot say."
)
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


def _error(status: int, description: str | None = None) -> dict[str, Any]:
    headers: dict[str, Any] = {} if status == 401 else dict(_RATE_HEADERS)
    if status == 429:
        headers["Retry-After"] = {"description": "Seconds to wait", "schema": {"type": "integer"}}
    return {
        "description": description or ERROR_CODES[status][1],
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


_CREATE_REFUSED = (
    "Invalid parameters: a missing, unknown or ill-typed field, an unknown avatar, voice or "
    "version, a text with nothing to say or over two minutes of speech, a webhook URL that is "
    "not absolute http(s), or an Idempotency-Key reused with another body. "
    "`extensions.field` names the field."
)


# DNS labels: letters, digits and inner hyphens; the last one starts with a letter, so it
# can never be read as a number.
_LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_WEBHOOK_URL_PATTERN = (
    f"^https?://(({_LABEL}\\.)*[A-Za-z]([A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?"
    f"|({_OCTET}\\.){{3}}{_OCTET}"
    "|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?([/?#][^\\s]*)?$"
)


def _optional(schema_name: str) -> dict[str, Any]:
    """One of the named schema's values, or null for "not given". The choices live in a schema
    of their own, with no null among them: client generators then make one enum type, where a
    null inside the enum made them generate three identical ones per field."""
    return {"nullable": True, "allOf": [{"$ref": f"#/components/schemas/{schema_name}"}]}


def build_openapi(catalog: Catalog, server_url: str = DEFAULT_SERVER) -> dict[str, Any]:
    """OpenAPI 3.0 for `POST /v1/avatar` and `GET /v1/avatar/{id}`, served at `server_url`."""
    avatar_request = {
        "type": "object",
        "additionalProperties": False,
        "required": ["service", "text", "avatarId"],
        "properties": {
            "service": {"type": "string", "enum": ["hedra"], "description": "Service identifier"},
            "text": _TEXT,
            "avatarId": {"type": "string", "enum": sorted(catalog.avatars)},
            # Optional fields may also be sent as null, which means "not given".
            "voice": _optional("Voice"),
            "version": _optional("Version"),
            "webhookUrl": {
                "type": "string",
                "nullable": True,
                "format": "uri",
                # A host by name, or in dotted or bracketed form: the numeric spellings the
                # webhook policy refuses (`http://0`, `http://2130706433`) are outside it.
                "pattern": _WEBHOOK_URL_PATTERN,
                "description": "An absolute http(s) URL. URLs that reach the mock's own "
                "control plane, link-local and cloud-metadata addresses are refused (400)",
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
            "title": "Doitong Hedra avatars",
            "description": "The REST routes of the Doitong API's Hedra avatar service, "
            "as served by mock-doitong.",
            "version": __version__,
        },
        "servers": [{"url": server_url}],
        "security": [{"ApiKey": []}],
        "paths": {
            "/v1/avatar": {
                "post": {
                    "operationId": "createAvatar",
                    "summary": "Start an avatar video",
                    "description": _CREATE_DESCRIPTION,
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
                        "400": _error(400, _CREATE_REFUSED),
                        **{str(s): _error(s) for s in (401, 402, 413, 429, 500)},
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
                "Voice": {"type": "string", "enum": sorted(catalog.voices)},
                "Version": {"type": "string", "enum": sorted(catalog.versions)},
                "Avatar": avatar,
                "AvatarEnvelope": envelope,
                "Errors": errors,
            },
        },
    }
