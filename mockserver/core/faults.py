"""Scripted faults: errors, delays, failed jobs and dropped connections, on demand.

A fault is matched by operation and API key before anything else happens to a request, so a
scripted 500 fires even for a request that would have been refused. What it produces is the
real thing: the documented envelope, status and code, with the same extra fields and headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from .encodable import has_lone_surrogate
from .errors import MAX_FIELD_CHARS, ApiError, bad_request, shown
from .whole_numbers import finite_number

OPERATIONS = ("generate", "generateAvatar", "avatar", "generation", "rest.create", "rest.get")
CREATE_OPERATIONS = frozenset({"generate", "generateAvatar", "rest.create"})
OUTCOMES = ("failed", "drop")

ERROR_CODES = {
    400: ("BAD_REQUEST", "Invalid parameters or malformed request"),
    401: ("UNAUTHORIZED", "Invalid API key"),
    402: ("INSUFFICIENT_CREDITS", "Insufficient credits for this operation"),
    404: ("NOT_FOUND", "Not found"),
    413: ("PAYLOAD_TOO_LARGE", "Request body is too large"),
    429: ("RATE_LIMIT_EXCEEDED", "Rate limit exceeded: requests per minute"),
    500: ("INTERNAL_SERVER_ERROR", "Internal server error, please retry"),
}
DEFAULT_FAILURE = "Avatar generation failed"
MAX_LATENCY_MS = 60_000


@dataclass
class Fault:
    """What to do to matching requests, and to how many more of them."""

    id: str
    status: int | None = None
    outcome: str | None = None  # "failed": the job ends failed; "drop": the connection is cut
    operation: str | None = None
    api_key: str | None = None
    times: int | None = None  # None: until cleared
    probability: float = 1.0
    latency_ms: float = 0.0
    message: str | None = None

    def matches(self, operation: str | None, api_key: str | None) -> bool:
        if self.operation is not None and self.operation != operation:
            return False
        if self.outcome == "failed" and operation not in CREATE_OPERATIONS:
            return False  # only a create has a job to fail
        return self.api_key is None or self.api_key == api_key

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "outcome": self.outcome,
            "operation": self.operation,
            "apiKey": self.api_key,
            "times": self.times,
            "probability": self.probability,
            "latencyMs": self.latency_ms,
            "message": self.message,
        }


_FIELDS = frozenset(
    {"status", "outcome", "operation", "apiKey", "times", "probability", "latencyMs", "message"}
)


def read_number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    number = finite_number(value)
    if number is None:
        raise bad_request(f"{name} must be a finite number, got {shown(value)}", name)
    return number


def read_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise bad_request(f"{name} must be a string", name)
    return value


def read_times(body: dict[str, Any]) -> int | None:
    """`times`: how many more matches a fault has (None: until cleared)."""
    times = body.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise bad_request(f"times must be a whole number >= 1, got {shown(times)}", "times")
    return times


def read_probability(body: dict[str, Any]) -> float:
    """`probability`, 0..1, of a fault firing on a match (1 when not given)."""
    probability = read_number(body, "probability")
    if probability is not None and not 0 <= probability <= 1:
        raise bad_request(f"probability must be between 0 and 1, got {probability}", "probability")
    return 1.0 if probability is None else probability


def _message(body: dict[str, Any]) -> str | None:
    message = body.get("message")
    if message is not None and not isinstance(message, str):
        raise bad_request("message must be a string", "message")
    if message is not None and has_lone_surrogate(message):  # from a scenario file, say
        raise bad_request("message holds a lone surrogate, which UTF-8 cannot encode", "message")
    return message


def parse_fault(fault_id: str, body: Any, *, scripted: bool = True) -> Fault:
    """A Fault from a control-plane or scenario body; a 400 naming the field otherwise.

    `scripted`: a fault scripted now, refused if it could never fire. False for one restored
    from a state, which an earlier version may have written with such a fault in it."""
    if not isinstance(body, dict):
        raise bad_request("A fault must be a JSON object")
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        field = unknown[0][:MAX_FIELD_CHARS]
        raise bad_request(f"Unknown fault field {field}; known: {sorted(_FIELDS)}", field)
    status = body.get("status")
    # A whole int only: 500.0 equals a key of ERROR_CODES and would pass as a float status,
    # and a list or an object cannot even be looked up there.
    if status is not None and (type(status) is not int or status not in ERROR_CODES):
        allowed = sorted(ERROR_CODES)
        raise bad_request(f"status must be one of {allowed}, got {shown(status)}", "status")
    outcome = body.get("outcome")
    if outcome is not None and outcome not in OUTCOMES:
        allowed_outcomes = list(OUTCOMES)
        raise bad_request(
            f"outcome must be one of {allowed_outcomes}, got {shown(outcome)}", "outcome"
        )
    if status is not None and outcome is not None:
        raise bad_request("Give status or outcome, not both", "outcome")
    operation = body.get("operation")
    if operation is not None and operation not in OPERATIONS:
        choices = ", ".join(OPERATIONS)
        raise bad_request(
            f"operation must be one of {choices}, got {shown(operation)}", "operation"
        )
    if scripted and outcome == "failed" and operation not in (None, *CREATE_OPERATIONS):
        creates = ", ".join(name for name in OPERATIONS if name in CREATE_OPERATIONS)
        raise bad_request(
            f"outcome failed ends the job a create makes: operation must be one of {creates},"
            f" got {shown(operation)}",
            "operation",
        )
    api_key = read_text(body, "apiKey")
    times = read_times(body)
    probability = read_probability(body)
    latency = read_number(body, "latencyMs")
    if latency is not None and not 0 <= latency <= MAX_LATENCY_MS:
        raise bad_request(f"latencyMs must be between 0 and {MAX_LATENCY_MS}", "latencyMs")
    message = _message(body)
    if status is None and outcome is None and not latency:
        raise bad_request("A fault needs a status, an outcome or a latencyMs", "status")
    return Fault(
        id=fault_id,
        status=status,
        outcome=outcome,
        operation=operation,
        api_key=api_key,
        times=times,
        probability=probability,
        latency_ms=latency or 0.0,
        message=message,
    )


class Scripted(Protocol):
    """What a book needs of a fault: whether it matches, its odds and how many uses are left."""

    probability: float
    times: int | None

    def matches(self, first: str | None, second: str | None, /) -> bool: ...


F = TypeVar("F", bound=Scripted)


class FaultBook(Generic[F]):
    """The faults in force, first added first matched: API faults, and webhook faults in a
    book of their own, under the same rules."""

    def __init__(self) -> None:
        self._faults: list[F] = []

    def __iter__(self) -> Iterator[F]:
        return iter(list(self._faults))

    def __bool__(self) -> bool:
        return bool(self._faults)

    def add(self, fault: F) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def take(
        self, first: str | None, second: str | None, draw: Callable[[float], bool]
    ) -> F | None:
        """The first fault that matches (`first`, `second`: what its `matches` compares) and
        whose dice come up; uses up one of its `times`.

        `draw(probability) -> bool` is the mock's seeded coin, so a run can be repeated.
        """
        for fault in self._faults:
            if not fault.matches(first, second):
                continue
            if fault.probability < 1.0 and not draw(fault.probability):
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
            return fault
        return None


def scripted_error(fault: Fault, credits_available: int | None) -> ApiError:
    """The error a fault with a status produces, with the fields its real twin carries.

    Headers that depend on the account (rate limits) are added by the engine.
    """
    assert fault.status is not None
    code, default_message = ERROR_CODES[fault.status]
    message = fault.message or default_message
    extensions: dict[str, Any] = {}
    if fault.status == 402:
        available = credits_available or 0
        # The vendor's own example asks for 100; never claim to need less than the balance holds.
        extensions = {"creditsRequired": max(100, available + 1), "creditsAvailable": available}
    return ApiError(fault.status, code, message, extensions)
