"""The one error type of the API plane, and a maker for each documented error.

An ApiError carries what the client sees: the HTTP status, `extensions.code`, the message,
any further extension fields and headers. The makers below fix the status and code of each
error the vendor documents, and keep messages that quote a client's values short.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiError(Exception):
    """What a client sees: HTTP status, `extensions.code`, message, extension fields, headers."""

    status: int
    code: str
    message: str
    extensions: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Whatever made it, the answer stays small: a message or field that would echo most of
        # a huge value back is cut short (the places that quote values use `shown`).
        if len(self.message) > MAX_MESSAGE_CHARS:
            self.message = self.message[:MAX_MESSAGE_CHARS] + "..."
        field_path = self.extensions.get("field")
        if isinstance(field_path, str) and len(field_path) > MAX_FIELD_CHARS:
            self.extensions["field"] = field_path[:MAX_FIELD_CHARS] + "..."
        super().__init__(self.message)

    def as_answer(self) -> ApiError:
        """This error, kept as the answer it is, without where it was raised: its traceback's
        frames, and those of the error it was raised from, hold the request that raised it,
        a cycle only the garbage collector would free."""
        self.__context__ = self.__cause__ = None
        return self.with_traceback(None)

    def body(self) -> dict[str, Any]:
        """The documented error body: `{"errors": [{"message", "extensions": {"code", ...}}]}`."""
        return {
            "errors": [
                {"message": self.message, "extensions": {"code": self.code, **self.extensions}}
            ]
        }


SHOWN_CHARS = 40
MAX_FIELD_CHARS = 200
MAX_MESSAGE_CHARS = 1000


def clipped(text: str) -> str:
    """`text` for a message as it is, cut to a short prefix when long (see `shown`)."""
    if len(text) > SHOWN_CHARS:
        return f"{text[:SHOWN_CHARS]}... ({len(text)} characters)"
    return text


def shown(value: Any) -> str:
    """`repr(value)` for a message, cut to a short prefix: a bad value may be a megabyte long,
    and the client who sent it gains nothing from having it sent back."""
    if isinstance(value, str) and len(value) > SHOWN_CHARS:
        return f"{value[:SHOWN_CHARS]!r}... ({len(value)} characters)"
    text = repr(value)
    if len(text) > SHOWN_CHARS:
        return f"{text[:SHOWN_CHARS]}... ({len(text)} characters)"
    return text


def bad_request(message: str, field_path: str | None = None) -> ApiError:
    """400 naming the field at fault, so the person fixing the request knows where to look."""
    extensions = {"field": field_path} if field_path else {}
    return ApiError(400, "BAD_REQUEST", message, extensions)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "UNAUTHORIZED", message)


def insufficient_credits(required: int, available: int) -> ApiError:
    return ApiError(
        402,
        "INSUFFICIENT_CREDITS",
        "Insufficient credits for this operation",
        {"creditsRequired": required, "creditsAvailable": available},
    )


def not_found(job_id: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"No avatar job with id {shown(job_id)}")


def payload_too_large(limit: int) -> ApiError:
    return ApiError(413, "PAYLOAD_TOO_LARGE", f"Request body is larger than {limit} bytes")


def headers_too_large(limit: int) -> ApiError:
    message = f"The request line and headers are larger than {limit:,} bytes"
    return ApiError(431, "REQUEST_HEADERS_TOO_LARGE", message)


def rate_limited(limit_name: str, retry_after: int, headers: dict[str, str]) -> ApiError:
    return ApiError(
        429,
        "RATE_LIMIT_EXCEEDED",
        f"Rate limit exceeded: {limit_name.replace('_', ' ')}",
        {"limit": limit_name, "retryAfter": retry_after},
        {**headers, "Retry-After": str(retry_after)},
    )


def internal_error(message: str = "Internal server error, please retry") -> ApiError:
    return ApiError(500, "INTERNAL_SERVER_ERROR", message)
