"""The delivery log holds at most its capacity, pending deliveries included, whatever the volume."""

from __future__ import annotations

from mockserver.core.catalog import Avatar
from mockserver.core.jobs import Job, JobStatus
from mockserver.core.webhooks import Attempt, DeliveryLog, DeliveryStatus, RetryPolicy

AVATAR = Avatar(id="professional-1", name="Professional", width=1280, height=720)


def finished_job(number: int) -> Job:
    return Job(
        id=f"job{number}",
        api_key="key",
        text="Hello",
        avatar=AVATAR,
        voice=None,
        language=None,
        version=None,
        webhook_url="http://127.0.0.1:9/hook",
        credit_cost=1,
        duration_ms=1000,
        created_at=0.0,
        due_at=30.0,
        status=JobStatus.COMPLETED,
        completed_at=30.0,
    )


def open_many(log: DeliveryLog, numbers: range) -> None:
    for number in numbers:
        log.open(f"dlv{number}", finished_job(number), "whsec", at=30.0)


def ids(log: DeliveryLog) -> list[str]:
    return [delivery.id for delivery in log]


def delivered(log: DeliveryLog, delivery_id: str) -> None:
    delivery = log.get(delivery_id)
    assert delivery is not None
    log.record(delivery, Attempt(at=30.0, duration_ms=1.0, status=200))


def test_the_log_never_holds_more_than_its_capacity_even_when_all_are_pending() -> None:
    log = DeliveryLog(RetryPolicy(), capacity=100)
    for number in range(3_000):
        log.open(f"dlv{number}", finished_job(number), "whsec", at=30.0)
        assert len(log) <= 100
    assert ids(log) == [f"dlv{number}" for number in range(2_900, 3_000)]
    assert log.given_up == 2_900


def test_finished_deliveries_are_forgotten_first_in_the_order_they_finished() -> None:
    log = DeliveryLog(RetryPolicy(), capacity=4)
    open_many(log, range(4))
    delivered(log, "dlv2")
    delivered(log, "dlv0")
    open_many(log, range(4, 6))  # room is made by forgetting dlv2, then dlv0
    assert ids(log) == ["dlv1", "dlv3", "dlv4", "dlv5"]
    assert log.given_up == 0


def test_at_the_cap_with_every_delivery_pending_the_oldest_pending_is_given_up() -> None:
    log = DeliveryLog(RetryPolicy(), capacity=3)
    open_many(log, range(3))
    oldest = log.get("dlv0")
    assert oldest is not None
    open_many(log, range(3, 4))
    assert ids(log) == ["dlv1", "dlv2", "dlv3"]
    assert log.get("dlv0") is None
    assert (oldest.status, oldest.next_attempt_at) == (DeliveryStatus.FAILED, None)
    assert log.given_up == 1


def test_an_attempt_that_ends_after_its_delivery_was_given_up_schedules_no_retry() -> None:
    log = DeliveryLog(RetryPolicy(), capacity=1)
    open_many(log, range(1))
    in_flight = log.get("dlv0")
    assert in_flight is not None
    open_many(log, range(1, 2))  # gives dlv0 up while its attempt is still out
    refused = Attempt(at=30.0, duration_ms=1.0, error="connection failed: refused")
    assert log.record(in_flight, refused) is None
    assert ids(log) == ["dlv1"]


def test_a_replay_that_succeeds_moves_a_pending_delivery_to_the_finished_ones() -> None:
    log = DeliveryLog(RetryPolicy(), capacity=2)
    open_many(log, range(2))
    first = log.get("dlv0")
    assert first is not None
    log.record(first, Attempt(at=31.0, duration_ms=1.0, status=200, replay=True))
    open_many(log, range(2, 3))  # the finished dlv0 goes, not the pending dlv1
    assert ids(log) == ["dlv1", "dlv2"]
    assert log.given_up == 0


def test_clear_empties_every_part_of_the_log() -> None:
    log = DeliveryLog(RetryPolicy(), capacity=2)
    open_many(log, range(3))
    delivered(log, "dlv2")
    log.clear()
    assert (len(log), ids(log), log.given_up) == (0, [], 0)
    open_many(log, range(3, 6))
    assert ids(log) == ["dlv4", "dlv5"]
