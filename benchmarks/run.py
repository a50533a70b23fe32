"""`python -m benchmarks`: every row of the performance table, as ratios to the bare stack.

Both servers run as separate processes on loopback, one uvicorn worker each, measured in the same
run on the same machine, so the ratios hold where absolute numbers drift. Every load is bounded
in time or count. This is a benchmark, not a test: it reports, it never fails a build.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mockserver.core.clock import ClockMode
from mockserver.core.job_request import from_avatar_input
from mockserver.runtime.config import MockConfig
from mockserver.runtime.mock_runtime import MockRuntime

from . import wrk
from .loadgen import http_request, run_load
from .mixed import run_mixed

ROOT = Path(__file__).resolve().parent.parent
MOCK = str(Path(sys.executable).with_name("mock-doitong"))
KEY = "test_unlimited_key"  # an enterprise account whose limits and credits never get in the way
REST_BODY = json.dumps(
    {"service": "hedra", "text": "Hello, welcome to our platform!", "avatarId": "professional-1"}
).encode()
GRAPHQL_BODY = json.dumps(
    {
        "query": "mutation Generate($input: GenerateInput!) { generate(input: $input) "
        "{ id status type provider url metadata creditCost } }",
        "variables": {
            "input": {
                "type": "AVATAR",
                "provider": "hedra",
                "input": {"text": "Hello, welcome to our platform!", "avatarId": "professional-1"},
                "options": {"voice": "en-US-neural"},
            }
        },
    }
).encode()
JSON = {"Content-Type": "application/json"}
ROUNDS = 20  # alternating load runs per server in the throughput rows
WRK_ROUNDS = 5  # the same with wrk, whose runs last whole seconds
# Every job the mock creates also finishes, and that work belongs to the mock's own rounds: with
# short jobs, those of a round finish within it, and the pause after it lets the last ones
# finish before the bare stack is measured (with 5 s jobs they finished during its rounds).
THROUGHPUT_JOB_SECONDS = 0.05
SETTLE_SECONDS = 0.15  # the jobs' 0.05 s, then the ticker waking for the last of them


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    started_in: float

    def memory_kib(self) -> tuple[int, int]:
        """(current RSS, peak RSS) of the server process, from /proc."""
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])
        return values["VmRSS"], values["VmHWM"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(command: Callable[[int], list[str]], ready_path: str) -> Server:
    """Spawn a server and time it until its first 200."""
    port = free_port()
    began = time.perf_counter()
    process = subprocess.Popen(
        command(port), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = began + 30
    while time.perf_counter() < deadline:
        try:
            url = f"http://127.0.0.1:{port}{ready_path}"
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return Server(process, port, time.perf_counter() - began)
        except OSError:
            time.sleep(0.002)
    process.kill()
    raise RuntimeError(f"{command(port)} did not answer within 30 s")


def baseline_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "benchmarks.baseline:app", "--port", str(port),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip


def mock_command(port: int, *extra: str) -> list[str]:
    return [MOCK, "serve", "--port", str(port), "--seed", "1", *extra]


def start_baseline() -> Server:
    return start(baseline_command, "/health")


def start_mock(*extra: str) -> Server:
    return start(lambda port: mock_command(port, *extra), "/__mock/clock")


@dataclass(frozen=True)
class Row:
    what: str
    mock: str
    baseline: str
    ratio: float
    target: str
    met: bool


GRAPHQL_POLL = (
    "query Poll($id: ID!) { avatar(id: $id) "
    "{ id status url videoUrl duration creditCost createdAt completedAt error } }"
)


@dataclass(frozen=True)
class Load:
    name: str
    mock: bytes  # the request sent to the mock
    baseline: bytes  # the same request for the bare stack (its routes answer any job id)
    target: float


def completed_job(port: int) -> str:
    """A job created on the mock and waited for until it completed (bounded)."""
    url = f"http://127.0.0.1:{port}/v1/avatar"
    headers = REST_HEADERS
    created = urllib.request.Request(url, REST_BODY, headers, method="POST")
    with urllib.request.urlopen(created, timeout=5) as answer:
        job_id: str = json.load(answer)["data"]["avatar"]["id"]
    for _ in range(100):
        poll = urllib.request.Request(f"{url}/{job_id}", headers=headers)
        with urllib.request.urlopen(poll, timeout=5) as answer:
            if json.load(answer)["data"]["avatar"]["status"] == "completed":
                return job_id
        time.sleep(0.05)
    raise RuntimeError(f"job {job_id} did not complete")


REST_HEADERS = {**JSON, "X-API-Key": KEY}
BEARER = {**JSON, "Authorization": f"Bearer {KEY}"}


def creates() -> list[Load]:
    rest = http_request("POST", "/v1/avatar", REST_BODY, REST_HEADERS)
    graphql = http_request("POST", "/graphql", GRAPHQL_BODY, BEARER)
    return [Load("REST create", rest, rest, 1.2), Load("GraphQL generate", graphql, graphql, 0.9)]


def polls(job_id: str) -> list[Load]:
    """Polls of `job_id`, which must still be kept: made after the creates that evict jobs."""
    rest = http_request("GET", f"/v1/avatar/{job_id}", b"", {"X-API-Key": KEY})
    body = json.dumps({"query": GRAPHQL_POLL, "variables": {"id": job_id}}).encode()
    graphql = http_request("POST", "/graphql", body, BEARER)
    return [
        Load("REST poll of a completed job", rest, rest, 1.2),
        Load("GraphQL avatar(id) poll of a completed job", graphql, graphql, 0.9),
    ]


Rates = Callable[[int, bytes, float], float]


def python_rates(port: int, request: bytes, seconds: float) -> float:
    result = run_load(port, request, seconds=seconds)
    # Only 200s; a round too short to finish any request (a smoke run on a busy machine) is
    # allowed and counts as no throughput.
    assert set(result.statuses) <= {200}, result.statuses
    return result.per_second


def compare(
    load: Load, servers: tuple[Server, Server], seconds: float, rates: Rates, rounds: int
) -> tuple[float, float]:
    """The mock's rate and the bare stack's: short runs, alternated, the median of each, so
    that drift on a shared machine touches both sides alike instead of whichever ran second."""
    base, mock = servers
    rates(base.port, load.baseline, min(1.0, seconds))  # warm up both
    rates(mock.port, load.mock, min(1.0, seconds))
    base_rates, mock_rates = [], []
    for _ in range(rounds):
        base_rates.append(rates(base.port, load.baseline, seconds / rounds))
        mock_rates.append(rates(mock.port, load.mock, seconds / rounds))
        time.sleep(SETTLE_SECONDS)  # its last jobs finish now, not in the next round
    base_rate, mock_rate = statistics.median(base_rates), statistics.median(mock_rates)
    return mock_rate, base_rate


def rate_row(load: Load, suffix: str, mock_rate: float, base_rate: float) -> Row:
    ratio = mock_rate / base_rate if base_rate else 0.0
    return Row(
        f"{load.name}, 16 connections, requests/s{suffix}",
        f"{mock_rate:,.0f}",
        f"{base_rate:,.0f}",
        ratio,
        f">= {load.target}x",
        ratio >= load.target,
    )


def throughput(seconds: float, with_wrk: bool) -> list[Row]:
    rows = []
    base, mock = start_baseline(), start_mock("--job-seconds", str(THROUGHPUT_JOB_SECONDS))
    generators: list[tuple[str, Rates, int]] = [("", python_rates, ROUNDS)]
    if with_wrk and wrk.available():
        generators.append((" (wrk)", wrk.rates, WRK_ROUNDS))
    try:
        for suffix, rates, rounds in generators:
            created = []
            for load in creates():
                mock_rate, base_rate = compare(load, (base, mock), seconds, rates, rounds)
                created.append(mock_rate)
                rows.append(rate_row(load, suffix, mock_rate, base_rate))
            for load in polls(completed_job(mock.port)):
                rows.append(
                    rate_row(load, suffix, *compare(load, (base, mock), seconds, rates, rounds))
                )
            rest, graphql = created
            ratio = graphql / rest if rest else 0.0
            what = f"GraphQL generate against REST create{suffix}"
            rest_rate = f"{rest:,.0f} (REST)"
            rows.append(Row(what, f"{graphql:,.0f}", rest_rate, ratio, ">= 0.85x", ratio >= 0.85))
    finally:
        base.stop()
        mock.stop()
    return rows


def durable(seconds: float, with_wrk: bool) -> list[Row]:
    """REST create with `serve --state`: each answer committed (in group commits) first; by
    each load generator, as the throughput rows are."""
    with tempfile.TemporaryDirectory() as state:
        base = start_baseline()
        mock = start_mock("--job-seconds", str(THROUGHPUT_JOB_SECONDS), "--state", state)
        generators: list[tuple[str, Rates, int]] = [("", python_rates, 5)]
        if with_wrk and wrk.available():
            generators.append((" (wrk)", wrk.rates, WRK_ROUNDS))
        try:
            rest = creates()[0]
            load = Load("REST create with --state", rest.mock, rest.baseline, 0.5)
            return [
                rate_row(load, suffix, *compare(load, (base, mock), seconds, rates, rounds))
                for suffix, rates, rounds in generators
            ]
        finally:
            base.stop()
            mock.stop()


MIXED_USERS = 200
MIXED_JOB_SECONDS = 1.0


def mixed(seconds: float) -> list[Row]:
    secret = MockRuntime(MockConfig()).engine.accounts.get(KEY)
    assert secret is not None
    mock = start_mock("--job-seconds", str(MIXED_JOB_SECONDS))
    try:
        result = run_mixed(mock.port, KEY, secret.webhook_secret, MIXED_USERS, seconds)
    finally:
        mock.stop()
    arrived = sum(result.receiver.arrived.values())
    return [
        Row(
            f"mixed: {MIXED_USERS} users create with a webhook, poll every second, get it signed",
            f"{result.jobs_per_second:,.1f} jobs/s",
            "-",
            result.jobs_per_second,
            "each webhook once",
            result.exactly_once,
        ),
        Row(
            "... jobs created, finished, webhooks received",
            f"{result.tally.created} / {result.tally.finished} / {arrived}",
            "-",
            float(arrived),
            "all equal",
            result.exactly_once,
        ),
    ]


def cold_start(repeats: int = 5) -> Row:
    def median_start(starter: Callable[[], Server]) -> float:
        times = []
        for _ in range(repeats):
            server = starter()
            times.append(server.started_in)
            server.stop()
        return statistics.median(times)

    base, mock = median_start(start_baseline), median_start(start_mock)
    ratio = mock / base
    return Row(
        "cold start, spawn to first 200", f"{mock * 1000:.0f} ms", f"{base * 1000:.0f} ms",
        ratio, "<= 2x", ratio <= 2,
    )  # fmt: skip


def memory(count: int) -> list[Row]:
    rest = http_request("POST", "/v1/avatar", REST_BODY, {**JSON, "X-API-Key": KEY})
    base = start_baseline()
    # The journal keeps every one of the requests, and jobs finish within the run (0.05 s each):
    # jobs still processing are kept beyond --max-jobs, so with the default 5 s the row would
    # measure how many a fast machine creates in 5 s, not what the mock's bounds hold.
    mock = start_mock("--journal-size", str(count), "--job-seconds", str(THROUGHPUT_JOB_SECONDS))
    try:
        run_load(base.port, rest, seconds=600, max_requests=count)
        run_load(mock.port, rest, seconds=600, max_requests=count)
        _, base_peak = base.memory_kib()
        _, mock_peak = mock.memory_kib()
        run_load(mock.port, rest, seconds=600, max_requests=count)  # as many again
        _, mock_peak_after = mock.memory_kib()
    finally:
        base.stop()
        mock.stop()
    ratio = mock_peak / base_peak
    growth = mock_peak_after / mock_peak
    return [
        Row(
            f"peak memory after {count:,} jobs and journal entries",
            f"{mock_peak / 1024:.0f} MiB", f"{base_peak / 1024:.0f} MiB",
            ratio, "<= 3x", ratio <= 3,
        ),
        Row(
            f"... and after {count:,} more (growth)",
            f"{mock_peak_after / 1024:.0f} MiB", "-", growth, "flat (<= 1.1x)", growth <= 1.1,
        ),
    ]  # fmt: skip


def advance(count: int) -> Row:
    runtime = MockRuntime(MockConfig(clock=ClockMode.VIRTUAL, seed=1))
    engine = runtime.engine
    admission = engine.admit(KEY, "X-API-Key")
    body = json.loads(REST_BODY)
    for _ in range(count):
        request = from_avatar_input(engine.fixtures.catalog, body, "", "rest.create")
        engine.create_job(admission, request)
    began = time.perf_counter()
    asyncio.run(runtime.advance(runtime.config.job_seconds))
    took = time.perf_counter() - began
    assert engine.processing_count(KEY) == 0
    return Row(
        f"advancing the clock over {count:,} pending jobs", f"{took * 1000:.0f} ms", "-",
        took, "< 1 s", took < 1,
    )  # fmt: skip


TIMING_CONFTEST = """
import json, time, pytest
TIMES = {}

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    began = time.perf_counter(); yield
    TIMES[item.name] = TIMES.get(item.name, 0.0) + time.perf_counter() - began

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if not item.name.startswith("test_asks"):  # only those whose bodies count
        yield
        return
    began = time.perf_counter(); yield
    TIMES[item.name] = TIMES.get(item.name, 0.0) + time.perf_counter() - began

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    began = time.perf_counter(); yield
    TIMES[item.name] = TIMES.get(item.name, 0.0) + time.perf_counter() - began

def pytest_sessionfinish(session):
    with open("times.json", "w") as out:
        json.dump(TIMES, out)
"""


# A test that asks the mock something: through the fixture (a fresh mock each time), and the
# same question to the session's server, which nothing resets. The fixture resets the mock
# before a test's first request, so only such a test shows all it costs.
ASKING_TESTS = """
import httpx
CLIENT = httpx.Client()

def clock(url):
    assert CLIENT.get(url + "/__mock/clock").status_code == 200
"""


def fixture_costs(count: int = 500) -> list[Row]:
    """Setup plus teardown of tests with the fixture against plain ones, timed inside pytest;
    and the whole of a test that sends one request, through the fixture against without it."""
    tests = [ASKING_TESTS]
    for n in range(count):
        tests.append(f"def test_plain_{n}():\n    pass\n")
        tests.append(f"def test_mock_{n}(mock_doitong):\n    pass\n")
        tests.append(
            f"def test_asks_plain_{n}(mock_doitong_server):\n    clock(mock_doitong_server.url)\n"
        )
        tests.append(f"def test_asks_mock_{n}(mock_doitong):\n    clock(mock_doitong.url)\n")
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        (directory / "conftest.py").write_text(TIMING_CONFTEST)
        (directory / "test_generated.py").write_text("\n".join(tests))
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "test_generated.py", "-o", "addopts="]  # fmt: skip
        subprocess.run(command, cwd=directory, capture_output=True, check=True)
        times = json.loads((directory / "times.json").read_text())
    plain = statistics.median(times[f"test_plain_{n}"] for n in range(count))
    mocked = statistics.median(times[f"test_mock_{n}"] for n in range(1, count))
    per_test = mocked - plain
    session = times["test_mock_0"] - mocked  # the first test also starts the session's server
    asks_plain = statistics.median(times[f"test_asks_plain_{n}"] for n in range(1, count))
    asks_mock = statistics.median(times[f"test_asks_mock_{n}"] for n in range(1, count))
    asking = asks_mock - asks_plain
    return [
        Row("pytest fixture: per-test overhead", f"{per_test * 1000:.2f} ms", "-",
            per_test * 1000, "<= 0.2 ms", per_test <= 0.0002),
        Row("... of a test that sends a request (the reset runs before it)",
            f"{asking * 1000:.2f} ms", "-", asking * 1000, "<= 0.2 ms", asking <= 0.0002),
        Row("pytest fixture: session start", f"{session * 1000:.0f} ms", "-",
            session * 1000, "< 100 ms", session < 0.1),
    ]  # fmt: skip


def table(rows: list[Row]) -> str:
    header = ("what", "mock-doitong", "bare stack", "ratio", "target", "")
    lines = [header] + [
        (r.what, r.mock, r.baseline, f"{r.ratio:.2f}", r.target, "met" if r.met else "MISSED")
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = [
        " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in lines
    ]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)


def main() -> None:
    from .sessions import sessions  # noqa: PLC0415 - it imports this module

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="load time per server and row, in 5 rounds"
    )
    parser.add_argument(
        "--no-wrk",
        action="store_true",
        help="measure with the Python load generator only, even where wrk is installed",
    )
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs for the memory rows")
    parser.add_argument(
        "--only",
        choices=[
            "throughput",
            "durable",
            "mixed",
            "cold",
            "memory",
            "advance",
            "fixture",
            "sessions",
        ],
    )
    args = parser.parse_args()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sections: dict[str, Callable[[], list[Row]]] = {
        "throughput": lambda: throughput(args.seconds, not args.no_wrk),
        "durable": lambda: durable(args.seconds, not args.no_wrk),
        "mixed": lambda: mixed(args.seconds),
        "cold": lambda: [cold_start()],
        "memory": lambda: memory(args.jobs),
        "advance": lambda: [advance(100_000)],
        "fixture": fixture_costs,
        "sessions": lambda: sessions(args.seconds),
    }
    rows: list[Row] = []
    for name, section in sections.items():
        if args.only in (None, name):
            rows += section()
    print(table(rows))
    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
