"""A session unused for the TTL is ended by the once-a-second housekeeping; a used one lives on."""

from __future__ import annotations

import asyncio

from mockserver import ClockMode, MockConfig
from mockserver.core.catalog import load_fixtures
from mockserver.runtime.sessions import SessionOptions, Sessions


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_idle_session_expires_after_the_ttl_and_a_used_one_does_not() -> None:
    async def scenario() -> None:
        time = FakeTime()
        config = MockConfig(clock=ClockMode.VIRTUAL, session_ttl_seconds=60)
        sessions = Sessions(config, load_fixtures(), monotonic=time, wall=time)
        idle = await sessions.create(SessionOptions())
        used = await sessions.create(SessionOptions())
        time.now += 59
        assert sessions.get(used.id) is used
        assert sessions.expire() == []
        time.now += 1
        assert sessions.expire() == [idle.id]
        assert sessions.get(idle.id) is None
        time.now += 58  # 59 s since `used` was last seen used
        assert sessions.expire() == []
        time.now += 1
        assert sessions.expire() == [used.id]
        await sessions.close()
        assert len(sessions) == 0

    asyncio.run(scenario())


def test_expires_at_counts_down_from_the_last_use() -> None:
    async def scenario() -> None:
        time = FakeTime()
        config = MockConfig(clock=ClockMode.VIRTUAL, session_ttl_seconds=60)
        sessions = Sessions(config, load_fixtures(), monotonic=time, wall=time)
        session = await sessions.create(SessionOptions())
        time.now += 20
        assert sessions.expires_at(session) == time.now + 40
        await sessions.close()

    asyncio.run(scenario())
