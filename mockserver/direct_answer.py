"""One direct request's side of its connection (see direct_http): the ASGI receive and send its
endpoint is given, and its answer, collected whole and written together with the other answers
of the event loop's turn.

When many connections' requests arrive together, the mock's work on all of them runs back to
back and then all of their answers are written (AnswerBatch), rather than each answer's system
call coming between one request's work and the next's. The request counts as answered only once
written, so a connection's next request, pipelined or not, is read after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from .web.server_extensions import WHOLE_ANSWER

if TYPE_CHECKING:
    from .direct_http import DirectProtocol


class _Done:
    """What `Exchange.message_event` is: uvicorn sets it on a disconnect; nothing waits on it."""

    __slots__ = ()

    def set(self) -> None:
        pass


_DONE = _Done()


class AnswerBatch:
    """Whole answers of kept-alive connections, written together at the end of the loop's turn.

    One per server (see `protocol_class`): each server has its own event loop.
    """

    __slots__ = ("_waiting",)

    def __init__(self) -> None:
        self._waiting: list[Exchange] = []

    def add(self, exchange: Exchange, loop: Any) -> None:
        if not self._waiting:
            loop.call_soon(self.write_all)
        self._waiting.append(exchange)

    def write_all(self) -> None:
        waiting, self._waiting = self._waiting, []
        for exchange in waiting:
            try:
                exchange.write_queued()
            except Exception:  # a bug of ours: its connection ends, the others' answers go out
                exchange.protocol.logger.exception("Exception writing an answer")
                exchange.transport.close()


class Exchange:
    """One direct request: its ASGI receive and send, and the cycle attributes uvicorn reads.

    uvicorn's protocol looks at `self.cycle` to queue pipelined requests behind an unanswered
    one, to mark a disconnect and to stop gracefully; ReadDeadlines reads it for its deadlines.
    An Exchange stands there as the cycle of a direct request, with the same attribute names.
    """

    __slots__ = (
        "_head",
        "_length",
        "_queued",
        "_status",
        "app",
        "body",
        "disconnected",
        "keep_alive",
        "more_body",
        "protocol",
        "response_complete",
        "response_started",
        "scope",
        "transport",
    )

    message_event = _DONE

    def __init__(
        self, protocol: DirectProtocol, scope: Any, keep_alive: bool, app: Callable[..., Any]
    ) -> None:
        self.protocol = protocol
        self.scope = scope
        # What answers it (its endpoint, or the whole application): an ASGI app, called to
        # get its coroutine, which `DirectProtocol._answer` starts itself.
        self.app = app
        self.transport = protocol.transport  # the scripted drop aborts it (api.endpoint)
        self.keep_alive = keep_alive
        self.body = b""
        self.more_body = True
        self.disconnected = False
        self.response_started = False
        self.response_complete = False
        self._head: list[bytes] = []
        self._length: int | None = None
        self._status = 0
        self._queued: bytes | None = None  # a whole answer waiting for the batch's write

    async def receive(self) -> dict[str, Any]:
        if self.response_complete or self.disconnected or self._queued is not None:
            return {"type": "http.disconnect"}  # nothing more to read once it is answered
        body, self.body = self.body, b""
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(self, message: dict[str, Any]) -> None:
        if self.disconnected or self.response_complete or self._queued is not None:
            return
        if self.transport.is_closing():
            return
        if not self.response_started:
            self.response_started = True
            self._start(message["status"], message.get("headers", ()))
            return
        self._body(message.get("body", b""), message.get("more_body", False))

    def send_whole(self, status: int, headers: Iterable[tuple[bytes, bytes]], body: bytes) -> None:
        """A whole answer at once (web.server_extensions.WHOLE_ANSWER), as its two messages."""
        if self.disconnected or self.response_complete or self._queued is not None:
            return
        if self.transport.is_closing() or self.response_started:
            return
        self.response_started = True
        self._start(status, headers)
        self._body(body, False)

    def _start(self, status: int, headers: Iterable[tuple[bytes, bytes]]) -> None:
        self._status = status
        head = [STATUS_LINE[status]]
        for name, value in self.protocol.server_state.default_headers:
            head += (name, b": ", value, b"\r\n")
        for name, value in headers:
            lower = name.lower()
            if lower == b"content-length":
                self._length = int(value)
            elif lower == b"connection" and b"close" in value.lower():
                self.keep_alive = False
            head += (lower, b": ", value, b"\r\n")
        if not self.keep_alive and b"connection: close\r\n" not in head:
            head.append(b"connection: close\r\n")
        self._head = head

    def _body(self, body: bytes, more: bool) -> None:
        head, self._head = self._head, []
        if head:
            if self._length is None and not more:
                head.append(b"content-length: %d\r\n" % len(body))
            head.append(b"\r\n")
            head.append(body)
            if self.keep_alive and not more:
                self._queued = b"".join(head)
                self.protocol.answers.add(self, self.protocol.loop)
                return
            self.transport.write(b"".join(head))
        elif body:
            self.transport.write(body)
        if not more:
            self._complete()

    def write_queued(self) -> None:
        """Write the queued answer (unless the client has gone meanwhile) and complete it."""
        answer, self._queued = self._queued, None
        if answer is None or self.disconnected or self.transport.is_closing():
            return
        self.transport.write(answer)
        self._complete()

    def _complete(self) -> None:
        self.response_complete = True
        protocol = self.protocol
        if protocol.access_log:
            protocol.log_access(self.scope, self._status)
        if not self.keep_alive:
            self.transport.close()
        protocol.on_response_complete()

    def ended(self) -> None:
        """The application returned: an answer it never finished leaves nothing to wait for.

        The scope's way back to this exchange goes with it: exchange, scope and send_whole
        make a cycle, which reference counting alone cannot free, and what every request left
        to the garbage collector would have it run again and again under load."""
        self.scope["extensions"].pop(WHOLE_ANSWER, None)
        if not self.response_complete and self._queued is None:
            self.disconnected = True
            self.transport.close()
