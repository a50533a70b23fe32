"""GraphQL requests that arrive while graphql-core is still loading wait for it, and all answer.

Real sockets and the server's own protocol: the API routes are answered inside it, outside any
task (mockserver.direct_http), which is where several requests waiting on the one loading went
wrong (500s) before each waited on a future of its own.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit

import pytest
from sockets import read_to_end

from mockserver import ServerThread, create_app
from mockserver.graphql.endpoint import GraphQLEndpoint

from conftest import GENERATE, generate_input, virtual_config

CLIENTS = 12
WAIT_SECONDS = 20  # bounds every wait below; none is expected to take it


class HeldLoading:
    """GraphQL's loading held back until `release`, and a count of the requests waiting on it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.released = threading.Event()
        self.waiting = 0
        self.changed = threading.Condition()
        build, loaded = GraphQLEndpoint._build, GraphQLEndpoint._loaded

        def held_build(endpoint: GraphQLEndpoint) -> Any:
            assert self.released.wait(WAIT_SECONDS), "never released"
            return build(endpoint)

        async def counted_loaded(endpoint: GraphQLEndpoint) -> Any:
            with self.changed:
                self.waiting += 1
                self.changed.notify_all()
            return await loaded(endpoint)

        monkeypatch.setattr(GraphQLEndpoint, "_build", held_build)
        monkeypatch.setattr(GraphQLEndpoint, "_loaded", counted_loaded)

    def release_when_waited_on_by(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.waiting >= count, WAIT_SECONDS)
        self.released.set()


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldLoading]:
    holding = HeldLoading(monkeypatch)
    yield holding
    holding.released.set()  # never leave the loading thread waiting


def generate_request() -> bytes:
    body = json.dumps({"query": GENERATE, "variables": {"input": generate_input()}}).encode()
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer test_unlimited_key\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\n"
    )
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.mark.parametrize("warm_up", [True, False], ids=["after start", "on first request"])
def test_requests_that_wait_for_graphql_to_load_are_all_answered(
    held: HeldLoading, warm_up: bool
) -> None:
    app = create_app(virtual_config(), warm_up_graphql=warm_up)
    with ServerThread(app) as server, ExitStack() as connections:
        parts = urlsplit(server.url)
        address = (parts.hostname or "127.0.0.1", parts.port or 80)
        clients = []
        for _ in range(CLIENTS):
            client = socket.create_connection(address, timeout=WAIT_SECONDS)
            connections.enter_context(client)
            client.sendall(generate_request())
            clients.append(client)
        held.release_when_waited_on_by(CLIENTS)
        statuses = [read_to_end(client).split(b"\r\n", 1)[0] for client in clients]
    assert statuses == [b"HTTP/1.1 200 OK"] * CLIENTS
    assert len(app.state.runtime.engine.journal) == CLIENTS
