"""uvicorn's httptools protocol, with the bounds uvicorn does not have: read deadlines, a size
for a request's head, and a pipeline that cannot grow while answers pile up.

- A request's headers must arrive within `header_seconds` of the connection opening (or of the
  first byte after an answer), and its body within `body_seconds` of its headers; past either
  the client gets a 408 and the connection is closed. Without this a client that stops half way
  holds its connection, and the mock's graceful stop, for as long as it likes.
- A request's line and headers may take MAX_HEAD_BYTES; past that the client gets a 431 and the
  connection is closed. uvicorn's parser keeps every header it reads, so without this one
  request could hold as much memory as its client sends within the header deadline.
- uvicorn resumes reading after every answer even when pipelined requests are still queued, so a
  client that sends requests and never reads the answers grows that queue without bound. Here
  reading resumes only once the queue is empty: at most one read's worth of requests waits.

- uvicorn arms a timer after every answer to close the connection if it stays idle past its
  keep-alive timeout, and cancels it when the next request comes: on a busy connection that
  timer costs more than the rest of the connection's bookkeeping. Here the idle time is
  checked with the deadlines instead.

The deadlines are checked by the server once a second (`ReadDeadlines.expire`), so a request
costs a few clock readings and no timer.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .core.errors import ApiError, bad_request, headers_too_large

TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 16\r\nconnection: close\r\n\r\nRequest Timeout\n"
)

# What a request's line and headers may take together, well past any client's: uvicorn's parser
# has no bound of its own and keeps every header it reads.
MAX_HEAD_BYTES = 64 * 1024


def refusal(error: ApiError, headers: list[tuple[bytes, bytes]]) -> bytes:
    """`error` as an answer the protocol gives before any application sees the request, and the
    connection's end: `headers` are the server's own (date, server)."""
    body = json.dumps(error.body(), separators=(",", ":")).encode()
    head = [f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n".encode()]
    head += [name + b": " + value + b"\r\n" for name, value in headers]
    head.append(b"content-type: application/json\r\ncontent-length: %d\r\n" % len(body))
    head.append(b"connection: close\r\n\r\n")
    return b"".join(head) + body


class HeadTooLarge(Exception):
    """Raised inside the parser's callback: it stops the parse there."""


class ReadDeadlines(HttpToolsProtocol):
    # Set by direct_http.protocol_class from the server's settings (ServerTimeouts).
    header_seconds: float
    body_seconds: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen_cycle: object = None
        self._headers_since: float | None = None  # waiting for a request's headers since then
        self._body_since: float | None = None  # waiting for the rest of its body since then
        self._idle_since: float | None = None  # answered everything, nothing new since then
        self._head_bytes = 0  # of the request whose headers are still coming, so far
        self._reading = 0  # bytes of the read being parsed
        self._head_refused = False  # the parse stopped at a head too large (send_400_response)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._headers_since = self.loop.time()

    def data_received(self, data: bytes) -> None:
        self._idle_since = None
        before = self.cycle
        body_was_in = before is not None and not before.more_body
        self._reading = len(data)
        super().data_received(data)
        cycle = self.cycle
        if cycle is not self._seen_cycle:  # a new request's headers are complete
            self._seen_cycle = cycle
            self._headers_since = None
            self._body_since = self.loop.time() if cycle.more_body else None
            self._head_bytes = 0
            return
        waiting_for_answer = not (cycle is None or cycle.response_complete)
        if not waiting_for_answer or body_was_in:  # bytes of the next request's head
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse_head(waiting_for_answer)
                return
        if not waiting_for_answer:
            if self._headers_since is None:
                self._headers_since = self.loop.time()
        elif not cycle.more_body:
            self._body_since = None

    def on_headers_complete(self) -> None:
        # Only when the bytes read while the headers came could hold more than the bound is
        # the head counted: on every request that test is all there is.
        if self._head_bytes + self._reading > MAX_HEAD_BYTES:
            self._check_head()
        self.start_request()

    def start_request(self) -> None:
        """What follows a request's headers, once they are within bounds: uvicorn's cycle and
        its task (direct_http answers some requests itself)."""
        super().on_headers_complete()

    def _check_head(self) -> None:
        """Stop the parse at a request whose line and headers, now complete, take more than
        MAX_HEAD_BYTES, before anything answers it (uvicorn's parser answers a callback's
        error with `send_400_response`, which gives the 431), by the request line and
        headers as parsed."""
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > MAX_HEAD_BYTES:
            self._head_refused = True
            raise HeadTooLarge

    def _refuse_head(self, waiting_for_answer: bool) -> None:
        """A 431 and the connection closed; only closed while an answer before it is due, which
        must not be cut into."""
        if not waiting_for_answer:
            self.transport.write(
                refusal(headers_too_large(MAX_HEAD_BYTES), self.server_state.default_headers)
            )
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes its parser cannot read as HTTP, in the documented envelope
        rather than plain text; a 431 when it was `_check_head` that stopped the parse."""
        error = headers_too_large(MAX_HEAD_BYTES) if self._head_refused else bad_request(msg)
        self.transport.write(refusal(error, self.server_state.default_headers))
        self.transport.close()

    def on_response_complete(self) -> None:
        """uvicorn's, with two changes: reading resumes only once no pipelined request waits,
        and an idle connection is left to `expire` rather than to a timer."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        else:
            self.flow.resume_reading()
            self._idle_since = self.loop.time()

    def expire(self, now: float) -> None:
        """Close the connection if a request is overdue, or it has been idle past the
        keep-alive timeout (called by the server, once a second)."""
        idle = self._idle_since
        if idle is not None and now - idle > self.timeout_keep_alive:
            self.transport.close()
            return
        overdue = (
            self._headers_since is not None and now - self._headers_since > self.header_seconds
        ) or (self._body_since is not None and now - self._body_since > self.body_seconds)
        if not overdue or self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete or not cycle.response_started:
            self.transport.write(TIMEOUT_RESPONSE)
        self.transport.close()
