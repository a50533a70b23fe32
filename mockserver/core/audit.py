"""The client-behaviour audit: what a client did that would hurt it on the real service.

It reads what the journal saw, oldest first, in a single pass: each rule keeps a little state per
API key, per request or per job and closes an incident when the client moves on, so the work
grows with the number of entries, never with their square. All times are on the mock's clock.

Requests without an API key are left out: on the real service they reach no account, so they
can neither be charged nor limited, and nothing about them belongs to one client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, Literal, TypeVar, get_args

Kind = Literal[
    "double-charge-risk",
    "retry-too-early",
    "no-backoff",
    "polling-storm",
    "ignored-402",
    "ignored-401",
]
KINDS: tuple[Kind, ...] = get_args(Kind)  # also the order of findings that share a first request
CREATES = frozenset({"rest.create", "generate", "generateAvatar"})
POLLS = frozenset({"rest.get", "avatar", "generation"})
DROPPED = 0  # the status the journal records for a connection the mock cut on purpose
CONCURRENT_JOBS = "concurrent_jobs"  # the one limit that holds back creates only
# Times are floats: 1.4 - 0.4 is 0.9999999999999999. A microsecond is far below anything a
# client could mean, so two instants closer than this are the same instant.
SAME_INSTANT = 1e-6

JobFacts = tuple[float | None, float | None]  # (ended_at, webhook_delivered_at)
NO_JOBS: Mapping[str, JobFacts] = MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Observed:
    """One API request as the audit reads it: what was asked, when, and what came back."""

    id: int  # the journal entry's stable id
    at: float  # arrival, mock-clock epoch seconds
    answered_at: float  # arrival plus any scripted latency: a re-send before it gave up waiting
    api_key: str | None
    operation: str | None  # "rest.create", "generate", "avatar", ...
    status: int  # DROPPED for a connection the mock cut
    request_digest: str  # operation and body (or variables): equal digests ask the same thing
    code: str | None = None  # the answer's error code, None on success
    job_id: str | None = None  # the job it created or read
    idempotency_key: str | None = None
    retry_after: float | None = None  # on a 429: the seconds of its Retry-After header
    rate_limit: str | None = None  # on a 429: which limit (extensions.limit)
    credits_available: int | None = None  # on a 402: the balance it reported


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Kind
    api_key: str
    requests: tuple[int, ...]  # the entry ids that show it, oldest first
    advice: str

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "apiKey": self.api_key,
            "requests": list(self.requests),
            "advice": self.advice,
        }


@dataclass(frozen=True, slots=True)
class AuditPolicy:
    # Half the 2 s the vendor's own polling example waits: a client that asks more often
    # learns nothing sooner, and a webhook would tell it without asking.
    poll_floor_seconds: float = 1.0
    # A client may read a job once after its webhook, to confirm what the webhook said; polls
    # beyond that are the ones that continue for nothing.
    reads_after_delivery: int = 1
    # The vendor's retry sample makes at most two retries, so three at an unchanged pace are a
    # loop rather than a coincidence.
    unchanged_retries: int = 3
    # Intervals this close count as the same interval: on a real clock (`serve`) a client's
    # sleeps and a loopback round trip wobble, by far less than this, while any backoff worth
    # the name grows by more.
    interval_tolerance_seconds: float = 0.05
    # A retry a minute or more after the one before is patient whatever the pattern: the
    # vendor's limits count per minute, so it spends at most one request of each window.
    patient_retry_seconds: float = 60.0


DEFAULT_POLICY = AuditPolicy()

ADVICE: dict[Kind, str] = {
    "double-charge-risk": "Send an Idempotency-Key with every create and the same key on each"
    " retry: the service may have accepted the first, and a retry without it makes and charges"
    " a new job.",
    "retry-too-early": "Wait the seconds the 429's Retry-After header gives before sending again"
    " with this key.",
    "no-backoff": "Retry after a 5xx or a dropped connection with exponential backoff"
    " (1 s, 2 s, 4 s, ...), not at a fixed or shrinking interval.",
    "polling-storm": "Poll a job at most once per {floor:g} s, and stop once its webhook has"
    " arrived (or poll not at all: pass a webhookUrl).",
    "ignored-402": "Do not repeat a request refused for insufficient credits until the balance"
    " has changed: check creditsAvailable and top up first.",
    "ignored-401": "Stop sending a key the service refused: fix or replace it instead of retrying.",
}


def findings(
    observed: Iterable[Observed],
    jobs: Mapping[str, JobFacts] = NO_JOBS,
    policy: AuditPolicy = DEFAULT_POLICY,
) -> list[Finding]:
    """Every finding in `observed` (oldest first), ordered by the first request that shows it.

    `observed` is read once, so a generator will do. `jobs` maps a job id to when it ended and
    when its webhook was delivered (None for not yet); findings that share a first request come
    in the order of KINDS.
    """
    found: list[Finding] = []
    rules = (
        _DoubleCharge(found),
        _RetryTooEarly(found),
        _NoBackoff(found, policy),
        _PollingStorm(found, jobs, policy),
        _Ignored402(found),
        _Ignored401(found),
    )
    for entry in observed:
        if entry.api_key is not None:
            for rule in rules:
                rule.see(entry, entry.api_key)
    for rule in rules:
        rule.finish()
    return sorted(found, key=lambda finding: (finding.requests[0], KINDS.index(finding.kind)))


def _failed(status: int) -> bool:
    """A 5xx or a dropped connection: the client cannot know whether the request took effect."""
    return status == DROPPED or 500 <= status <= 599


@dataclass(slots=True)
class _Incident:
    """The requests of one incident so far, and whether they amount to a finding."""

    api_key: str
    last: Observed
    ids: list[int] = field(default_factory=list)
    proven: bool = False

    def add(self, entry_id: int) -> None:
        if not self.ids or self.ids[-1] != entry_id:
            self.ids.append(entry_id)


@dataclass(slots=True)
class _Window(_Incident):
    since: float = 0.0  # when the first 429 was answered
    until: float = 0.0  # end of the wait for every request
    creates_until: float = 0.0  # end of the wait for creates (`concurrent_jobs`)

    def end(self) -> float:
        return max(self.until, self.creates_until)

    def holds_back(self, entry: Observed) -> bool:
        """Whether `entry` arrived while it had to wait."""
        until = self.end() if entry.operation in CREATES else self.until
        return self.since - SAME_INSTANT <= entry.at < until - SAME_INSTANT


@dataclass(slots=True)
class _Retries(_Incident):
    interval: float | None = None  # of the latest retry
    run: int = 0  # retries in a row whose intervals did not grow


@dataclass(slots=True)
class _Polls(_Incident):
    quiet_from: float | None = None  # when the job had ended and its webhook was delivered
    reads_after: int = 0  # polls since then


IncidentT = TypeVar("IncidentT", bound=_Incident)


class _Rule(Generic[IncidentT]):
    """One kind of finding: its open incidents, each closed into a finding if proven."""

    kind: Kind

    def __init__(self, found: list[Finding]) -> None:
        self._found = found
        self._open: dict[Any, IncidentT] = {}

    def see(self, entry: Observed, api_key: str) -> None:
        raise NotImplementedError

    def advice(self) -> str:
        return ADVICE[self.kind]

    def close(self, key: Any) -> None:
        incident = self._open.pop(key)
        if incident.proven:
            finding = Finding(self.kind, incident.api_key, tuple(incident.ids), self.advice())
            self._found.append(finding)

    def finish(self) -> None:
        for key in list(self._open):
            self.close(key)


class _DoubleCharge(_Rule[_Incident]):
    """A create re-sent (same key and digest) while the fate of the one before was unknown.

    Unknown: the create before got a 5xx or a dropped connection, or the re-send arrived before
    it was answered (the client gave up waiting). Such a re-send is safe only with the same
    Idempotency-Key as the create before; with none, or a fresh one, the service makes and
    charges a second job if it had accepted the first. A create answered otherwise (a success
    or a 4xx) before the next identical one arrived settles it: that next one is a new video
    the client wanted. One finding per chain of re-sends, the first create included.
    """

    kind = "double-charge-risk"

    def see(self, entry: Observed, api_key: str) -> None:
        if entry.operation not in CREATES:
            return
        key = (entry.api_key, entry.request_digest)
        chain = self._open.get(key)
        if chain is not None:
            earlier = chain.last
            unknown = _failed(earlier.status) or entry.at < earlier.answered_at - SAME_INSTANT
            if unknown:
                idempotent = entry.idempotency_key is not None
                chain.proven |= not (
                    idempotent and entry.idempotency_key == earlier.idempotency_key
                )
                chain.add(entry.id)
                chain.last = entry
                return
            self.close(key)
        self._open[key] = _Incident(api_key, entry, [entry.id])


class _RetryTooEarly(_Rule[_Window]):
    """A request on a key that arrived after a 429 was answered, before its Retry-After elapsed.

    The wait runs from the 429's answer for the Retry-After's seconds; a request already on its
    way (it arrived before that answer) is not early, one at the very end of the wait is on
    time. A 429 for `concurrent_jobs` holds back creates only: polling the running jobs
    meanwhile is how a client learns that a slot is free. A 429 met during a wait lengthens it.
    One finding per stretch of waits that an early request broke: its 429s and the early
    requests are the evidence.
    """

    kind = "retry-too-early"

    def see(self, entry: Observed, api_key: str) -> None:
        key = entry.api_key
        window = self._open.get(key)
        if window is not None and entry.at >= window.end() - SAME_INSTANT:
            self.close(key)
            window = None
        if window is not None and window.holds_back(entry):
            window.add(entry.id)
            window.proven = True
        if entry.status == 429 and entry.retry_after is not None:
            if window is None:
                window = self._open[key] = _Window(api_key, entry, since=entry.answered_at)
            window.add(entry.id)
            until = entry.answered_at + entry.retry_after
            if entry.rate_limit == CONCURRENT_JOBS:
                window.creates_until = max(window.creates_until, until)
            else:
                window.until = max(window.until, until)


class _NoBackoff(_Rule[_Retries]):
    """Retries of one request (same key and digest) after a 5xx or a drop, at an unchanged pace.

    A retry is the next request with the same key and digest after one that got a 5xx or a
    dropped connection; the chain ends with the first retry answered otherwise. A retry's
    interval runs from the arrival of the attempt before it to its own. A finding when
    `unchanged_retries` retries in a row come at intervals that do not grow: after the first of
    them, each at most `interval_tolerance_seconds` longer than the one before (constant, or
    shrinking). A retry `patient_retry_seconds` or more after the attempt before breaks such a
    run; a capped backoff that goes on retrying at a cap below that makes one. Another body is
    another request, not a retry. One finding per chain, its every attempt as evidence.
    """

    kind = "no-backoff"

    def __init__(self, found: list[Finding], policy: AuditPolicy) -> None:
        super().__init__(found)
        self._policy = policy

    def see(self, entry: Observed, api_key: str) -> None:
        key = (entry.api_key, entry.request_digest)
        chain = self._open.get(key)
        if chain is None:
            if _failed(entry.status):
                self._open[key] = _Retries(api_key, entry, [entry.id])
            return
        policy = self._policy
        interval = entry.at - chain.last.at
        patient = interval >= policy.patient_retry_seconds - SAME_INSTANT
        grew = chain.interval is None or (
            interval > chain.interval + policy.interval_tolerance_seconds
        )
        if patient:
            chain.run = 0
        elif grew:
            chain.run = 1
        else:
            chain.run += 1
        chain.proven |= chain.run >= policy.unchanged_retries
        chain.interval = interval
        chain.add(entry.id)
        chain.last = entry
        if not _failed(entry.status):
            self.close(key)


class _PollingStorm(_Rule[_Polls]):
    """Polls of one job (per key) closer together than the floor, or going on after its webhook.

    Too close: a poll that arrived less than `poll_floor_seconds` after the poll before it of
    the same job (both are evidence; exactly the floor is fine). Going on: the job has ended and
    its webhook was delivered, and the poll arrived at or after both, beyond the first
    `reads_after_delivery` such polls (those are evidence). A job that ended with no webhook
    delivered is polled until the client sees it ended: only the floor applies. Polls that
    name no job are left out. One finding per job.
    """

    kind = "polling-storm"

    def __init__(
        self, found: list[Finding], jobs: Mapping[str, JobFacts], policy: AuditPolicy
    ) -> None:
        super().__init__(found)
        self._jobs = jobs
        self._policy = policy

    def advice(self) -> str:
        return ADVICE[self.kind].format(floor=self._policy.poll_floor_seconds)

    def see(self, entry: Observed, api_key: str) -> None:
        if entry.operation not in POLLS or entry.job_id is None:
            return
        key = (entry.api_key, entry.job_id)
        polls = self._open.get(key)
        if polls is None:
            polls = self._open[key] = _Polls(api_key, entry)
            ended_at, delivered_at = self._jobs.get(entry.job_id, (None, None))
            if ended_at is not None and delivered_at is not None:
                polls.quiet_from = max(ended_at, delivered_at)
        elif entry.at - polls.last.at < self._policy.poll_floor_seconds - SAME_INSTANT:
            polls.add(polls.last.id)
            polls.add(entry.id)
            polls.proven = True
        if polls.quiet_from is not None and entry.at >= polls.quiet_from - SAME_INSTANT:
            polls.reads_after += 1
            if polls.reads_after > self._policy.reads_after_delivery:
                polls.add(entry.id)
                polls.proven = True
        polls.last = entry


class _Ignored402(_Rule[_Incident]):
    """The same request (key and digest) refused with 402 again, reporting the same balance.

    A 402 starts an incident of that request, and each later 402 to it that reports the same
    `creditsAvailable` joins it; one reporting another balance starts a new incident (the
    balance moved, so trying again was fair), and a success ends it. Other answers neither join
    nor end it. A finding when an incident holds two 402s or more, all of them the evidence.
    """

    kind = "ignored-402"

    def see(self, entry: Observed, api_key: str) -> None:
        key = (entry.api_key, entry.request_digest)
        refused = self._open.get(key)
        if entry.status == 402:
            if refused is not None and refused.last.credits_available == entry.credits_available:
                refused.add(entry.id)
                refused.last = entry
                refused.proven = True
                return
            if refused is not None:
                self.close(key)
            self._open[key] = _Incident(api_key, entry, [entry.id])
        elif refused is not None and 200 <= entry.status <= 299:
            self.close(key)


class _Ignored401(_Rule[_Incident]):
    """Requests, of any operation, with a key that was refused with 401, refused again.

    A key that became valid meanwhile (its account was created) is not ignored: only repeats
    answered 401 count, and a success with the key ends the incident, so a 401 after that
    starts a new one. Other answers (a scripted fault comes before the key is checked) neither
    count nor end it. A finding when an incident holds two 401s or more, all of them the
    evidence.
    """

    kind = "ignored-401"

    def see(self, entry: Observed, api_key: str) -> None:
        key = entry.api_key
        refused = self._open.get(key)
        if entry.status == 401:
            if refused is None:
                self._open[key] = _Incident(api_key, entry, [entry.id])
            else:
                refused.add(entry.id)
                refused.proven = True
        elif refused is not None and 200 <= entry.status <= 299:
            self.close(key)
