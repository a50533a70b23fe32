"""Scripted faults on their own: parsing, matching, `times`, seeded probability, the errors."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.core.errors import ApiError
from mockserver.core.faults import (
    CREATE_OPERATIONS,
    MAX_LATENCY_MS,
    OPERATIONS,
    Fault,
    FaultBook,
    parse_fault,
    scripted_error,
)
from mockserver.core.randomness import Randomness


def never(probability: float) -> bool:
    raise AssertionError("the dice are thrown only for a fault with a probability below 1")


def book(*bodies: dict[str, Any]) -> FaultBook:
    faults = FaultBook()
    for number, body in enumerate(bodies):
        faults.add(parse_fault(f"f{number}", body))
    return faults


def taken(faults: FaultBook, operation: str | None, api_key: str | None = "key") -> str | None:
    fault = faults.take(operation, api_key, never)
    return None if fault is None else fault.id


# -- parse_fault -----------------------------------------------------------------------------


def test_a_fault_gets_its_defaults() -> None:
    fault = parse_fault("f1", {"status": 500})
    assert fault == Fault(id="f1", status=500)
    assert (fault.times, fault.probability, fault.latency_ms, fault.message) == (None, 1.0, 0, None)


def test_every_field_is_read() -> None:
    body = {
        "status": 402,
        "operation": "rest.create",
        "apiKey": "key",
        "times": 2,
        "probability": 0.25,
        "latencyMs": 1500,
        "message": "pay up",
    }
    fault = parse_fault("f1", body)
    assert fault.as_json() == {"id": "f1", "outcome": None, **body}


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"status": True}, "status", "status must be one of"),
        ({"status": 500.0}, "status", "got 500.0"),
        ({"status": 503}, "status", "got 503"),
        ({"outcome": "failed", "status": 500}, "outcome", "not both"),
        ({"outcome": None}, "status", "needs a status, an outcome or a latencyMs"),
        ({"latencyMs": 0}, "status", "needs a status, an outcome or a latencyMs"),
        ({"status": 500, "operation": "rest.delete"}, "operation", "rest.create, rest.get"),
        ({"status": 500, "apiKey": 7}, "apiKey", "apiKey must be a string"),
        ({"status": 500, "times": True}, "times", "whole number >= 1"),
        ({"status": 500, "times": 1.5}, "times", "got 1.5"),
        ({"status": 500, "probability": "0.5"}, "probability", "finite number"),
        ({"status": 500, "probability": float("nan")}, "probability", "finite number"),
        ({"status": 500, "probability": -0.1}, "probability", "between 0 and 1"),
        ({"latencyMs": float("inf")}, "latencyMs", "finite number"),
        ({"latencyMs": MAX_LATENCY_MS + 1}, "latencyMs", f"between 0 and {MAX_LATENCY_MS}"),
        ({"status": 500, "message": 5}, "message", "message must be a string"),
        ({"status": 500, "message": "a\ud800b"}, "message", "lone surrogate"),
        ({"status": 500, "z": 1, "a": 2}, "a", "Unknown fault field a"),
        ({"status": 500, "x" * 500: 1}, "x" * 200, "Unknown fault field"),
    ],
)
def test_a_bad_fault_is_400_naming_the_field(
    body: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(ApiError) as refused:
        parse_fault("f1", body)
    assert (refused.value.status, refused.value.code) == (400, "BAD_REQUEST")
    assert refused.value.extensions == {"field": field}
    assert fragment in refused.value.message


@pytest.mark.parametrize("body", [None, [], "500", 500])
def test_a_fault_that_is_no_object_is_400_naming_no_field(body: Any) -> None:
    with pytest.raises(ApiError) as refused:
        parse_fault("f1", body)
    assert refused.value.status == 400 and refused.value.extensions == {}


@pytest.mark.parametrize("probability", [0, 1, 0.5])
def test_the_probability_bounds_are_inclusive(probability: float) -> None:
    assert parse_fault("f1", {"status": 500, "probability": probability}).probability == probability


# -- matching and taking ---------------------------------------------------------------------


def test_the_first_matching_fault_added_is_the_one_taken() -> None:
    faults = book({"status": 500}, {"status": 429})
    assert [taken(faults, "rest.get") for _ in range(3)] == ["f0", "f0", "f0"]


def test_a_fault_matches_only_its_operation_and_its_key() -> None:
    faults = book(
        {"status": 500, "operation": "rest.get"},
        {"status": 429, "apiKey": "other"},
        {"status": 400, "operation": "generate", "apiKey": "key"},
    )
    assert taken(faults, "rest.get") == "f0"
    assert taken(faults, "avatar", "other") == "f1"
    assert taken(faults, "generate") == "f2"
    assert taken(faults, "generate", "other") == "f1"
    assert taken(faults, "avatar") is None
    assert taken(faults, None, None) is None  # no operation, no key: only a catch-all matches


def test_a_failed_outcome_matches_only_operations_that_create_a_job() -> None:
    faults = book({"outcome": "failed"})
    assert [taken(faults, op) for op in OPERATIONS] == [
        "f0" if op in CREATE_OPERATIONS else None for op in OPERATIONS
    ]


def test_times_are_used_up_one_per_request_and_the_fault_then_goes() -> None:
    faults = book({"status": 500, "times": 2}, {"status": 429})
    assert [taken(faults, "rest.get") for _ in range(3)] == ["f0", "f0", "f1"]
    assert [fault.id for fault in faults] == ["f1"]


def test_a_request_that_matches_no_fault_uses_up_no_times() -> None:
    faults = book({"status": 500, "operation": "rest.create", "times": 1})
    assert taken(faults, "rest.get") is None
    assert taken(faults, "rest.create") == "f0"
    assert taken(faults, "rest.create") is None


def test_times_count_per_fault_each_fault_on_its_own_operation() -> None:
    faults = book(
        {"status": 500, "operation": "rest.create", "times": 1},
        {"status": 400, "operation": "rest.get", "times": 2},
    )
    order = ["rest.get", "rest.create", "rest.get", "rest.create", "rest.get"]
    assert [taken(faults, op) for op in order] == ["f1", "f0", "f1", None, None]
    assert list(faults) == []


def test_a_fault_whose_dice_miss_is_passed_over_and_keeps_its_times() -> None:
    faults = book({"status": 500, "probability": 0.5, "times": 1}, {"status": 429})
    throws: list[float] = []

    def miss(probability: float) -> bool:
        throws.append(probability)
        return False

    assert faults.take("rest.get", "key", miss).id == "f1"  # type: ignore[union-attr]
    assert throws == [0.5]
    assert [(fault.id, fault.times) for fault in faults] == [("f0", 1), ("f1", None)]


def test_probability_follows_the_seed_and_stays_near_its_rate() -> None:
    def hits(seed: int) -> list[bool]:
        faults = book({"status": 500, "probability": 0.3})
        chance = Randomness(seed).chance
        return [faults.take("rest.get", "key", chance) is not None for _ in range(1000)]

    first = hits(11)
    assert first == hits(11)
    assert first != hits(12)
    assert 230 < sum(first) < 370


def test_a_probability_of_zero_never_fires() -> None:
    faults = book({"status": 500, "probability": 0})
    chance = Randomness(1).chance
    assert all(faults.take("rest.get", "key", chance) is None for _ in range(200))


def test_clear_removes_every_fault() -> None:
    faults = book({"status": 500}, {"outcome": "drop"})
    faults.clear()
    assert list(faults) == [] and taken(faults, "rest.get") is None


# -- the scripted errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, "BAD_REQUEST", "Invalid parameters or malformed request"),
        (401, "UNAUTHORIZED", "Invalid API key"),
        (404, "NOT_FOUND", "Not found"),
        (413, "PAYLOAD_TOO_LARGE", "Request body is too large"),
        (429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded: requests per minute"),
        (500, "INTERNAL_SERVER_ERROR", "Internal server error, please retry"),
    ],
)
def test_a_scripted_error_has_the_documented_code_and_a_default_message(
    status: int, code: str, message: str
) -> None:
    error = scripted_error(Fault("f1", status=status), credits_available=10)
    assert (error.status, error.code, error.message, error.extensions) == (
        status,
        code,
        message,
        {},
    )
    assert scripted_error(Fault("f1", status=status, message="mine"), 10).message == "mine"


@pytest.mark.parametrize(
    ("available", "required"),
    [(None, 100), (0, 100), (50, 100), (99, 100), (100, 101), (5000, 5001)],
)
def test_a_scripted_402_asks_for_at_least_the_vendors_100_and_more_than_the_balance(
    available: int | None, required: int
) -> None:
    error = scripted_error(Fault("f1", status=402), available)
    assert (error.status, error.code) == (402, "INSUFFICIENT_CREDITS")
    assert error.extensions == {"creditsRequired": required, "creditsAvailable": available or 0}
