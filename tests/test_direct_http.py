"""The API plane's direct routes, answered inside the HTTP protocol (mockserver.direct_http).

Each test runs real servers on real sockets: one with the direct path, and where answers are
compared, one whose application hides its direct routes, so uvicorn's own path answers.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import re
import socket
import time
import types
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.types import Receive, Scope, Send

import mockserver
from mockserver import ServerThread, create_app
from mockserver.app import MockApp
from mockserver.core.journal import DROPPED
from mockserver.direct_answer import AnswerBatch, Exchange
from mockserver.direct_http import _carry_on, taken

from conftest import virtual_config

KEY = b"X-API-Key: YOUR_API_KEY\r\n"
CREATE = json.dumps(
    {"service": "hedra", "text": "Hello there", "avatarId": "professional-1"}
).encode()


def request(
    method: str, path: str, body: bytes = b"", headers: bytes = KEY, version: bytes = b"1.1"
) -> bytes:
    head = f"{method} {path} HTTP/".encode() + version + b"\r\nHost: mock\r\n" + headers
    if body or method == "POST":
        head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    return head + b"\r\n" + body


def graphql(query: str, variables: dict[str, Any] | None = None) -> bytes:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    return request("POST", "/graphql", body, b"Authorization: Bearer YOUR_API_KEY\r\n")


class AsgiOnly:
    """The mock's application without `direct_endpoint`: the server then takes uvicorn's path."""

    def __init__(self, app: MockApp) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


@contextmanager
def served(direct: bool = True, **config: Any) -> Iterator[ServerThread]:
    app = create_app(virtual_config(**config))
    with ServerThread(app if direct else AsgiOnly(app)) as server:  # type: ignore[arg-type]
        yield server


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def read_answer(client: socket.socket, buffered: bytearray) -> bytes:
    """One whole answer (head and content-length bytes) from a keep-alive connection."""
    while b"\r\n\r\n" not in buffered:
        chunk = client.recv(65536)
        assert chunk, f"closed before an answer: {bytes(buffered)!r}"
        buffered += chunk
    end = buffered.index(b"\r\n\r\n") + 4
    length = int(re.search(rb"content-length: (\d+)", bytes(buffered[:end])).group(1))  # type: ignore[union-attr]
    while len(buffered) < end + length:
        buffered += client.recv(65536)
    answer = bytes(buffered[: end + length])
    del buffered[: end + length]
    return answer


def without_date(answer: bytes) -> bytes:
    return re.sub(rb"date: [^\r]*\r\n", b"", answer)


def exchange(url: str, requests: list[bytes], pipelined: bool = False) -> list[bytes]:
    """Each request's answer, on one connection: one at a time, or all sent at once."""
    answers = []
    buffered = bytearray()
    with closing(connect(url)) as client:
        if pipelined:
            client.sendall(b"".join(requests))
            return [without_date(read_answer(client, buffered)) for _ in requests]
        for each in requests:
            client.sendall(each)
            answers.append(without_date(read_answer(client, buffered)))
    return answers


GENERATE = "mutation G($input: GenerateInput!) { generate(input: $input) { id status creditCost } }"
SEQUENCE = [
    request("POST", "/v1/avatar", CREATE),
    request("GET", "/v1/avatar/nope"),
    request("POST", "/v1/avatar", b'{"service": '),
    request("POST", "/v1/avatar", CREATE, b""),
    request("POST", "/v1/avatar", CREATE, KEY + b"X-Mock-Fault: 402\r\n"),
    request("POST", "/v1/avatar", CREATE, KEY + b"Idempotency-Key: k1\r\n"),
    request("POST", "/v1/avatar", CREATE, KEY + b"Idempotency-Key: k1\r\n"),
    request("POST", "/v1/avatar", b'{"service": "hedra", "text": "", "avatarId": "x"}'),
    graphql(
        GENERATE,
        {
            "input": {
                "type": "AVATAR",
                "provider": "hedra",
                "input": {"text": "Hi", "avatarId": "professional-1"},
            }
        },
    ),
    graphql("{ avatar(id: 1) { id } }"),
    graphql("query { __typename }"),
    request("GET", "/__mock/clock"),
    request("PUT", "/v1/avatar", CREATE),
    request("GET", "/v1/avatar/a/b"),
]


def test_the_api_routes_take_the_direct_path_and_the_others_uvicorns() -> None:
    with served() as server, closing(connect(server.url)) as client:
        state = server._server.server_state

        def cycle_after(each: bytes) -> type:
            client.sendall(each)
            read_answer(client, bytearray())
            return server.call(lambda: type(next(iter(state.connections)).cycle))

        assert cycle_after(request("POST", "/v1/avatar", CREATE)) is Exchange
        assert cycle_after(request("GET", "/v1/avatar/nope")) is Exchange
        assert cycle_after(graphql("{ __typename }")) is Exchange
        assert cycle_after(request("GET", "/__mock/clock")) is not Exchange
        assert cycle_after(request("POST", "/v1/avatar?x=1", CREATE)) is not Exchange


def test_the_direct_path_answers_byte_for_byte_as_uvicorns() -> None:
    with served() as direct, served(direct=False) as plain:
        assert exchange(direct.url, SEQUENCE) == exchange(plain.url, SEQUENCE)


def test_a_polled_job_reads_the_same_on_both_paths() -> None:
    with served() as direct, served(direct=False) as plain:
        answers = []
        for server in (direct, plain):
            created = exchange(server.url, [request("POST", "/v1/avatar", CREATE)])[0]
            job_id = json.loads(created.partition(b"\r\n\r\n")[2])["data"]["avatar"]["id"]
            answers.append(exchange(server.url, [request("GET", f"/v1/avatar/{job_id}")]))
        assert answers[0] == answers[1]
        assert answers[0][0].startswith(b"HTTP/1.1 200 ")


def test_forwarded_headers_reach_the_links_on_the_direct_path_as_on_uvicorns() -> None:
    # The direct path skips uvicorn's proxy-headers middleware only for requests it would
    # leave as they are: with X-Forwarded-Proto the links of a finished job say https.
    forwarded = KEY + b"X-Forwarded-Proto: https\r\nX-Forwarded-For: 203.0.113.9\r\n"
    with served() as direct, served(direct=False) as plain:
        answers = []
        for server in (direct, plain):
            created = exchange(server.url, [request("POST", "/v1/avatar", CREATE)])[0]
            job_id = json.loads(created.partition(b"\r\n\r\n")[2])["data"]["avatar"]["id"]
            advance = json.dumps({"seconds": 60}).encode()
            exchange(server.url, [request("POST", "/__mock/clock/advance", advance)])
            poll = request("GET", f"/v1/avatar/{job_id}", b"", forwarded)
            answers.append(exchange(server.url, [poll, request("GET", f"/v1/avatar/{job_id}")]))
        assert answers[0] == answers[1]
        forwarded_poll, plain_poll = (json.loads(a.partition(b"\r\n\r\n")[2]) for a in answers[0])
        assert forwarded_poll["data"]["avatar"]["url"].startswith("https://")
        assert plain_poll["data"]["avatar"]["url"].startswith("http://")


MOCKSERVER = str(Path(mockserver.__file__).parent)


def is_the_mocks(found: object) -> bool:
    """Whether garbage the collector found is the mock's: one of its objects, or a frame of its
    code (an error's traceback holds those). Other threads of the test run may leave their own
    garbage meanwhile, which is not this test's business."""
    if isinstance(found, types.FrameType):
        return found.f_code.co_filename.startswith(MOCKSERVER)
    return type(found).__module__.startswith("mockserver")


def test_a_direct_request_leaves_nothing_for_the_garbage_collector() -> None:
    """What a direct request made is freed as it ends, by reference counting alone, whether it
    was answered or refused (a body that is no JSON; the key's concurrent jobs run out half
    way): left in a cycle, it would have the collector run every few dozen requests."""
    job = {"text": "Hi", "avatarId": "professional-1"}
    generate = graphql(GENERATE, {"input": {"type": "AVATAR", "provider": "hedra", "input": job}})
    bad_json = request("POST", "/v1/avatar", b'{"service": ')  # refused, raised from another
    sent = [request("POST", "/v1/avatar", CREATE), generate, bad_json] * 10
    with served() as server, closing(connect(server.url)) as client:
        buffered = bytearray()

        def answers(requests: list[bytes]) -> list[bytes]:
            client.sendall(b"".join(requests))
            return [read_answer(client, buffered).split(b" ", 2)[1] for _ in requests]

        answers(sent[:2])  # the first requests load what is loaded once
        gc.collect()
        gc.disable()
        try:
            statuses = answers(sent)
            gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds is kept, to be looked at
            gc.collect()
            left = Counter(type(found).__name__ for found in gc.garbage if is_the_mocks(found))
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()
    assert {b"200", b"400", b"429"} <= set(statuses)
    assert left == Counter()


def test_pipelined_requests_are_answered_in_order_across_both_paths() -> None:
    slow = request("POST", "/v1/avatar", CREATE, KEY + b"X-Mock-Fault: 500\r\n")
    burst = [request("POST", "/v1/avatar", CREATE), request("GET", "/__mock/clock"), slow]
    burst += [request("GET", "/v1/avatar/nope")] * 3
    with served() as server:
        fault = json.dumps({"operation": "rest.create", "latencyMs": 50, "times": 1}).encode()
        assert exchange(server.url, [request("POST", "/__mock/faults", fault, b"")])[0].startswith(
            b"HTTP/1.1 201 "
        )
        answers = exchange(server.url, burst, pipelined=True)
    statuses = [answer.split(b" ")[1] for answer in answers]
    # The first create waits out the scripted latency in a task; all behind it wait their turn.
    assert statuses == [b"200", b"200", b"500", b"404", b"404", b"404"]
    assert b'"avatar"' in answers[0] and b'"mode"' in answers[1] and b"NOT_FOUND" in answers[3]


def test_connection_close_and_http_1_0_end_the_connection_after_the_answer() -> None:
    with served() as server:
        for each in (
            request("GET", "/v1/avatar/nope", headers=KEY + b"Connection: close\r\n"),
            request("GET", "/v1/avatar/nope", version=b"1.0"),
        ):
            with closing(connect(server.url)) as client:
                client.sendall(each)
                answer = b""
                while chunk := client.recv(65536):
                    answer += chunk
            assert b"connection: close\r\n" in answer
            assert answer.endswith(b"}")  # all of it, then the end of the stream


def test_a_dropped_connection_is_reset_without_an_answer() -> None:
    with served() as server, closing(connect(server.url)) as client:
        client.sendall(request("POST", "/v1/avatar", CREATE, KEY + b"X-Mock-Fault: drop\r\n"))
        with suppress(ConnectionResetError):  # a reset, or an end with nothing sent
            assert client.recv(65536) == b""
        journal = server.app.state.runtime.engine.journal  # type: ignore[attr-defined]
        statuses = server.call(lambda: [entry.status for entry in journal.select()])
    assert statuses == [DROPPED]


def test_bodies_that_need_uvicorns_path_still_get_their_answers() -> None:
    big = b'{"text": "' + b"x" * 70_000 + b'"}'
    with served(max_body_bytes=1024) as server:
        answers = exchange(
            server.url,
            [
                request("POST", "/v1/avatar", big),
                request("POST", "/v1/avatar?x=1", CREATE),
                request("POST", "/v1/avatar", CREATE[:-1] + b" }"),
            ],
        )
    assert [answer.split(b" ")[1] for answer in answers] == [b"413", b"200", b"200"]


def test_a_client_that_pipelines_creates_and_never_reads_is_bounded() -> None:
    """Direct answers are written at once; once the client's socket is full they wait, as
    uvicorn's do, and reading stops: neither the write buffer nor the queue grows without bound."""
    burst = request("GET", "/v1/avatar/nope") * 500
    with served() as server, closing(connect(server.url)) as client:
        client.setblocking(False)
        sent = blocked = 0
        while sent < 8 * 1024 * 1024 and blocked < 200:
            try:
                sent += client.send(burst)
                blocked = 0
            except BlockingIOError:
                blocked += 1
                time.sleep(0.01)
        state = server._server.server_state

        def held() -> tuple[int, int]:
            connection = next(iter(state.connections))
            return len(connection.pipeline), connection.transport.get_write_buffer_size()

        queued, buffered = server.call(held)
    assert queued < 20_000, f"{queued} requests queued after {sent} bytes"
    assert buffered < 4 * 1024 * 1024, f"{buffered} bytes of answers buffered"


def test_answers_written_together_each_reach_their_own_connection() -> None:
    """Requests that arrive together are answered in one batch of writes (AnswerBatch): each
    connection still gets its own answer, whole, and may go on asking on the same connection;
    a client gone before its answer was written loses only that answer."""
    unlimited = b"X-API-Key: test_unlimited_key\r\n"  # sixteen jobs at once, within its limits
    with served() as server:
        clients = [connect(server.url) for _ in range(16)]
        gone = connect(server.url)
        try:
            for client in clients:
                client.sendall(request("POST", "/v1/avatar", CREATE, unlimited))
            gone.sendall(request("POST", "/v1/avatar", CREATE, unlimited))
            gone.close()
            buffers = [bytearray() for _ in clients]
            first = [
                read_answer(client, buffer) for client, buffer in zip(clients, buffers, strict=True)
            ]
            ids = [
                json.loads(answer.split(b"\r\n\r\n", 1)[1])["data"]["avatar"]["id"]
                for answer in first
            ]
            for client, job_id in zip(clients, ids, strict=True):
                client.sendall(request("GET", f"/v1/avatar/{job_id}", headers=unlimited))
            polled = [
                read_answer(client, buffer) for client, buffer in zip(clients, buffers, strict=True)
            ]
        finally:
            for client in clients:
                client.close()
    assert all(answer.startswith(b"HTTP/1.1 200 ") for answer in first + polled)
    assert len(set(ids)) == len(clients)
    for job_id, answer in zip(ids, polled, strict=True):
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["data"]["avatar"]["id"] == job_id


class Ended:
    """An exchange as `_carry_on` sees it: it counts the times it is told its request ended."""

    def __init__(self) -> None:
        self.count = 0

    def ended(self) -> None:
        self.count += 1


def test_requests_started_outside_a_task_may_all_wait_on_one_future() -> None:
    """The direct path starts a request's coroutine outside any task and hands what it waits
    for to a task (direct_http._carry_on): several waiting on one future all carry on."""

    async def run() -> list[str]:
        shared: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        answers: list[str] = []

        async def request(number: int) -> None:
            answers.append(f"{number}: {await shared}")

        ended = Ended()
        tasks = []
        for number in range(3):
            coroutine = request(number)
            pending = taken(coroutine.send(None))  # as DirectProtocol._answer starts it
            assert pending is shared
            tasks.append(
                asyncio.ensure_future(_carry_on(coroutine, pending, ended, logging.getLogger()))
            )  # type: ignore[arg-type]
        await asyncio.sleep(0)
        shared.set_result("loaded")
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert ended.count == 3
        return answers

    assert sorted(asyncio.run(run())) == ["0: loaded", "1: loaded", "2: loaded"]


def test_a_request_carried_on_in_a_task_ends_its_exchange_when_the_task_is_cancelled() -> None:
    """uvicorn's stop cancels the tasks still running once its time is up: the request's
    exchange is told it ended (which closes its connection), as when it returns."""

    async def run() -> int:
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def request() -> None:
            await never

        coroutine = request()
        pending = taken(coroutine.send(None))
        ended = Ended()
        task = asyncio.ensure_future(_carry_on(coroutine, pending, ended, logging.getLogger()))  # type: ignore[arg-type]
        await asyncio.sleep(0)
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        return ended.count

    assert asyncio.run(run()) == 1


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


class FakeProtocol:
    """What an Exchange reads of its protocol, with a batch and a loop of its own."""

    def __init__(self) -> None:
        self.transport = FakeTransport()
        self.server_state = type("State", (), {"default_headers": []})()
        self.answers = AnswerBatch()
        self.loop = type("Loop", (), {"call_soon": lambda _, callback: None})()
        self.logger = logging.getLogger("test_direct_http")
        self.access_log = False
        self.completed = 0

    def on_response_complete(self) -> None:
        self.completed += 1


def queued_exchange(protocol: FakeProtocol) -> Exchange:
    exchange = Exchange(protocol, {}, keep_alive=True, app=AsgiOnly)  # type: ignore[arg-type]
    message = {"type": "http.response.start", "status": 200, "headers": []}
    asyncio.run(exchange.send(message))
    asyncio.run(exchange.send({"type": "http.response.body", "body": b"{}"}))
    return exchange


def test_an_answer_waiting_for_its_write_has_nothing_more_to_receive() -> None:
    protocol = FakeProtocol()
    exchange = queued_exchange(protocol)
    assert protocol.transport.written == []  # waiting for the batch
    assert asyncio.run(exchange.receive()) == {"type": "http.disconnect"}
    protocol.answers.write_all()
    assert protocol.transport.written[0].endswith(b"\r\n\r\n{}")
    assert protocol.completed == 1


def test_an_answer_that_fails_to_go_out_ends_its_connection_and_no_other() -> None:
    protocols = [FakeProtocol() for _ in range(3)]
    batch = AnswerBatch()
    exchanges = [queued_exchange(protocol) for protocol in protocols]

    def broken(data: bytes) -> None:
        raise RuntimeError("a bug on the way out")

    protocols[0].transport.write = broken  # type: ignore[method-assign]
    for exchange in exchanges:
        batch.add(exchange, protocols[0].loop)
    batch.write_all()
    assert protocols[0].transport.closed and protocols[0].transport.written == []
    for protocol in protocols[1:]:
        assert len(protocol.transport.written) == 1 and protocol.completed == 1
