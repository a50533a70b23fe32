"""A small HTTP/1.1 load generator on raw asyncio streams: N keep-alive connections, bounded time.

Raw sockets rather than an HTTP client library, so the generator costs little next to the server
it measures, and both servers are measured with the same yardstick.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def http_request(method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _connection(
    port: int, request: bytes, stop_at: float, statuses: dict[int, int], max_requests: int | None
) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = 0
    try:
        while time.perf_counter() < stop_at and (max_requests is None or done < max_requests):
            writer.write(request)
            status = await read_response(reader)
            statuses[status] = statuses.get(status, 0) + 1
            done += 1
    finally:
        writer.close()
    return done


async def _load(
    port: int, request: bytes, connections: int, seconds: float, max_requests: int | None
) -> LoadResult:
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    per_connection = None if max_requests is None else -(-max_requests // connections)
    counts = await asyncio.gather(
        *(
            _connection(port, request, started + seconds, statuses, per_connection)
            for _ in range(connections)
        )
    )
    return LoadResult(sum(counts), time.perf_counter() - started, statuses)


def run_load(
    port: int,
    request: bytes,
    connections: int = 16,
    seconds: float = 5.0,
    max_requests: int | None = None,
) -> LoadResult:
    """Send `request` over `connections` connections for `seconds` (or `max_requests` in all)."""
    return asyncio.run(_load(port, request, connections, seconds, max_requests))
