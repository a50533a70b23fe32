"""What a scripted fault answers in place of the real request: the error its real twin would
be, with the same headers, so that a client cannot tell one from the other.

Two ways in: a fault the control plane scripted (faults.FaultBook), or the `X-Mock-Fault`
header of the request itself (`header_fault`).
"""

from __future__ import annotations

import math
from typing import Any

from .accounts import Account
from .errors import ApiError, bad_request, rate_limited, shown
from .faults import CREATE_OPERATIONS, ERROR_CODES, OUTCOMES, Fault, parse_fault, scripted_error
from .ratelimit import MINUTE, RateLimiter
from .whole_numbers import whole_number

FAULT_HEADER = "X-Mock-Fault"


# What the header may say, as its 400 lists it.
_HEADER_VALUES = ", ".join([*(str(status) for status in sorted(ERROR_CODES)), *OUTCOMES])


def header_fault(value: str, operation: str | None = None) -> Fault:
    """The fault an `X-Mock-Fault` header's value asks for, in any case and spacing: a status,
    `failed` (on a create: `operation` is the request's) or `drop`; a 400 naming the header
    for anything else, quoting the value as it was sent."""
    sent = value.strip()
    asked = sent.lower()
    status = whole_number(asked, 3)
    body: dict[str, Any] = {"outcome": asked} if status is None else {"status": status}
    try:
        fault = parse_fault("header", body)  # the same check as a fault's body
    except ApiError:
        message = f"{FAULT_HEADER} must be one of {_HEADER_VALUES}, got {shown(sent)}"
        raise bad_request(message, FAULT_HEADER) from None
    if fault.outcome == "failed" and operation not in (None, *CREATE_OPERATIONS):
        message = f"{FAULT_HEADER}: failed ends the job a create makes, and {operation} makes none"
        raise bad_request(message, FAULT_HEADER)
    return fault


def refusal(fault: Fault, account: Account | None, limiter: RateLimiter, now: float) -> ApiError:
    """The error `fault` (one with a status) answers for `account`'s request (None: no key or
    an unknown one), counted against the key's limits as the real error would be."""
    error = scripted_error(fault, account.credits if account else None)
    if fault.status == 429:
        return _rate_limit(error.message, account, limiter, now)
    if account is None or fault.status == 401:
        return error
    error.headers.update(limiter.count(account, now))
    return error


def _rate_limit(
    message: str, account: Account | None, limiter: RateLimiter, now: float
) -> ApiError:
    """The per-minute limit's own 429, whether or not there is a key to count against:
    `limit`, `retryAfter` and `Retry-After` to the end of the clock's minute, and the
    window's headers (spent) only when the key has one."""
    retry = max(math.ceil((now // MINUTE + 1) * MINUTE - now), 1)
    headers = limiter.headers(account, now) if account is not None else {}
    if headers:
        headers["X-RateLimit-Remaining"] = "0"
    limited = rate_limited("requests_per_minute", retry, headers)
    return ApiError(429, limited.code, message, limited.extensions, limited.headers)
