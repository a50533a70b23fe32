"""One running mock: the engine plus what moves it through time.

With a real clock a background task finishes jobs as they fall due; with a frozen clock only
`advance` moves time, and it runs everything that fell due before it returns. Both paths, and
every API request (so a job read is never stale), go through `sync`.
"""

from __future__ import annotations

import asyncio
import contextlib

from .config import MockConfig
from .core.catalog import load_fixtures
from .core.clock import Clock, ClockMode
from .core.engine import Engine
from .core.randomness import Randomness

# With a real clock the ticker wakes at least this often, so a job created while it sleeps is
# never finished much later than its due time.
MAX_TICK_SECONDS = 0.25


class MockRuntime:
    def __init__(self, config: MockConfig) -> None:
        self.config = config
        self.clock = Clock(config.clock, config.clock_start)
        self.engine = Engine(
            load_fixtures(config.fixtures_dir),
            self.clock,
            Randomness(config.seed),
            config.job_seconds,
        )
        self._ticker: asyncio.Task[None] | None = None

    def sync(self) -> None:
        """Bring state up to the clock's present."""
        self.engine.run_due()

    async def advance(self, seconds: float) -> None:
        """Move the clock, running each due event at its own instant, earliest first."""
        target = self.clock.now() + seconds
        while (at := self.engine.scheduler.next_at()) is not None and at <= target:
            self.clock.move_to(at)
            if self.clock.mode is ClockMode.REAL:
                break  # a real clock cannot be stepped: jump, then run all that is due
            self.sync()
        self.clock.advance(target - self.clock.now())
        self.sync()

    def reset(self) -> None:
        self.engine.reset()

    async def start(self) -> None:
        if self.clock.mode is ClockMode.REAL:
            self._ticker = asyncio.create_task(self._tick_forever())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None

    async def _tick_forever(self) -> None:
        while True:
            self.sync()
            next_at = self.engine.scheduler.next_at()
            wait = MAX_TICK_SECONDS if next_at is None else next_at - self.clock.now()
            await asyncio.sleep(min(max(wait, 0.0), MAX_TICK_SECONDS))
