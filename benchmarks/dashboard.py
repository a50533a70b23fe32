"""`python -m benchmarks.dashboard`: what an open dashboard costs the API plane.

One served mock takes the benchmark's REST create load (16 connections, as in the performance
table) in short rounds that alternate between no dashboard and a dashboard open. "Open" is a
poller in its own process that asks what the page asks, as often: the routes of `sources` in
mockserver/control/ui/live.js (read from that file, so the two cannot drift apart), all of
them at once, one round every INTERVAL_MS, never two rounds at a time. The medians of the two
kinds of round give the cost twice: by throughput, and by the server's CPU time per request
(the steadier of the two on a shared machine). Then, on the mock the load left full, the CPU
the page's rounds take alone. Also reported: how long a round took under the load, and how many
the poller finished, since the page must keep updating. Bounded in time; it reports, it never
fails.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import statistics
import time
from multiprocessing.synchronize import Event
from pathlib import Path

from .loadgen import http_request, read_response, run_load
from .run import JSON, KEY, REST_BODY, SETTLE_SECONDS, THROUGHPUT_JOB_SECONDS, start_mock

LIVE_JS = Path(__file__).resolve().parent.parent / "mockserver" / "control" / "ui" / "live.js"
BROWSER_CONNECTIONS = 6  # what a browser opens to one host over HTTP/1.1


def page_routes() -> tuple[list[str], float]:
    """The control routes one round of the page reads, and the seconds between rounds."""
    text = LIVE_JS.read_text()
    constants = dict(re.findall(r"const (\w+) = (\d+);", text))
    body = text.split("export function sources", 1)[1].split("\n}", 1)[0]
    routes = []
    for path, constant in re.findall(r'\w+: "([^"]+)"(?: \+ (\w+))?', body):
        routes.append("/__mock/" + path + (constants[constant] if constant else ""))
    return routes, int(constants["INTERVAL_MS"]) / 1000


async def _round(
    connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]], requests: list[bytes]
) -> None:
    """Every route once, spread over the connections as a browser spreads them."""

    async def one_connection(index: int) -> None:
        reader, writer = connections[index]
        for request in requests[index :: len(connections)]:
            writer.write(request)
            status = await read_response(reader)
            assert status == 200, status

    await asyncio.gather(*(one_connection(i) for i in range(len(connections))))


async def _poll(
    port: int, open_page: Event, stop: Event, rounds: multiprocessing.Queue[float]
) -> None:
    routes, interval = page_routes()
    requests = [http_request("GET", route, b"", {}) for route in routes]
    connections = [
        await asyncio.open_connection("127.0.0.1", port) for _ in range(BROWSER_CONNECTIONS)
    ]
    while not stop.is_set():
        if not open_page.is_set():
            await asyncio.sleep(0.01)
            continue
        started = time.perf_counter()
        await _round(connections, requests)
        took = time.perf_counter() - started
        rounds.put(took)
        await asyncio.sleep(max(interval - took, 0))  # the next round a second after this one


def poller(port: int, open_page: Event, stop: Event, rounds: multiprocessing.Queue[float]) -> None:
    asyncio.run(_poll(port, open_page, stop, rounds))


def cpu_seconds(pid: int) -> float:
    """CPU time the process's main thread, the event loop, has used so far: schedstat counts
    it in nanoseconds, where /proc/PID/stat counts clock ticks of 10 ms."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


def server_cpu_per_second(pid: int, open_page: Event, is_open: bool, seconds: float) -> float:
    """The server's CPU time per second of wall time, with the page open or not."""
    if is_open:
        open_page.set()
    began, used = time.perf_counter(), cpu_seconds(pid)
    time.sleep(seconds)
    rate = (cpu_seconds(pid) - used) / (time.perf_counter() - began)
    open_page.clear()
    return rate


def measure(pairs: int, seconds: float) -> None:
    rest = http_request("POST", "/v1/avatar", REST_BODY, {**JSON, "X-API-Key": KEY})
    mock = start_mock("--job-seconds", str(THROUGHPUT_JOB_SECONDS))
    context = multiprocessing.get_context("spawn")
    open_page, stop = context.Event(), context.Event()
    rounds: multiprocessing.Queue[float] = context.Queue()
    page = context.Process(target=poller, args=(mock.port, open_page, stop, rounds))
    page.start()
    closed_rates: list[float] = []
    open_rates: list[float] = []
    round_seconds: list[float] = []
    # The server's CPU time per REST request served: on a shared machine the share of a core
    # the server gets swings from round to round, and its throughput with it, while the work
    # it does for each request (and for the page besides) does not.
    closed_costs: list[float] = []
    open_costs: list[float] = []
    try:
        run_load(mock.port, rest, seconds=1)  # warm up
        for _ in range(pairs):
            for is_open in (False, True):
                if is_open:
                    open_page.set()
                    time.sleep(0.05)  # its first round under way as the load starts
                used = cpu_seconds(mock.process.pid)
                result = run_load(mock.port, rest, seconds=seconds)
                cpu = cpu_seconds(mock.process.pid) - used
                open_page.clear()
                assert set(result.statuses) <= {200}, result.statuses
                (open_rates if is_open else closed_rates).append(result.per_second)
                per_request = cpu / max(result.requests, 1)
                (open_costs if is_open else closed_costs).append(per_request)
                time.sleep(SETTLE_SECONDS)
                while not rounds.empty():
                    round_seconds.append(rounds.get())
        # The same page on the mock the load left full (a full journal, the newest jobs), idle:
        # what its rounds take of the server's one core, alternated with none open.
        idle, polled = [], []
        for _ in range(5):
            idle.append(server_cpu_per_second(mock.process.pid, open_page, False, seconds))
            polled.append(server_cpu_per_second(mock.process.pid, open_page, True, seconds))
    finally:
        stop.set()
        page.join(10)
        mock.stop()
    closed, opened = statistics.median(closed_rates), statistics.median(open_rates)
    routes, interval = page_routes()
    print(f"the page's round: {len(routes)} routes every {interval:g} s: {', '.join(routes)}")
    print(f"{pairs} pairs of {seconds:g} s rounds of REST create load, 16 connections")
    print(f"  no dashboard:      median {closed:,.0f} requests/s  (each: {_list(closed_rates)})")
    print(f"  a dashboard open:  median {opened:,.0f} requests/s  (each: {_list(open_rates)})")
    print(f"  cost, by throughput: {(closed - opened) / closed:+.1%} of REST requests/s")
    closed_cost, open_cost = statistics.median(closed_costs), statistics.median(open_costs)
    print(
        f"  cost, by the server's CPU per REST request: {closed_cost * 1e6:.1f} us without the "
        f"page, {open_cost * 1e6:.1f} us with it: {1 - closed_cost / open_cost:+.1%} of the "
        "requests the same CPU serves"
    )
    if round_seconds:
        print(
            f"  the page's rounds under load: {len(round_seconds)} finished, median "
            f"{statistics.median(round_seconds) * 1000:.0f} ms, slowest "
            f"{max(round_seconds) * 1000:.0f} ms"
        )
    _report_cpu(idle, polled)


def _report_cpu(idle: list[float], polled: list[float]) -> None:
    page = statistics.median(polled) - statistics.median(idle)
    print(
        f"  server CPU with the mock idle: {statistics.median(idle) * 1000:.1f} ms/s without the "
        f"page, {statistics.median(polled) * 1000:.1f} ms/s with it: the page takes "
        f"{page:.2%} of the server's one core"
    )


def _list(rates: list[float]) -> str:
    return " ".join(f"{rate:,.0f}" for rate in rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--pairs", type=int, default=10, help="rounds of each kind (10)")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of a round (2 s)")
    options = parser.parse_args()
    measure(options.pairs, options.seconds)


if __name__ == "__main__":
    main()
