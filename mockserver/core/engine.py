"""The mock's state and the operations both transports share: one admission path, one set of
stores (`stores.py`), handed in whole so that another kind can stand in for the memory ones.

Nothing here knows HTTP. A transport reads its request, calls `admit` and an operation, and
writes what comes back (or the ApiError raised) in its own way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .accounts import Account
from .catalog import Fixtures
from .changes import Changes
from .clock import Clock
from .errors import (
    bad_request,
    insufficient_credits,
    not_found,
    rate_limited,
    shown,
    unauthorized,
)
from .faults import DEFAULT_FAILURE, Fault, FaultBook, parse_fault
from .faulty_deliveries import FaultyDeliveries
from .job_request import JobRequest
from .jobs import Job, JobStatus
from .ledger import Movement
from .randomness import Randomness
from .ratelimit import RateLimiter
from .running_jobs import RunningJobs
from .scenarios import Scenario
from .scheduler import COPY_DUE, JOB_DUE, QUIET_JOB_DUE, WEBHOOK_DUE, Due, Scheduler
from .scripted_refusals import refusal
from .shared_strings import SharedStrings
from .spend import Spend
from .stores import Stores, memory_stores
from .webhook_chaos import in_reverse_by_key, reorders
from .webhook_faults import WebhookFault, is_webhook_fault
from .webhook_policy import WebhookPolicy
from .webhooks import Attempt, Delivery

DEFAULT_MAX_JOBS = 100_000
# Read once: off the enum class, a member costs ten times a module name, on every job's end.
_PROCESSING, _COMPLETED, _FAILED = JobStatus.PROCESSING, JobStatus.COMPLETED, JobStatus.FAILED
# How many due events one `run_due` runs: thousands of jobs ending at one instant are finished
# batch by batch, so requests are served between batches instead of waiting for them all.
DUE_BATCH = 250


@dataclass(frozen=True, slots=True)
class DueWork:
    """What one `run_due` did: webhook attempts to make, errors met, and whether more is due;
    the copies duplicate faults send, one attempt each; and the deliveries reorder faults send
    out of turn, each sequence one after another."""

    deliveries: Sequence[Delivery]
    failures: Sequence[tuple[str, Exception]]
    more: bool
    copies: Sequence[Delivery] = ()
    in_turn: Sequence[Sequence[Delivery]] = ()


NOTHING_DUE = DueWork((), (), more=False)


@dataclass(slots=True)  # not frozen: one is made per request, and frozen triples that cost
class Admission:
    """An admitted request: whose it is, and the rate-limit headers its answer carries."""

    account: Account
    headers: dict[str, str]
    planned_failure: str | None = None  # a scripted `failed` outcome for the job it creates
    request_id: int = 0  # the request's id (Engine.new_request_id), for what it causes


class Engine:
    """All state of one mock instance. Two engines never share anything."""

    def __init__(
        self,
        fixtures: Fixtures,
        clock: Clock,
        *,
        randomness: Randomness,
        job_seconds: float,
        stores: Stores | None = None,
        max_jobs: int = DEFAULT_MAX_JOBS,
        webhook_policy: WebhookPolicy | None = None,
    ) -> None:
        self.fixtures = fixtures
        self.clock = clock
        self.randomness = randomness
        self.job_seconds = self.base_job_seconds = job_seconds
        if stores is None:
            stores = memory_stores()
        # Each store is kept as its own attribute, as the planes read them: one lookup, not two.
        self.jobs = stores.jobs
        self.accounts = stores.accounts
        self.idempotency = stores.idempotency
        self.journal = stores.journal
        self.webhooks = stores.webhooks
        self.inbox = stores.inbox
        self.ledger = stores.ledger
        self.max_jobs = max_jobs
        self._creation_order: deque[Job] = deque()
        self._shared = SharedStrings()
        self.scheduler = Scheduler()
        self.limiter = RateLimiter()
        self._running = RunningJobs()
        # Scripted failures by job id: few jobs have one, so not a field every job carries.
        self._planned_failures: dict[str, str] = {}
        self.webhook_policy = webhook_policy or WebhookPolicy()
        self.faults: FaultBook[Fault] = FaultBook()
        self.webhook_faults = FaultyDeliveries(
            self.webhooks, self.scheduler, randomness.stream("webhook-faults")
        )
        self.scenario: Scenario | None = None
        self.changes: Changes | None = None  # told of what changed, for `--state`
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------

    def reset(self, seed: int | None = None) -> None:
        """Back to the fixtures: accounts, no jobs, fresh counters, the clock at its start.

        `seed` restarts the random stream from a new seed (kept for later resets too).
        """
        self.clock.reset()
        if seed is not None:
            self.randomness.seed = seed
        self.randomness.reset()
        # Webhook faults draw their ids and dice from a stream of their own, so scripting one
        # changes no job's or delivery's id: chaos is for the receiver, not the API plane.
        self.webhook_faults.reset(self.randomness.stream("webhook-faults"))
        self.accounts.replace_all(self.fixtures.accounts)
        self.jobs.clear()
        self._creation_order.clear()
        self.scheduler.clear()
        self.limiter.reset()
        self._running.clear()
        self._planned_failures.clear()
        self.idempotency.clear()
        self.webhooks.clear()
        self.faults.clear()
        self.journal.clear()
        self.ledger.clear()
        self.next_request_id = 1
        self.inbox.clear()
        self.job_seconds = self.base_job_seconds
        if self.scenario is not None:
            self._apply(self.scenario)
        if self.changes is not None:
            self.changes.everything()

    def activate(self, scenario: Scenario | None, seed: int | None = None) -> None:
        """Make `scenario` (or none) part of what a reset returns to, and reset to it."""
        self.scenario = scenario
        self.reset(seed)

    def _apply(self, scenario: Scenario) -> None:
        if scenario.job_seconds is not None:
            self.job_seconds = scenario.job_seconds
        for account in scenario.accounts:
            body = {name: value for name, value in account.items() if name != "apiKey"}
            self.put_account(account["apiKey"], body)
        for fault in scenario.faults:
            self.add_fault(fault)

    # -- admission ---------------------------------------------------------------------------

    def find_account(self, api_key: str | None) -> Account | None:
        return self.accounts.find(api_key)

    def authenticate(self, api_key: str | None, header: str) -> Account:
        """The account behind `api_key`; 401 naming the header the transport expects."""
        if not api_key:
            raise unauthorized(f"Missing API key: send it in the {header} header")
        account = self.find_account(api_key)
        if account is None:
            raise unauthorized(f"Invalid API key in the {header} header")
        return account

    def admit(
        self,
        api_key: str | None,
        header: str,
        fault: Fault | None = None,
        account: Account | None = None,
        request_id: int = 0,
    ) -> Admission:
        """Authenticate and count the request against the key's limits.

        A matched `fault` with a status raises its scripted error here instead, with the same
        headers the real error would carry; a `failed` outcome rides along on the admission.
        `account` is the key's account when the transport already looked it up: the lookup
        computes a keyed digest, and once per request is enough.
        """
        if fault is not None and fault.status is not None:
            raise refusal(fault, self.find_account(api_key), self.limiter, self.clock.now())
        if account is None:
            account = self.authenticate(api_key, header)
        headers = self.limiter.admit(account, self.clock.now())
        if fault is not None and fault.outcome == "failed":
            return Admission(account, headers, fault.message or DEFAULT_FAILURE, request_id)
        return Admission(account, headers, None, request_id)

    def new_request_id(self) -> int:
        """The next API request's id: 1, 2, ... since the last reset, so a journal entry, a
        debit and a finding can name the request they came from."""
        request_id = self.next_request_id
        self.next_request_id = request_id + 1
        return request_id

    def take_fault(self, operation: str | None, api_key: str | None) -> Fault | None:
        """The scripted fault for this request, if any (uses up one of its `times`)."""
        return self.faults.take(operation, api_key, self.randomness.chance)

    def add_fault(self, body: Any) -> Fault | WebhookFault:
        """Script a fault from its body: a webhook fault when it names a `webhook` kind."""
        if is_webhook_fault(body):
            return self.webhook_faults.add(body)
        fault = parse_fault(self._fault_id(), body)
        self.faults.add(fault)
        return fault

    def all_faults(self) -> list[Fault | WebhookFault]:
        """The faults in force: the API plane's, then the webhooks', each first added first."""
        return [*self.faults, *self.webhook_faults]

    def clear_faults(self) -> None:
        self.faults.clear()
        self.webhook_faults.clear()

    def _fault_id(self) -> str:
        return "flt_" + self.randomness.token(10)

    # -- operations --------------------------------------------------------------------------

    def create_job(
        self,
        admission: Admission,
        request: JobRequest,
        idempotency_key: str | None = None,
        base_url: str = "",
    ) -> Job:
        """Accept a job: idempotent replay, concurrency limit, credits, then create and debit."""
        if request.webhook is not None:
            self.webhook_policy.check(request.webhook)  # O(1): its verdict is kept per URL
        account = admission.account
        if idempotency_key:
            replay = self._idempotent_replay(account, idempotency_key, request)
            if replay is not None:
                return replay
        self._check_concurrency(account)
        cost = request.quote.credits
        if cost > account.credits:
            raise insufficient_credits(cost, account.credits)
        job = self._new_job(
            account, request, base_url, admission.request_id, admission.planned_failure
        )
        account.credits -= cost
        if idempotency_key:
            self.idempotency.remember(account.api_key, idempotency_key, request.fingerprint, job.id)
        return job

    def get_job(self, account: Account, job_id: str) -> Job:
        """A job of this key; any other key's job is indistinguishable from a missing one."""
        job = self.current_job(job_id)
        if job is None or job.api_key != account.api_key:
            raise not_found(job_id)
        return job

    def current_job(self, job_id: str) -> Job | None:
        """The job as it stands by the clock: ended if its time has come.

        A request syncs only when what fell due could show without asking (`due_to_show`), so
        a quiet job may still be processing past its time until the job itself is read.
        """
        job = self.jobs.get(job_id)
        if job is not None and job.status is _PROCESSING and job.due_at <= self.clock.now():
            self._end(job, job.due_at)
        return job

    def _idempotent_replay(self, account: Account, key: str, request: JobRequest) -> Job | None:
        seen = self.idempotency.find(account.api_key, key)
        if seen is None:
            return None
        fingerprint, job_id = seen
        job = self.current_job(job_id)
        if job is None:  # cannot happen: a key is forgotten with its job; but never a 500
            return None
        if fingerprint != request.fingerprint:
            raise bad_request(
                f"Idempotency-Key {shown(key)} was already used with a different request body",
                "Idempotency-Key",
            )
        return job

    def _check_concurrency(self, account: Account) -> None:
        limit = account.limits.concurrent_jobs
        if limit is None or self._running.count(account.api_key) < limit:
            return
        now = self.clock.now()
        # Only on the way to a refusal: the key's running jobs, as many as its limit (more
        # only if the control plane lowered it). A quiet job past its time is not counted.
        for job_id in list(self._running.of(account.api_key)):
            self.current_job(job_id)
        if self._running.count(account.api_key) < limit:
            return
        headers = self.limiter.uncount(account, now)
        first_done = min(self.jobs[job_id].due_at for job_id in self._running.of(account.api_key))
        retry = max(int(first_done - now + 0.999), 1)
        raise rate_limited("concurrent_jobs", retry, headers)

    def _new_job(
        self,
        account: Account,
        request: JobRequest,
        base_url: str,
        request_id: int,
        planned_failure: str | None,
    ) -> Job:
        job_id = self.randomness.token()
        while job_id in self.jobs:
            job_id = self.randomness.token()
        avatar = self.fixtures.catalog.avatars[request.avatar_id]
        now = self.clock.now()
        share = self._shared
        job = Job(
            id=job_id,
            api_key=account.api_key,
            text=share(request.text),  # test suites send the same few texts again and again
            avatar=avatar,
            voice=share.optional(request.voice),
            language=share.optional(request.language),
            version=share.optional(request.version),
            webhook_url=share.optional(request.webhook_url),
            credit_cost=request.quote.credits,
            duration_ms=request.quote.duration_ms,
            created_at=now,
            due_at=now + self.job_seconds,
            base_url=share(base_url),
        )
        self.jobs[job_id] = job
        self._creation_order.append(job)
        self.ledger.debit(request_id)  # the job itself is the rest of the entry
        self._forget_old_jobs()
        self._running.add(account.api_key, job_id)
        if planned_failure is not None:
            self._planned_failures[job_id] = planned_failure
        quiet = planned_failure is None and not job.webhook_url  # no refund, nobody to tell
        self.scheduler.schedule(job.due_at, QUIET_JOB_DUE if quiet else JOB_DUE, job_id)
        if self.changes is not None:
            self.changes.created(job, request_id)
        return job

    # -- time --------------------------------------------------------------------------------

    def run_due(self, limit: int = DUE_BATCH) -> DueWork:
        """Run what is due by now, earliest first, at most `limit` events of it.

        An event that raises is reported in `failures` and the others still run: each one was
        taken off the scheduler, and none may be lost to another's error.
        """
        now = self.clock.now()
        events = self.scheduler.pop_due(now, limit)
        if not events:
            return NOTHING_DUE
        to_send: list[Delivery] = []
        # Made only when a fault has something for them.
        copies: list[Delivery] | None = None
        reordered: list[Delivery] | None = None
        failures: list[tuple[str, Exception]] = []
        for due in events:
            try:
                delivery = self._run(due)
            except Exception as error:  # a bug in the mock; the caller reports it
                kind = JOB_DUE if due.kind == QUIET_JOB_DUE else due.kind  # a job, either way
                failures.append((f"running the due {kind} {due.ref}", error))
                continue
            if delivery is None:
                continue
            if due.kind == COPY_DUE:
                copies = [] if copies is None else copies
                copies.append(delivery)
            elif delivery.chaos is not None and reorders(delivery):
                reordered = [] if reordered is None else reordered
                reordered.append(delivery)
            else:
                to_send.append(delivery)
        next_at = self.scheduler.next_at()
        more = next_at is not None and next_at <= now
        # Jobs ended, nothing to send or tell: nearly always, under load. Deliveries given up
        # to open theirs are the runtime's to tell (once a run sends nothing more).
        untold = self.webhooks.given_up_untold
        if not (to_send or failures or copies or reordered or more or untold):
            return NOTHING_DUE
        in_turn = in_reverse_by_key(reordered) if reordered else ()
        return DueWork(to_send, failures, more, copies or (), in_turn)

    def _run(self, due: Due) -> Delivery | None:
        """Do one due event; a webhook attempt comes back for the caller to make."""
        kind = due.kind
        if kind in (QUIET_JOB_DUE, JOB_DUE):
            job = self.jobs.get(due.ref)
            if job is not None and job.status is _PROCESSING:
                self._end(job, due.at)
        elif kind == WEBHOOK_DUE:
            delivery = self.webhooks.get(due.ref)
            if delivery is not None and delivery.next_attempt_at == due.at:
                return delivery
        elif kind == COPY_DUE:
            return self.webhooks.get(due.ref)  # None once the log has forgotten it
        return None

    def _end(self, job: Job, at: float) -> None:
        """End a processing job at its time, as its scripted outcome says."""
        failure = self._planned_failures.get(job.id)
        if failure is not None:
            self.finish(job, _FAILED, at=at, error=failure)
        else:
            self.finish(job, _COMPLETED, at=at)

    def finish(self, job: Job, status: JobStatus, at: float, error: str | None = None) -> None:
        """End a job: a failed one gives its credits back (an entry in the ledger); either
        one's webhook falls due."""
        job.status = status
        job.completed_at = at
        job.error = error
        self._running.discard(job.api_key, job.id)
        if self.changes is not None:
            self.changes.ended(job)
        if status is not _FAILED and not job.webhook_url:
            return  # nearly every job under load: nothing to give back, nobody to tell
        account = self.accounts.get(job.api_key)
        if status is _FAILED and account is not None:
            account.credits += job.credit_cost
            self.ledger.refund(job)
        if job.webhook_url and account is not None:
            delivery_id = "dlv_" + self.randomness.token(16)
            delivery = self.webhooks.open(delivery_id, job, account.webhook_secret, at)
            first_at = at
            if self.webhook_faults:  # the one check a delivery pays when nothing is scripted
                first_at = self.webhook_faults.opened(delivery, account.webhook_secret)
            self.scheduler.schedule(first_at, WEBHOOK_DUE, delivery_id)

    def record_attempt(self, delivery: Delivery, attempt: Attempt) -> None:
        """Log an attempt and schedule the retry it calls for, if any."""
        retry_at = self.webhooks.record(delivery, attempt)
        if retry_at is not None:
            self.scheduler.schedule(retry_at, WEBHOOK_DUE, delivery.id)
        if delivery.chaos is not None:
            self.webhook_faults.attempted(delivery, attempt)

    def _forget_old_jobs(self) -> None:
        """Keep at most `max_jobs`: the oldest finished ones go first, processing ones stay."""
        jobs, order = self.jobs, self._creation_order
        while len(jobs) > self.max_jobs and order:
            oldest = order[0]  # the job itself: no lookup of its id in a store this size
            if oldest.status is _PROCESSING:
                return
            order.popleft()
            forgotten = oldest.id
            del jobs[forgotten]
            self.ledger.forget_oldest(oldest)
            if self._planned_failures:
                self._planned_failures.pop(forgotten, None)
            self.idempotency.forget_job(forgotten)
            if self.changes is not None:
                self.changes.forgot_job(oldest)

    def rebuild(self, planned_failures: dict[str, str], due: Iterable[Due]) -> None:
        """After a snapshot filled the stores: what the engine derives from its jobs (their
        order, the processing ones, their scripted failures) and what falls due, in order."""
        self._creation_order = deque(self.jobs.values())
        self._running.clear()
        processing = JobStatus.PROCESSING
        for job in self.jobs.values():
            if job.status is processing:
                self._running.add(job.api_key, job.id)
        self._planned_failures = dict(planned_failures)
        self.scheduler.clear()
        self.scheduler.schedule_all(due)

    def planned_failure(self, job_id: str) -> str | None:
        """The error a scripted `failed` outcome gave this job to end with, if any."""
        return self._planned_failures.get(job_id)

    def processing_count(self, api_key: str) -> int:
        return self._running.count(api_key)

    # -- accounts ----------------------------------------------------------------------------

    def put_account(self, api_key: str, body: Any) -> Account:
        """Create or change an account from a control-plane body `{plan, credits, ...}`; a
        changed balance is noted in the ledger, whose later balances start from it."""
        current = self.accounts.get(api_key)
        before = current.credits if current is not None else None
        try:
            account = self.accounts.change(
                api_key, body, self.fixtures.plans, self.randomness.webhook_secret
            )
        except ValueError as error:
            field, message = error.args
            raise bad_request(message, field) from None
        if before is not None and account.credits != before:
            self.ledger.set_balance(api_key, before)
        return account

    def list_accounts(self) -> Iterable[Account]:
        return iter(self.accounts)

    # -- the spend ledger --------------------------------------------------------------------

    def ledger_entries(self, api_key: str | None = None) -> list[Movement]:
        """Every debit and refund of the jobs kept, or `api_key`'s only, oldest first."""
        return self.ledger.select(self.jobs.values(), self._balance, api_key)

    def spend(self) -> dict[str, Spend]:
        """What each key was charged since the last reset (over the jobs kept)."""
        return self.ledger.spend(self.jobs.values())

    def _balance(self, api_key: str) -> int:
        account = self.accounts.get(api_key)
        return account.credits if account is not None else 0
