"""The audit's rules, one class a finding kind: each sees every observed request once, keeps a
little state per key, request or job, and closes an incident when the client moves on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .audit_model import (
    ADVICE,
    CONCURRENT_JOBS,
    CREATES,
    POLLS,
    SAME_INSTANT,
    AuditPolicy,
    Finding,
    JobFacts,
    Kind,
    Observed,
)
from .journal import DROPPED


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


class Rule(Generic[IncidentT]):
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


class DoubleCharge(Rule[_Incident]):
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


class RetryTooEarly(Rule[_Window]):
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


class NoBackoff(Rule[_Retries]):
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


class PollingStorm(Rule[_Polls]):
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


class Ignored402(Rule[_Incident]):
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


class Ignored401(Rule[_Incident]):
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
