"""The I/O half of webhooks: one POST per attempt, bounded in time and in how many run at once.

Attempts never run inside an API request: the runtime starts them as tasks (real clock) or awaits
them from `advance` (frozen clock), so a slow or dead receiver delays nobody else.

Before each attempt the host is resolved and every address it resolves to is put to the webhook
policy; the POST then goes to the address that was checked (the URL's name still in `Host` and in
TLS), so a name that resolves elsewhere a moment later cannot slip past the check.

A mock that is stopping calls `stop_sending`: attempts already posting carry on to their answer
or their timeout, and any attempt asked for after that is refused with SendingStopped, unsent.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from typing import TYPE_CHECKING, Any

from ..core.clock import Clock
from ..core.errors import ApiError
from ..core.webhook_policy import IPAddress, WebhookPolicy, path_kind, plain_address
from ..core.webhooks import Attempt, Delivery, RetryPolicy

if TYPE_CHECKING:
    import httpx

# How many attempts may be in flight at once; more wait their turn instead of opening sockets
# without bound when thousands of jobs finish together.
MAX_IN_FLIGHT = 64


class SendingStopped(ApiError):
    """An attempt asked for once the mock is stopping: it was not sent, and is not recorded.

    An ApiError, so a control route that would have sent one answers it as a 503, not a bug."""

    def __init__(self) -> None:
        super().__init__(
            503, "SERVICE_UNAVAILABLE", "The mock is stopping: it starts no more webhook attempts"
        )


class WebhookSender:
    def __init__(
        self, clock: Clock, policy: RetryPolicy, destinations: WebhookPolicy | None = None
    ) -> None:
        self.clock = clock
        self.policy = policy
        self.destinations = destinations or WebhookPolicy()
        self._client: httpx.AsyncClient | None = None
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._sending = True
        self.in_flight = 0  # attempts posting now

    def stop_sending(self) -> None:
        """Start no more attempts; those posting now carry on to their answer or timeout."""
        self._sending = False

    def start_sending(self) -> None:
        self._sending = True

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # Deferred: importing httpx is a large part of start-up, for a mock that may
            # never send a webhook.
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

    async def attempt(
        self, delivery: Delivery, number: int, replay: bool = False, fault: str | None = None
    ) -> Attempt:
        """POST the delivery once, as the webhook fault `fault` changes it if one does; the
        outcome, never an exception but SendingStopped."""
        headers = delivery.headers(number)
        body = delivery.body
        if fault is not None and delivery.chaos is not None:
            body = delivery.chaos.request(fault, headers, body)
        async with self._slots:
            if not self._sending:  # asked for, or waiting for a slot, when the mock began to stop
                raise SendingStopped()
            self.in_flight += 1
            try:
                at = self.clock.now()
                started = time.perf_counter()
                status, error = await self._post(delivery.url, headers, body)
                elapsed_ms = (time.perf_counter() - started) * 1000
            finally:
                self.in_flight -= 1
        return Attempt(
            at=at, duration_ms=elapsed_ms, status=status, error=error, replay=replay, fault=fault
        )

    async def _post(
        self, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int | None, str | None]:
        import httpx  # noqa: PLC0415 - loaded by _http() already

        timeout = self.policy.timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                url = httpx.URL(target)
                port = url.port or (443 if url.scheme == "https" else 80)
                addresses = await _resolve(url.host, port)
                path = path_kind(url.raw_path.decode("ascii").partition("?")[0])
                refusal = self.destinations.refusal(url.host, port, path, addresses)
                if refusal is not None:
                    return None, f"refused: {refusal}"
                return await self._post_to(url, addresses, headers, body)
        except TimeoutError:
            return None, f"timeout: no answer within {timeout:g} s"
        except httpx.TimeoutException:
            return None, f"timeout: no answer within {timeout:g} s"
        except httpx.ConnectError as error:
            return None, f"connection failed: {error or 'refused'}"
        except socket.gaierror as error:
            return None, f"connection failed: cannot resolve the host: {error.strerror}"
        except Exception as error:  # whatever else sending raised, it is a failed attempt
            return None, f"{type(error).__name__}: {error}"

    async def _post_to(
        self, url: httpx.URL, addresses: list[IPAddress], headers: dict[str, str], body: bytes
    ) -> tuple[int | None, str | None]:
        """POST to each checked address in turn until one takes the connection, as a client
        connecting by name would (`localhost` is ::1 first, and a receiver may be on 127.0.0.1)."""
        import httpx  # noqa: PLC0415 - loaded by _http() already

        headers = {"Host": url.netloc.decode("ascii"), **headers}
        for address in addresses[:-1]:
            try:
                return await self._post_once(url, address, headers, body)
            except httpx.ConnectError:
                continue
        return await self._post_once(url, addresses[-1], headers, body)

    async def _post_once(
        self, url: httpx.URL, address: IPAddress, headers: dict[str, str], body: bytes
    ) -> tuple[int | None, str | None]:
        request = self._http().build_request(
            "POST",
            url.copy_with(host=str(address)),
            content=body,
            headers=headers,
            extensions=_tls_name(url),
        )
        # The answer's body is never read: a receiver sending megabytes cannot slow us.
        response = await self._http().send(request, stream=True)
        await response.aclose()
        return response.status_code, None


async def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to now (an IP address resolves to itself, without DNS)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [plain_address(ipaddress.ip_address(str(info[4][0]))) for info in infos]
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, "no address")
    return addresses


def _tls_name(url: httpx.URL) -> dict[str, Any]:
    """The name to send and verify in TLS, now that the request goes to an address."""
    if url.scheme != "https":
        return {}
    try:
        ipaddress.ip_address(url.host)
    except ValueError:
        return {"sni_hostname": url.host}
    return {}
