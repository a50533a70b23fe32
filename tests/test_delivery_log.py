"""The delivery log: the retry schedule `record` keeps, and a capacity it never exceeds, pending
deliveries included, whatever the volume."""

from __future__ import annotations

import pytest

from mockserver.core.catalog import Avatar
from mockserver.core.jobs import Job, JobStatus
from mockserver.core.webhooks import Attempt, Delivery, DeliveryLog, DeliveryStatus, RetryPolicy

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


# -- the retry schedule ----------------------------------------------------------------------


def one_delivery(policy: RetryPolicy | None = None) -> tuple[DeliveryLog, Delivery]:
    log = DeliveryLog(policy or RetryPolicy())
    return log, log.open("dlv", finished_job(1), "whsec", at=30.0)


def failed(at: float, replay: bool = False) -> Attempt:
    return Attempt(at=at, duration_ms=1.0, error="connection failed: refused", replay=replay)


def answered(at: float, status: int, replay: bool = False) -> Attempt:
    return Attempt(at=at, duration_ms=1.0, status=status, replay=replay)


def test_each_failure_waits_twice_as_long_as_the_one_before_until_the_attempts_run_out() -> None:
    log, delivery = one_delivery()
    assert delivery.next_attempt_at == 30.0  # the first attempt is due when the job ends
    at, schedule = 30.0, []
    while (next_at := log.record(delivery, failed(at))) is not None:
        schedule.append(next_at - at)
        assert delivery.next_attempt_at == next_at
        at = next_at
    assert schedule == [10.0, 20.0, 40.0, 80.0]  # +0, +10, +30, +70 and +150 after the end
    assert len(delivery.attempts) == 5
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.FAILED, None)


def test_the_schedule_follows_the_policy() -> None:
    log, delivery = one_delivery(RetryPolicy(max_attempts=3, backoff_seconds=1.5))
    assert log.record(delivery, failed(30.0)) == 31.5
    assert log.record(delivery, failed(31.5)) == 34.5
    assert log.record(delivery, failed(34.5)) is None
    assert delivery.status is DeliveryStatus.FAILED


def test_a_single_attempt_policy_gives_up_after_the_first_failure() -> None:
    log, delivery = one_delivery(RetryPolicy(max_attempts=1))
    assert log.record(delivery, answered(30.0, 500)) is None
    assert delivery.status is DeliveryStatus.FAILED


def test_the_delay_counts_from_when_the_attempt_was_made() -> None:
    log, delivery = one_delivery()
    assert log.record(delivery, failed(33.25)) == 43.25  # the attempt started late


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_answer_delivers_and_ends_the_schedule(status: int) -> None:
    log, delivery = one_delivery()
    log.record(delivery, failed(30.0))
    assert log.record(delivery, answered(40.0, status)) is None
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.DELIVERED, None)


@pytest.mark.parametrize("status", [199, 301, 304, 400, 404, 500, 503])
def test_any_other_answer_is_a_failure_retried_later(status: int) -> None:
    log, delivery = one_delivery()
    assert log.record(delivery, answered(30.0, status)) == 40.0
    assert delivery.status is DeliveryStatus.PENDING


def test_replays_are_logged_but_never_count_against_the_attempts() -> None:
    log, delivery = one_delivery(RetryPolicy(max_attempts=3))
    assert log.record(delivery, failed(30.0)) == 40.0
    for second in range(31, 36):
        assert log.record(delivery, failed(second, replay=True)) is None
    assert delivery.next_attempt_at == 40.0  # the scheduled retry is where it was
    assert delivery.status is DeliveryStatus.PENDING
    assert log.record(delivery, failed(40.0)) == 60.0  # the second scheduled one: +20 s
    assert log.record(delivery, failed(60.0)) is None  # the third: the last
    assert delivery.status is DeliveryStatus.FAILED
    assert [attempt.replay for attempt in delivery.attempts] == [False, *[True] * 5, False, False]


def test_a_replay_that_succeeds_after_the_attempts_ran_out_marks_the_delivery_delivered() -> None:
    log, delivery = one_delivery(RetryPolicy(max_attempts=1))
    log.record(delivery, failed(30.0))
    assert log.record(delivery, answered(100.0, 200, replay=True)) is None
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.DELIVERED, None)


def test_a_replay_that_succeeds_while_a_retry_is_scheduled_cancels_the_retry() -> None:
    log, delivery = one_delivery()
    log.record(delivery, failed(30.0))
    assert log.record(delivery, answered(32.0, 200, replay=True)) is None
    assert (delivery.status, delivery.next_attempt_at) == (DeliveryStatus.DELIVERED, None)


def test_a_delivery_keeps_its_bytes_signature_and_id_on_every_attempt() -> None:
    log, delivery = one_delivery()
    body, signature = delivery.body, delivery.signature
    log.record(delivery, failed(30.0))
    assert (delivery.body, delivery.signature) == (body, signature)
    assert delivery.headers(2)["X-Doitong-Delivery"] == "dlv"
    assert delivery.headers(2)["X-Doitong-Attempt"] == "2"
