"""What the tests that speak HTTP on raw sockets share."""

from __future__ import annotations

import socket


def read_to_end(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (bounded by the timeout)."""
    chunks = []
    while chunk := client.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)
