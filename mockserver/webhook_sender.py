"""The I/O half of webhooks: one POST per attempt, bounded in time and in how many run at once.

Attempts never run inside an API request: the runtime starts them as tasks (real clock) or awaits
them from `advance` (frozen clock), so a slow or dead receiver delays nobody else.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from .core.clock import Clock
from .core.webhooks import Attempt, Delivery, RetryPolicy

if TYPE_CHECKING:
    import httpx

# How many attempts may be in flight at once; more wait their turn instead of opening sockets
# without bound when thousands of jobs finish together.
MAX_IN_FLIGHT = 64


class WebhookSender:
    def __init__(self, clock: Clock, policy: RetryPolicy) -> None:
        self.clock = clock
        self.policy = policy
        self._client: httpx.AsyncClient | None = None
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # Deferred: 60 ms of start-up for a mock that may never send a webhook.
            import httpx  # noqa: PLC0415

            self._client = httpx.AsyncClient(
                # Receivers under test are usually local: a proxy from the environment would
                # only get in the way.
                trust_env=False,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=MAX_IN_FLIGHT),
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def attempt(self, delivery: Delivery, number: int, replay: bool = False) -> Attempt:
        """POST the delivery once; the outcome, never an exception."""
        async with self._slots:
            at = self.clock.now()
            started = time.perf_counter()
            status, error = await self._post(delivery, number)
            elapsed_ms = (time.perf_counter() - started) * 1000
        return Attempt(at=at, duration_ms=elapsed_ms, status=status, error=error, replay=replay)

    async def _post(self, delivery: Delivery, number: int) -> tuple[int | None, str | None]:
        import httpx  # noqa: PLC0415 - loaded by _http() already

        timeout = self.policy.timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                request = self._http().build_request(
                    "POST", delivery.url, content=delivery.body, headers=delivery.headers(number)
                )
                # The answer's body is never read: a receiver sending megabytes cannot slow us.
                response = await self._http().send(request, stream=True)
                await response.aclose()
                return response.status_code, None
        except TimeoutError:
            return None, f"timeout: no answer within {timeout:g} s"
        except httpx.TimeoutException:
            return None, f"timeout: no answer within {timeout:g} s"
        except httpx.ConnectError as error:
            return None, f"connection failed: {error or 'refused'}"
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"
        except (OSError, ValueError) as error:  # e.g. a URL httpx cannot send to
            return None, f"{type(error).__name__}: {error}"
