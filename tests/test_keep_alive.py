"""Idle keep-alive connections are closed by the server's once-a-second housekeeping
(http_protocol.ReadDeadlines.expire), not by a timer armed after every answer."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import closing, contextmanager
from urllib.parse import urlsplit

from mockserver import ServerThread, create_app

from conftest import virtual_config


@contextmanager
def served() -> Iterator[ServerThread]:
    with ServerThread(create_app(virtual_config())) as server:
        yield server


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def request(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: mock\r\nX-API-Key: YOUR_API_KEY\r\n\r\n".encode()


def read_answer(client: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"}"):
        chunk = client.recv(65536)
        assert chunk
        data += chunk
    return data


def test_an_idle_keep_alive_connection_is_closed_by_the_housekeeping() -> None:
    with served() as server, closing(connect(server.url)) as client:
        client.sendall(request("/v1/avatar/nope"))
        read_answer(client)
        state = server._server.server_state

        def expire_later() -> None:
            for connection in state.connections:
                connection.expire(connection.loop.time() + connection.timeout_keep_alive + 1)

        server.call(expire_later)
        assert client.recv(100) == b""


def test_a_connection_in_use_is_not_closed_as_idle() -> None:
    with served() as server, closing(connect(server.url)) as client:
        client.sendall(request("/v1/avatar/nope")[:20])  # a request under way
        state = server._server.server_state

        def expire_soon() -> None:
            for connection in state.connections:
                connection.expire(connection.loop.time() + 1)

        server.call(expire_soon)
        client.sendall(request("/v1/avatar/nope")[20:])
        assert read_answer(client).startswith(b"HTTP/1.1 404 ")
