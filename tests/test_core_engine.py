"""The engine as plain Python: jobs, admission, credits, idempotency, reset and scenarios.

The HTTP tests hold what a client sees; these hold the rules where they live, one at a time.
"""

from __future__ import annotations

import pytest
from core_engine import (
    FIXTURES,
    FREE,
    HEADER,
    HOOK,
    KEY,
    START,
    TEXT,
    UNLIMITED,
    advance,
    create,
    credits,
    job_request,
    make_engine,
)

from mockserver.core.engine import NOTHING_DUE, Engine
from mockserver.core.errors import ApiError
from mockserver.core.jobs import Job, JobStatus
from mockserver.core.scenarios import parse_scenario
from mockserver.core.scripted_refusals import header_fault
from mockserver.core.webhooks import Attempt, DeliveryStatus

# -- jobs ------------------------------------------------------------------------------------


def test_a_new_job_is_processing_charged_and_due_after_the_job_time() -> None:
    engine = make_engine()
    job = create(engine)
    assert job.status is JobStatus.PROCESSING
    assert (job.created_at, job.due_at, job.completed_at) == (START, START + 30, None)
    assert (job.credit_cost, job.duration_ms) == (53, 2000)
    assert credits(engine) == 100_000 - 53
    assert engine.jobs.get(job.id) is job
    assert engine.processing_count(KEY) == 1


def test_a_job_completes_at_its_due_time_once_the_clock_reaches_it() -> None:
    engine = make_engine()
    job = create(engine)
    advance(engine, 29.9)
    assert job.status is JobStatus.PROCESSING
    advance(engine, 100)
    assert job.status is JobStatus.COMPLETED
    assert job.completed_at == START + 30  # its due time, not the time it was run
    assert engine.processing_count(KEY) == 0
    assert credits(engine) == 100_000 - 53


def test_get_job_finds_only_the_callers_own_jobs() -> None:
    engine = make_engine()
    job = create(engine)
    owner, other = engine.accounts.get(KEY), engine.accounts.get(FREE)
    assert owner is not None and other is not None
    assert engine.get_job(owner, job.id) is job
    for account, job_id in ((other, job.id), (owner, "nosuchjob")):
        with pytest.raises(ApiError) as refused:
            engine.get_job(account, job_id)
        assert (refused.value.status, refused.value.code) == (404, "NOT_FOUND")
        assert job_id in refused.value.message


def test_a_job_ended_failed_gives_its_credits_back_and_its_webhook_falls_due_then() -> None:
    engine = make_engine()
    job = create(engine, webhookUrl=HOOK)
    engine.clock.advance(5)
    engine.finish(job, JobStatus.FAILED, at=engine.clock.now(), error="no face found")
    assert (job.status, job.error, job.completed_at) == (
        JobStatus.FAILED,
        "no face found",
        START + 5,
    )
    assert credits(engine) == 100_000
    assert engine.processing_count(KEY) == 0
    (delivery,) = advance(engine, 0)
    assert (delivery.job_id, delivery.url, delivery.next_attempt_at) == (job.id, HOOK, START + 5)
    assert advance(engine, 30) == []  # the completion it was due for is not run: it has ended
    assert job.status is JobStatus.FAILED and credits(engine) == 100_000


def test_a_job_without_a_webhook_url_opens_no_delivery() -> None:
    engine = make_engine()
    create(engine)
    assert advance(engine, 30) == []
    assert list(engine.webhooks) == []
    assert engine.scheduler.next_at() is None


def test_ids_repeat_with_the_seed_and_differ_with_another() -> None:
    def ids(seed: int) -> list[str]:
        engine = make_engine(seed=seed)
        return [create(engine, UNLIMITED).id for _ in range(3)]

    assert ids(3) == ids(3)
    assert ids(3) != ids(4)
    assert len(set(ids(3))) == 3


def test_the_oldest_finished_jobs_go_first_beyond_max_jobs_and_processing_ones_stay() -> None:
    engine = make_engine(max_jobs=2)
    first, second = create(engine, UNLIMITED), create(engine, UNLIMITED)
    third = create(engine, UNLIMITED)  # over the cap, but every job is still processing
    assert len(engine.jobs) == 3
    advance(engine, 30)
    fourth = create(engine, UNLIMITED)
    kept = [job for job in (first, second, third, fourth) if engine.jobs.get(job.id) is job]
    assert kept == [third, fourth]


# -- admission -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_key", "message"),
    [
        (None, "Missing API key: send it in the X-API-Key header"),
        ("", "Missing API key: send it in the X-API-Key header"),
        ("not-a-key", "Invalid API key in the X-API-Key header"),
    ],
)
def test_admission_without_a_valid_key_is_401_naming_the_header(
    api_key: str | None, message: str
) -> None:
    engine = make_engine()
    with pytest.raises(ApiError) as refused:
        engine.admit(api_key, HEADER)
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        401,
        "UNAUTHORIZED",
        message,
    )
    assert refused.value.headers == {}


def test_admission_counts_the_request_and_gives_the_minute_windows_headers() -> None:
    engine = make_engine()
    engine.clock.advance(15)
    first = engine.admit(KEY, HEADER)
    second = engine.admit(KEY, HEADER)
    assert first.account.api_key == KEY and first.planned_failure is None
    reset = str(int(START) + 60)
    assert first.headers == {
        "X-RateLimit-Limit": "60",
        "X-RateLimit-Remaining": "59",
        "X-RateLimit-Reset": reset,
    }
    assert second.headers["X-RateLimit-Remaining"] == "58"


def test_admission_over_the_minute_limit_is_429_until_the_next_window() -> None:
    engine = make_engine()
    for _ in range(10):
        engine.admit(FREE, HEADER)
    engine.clock.advance(45)
    with pytest.raises(ApiError) as refused:
        engine.admit(FREE, HEADER)
    assert refused.value.status == 429
    assert refused.value.extensions == {"limit": "requests_per_minute", "retryAfter": 15}
    assert refused.value.headers["Retry-After"] == "15"
    engine.clock.advance(15)
    assert engine.admit(FREE, HEADER).headers["X-RateLimit-Remaining"] == "9"


def test_admission_takes_the_account_the_transport_already_found() -> None:
    engine = make_engine()
    account = engine.find_account(FREE)
    assert account is not None
    admission = engine.admit(None, HEADER, account=account)  # the key is not looked up again
    assert admission.account is account


def test_a_scripted_error_is_raised_at_admission_with_the_headers_of_the_real_one() -> None:
    engine = make_engine()
    engine.add_fault({"status": 500, "message": "boom"})
    fault = engine.take_fault("rest.create", KEY)
    assert fault is not None
    with pytest.raises(ApiError) as scripted:
        engine.admit(KEY, HEADER, fault)
    error = scripted.value
    assert (error.status, error.code, error.message) == (500, "INTERNAL_SERVER_ERROR", "boom")
    assert error.headers["X-RateLimit-Remaining"] == "59"  # it counts, as the real one would
    with pytest.raises(ApiError) as keyless:
        engine.admit("not-a-key", HEADER, fault)
    assert keyless.value.status == 500 and keyless.value.headers == {}


def test_a_scripted_401_carries_no_rate_limit_headers() -> None:
    engine = make_engine()
    fault = engine.add_fault({"status": 401})
    with pytest.raises(ApiError) as scripted:
        engine.admit(KEY, HEADER, fault)
    assert (scripted.value.status, scripted.value.headers) == (401, {})
    assert engine.admit(KEY, HEADER).headers["X-RateLimit-Remaining"] == "59"  # uncounted


@pytest.mark.parametrize(("api_key", "window"), [(KEY, True), (None, False), (UNLIMITED, False)])
def test_a_scripted_429_is_the_minute_limits_own_with_or_without_a_window(
    api_key: str | None, window: bool
) -> None:
    engine = make_engine()
    engine.clock.advance(20)
    fault = engine.add_fault({"status": 429})
    with pytest.raises(ApiError) as scripted:
        engine.admit(api_key, HEADER, fault)
    error = scripted.value
    assert error.extensions == {"limit": "requests_per_minute", "retryAfter": 40}
    assert error.headers["Retry-After"] == "40"
    assert ("X-RateLimit-Remaining" in error.headers) is window
    if window:
        assert error.headers["X-RateLimit-Remaining"] == "0"


def test_a_scripted_402_claims_more_than_the_balance_holds() -> None:
    engine = make_engine()
    fault = engine.add_fault({"status": 402})
    with pytest.raises(ApiError) as scripted:
        engine.admit(FREE, HEADER, fault)
    assert scripted.value.extensions == {"creditsRequired": 1001, "creditsAvailable": 1000}


def test_a_scripted_failed_outcome_rides_on_the_admission_and_fails_the_job_with_a_refund() -> None:
    engine = make_engine()
    fault = header_fault("failed")
    admission = engine.admit(KEY, HEADER, fault)
    assert admission.planned_failure == "Avatar generation failed"
    job = engine.create_job(admission, job_request())
    assert engine.planned_failure(job.id) == "Avatar generation failed"
    assert job.status is JobStatus.PROCESSING and credits(engine) == 100_000 - 53
    advance(engine, 30)
    assert (job.status, job.error, job.completed_at) == (
        JobStatus.FAILED,
        "Avatar generation failed",
        START + 30,
    )
    assert credits(engine) == 100_000


def test_a_latency_only_fault_admits_the_request_as_usual() -> None:
    engine = make_engine()
    fault = engine.add_fault({"latencyMs": 50})
    admission = engine.admit(KEY, HEADER, fault)
    assert admission.planned_failure is None
    assert admission.headers["X-RateLimit-Remaining"] == "59"


@pytest.mark.parametrize(
    ("value", "status", "outcome"),
    [
        ("500", 500, None),
        ("429", 429, None),
        ("failed", None, "failed"),
        ("drop", None, "drop"),
        (" Drop\t", None, "drop"),  # as a header's value may come: any case, any spacing
    ],
)
def test_the_fault_header_asks_for_a_status_or_an_outcome(
    value: str, status: int | None, outcome: str | None
) -> None:
    fault = header_fault(value)
    assert (fault.status, fault.outcome) == (status, outcome)
    assert (fault.times, fault.probability, fault.operation, fault.api_key) == (
        None,
        1.0,
        None,
        None,
    )


@pytest.mark.parametrize("value", ["999", "418", "explode", "", "5000"])
def test_a_bad_fault_header_is_400_naming_the_header(value: str) -> None:
    with pytest.raises(ApiError) as refused:
        header_fault(value)
    assert refused.value.status == 400
    assert refused.value.extensions == {"field": "X-Mock-Fault"}
    assert refused.value.message.startswith("X-Mock-Fault ")


@pytest.mark.parametrize("value", ["4O4", " Explode "])
def test_a_bad_fault_header_is_quoted_as_sent_with_what_it_may_be(value: str) -> None:
    with pytest.raises(ApiError) as refused:
        header_fault(value)
    message = refused.value.message
    assert repr(value.strip()) in message
    assert all(allowed in message for allowed in ("400", "429", "500", "failed", "drop"))


@pytest.mark.parametrize("operation", ["rest.get", "avatar", "generation"])
def test_the_fault_header_failed_is_refused_on_a_request_that_creates_no_job(
    operation: str,
) -> None:
    with pytest.raises(ApiError) as refused:
        header_fault("failed", operation)
    assert refused.value.extensions == {"field": "X-Mock-Fault"}
    assert operation in refused.value.message
    for making_a_job in ("rest.create", "generate", "generateAvatar"):
        assert header_fault("failed", making_a_job).outcome == "failed"


# -- concurrency and credits -----------------------------------------------------------------


def test_the_concurrent_jobs_limit_is_429_until_the_first_job_ends_and_is_not_counted() -> None:
    engine = make_engine()
    create(engine, FREE)
    engine.clock.advance(10.5)
    with pytest.raises(ApiError) as refused:
        create(engine, FREE)
    error = refused.value
    assert error.extensions == {"limit": "concurrent_jobs", "retryAfter": 20}
    assert error.headers["Retry-After"] == "20"
    assert error.headers["X-RateLimit-Remaining"] == "9"  # the refused request is taken back
    assert len(engine.jobs) == 1 and credits(engine, FREE) == 1000 - 53
    advance(engine, 20)
    assert create(engine, FREE).status is JobStatus.PROCESSING


def test_a_job_that_would_overdraw_is_402_and_creates_and_debits_nothing() -> None:
    engine = make_engine()
    engine.put_account(KEY, {"credits": 52})
    with pytest.raises(ApiError) as refused:
        create(engine)
    assert (refused.value.status, refused.value.code) == (402, "INSUFFICIENT_CREDITS")
    assert refused.value.extensions == {"creditsRequired": 53, "creditsAvailable": 52}
    assert len(engine.jobs) == 0 and credits(engine) == 52
    assert engine.processing_count(KEY) == 0


def test_the_exact_balance_is_enough_and_leaves_nothing() -> None:
    engine = make_engine()
    engine.put_account(KEY, {"credits": 53})
    create(engine)
    assert credits(engine) == 0


def test_a_refused_webhook_url_is_400_before_anything_is_charged() -> None:
    engine = make_engine()
    with pytest.raises(ApiError) as refused:
        create(engine, webhookUrl="http://169.254.169.254/latest")
    assert refused.value.extensions == {"field": "webhookUrl"}
    assert len(engine.jobs) == 0 and credits(engine) == 100_000


# -- idempotency -----------------------------------------------------------------------------


def test_an_idempotent_retry_returns_the_original_job_and_charges_nothing() -> None:
    engine = make_engine()
    job = create(engine, idempotency_key="order-1")
    assert create(engine, idempotency_key="order-1") is job
    assert len(engine.jobs) == 1 and credits(engine) == 100_000 - 53
    assert create(engine, idempotency_key="order-2") is not job


def test_the_same_idempotency_key_with_another_body_is_400_naming_the_header() -> None:
    engine = make_engine()
    create(engine, idempotency_key="order-1")
    with pytest.raises(ApiError) as refused:
        create(engine, text="Something else entirely", idempotency_key="order-1")
    assert refused.value.status == 400
    assert refused.value.extensions == {"field": "Idempotency-Key"}
    assert "'order-1'" in refused.value.message
    assert len(engine.jobs) == 1


def test_idempotency_keys_belong_to_one_account() -> None:
    engine = make_engine()
    mine = create(engine, idempotency_key="order-1")
    theirs = create(engine, FREE, idempotency_key="order-1")
    assert theirs is not mine and theirs.api_key == FREE


def test_an_idempotent_retry_is_not_held_by_the_concurrency_limit() -> None:
    engine = make_engine()
    job = create(engine, FREE, idempotency_key="order-1")
    assert create(engine, FREE, idempotency_key="order-1") is job


def test_an_empty_idempotency_key_is_no_key() -> None:
    engine = make_engine()
    assert create(engine, idempotency_key="") is not create(engine, idempotency_key="")
    assert len(engine.jobs) == 2


# -- reset and accounts ----------------------------------------------------------------------


def used(engine: Engine) -> Job:
    """Leave a trace in every part of the engine's state; the first job made."""
    job = create(engine, webhookUrl=HOOK, idempotency_key="order-1")
    engine.put_account(KEY, {"credits": 7})
    engine.put_account("new_key", {"plan": "free", "credits": 5})
    engine.add_fault({"status": 500})
    engine.journal.record(
        at=START, method="GET", path="/", operation=None, api_key=KEY, status=200, duration_ms=1
    )
    advance(engine, 30)
    return job


def test_reset_goes_back_to_the_fixtures_and_forgets_everything_else() -> None:
    engine = make_engine()
    first = used(engine)
    engine.reset()
    assert engine.clock.now() == START
    assert credits(engine) == 100_000
    assert engine.find_account("new_key") is None
    assert len(engine.jobs) == 0 and list(engine.webhooks) == []
    assert list(engine.faults) == [] and engine.journal.select() == []
    assert engine.scheduler.next_at() is None and engine.processing_count(KEY) == 0
    again = create(engine, webhookUrl=HOOK, idempotency_key="order-1")
    assert again is not first and again.id == first.id  # the id stream starts over too
    assert engine.admit(KEY, HEADER).headers["X-RateLimit-Remaining"] == "58"


def test_reset_with_a_seed_starts_another_stream_and_keeps_it_for_later_resets() -> None:
    engine = make_engine(seed=7)
    seven = create(engine).id
    engine.reset(seed=8)
    eight = create(engine).id
    engine.reset()
    assert eight != seven and create(engine).id == eight


def test_reset_restores_balances_the_fixtures_hold_without_changing_the_fixtures() -> None:
    engine = make_engine()
    create(engine)
    engine.reset()
    assert credits(engine) == 100_000
    (fixture,) = [a for a in FIXTURES.accounts if a.api_key == KEY]
    assert fixture.credits == 100_000 and engine.accounts.get(KEY) is not fixture


def test_a_bad_account_body_is_400_naming_the_field() -> None:
    engine = make_engine()
    with pytest.raises(ApiError) as refused:
        engine.put_account(KEY, {"plan": "platinum"})
    assert refused.value.extensions == {"field": "plan"}
    assert engine.accounts.get(KEY) is not None and credits(engine) == 100_000


# -- scenarios -------------------------------------------------------------------------------

SCENARIO = {
    "jobSeconds": 5,
    "accounts": [
        {"apiKey": KEY, "plan": "free", "credits": 75},
        {"apiKey": "scenario_key", "plan": "starter", "credits": 10},
    ],
    "faults": [{"status": 500, "operation": "rest.get", "times": 1}],
}


def test_an_active_scenario_is_laid_over_the_fixtures() -> None:
    engine = make_engine()
    engine.activate(parse_scenario("mine", SCENARIO, "mine.json", FIXTURES))
    account = engine.accounts.get(KEY)
    assert account is not None
    assert (account.plan, account.credits, account.limits.requests_per_minute) == ("free", 75, 10)
    assert credits(engine, "scenario_key") == 10
    assert create(engine).due_at == START + 5
    (fault,) = engine.faults
    assert (fault.status, fault.operation, fault.times) == (500, "rest.get", 1)
    assert engine.take_fault("rest.create", KEY) is None
    assert engine.take_fault("rest.get", KEY) is fault
    assert list(engine.faults) == []


def test_an_active_scenario_is_whole_again_after_every_reset() -> None:
    engine = make_engine()
    engine.activate(parse_scenario("mine", SCENARIO, "mine.json", FIXTURES))
    create(engine)
    engine.take_fault("rest.get", KEY)
    engine.reset()
    assert credits(engine) == 75
    (fault,) = engine.faults
    assert fault.times == 1  # a fresh fault: the one used up before the reset is not reused
    assert create(engine).due_at == START + 5


def test_activating_no_scenario_goes_back_to_the_bare_fixtures() -> None:
    engine = make_engine()
    engine.activate(parse_scenario("mine", SCENARIO, "mine.json", FIXTURES))
    engine.activate(None)
    assert engine.scenario is None
    assert credits(engine) == 100_000 and engine.find_account("scenario_key") is None
    assert list(engine.faults) == [] and create(engine).due_at == START + 30


# -- running what is due ---------------------------------------------------------------------


def test_run_due_runs_at_most_its_limit_earliest_first_and_says_more_is_due() -> None:
    engine = make_engine()
    jobs = [create(engine, UNLIMITED) for _ in range(3)]
    engine.clock.advance(30)
    first = engine.run_due(limit=2)
    assert first.more and list(first.failures) == []
    assert [job.finished for job in jobs] == [True, True, False]
    last = engine.run_due(limit=2)
    assert not last.more and jobs[2].finished
    assert engine.run_due() is NOTHING_DUE


def test_jobs_that_end_with_nothing_to_send_leave_nothing_for_the_caller() -> None:
    """The usual run under load ends a job or two with no webhook: its result is the shared
    NOTHING_DUE, which the runtime passes by without a look."""
    engine = make_engine()
    jobs = [create(engine, UNLIMITED) for _ in range(2)]
    engine.clock.advance(30)
    assert engine.run_due() is NOTHING_DUE
    assert all(job.status is JobStatus.COMPLETED for job in jobs)


def test_a_due_event_that_raises_is_reported_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = make_engine()
    broken, fine = create(engine, UNLIMITED), create(engine, UNLIMITED)
    finish = engine.finish

    def finish_or_break(job: Job, *args: object, **kwargs: object) -> None:
        if job is broken:
            raise RuntimeError("a bug")
        finish(job, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "finish", finish_or_break)
    engine.clock.advance(30)
    work = engine.run_due()
    ((where, error),) = work.failures
    assert where == f"running the due job {broken.id}" and isinstance(error, RuntimeError)
    assert fine.status is JobStatus.COMPLETED and not work.more


def test_a_failed_webhook_attempt_schedules_its_retry_and_a_success_ends_it() -> None:
    engine = make_engine()
    create(engine, webhookUrl=HOOK)
    (delivery,) = advance(engine, 30)  # the job ends, and its webhook falls due at that instant
    engine.record_attempt(delivery, Attempt(at=START + 30, duration_ms=1.0, status=503))
    assert engine.scheduler.next_at() == START + 40
    assert advance(engine, 9) == []
    assert advance(engine, 1) == [delivery]
    engine.record_attempt(delivery, Attempt(at=START + 40, duration_ms=1.0, status=204))
    assert delivery.status is DeliveryStatus.DELIVERED
    assert engine.scheduler.next_at() is None


def test_a_job_is_priced_from_its_text() -> None:
    engine = make_engine()
    job = create(engine, text=TEXT + " " + TEXT)
    assert (job.duration_ms, job.credit_cost) == (4000, 56)


def test_each_request_gets_the_next_id_and_its_admission_carries_it() -> None:
    engine = make_engine()
    first, second = engine.new_request_id(), engine.new_request_id()
    assert (first, second) == (1, 2)
    admission = engine.admit(KEY, HEADER, request_id=engine.new_request_id())
    assert admission.request_id == 3
    engine.reset()
    assert engine.new_request_id() == 1
