"""The core as plain Python for tests: an engine on a frozen clock with the bundled fixtures.

No HTTP, no runtime: a test admits, creates and moves the clock itself, and runs what fell due
with `run_due`, which is what the runtime does for every request.
"""

from __future__ import annotations

from typing import Any

from mockserver.core.catalog import load_fixtures
from mockserver.core.clock import DEFAULT_VIRTUAL_START, Clock, ClockMode
from mockserver.core.engine import Engine
from mockserver.core.job_request import JobRequest, from_avatar_input
from mockserver.core.jobs import Job
from mockserver.core.randomness import Randomness
from mockserver.core.stores import memory_stores
from mockserver.core.webhooks import Delivery, RetryPolicy

FIXTURES = load_fixtures(None)
KEY = "YOUR_API_KEY"  # pro plan: 60 a minute, 10 at once, 10,000 a day, 100,000 credits
FREE = "test_free_key"  # free plan: 10 a minute, 1 at once, 100 a day, 1,000 credits
UNLIMITED = "test_unlimited_key"  # enterprise without limits of its own
HEADER = "X-API-Key"
START = DEFAULT_VIRTUAL_START
TEXT = "Hello, welcome to our platform!"  # five words: 2 s of speech, 53 credits
HOOK = "http://127.0.0.1:9/hook"


def make_engine(
    *, seed: int = 7, job_seconds: float = 30.0, retry_policy: RetryPolicy | None = None, **kw: Any
) -> Engine:
    return Engine(
        FIXTURES,
        Clock(ClockMode.VIRTUAL),
        randomness=Randomness(seed),
        job_seconds=job_seconds,
        stores=memory_stores(retry_policy),
        **kw,
    )


def job_request(text: str = TEXT, **fields: Any) -> JobRequest:
    """A checked REST create body: `{service, text, avatarId}` plus `fields`."""
    body = {"service": "hedra", "text": text, "avatarId": "professional-1", **fields}
    return from_avatar_input(FIXTURES.catalog, body, "", "rest.create")


def create(
    engine: Engine,
    key: str = KEY,
    text: str = TEXT,
    idempotency_key: str | None = None,
    **fields: Any,
) -> Job:
    """Admit one create request for `key` and make its job, as a transport would."""
    admission = engine.admit(key, HEADER)
    return engine.create_job(admission, job_request(text, **fields), idempotency_key)


def credits(engine: Engine, key: str = KEY) -> int:
    account = engine.accounts.get(key)
    assert account is not None
    return account.credits


def advance(engine: Engine, seconds: float) -> list[Delivery]:
    """Move the clock, run everything that fell due and return the webhook attempts to make.

    Unlike the runtime's `advance`, the attempts are not made: the test makes up their outcome.
    """
    engine.clock.advance(seconds)
    deliveries: list[Delivery] = []
    while True:
        work = engine.run_due()
        deliveries.extend(work.deliveries)
        if not work.more:
            return deliveries
