"""Sessions: isolated mocks inside one running server, each a whole MockRuntime of its own.

A session has its own engine (accounts, jobs, rate-limit windows, faults, journal, deliveries,
inbox, ledger, scenario), clock and webhook sender; it shares with the server only the fixtures
it was loaded from (read once, never changed) and the settings it was not given. The default
mock is not a session: it is the server's own runtime, and keys without a session part go to it.

A session lives until it is ended or has been unused for `session_ttl_seconds` of real time.
Nothing runs per session to time that: each use marks it, and the server's once-a-second
housekeeping (`expire`) turns the mark into a time and ends the sessions idle for too long.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.catalog import Fixtures
from ..core.clock import ClockMode
from ..core.randomness import Randomness
from ..core.scenarios import Scenario
from ..core.session_keys import SESSION_PREFIX, fixtures_in_session
from .config import MockConfig
from .mock_runtime import MockRuntime

# Where a session's control plane, and the links its jobs' answers give, live on the server.
SESSIONS_PATH = "/__mock/sessions"


class TooManySessions(Exception):
    """`max_sessions` are alive; one must end before another can start."""


@dataclass(frozen=True)
class SessionOptions:
    """What a new session may differ in from the server's settings (None: the server's)."""

    scenario: Scenario | None = None  # already read and checked against the fixtures
    seed: int | None = None
    accounts: Sequence[Mapping[str, Any]] = ()  # laid over the fixtures' accounts
    clock: ClockMode | None = None
    job_seconds: float | None = None


class Session:
    __slots__ = ("id", "idle_since", "runtime", "used")

    def __init__(self, session_id: str, runtime: MockRuntime, now: float) -> None:
        self.id = session_id
        self.runtime = runtime
        self.idle_since = now  # monotonic seconds: when it was last seen used
        self.used = False  # used since the last housekeeping


class Sessions:
    """The server's live sessions, by id."""

    def __init__(
        self,
        config: MockConfig,
        fixtures: Fixtures,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.ttl = config.session_ttl_seconds
        self.limit = config.max_sessions
        self._fixtures = fixtures
        self._monotonic = monotonic
        self._wall = wall
        self._live: dict[str, Session] = {}
        self._endpoints: list[tuple[str, int]] = []
        self._stopping: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._live)

    def __iter__(self) -> Iterator[Session]:
        return iter(list(self._live.values()))

    def listening_on(self, endpoints: list[tuple[str, int]]) -> None:
        """Where the server listens: every session's webhooks are kept off it, as the root's."""
        self._endpoints = list(endpoints)
        for session in self._live.values():
            session.runtime.listening_on(self._endpoints)

    def get(self, session_id: str | None) -> Session | None:
        """The live session `session_id`, marked as used; None if there is none by that id."""
        session = self._live.get(session_id) if session_id else None
        if session is not None:
            session.used = True
        return session

    async def create(self, options: SessionOptions) -> Session:
        """A new session, started; TooManySessions at the limit. Raises ValueError(field,
        message) for an account `options` cannot lay over the fixtures."""
        if len(self._live) >= self.limit:
            raise TooManySessions(
                f"{self.limit} sessions are alive, the most this server keeps (--max-sessions); "
                "end one with DELETE /__mock/sessions/{id}"
            )
        session_id = self._new_id()
        config = dataclasses.replace(
            self.config,
            seed=self.config.seed if options.seed is None else options.seed,
            clock=options.clock or self.config.clock,
            job_seconds=(
                self.config.job_seconds if options.job_seconds is None else options.job_seconds
            ),
            scenario=None,
        )
        # A new account's secret, drawn from a stream of the seed's own, repeats with the seed.
        secrets_stream = Randomness(config.seed).stream("session-accounts")
        fixtures = fixtures_in_session(
            self._fixtures, session_id, options.accounts, secrets_stream.webhook_secret
        )
        runtime = MockRuntime(
            config,
            fixtures=fixtures,
            session_id=session_id,
            link_path=f"{SESSIONS_PATH}/{session_id}",
        )
        if self._endpoints:
            runtime.listening_on(self._endpoints)
        if options.scenario is not None:
            runtime.activate(options.scenario)
        await runtime.start()
        session = self._live[session_id] = Session(session_id, runtime, self._monotonic())
        return session

    def _new_id(self) -> str:
        # 80 random bits: a clash is not expected in the life of any server, yet it is checked.
        for _ in range(8):
            session_id = SESSION_PREFIX + secrets.token_hex(10)
            if session_id not in self._live:
                return session_id
        raise RuntimeError("no free session id after 8 draws")  # pragma: no cover

    def end(self, session_id: str) -> bool:
        """End a session now: it is gone at once, its tasks and webhook sender stopped in the
        background. False if there was no such session."""
        session = self._live.pop(session_id, None)
        if session is None:
            return False
        task = asyncio.get_running_loop().create_task(session.runtime.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
        return True

    def expires_at(self, session: Session) -> float:
        """When (wall-clock epoch seconds) `session` ends if it is not used again."""
        if session.used:
            return self._wall() + self.ttl
        idle = self._monotonic() - session.idle_since
        return self._wall() + max(self.ttl - idle, 0.0)

    def expire(self) -> list[str]:
        """The once-a-second housekeeping: end every session idle for the TTL; their ids."""
        now = self._monotonic()
        ended = []
        for session in list(self._live.values()):
            if session.used:
                session.used, session.idle_since = False, now
            elif now - session.idle_since >= self.ttl:
                ended.append(session.id)
                self.end(session.id)
        return ended

    async def close(self) -> None:
        """End every session and wait for all of them to stop (the server is stopping)."""
        for session_id in list(self._live):
            self.end(session_id)
        while self._stopping:
            await asyncio.gather(*list(self._stopping), return_exceptions=True)
