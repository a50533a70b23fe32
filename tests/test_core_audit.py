"""The client-behaviour audit as plain Python: each rule provoked, and its well-behaved twin."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.core.audit import (
    KINDS,
    AuditPolicy,
    Finding,
    JobFacts,
    Observed,
    findings,
)

KEY = "key-a"
OTHER_KEY = "key-b"


class Log:
    """A journal being written: each `add` is one request, with the next id."""

    def __init__(self) -> None:
        self.entries: list[Observed] = []

    def add(
        self,
        at: float,
        operation: str = "rest.create",
        status: int = 200,
        *,
        body: str = "Hello, welcome to our platform!",
        latency: float = 0.0,
        api_key: str | None = KEY,
        **fields: Any,
    ) -> int:
        entry_id = len(self.entries) + 1
        self.entries.append(
            Observed(
                id=entry_id,
                at=at,
                answered_at=at + latency,
                api_key=api_key,
                operation=operation,
                status=status,
                request_digest=f"{operation}:{body}",
                **fields,
            )
        )
        return entry_id

    def poll(self, at: float, job_id: str = "job-1", status: int = 200, **fields: Any) -> int:
        return self.add(at, "rest.get", status, body=job_id, job_id=job_id, **fields)

    def audit(
        self, jobs: Mapping[str, JobFacts] | None = None, policy: AuditPolicy | None = None
    ) -> list[Finding]:
        return findings(self.entries, jobs or {}, policy or AuditPolicy())

    def kinds(self, **options: Any) -> list[tuple[str, tuple[int, ...]]]:
        return [(finding.kind, finding.requests) for finding in self.audit(**options)]


# --- double-charge-risk -------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["rest.create", "generate", "generateAvatar"])
@pytest.mark.parametrize("status", [500, 503, 0])
def test_a_create_resent_after_a_failure_without_an_idempotency_key_risks_a_double_charge(
    operation: str, status: int
) -> None:
    log = Log()
    first = log.add(0, operation, status)
    again = log.add(2, operation, 200)
    [finding] = [f for f in log.audit() if f.kind == "double-charge-risk"]
    assert finding.requests == (first, again)
    assert finding.api_key == KEY
    assert "Idempotency-Key" in finding.advice


def test_a_create_resent_before_the_first_was_answered_risks_a_double_charge() -> None:
    log = Log()
    first = log.add(0, status=200, latency=30)  # a slow answer: the client gave up at 10 s
    again = log.add(10, status=200)
    assert log.kinds() == [("double-charge-risk", (first, again))]


def test_a_chain_of_resends_is_one_finding() -> None:
    log = Log()
    ids = [log.add(0, status=500), log.add(1, status=0), log.add(3, status=200)]
    assert log.kinds() == [("double-charge-risk", tuple(ids))]


def test_a_resend_with_the_same_idempotency_key_is_safe() -> None:
    log = Log()
    log.add(0, status=500, idempotency_key="order-7")
    log.add(1, status=0, idempotency_key="order-7")
    log.add(3, status=200, idempotency_key="order-7", latency=5)
    log.add(4, status=200, idempotency_key="order-7")  # gave up waiting: still the same key
    assert log.audit() == []


@pytest.mark.parametrize(("first_key", "second_key"), [(None, "order-7"), ("order-7", "order-8")])
def test_a_resend_with_a_fresh_idempotency_key_is_a_new_request(
    first_key: str | None, second_key: str
) -> None:
    log = Log()
    first = log.add(0, status=500, idempotency_key=first_key)
    again = log.add(2, status=200, idempotency_key=second_key)
    assert log.kinds() == [("double-charge-risk", (first, again))]


def test_a_create_with_another_body_after_a_failure_is_not_a_resend() -> None:
    log = Log()
    log.add(0, status=500, body="Hello")
    log.add(2, status=200, body="Hello!")
    assert log.audit() == []


def test_the_same_create_after_an_answered_one_is_a_new_video() -> None:
    log = Log()
    log.add(0, status=200)
    log.add(0, status=200)  # the same instant, but the first was answered: two videos wanted
    log.add(5, status=402, credits_available=10)
    log.add(6, status=200)  # after a refusal: nothing was accepted, nothing to charge twice
    assert log.audit() == []


def test_resends_on_other_keys_or_of_polls_are_no_double_charge() -> None:
    log = Log()
    log.add(0, status=500)
    log.add(2, status=200, api_key=OTHER_KEY)
    log.poll(3, status=500)
    log.poll(5, status=200)
    assert log.audit() == []


# --- retry-too-early -----------------------------------------------------------------------------


def test_a_request_before_retry_after_elapsed_is_too_early() -> None:
    log = Log()
    limited = log.add(0, status=429, retry_after=30, rate_limit="requests_per_minute")
    early = log.poll(10)
    [finding] = log.audit()
    assert (finding.kind, finding.requests, finding.api_key) == (
        "retry-too-early",
        (limited, early),
        KEY,
    )
    assert "Retry-After" in finding.advice


def test_an_immediate_retry_on_a_frozen_clock_is_too_early() -> None:
    log = Log()
    limited = log.add(100, status=429, retry_after=1)
    early = log.add(100, status=429, retry_after=1)
    assert log.kinds() == [("retry-too-early", (limited, early))]


def test_hammering_through_several_429s_is_one_finding() -> None:
    log = Log()
    ids = [log.add(second, status=429, retry_after=30 - second) for second in range(4)]
    log.add(30, status=200)
    log.add(31, status=429, retry_after=29)  # a new window, honoured below
    log.add(60, status=200)
    assert log.kinds() == [("retry-too-early", tuple(ids))]


def test_waiting_out_retry_after_is_fine() -> None:
    log = Log()
    log.add(0, status=429, retry_after=30, latency=2)
    log.poll(1)  # already on its way when the 429 was answered
    log.add(32, status=200)  # exactly Retry-After after the answer
    log.add(40, status=429, retry_after=10, api_key=OTHER_KEY)
    log.add(41, status=200)  # another key's 429 does not hold this one back
    log.add(50, status=200, api_key=OTHER_KEY)
    assert log.audit() == []


def test_a_concurrent_jobs_429_holds_back_creates_but_not_polls() -> None:
    log = Log()
    limited = log.add(0, status=429, retry_after=5, rate_limit="concurrent_jobs")
    log.poll(2)
    log.poll(4)
    early = log.add(4.5, status=429, retry_after=1, rate_limit="concurrent_jobs")
    log.add(5.5, status=200)
    assert log.kinds() == [("retry-too-early", (limited, early))]


# --- no-backoff ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 0])
def test_retries_at_a_constant_interval_have_no_backoff(status: int) -> None:
    log = Log()
    ids = [log.add(second * 2.0, "generate", status) for second in range(4)]
    ids.append(log.add(8, "generate", 200))
    kinds = log.kinds()
    assert ("no-backoff", tuple(ids)) in kinds
    assert [finding.advice for finding in log.audit() if finding.kind == "no-backoff"] == [
        "Retry after a 5xx or a dropped connection with exponential backoff (1 s, 2 s, 4 s, ...),"
        " not at a fixed or shrinking interval."
    ]


def test_shrinking_intervals_have_no_backoff() -> None:
    log = Log()
    ids = [log.poll(at, status=500) for at in (0, 4, 7, 9, 10)]
    assert log.kinds() == [("no-backoff", tuple(ids))]


def test_a_capped_backoff_that_keeps_retrying_at_its_cap_is_no_backoff() -> None:
    log = Log()
    ids = [log.poll(at, status=500) for at in (0, 1, 3, 7, 15, 23, 31)]
    assert log.kinds() == [("no-backoff", tuple(ids))]


def test_exponential_backoff_is_fine() -> None:
    log = Log()
    for at in (0, 1, 3, 7, 15):
        log.poll(at, status=500)
    log.poll(31)
    assert log.audit() == []


def test_two_retries_at_one_interval_are_not_yet_a_pattern() -> None:
    log = Log()
    log.poll(0, status=500)
    log.poll(2, status=500)
    log.poll(4)  # the second retry succeeds: the chain is over
    log.poll(8, status=500)  # failing again: a new chain, counted afresh
    log.poll(10, status=500)
    log.poll(12, status=500)
    assert log.audit() == []


def test_retries_a_minute_apart_are_patient() -> None:
    log = Log()
    for at in range(0, 600, 60):
        log.poll(at, status=503)
    assert log.audit() == []


def test_a_changed_body_or_a_client_error_is_not_a_retry_chain() -> None:
    log = Log()
    for second in range(5):
        log.add(second, "generate", 500, body=f"take {second}", idempotency_key=f"k{second}")
    for second in range(5, 10):
        log.add(second, "generate", 400, body="too long")
    assert log.audit() == []


def test_jitter_within_the_tolerance_is_still_a_constant_interval() -> None:
    log = Log()
    ids = [log.poll(at, status=500) for at in (0, 1.0, 2.04, 3.07)]
    assert log.kinds() == [("no-backoff", tuple(ids))]
    assert findings(log.entries, {}, AuditPolicy(interval_tolerance_seconds=0.01)) == []


@given(
    first=st.floats(min_value=0.25, max_value=30),
    factor=st.floats(min_value=1.5, max_value=4),
    retries=st.integers(min_value=1, max_value=12),
    status=st.sampled_from([500, 502, 503, 0]),
)
def test_any_exponentially_growing_retry_sequence_has_no_finding(
    first: float, factor: float, retries: int, status: int
) -> None:
    log = Log()
    at = 1_700_000_000.0
    log.add(at, "generate", status, idempotency_key="order-7")
    for attempt in range(retries):
        at += first * factor**attempt
        log.add(at, "generate", status, idempotency_key="order-7")
    assert log.audit() == []


@given(
    interval=st.floats(min_value=0, max_value=59),
    retries=st.integers(min_value=3, max_value=12),
)
def test_any_run_of_three_retries_at_one_interval_is_no_backoff(
    interval: float, retries: int
) -> None:
    log = Log()
    ids = [
        log.poll(1_700_000_000.0 + interval * attempt, status=500) for attempt in range(1 + retries)
    ]
    assert [f.requests for f in log.audit() if f.kind == "no-backoff"] == [tuple(ids)]


# --- polling-storm -------------------------------------------------------------------------------


def test_polls_closer_than_the_floor_are_a_storm() -> None:
    log = Log()
    log.poll(0)
    fast = [log.poll(2), log.poll(2.5), log.poll(2.9)]
    log.poll(5)
    [finding] = log.audit()
    assert (finding.kind, finding.requests) == ("polling-storm", tuple(fast))
    assert finding.advice.startswith("Poll a job at most once per 1 s")


def test_polls_after_the_webhook_was_delivered_are_a_storm() -> None:
    log = Log()
    for at in (0, 2, 4, 6, 8):
        log.poll(at)
    log.poll(10)  # sees it ended, as the webhook said: one read is fine
    going_on = [log.poll(12), log.poll(14)]
    assert log.kinds(jobs={"job-1": (10.0, 10.0)}) == [("polling-storm", tuple(going_on))]


def test_polling_at_the_floor_then_stopping_is_fine() -> None:
    log = Log()
    for at in (0.4, 1.4, 2.4, 3.4):  # one second apart, though 1.4 - 0.4 < 1 in floats
        log.poll(at)
    log.poll(3.4, job_id="job-2")  # another job is polled on its own schedule
    log.poll(4.4, job_id="job-2")
    log.poll(4.4, api_key=OTHER_KEY)  # another key's polls are its own
    assert log.audit(jobs={"job-1": (3.4, 3.4), "job-2": (5.0, None)}) == []


def test_a_job_without_a_webhook_may_be_polled_after_it_ended() -> None:
    log = Log()
    for at in range(0, 20, 2):
        log.poll(at)
    assert log.audit(jobs={"job-1": (5.0, None)}) == []


def test_the_floor_and_the_reads_after_delivery_come_from_the_policy() -> None:
    log = Log()
    ids = [log.poll(at) for at in (0, 3, 6, 9)]
    policy = AuditPolicy(poll_floor_seconds=5)
    [finding] = log.audit(policy=policy)
    assert finding.requests == tuple(ids)
    assert finding.advice.startswith("Poll a job at most once per 5 s")
    relaxed = AuditPolicy(reads_after_delivery=3)
    assert log.audit(jobs={"job-1": (1.0, 2.0)}, policy=relaxed) == []
    assert log.kinds(jobs={"job-1": (1.0, 2.0)}) == [("polling-storm", tuple(ids[2:]))]


def test_polls_without_a_job_id_are_left_alone() -> None:
    log = Log()
    for _ in range(5):
        log.add(0, "avatar", 404, body="missing")
    assert log.audit() == []


# --- ignored-402 ---------------------------------------------------------------------------------


def test_the_same_request_after_a_402_with_no_change_in_balance_ignores_it() -> None:
    log = Log()
    ids = [log.add(at, "generate", 402, credits_available=50) for at in (0, 5, 10)]
    [finding] = log.audit()
    assert (finding.kind, finding.requests) == ("ignored-402", tuple(ids))
    assert "creditsAvailable" in finding.advice


def test_trying_again_once_the_balance_moved_is_fine() -> None:
    log = Log()
    log.add(0, "generate", 402, credits_available=50)
    log.add(5, "generate", 402, credits_available=80)  # a refund came in; still short
    log.add(6, "generate", 200)  # topped up
    log.add(7, "generate", 402, credits_available=0)
    log.add(8, "generate", 402, credits_available=0, body="a shorter text")  # another request
    assert log.audit() == []


def test_a_success_ends_a_402_incident() -> None:
    log = Log()
    log.add(0, "generate", 402, credits_available=50)
    log.add(5, "generate", 200)
    log.add(9, "generate", 402, credits_available=50)  # spent again, down to the same figure
    assert log.audit() == []


# --- ignored-401 ---------------------------------------------------------------------------------


def test_any_request_with_a_key_refused_before_ignores_the_401() -> None:
    log = Log()
    ids = [log.add(0, status=401), log.poll(1, status=401), log.add(60, "avatar", 401)]
    [finding] = log.audit()
    assert (finding.kind, finding.requests, finding.api_key) == ("ignored-401", tuple(ids), KEY)


def test_a_key_that_became_valid_is_not_ignoring_the_401() -> None:
    log = Log()
    log.add(0, status=401)
    log.poll(1, status=500)  # a scripted fault, answered before the key is looked at
    log.add(5, status=200)  # the account was created meanwhile
    log.add(9, status=401)  # and removed again: a new refusal, honoured from here on
    log.add(9, status=401, api_key=OTHER_KEY)
    assert log.audit() == []


def test_requests_without_a_key_are_left_out() -> None:
    log = Log()
    for at in range(5):
        log.add(at, status=401, api_key=None)
        log.add(at, "generate", 500, api_key=None)
    assert log.audit() == []


# --- the whole audit -----------------------------------------------------------------------------


def test_a_well_behaved_client_gets_no_finding() -> None:
    """Idempotency-Key on every create, backoff after 5xx, Retry-After, polling then stopping."""
    log = Log()
    created = {"idempotency_key": "order-1", "job_id": "job-1"}
    log.add(0, status=500, idempotency_key="order-1")
    log.add(1, status=0, idempotency_key="order-1")
    log.add(3, status=503, idempotency_key="order-1")
    log.add(7, status=200, **created)
    log.add(7, status=429, retry_after=20, rate_limit="concurrent_jobs", body="second video")
    for at in (9, 11, 13, 15, 17):  # it ended at 17, as the webhook said: stop
        log.poll(at)
    log.add(27, status=200, body="second video", job_id="job-2")
    log.poll(29, job_id="job-2")
    assert log.audit(jobs={"job-1": (17.0, 17.0), "job-2": (30.0, 30.0)}) == []


def test_findings_come_in_order_of_their_first_evidence_with_the_documented_shape() -> None:
    log = Log()
    log.add(0, status=401, api_key=OTHER_KEY)
    log.add(0, "generate", 500)
    log.add(1, "generate", 500)
    log.add(2, "generate", 500)
    log.add(3, "generate", 200)
    log.add(4, status=401, api_key=OTHER_KEY)
    found = log.audit()
    assert [(f.kind, f.requests[0]) for f in found] == [
        ("ignored-401", 1),
        ("double-charge-risk", 2),
        ("no-backoff", 2),
    ]
    assert found[0].as_json() == {
        "kind": "ignored-401",
        "apiKey": OTHER_KEY,
        "requests": [1, 6],
        "advice": "Stop sending a key the service refused: fix or replace it instead of retrying.",
    }
    assert findings(iter(log.entries)) == found  # any iterable, read once; defaults for the rest


ENTRIES = st.lists(
    st.builds(
        dict,
        step=st.sampled_from([0.0, 0.5, 1.0, 2.0, 30.0]),
        operation=st.sampled_from(["rest.create", "generate", "rest.get", "avatar"]),
        status=st.sampled_from([200, 0, 401, 402, 429, 500]),
        api_key=st.sampled_from([KEY, OTHER_KEY, None]),
        body=st.sampled_from(["a", "b"]),
        idempotency_key=st.sampled_from([None, "k1"]),
        latency=st.sampled_from([0.0, 5.0]),
    ),
    max_size=40,
)


@given(ENTRIES)
def test_any_journal_gives_ordered_findings_whose_evidence_is_its_own(
    steps: list[dict[str, Any]],
) -> None:
    log, at = Log(), 0.0
    for step in steps:
        at += step.pop("step")
        extra: dict[str, Any] = {"job_id": "job-1"} if step["operation"] in {"rest.get"} else {}
        if step["status"] == 429:
            extra["retry_after"] = 3.0
        if step["status"] == 402:
            extra["credits_available"] = 10
        log.add(at, **step, **extra)
    found = log.audit(jobs={"job-1": (10.0, 12.0)})
    keyed = {entry.id: entry.api_key for entry in log.entries}
    assert [f.requests[0] for f in found] == sorted(f.requests[0] for f in found)
    for finding in found:
        assert finding.kind in KINDS
        assert list(finding.requests) == sorted(set(finding.requests))
        assert {keyed[entry_id] for entry_id in finding.requests} == {finding.api_key}
    assert found == log.audit(jobs={"job-1": (10.0, 12.0)})


# --- bounded work --------------------------------------------------------------------------------


class CountingJobs(Mapping[str, JobFacts]):
    def __init__(self, facts: dict[str, JobFacts]) -> None:
        self.facts, self.lookups = facts, 0

    def __getitem__(self, job_id: str) -> JobFacts:
        self.lookups += 1
        return self.facts[job_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)


SIZE = 100_000


def hostile_journal(read: list[int]) -> Iterator[Observed]:
    """Every rule's worst case at once, on one key: each incident runs the whole journal.

    A rule that compared each request with those before it would do billions of steps here.
    """
    template = Observed(
        id=0, at=0, answered_at=0, api_key=KEY, operation="generate", status=500, request_digest="g"
    )
    shapes = itertools.cycle(
        [
            {},  # the same create failing at a constant pace
            {"operation": "rest.get", "status": 200, "job_id": "job-1", "request_digest": "p"},
            {"status": 402, "credits_available": 7, "request_digest": "short"},
            {"status": 429, "retry_after": 10.0, "operation": "rest.create", "request_digest": "r"},
            {"status": 401, "api_key": OTHER_KEY},
        ]
    )
    for entry_id, shape in zip(range(1, SIZE + 1), shapes, strict=False):
        read.append(entry_id)
        yield replace(template, id=entry_id, at=entry_id * 0.1, answered_at=entry_id * 0.1, **shape)


def test_a_hundred_thousand_entries_are_read_once_each() -> None:
    read: list[int] = []
    jobs = CountingJobs({"job-1": (0.0, 0.0)})
    found = findings(hostile_journal(read), jobs)
    assert read == list(range(1, SIZE + 1))
    assert jobs.lookups == 1  # once per job polled, not once per poll
    by_kind = {finding.kind: len(finding.requests) for finding in found}
    assert by_kind == {
        "double-charge-risk": SIZE // 5,
        "no-backoff": SIZE // 5,
        "polling-storm": SIZE // 5,
        "ignored-402": SIZE // 5,
        # Every request on the key from the first 429 on: a new one comes each 0.5 s.
        "retry-too-early": sum(1 for i in range(4, SIZE + 1) if i % 5 != 0),
        "ignored-401": SIZE // 5,
    }
    assert len(found) == len(KINDS)
