"""A load that looks like a real client: create with a webhook, poll until done, get the webhook.

Each virtual user, on its own keep-alive connection, creates a job whose `webhookUrl` points at a
receiver in this process, polls it once a second (the mock's clock runs in real time here) until
it completes, then waits for its signed webhook. The row reports finished jobs per second, end to
end, and whether every job's webhook arrived exactly once with a valid signature.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

from mockserver.core.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, verify_signature

from .loadgen import http_request

POLL_SECONDS = 1.0
WEBHOOK_WAIT_SECONDS = 10.0  # for one job's webhook, after it completed
STATUS_OFFSET = len(b"HTTP/1.1 ")


@dataclass
class Receiver:
    """An HTTP server taking webhooks: it checks each signature and counts each job."""

    secret: str
    arrived: Counter[str] = field(default_factory=Counter)
    bad_signatures: int = 0
    waiting: dict[str, asyncio.Event] = field(default_factory=dict)

    def expect(self, job_id: str) -> asyncio.Event:
        return self.waiting.setdefault(job_id, asyncio.Event())

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = _headers(head)
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                signed = verify_signature(
                    body, headers.get(SIGNATURE_HEADER.lower(), ""), self.secret
                )
                if signed and DELIVERY_HEADER.lower() in headers:
                    job_id = json.loads(body)["id"]
                    self.arrived[job_id] += 1
                    self.expect(job_id).set()
                else:
                    self.bad_signatures += 1
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:
            # The run is over and the loop ends its connections. Ending cancelled, a handler
            # has Python 3.11's stream server print a traceback for each one.
            pass
        finally:
            writer.close()


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    pairs = (line.partition(":") for line in lines if line)
    return {name.strip().lower(): value.strip() for name, _, value in pairs}


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(_headers(head).get("content-length", "0"))
    return int(head[STATUS_OFFSET : STATUS_OFFSET + 3]), await reader.readexactly(length)


@dataclass
class Tally:
    created: int = 0
    finished: int = 0
    errors: Counter[int] = field(default_factory=Counter)


async def _user(
    port: int, key: str, hook: str, *, receiver: Receiver, stop_at: float, tally: Tally
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = json.dumps(
        {
            "service": "hedra",
            "text": "Hello from a user",
            "avatarId": "professional-1",
            "webhookUrl": hook,
        }
    ).encode()
    create = http_request(
        "POST", "/v1/avatar", body, {"Content-Type": "application/json", "X-API-Key": key}
    )
    try:
        while time.perf_counter() < stop_at:
            writer.write(create)
            status, answer = await _answer(reader)
            if status != 200:
                tally.errors[status] += 1
                continue
            tally.created += 1
            job_id = json.loads(answer)["data"]["avatar"]["id"]
            arrived = receiver.expect(job_id)
            poll = http_request("GET", f"/v1/avatar/{job_id}", b"", {"X-API-Key": key})
            while True:
                await asyncio.sleep(POLL_SECONDS)
                writer.write(poll)
                status, answer = await _answer(reader)
                if status != 200:
                    tally.errors[status] += 1
                    break
                if json.loads(answer)["data"]["avatar"]["status"] != "processing":
                    await asyncio.wait_for(arrived.wait(), WEBHOOK_WAIT_SECONDS)
                    tally.finished += 1
                    break
    finally:
        writer.close()


@dataclass(frozen=True)
class MixedResult:
    users: int
    seconds: float
    tally: Tally
    receiver: Receiver

    @property
    def jobs_per_second(self) -> float:
        return self.tally.finished / self.seconds

    @property
    def exactly_once(self) -> bool:
        """Every created job finished, and its webhook came once, signed, and nothing else came."""
        arrived = self.receiver.arrived
        return (
            self.tally.finished == self.tally.created
            and len(arrived) == self.tally.created
            and set(arrived.values()) <= {1}
            and self.receiver.bad_signatures == 0
            and not self.tally.errors
        )


async def _mixed(port: int, key: str, secret: str, users: int, seconds: float) -> MixedResult:
    receiver = Receiver(secret)
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    hook_port = server.sockets[0].getsockname()[1]
    tally = Tally()
    began = time.perf_counter()
    try:
        hook = f"http://127.0.0.1:{hook_port}/hooks/doitong"
        await asyncio.gather(
            *(
                _user(port, key, hook, receiver=receiver, stop_at=began + seconds, tally=tally)
                for _ in range(users)
            )
        )
    finally:
        server.close()
    return MixedResult(users, time.perf_counter() - began, tally, receiver)


def run_mixed(
    port: int, key: str, secret: str, users: int = 32, seconds: float = 10.0
) -> MixedResult:
    """Run the mixed load against a mock whose jobs take about a second (bounded in time)."""
    return asyncio.run(_mixed(port, key, secret, users, seconds))
