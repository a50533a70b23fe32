"""The API plane's busiest routes answered inside the HTTP protocol, without an ASGI task.

For every request uvicorn builds a request-response cycle, starts an asyncio task for it and
passes the answer through ASGI messages it checks header by header, written to the socket in
two parts. On a create or a poll that machinery costs more than the mock's own work. Here a
request to one of the application's direct routes (app.MockApp.direct_endpoint) is collected
whole and the route's endpoint is called at once, inside the protocol's callback (past
uvicorn's proxy-headers middleware when the request has no X-Forwarded-* header for it to
read): it runs to its end without ever waiting (the common case), and hands its answer over
whole (web.server_extensions) rather than as two ASGI messages, to go out in one write.
A request that does wait goes on once what it waits for is done: from that future's callback
when it waits for a plain future (a commit of `serve --state`, a scripted latency), in a task
otherwise (a dropped connection).

That write waits for the end of the event loop's turn (AnswerBatch): when many connections'
requests arrive together, the mock's work on all of them runs back to back and then all of
their answers are written, rather than each answer's system call coming between one request's
work and the next's (uvicorn's own tasks batch the same way). The request counts as answered
only once written, so a connection's next request, pipelined or not, is read after it.

Only plain requests take this way: a known route and method, no query, a body announced by
Content-Length and within uvicorn's read buffer, no `Expect: 100-continue`, no request of the
connection still unanswered, and a client that reads its answers (its socket's buffer is not
full). Anything else is uvicorn's as before, and the application
is the same ASGI app either way, so the answers cannot differ (the tests compare them byte
for byte).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Generator, Iterable
from typing import Any, Protocol

from starlette.types import ASGIApp, Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from .http_protocol import ReadDeadlines
from .web.server_extensions import WHOLE_ANSWER, WHOLE_BODY


class DirectApp(Protocol):
    """An application with direct routes: `direct_endpoint(scope)` is the endpoint that
    answers the request the scope describes (the scope made ready for it), or None."""

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None: ...

    def direct_endpoint(self, scope: Scope) -> ASGIApp | None: ...


# What the header loop of a request on its way to a direct route looks for: its length, what
# sends it to uvicorn's path, and what uvicorn's proxy-headers middleware would act on.
_LENGTH, _UVICORNS, _FORWARDED = 1, 2, 3
_HEADERS_OF_NOTE = {
    b"content-length": _LENGTH,
    b"transfer-encoding": _UVICORNS,
    b"expect": _UVICORNS,
    b"x-forwarded-for": _FORWARDED,
    b"x-forwarded-proto": _FORWARDED,
}


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
        make a cycle, which reference counting alone cannot free. Left to the garbage
        collector, a dozen objects of every request would make it run every few dozen
        requests."""
        del self.scope["extensions"][WHOLE_ANSWER]
        if not self.response_complete and self._queued is None:
            self.disconnected = True
            self.transport.close()


def taken(pending: Any) -> Any:
    """`pending`, what a coroutine started outside a task waits for, taken over as a task
    takes it: a future's mark that its awaiter blocks on it cleared (see _Resumed)."""
    if getattr(pending, "_asyncio_future_blocking", False):
        pending._asyncio_future_blocking = False
    return pending


class _Resumed:
    """Awaiting this, a task carries on a coroutine that was started outside any task.

    The coroutine gave up control once, with `pending` (what it waits for, the way asyncio's
    futures and sleeps hand it to the task that runs them); from here the task drives it.

    A future yielded so carries asyncio's mark that its awaiter blocks on it, which a task
    clears as it takes the future over; while the mark is set, another `await` of the same
    future fails. Coroutines started outside a task may all wait on one future (the GraphQL
    executor still loading), so the one that started it clears the mark as a task would
    (`taken`), and it is set again here, as its own `await` set it, for the task that goes on.
    """

    __slots__ = ("coroutine", "pending")

    def __init__(self, coroutine: Coroutine[Any, Any, None], pending: Any) -> None:
        self.coroutine = coroutine
        self.pending = pending

    def __await__(self) -> Generator[Any, Any, None]:
        coroutine, pending = self.coroutine, self.pending
        if getattr(pending, "_asyncio_future_blocking", None) is False:
            pending._asyncio_future_blocking = True  # as `taken` found it
        while True:
            try:
                sent = yield pending
            except BaseException as error:  # a cancellation, passed on
                try:
                    pending = coroutine.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    pending = coroutine.send(sent)
                except StopIteration:
                    return


async def _carry_on(
    coroutine: Coroutine[Any, Any, None], pending: Any, exchange: Exchange, logger: Any
) -> None:
    try:
        await _Resumed(coroutine, pending)
    except Exception:
        logger.exception("Exception in ASGI application")
    exchange.ended()


class DirectProtocol(ReadDeadlines):
    """ReadDeadlines, answering the application's direct routes without an ASGI task."""

    # Set by `protocol_class`.
    direct_app: DirectApp | None = None
    answers = AnswerBatch()  # `protocol_class` gives each server one of its own

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._exchange: Exchange | None = None
        # uvicorn wraps the application in its proxy-headers middleware, which changes the
        # scope only for a request with X-Forwarded-* headers: without those, a direct route's
        # endpoint is called straight away. Anything else around the application (uvicorn's
        # trace logging) is always called.
        app = self.app
        under = app.app if type(app) is ProxyHeadersMiddleware else app
        self._endpoint_first = under is self.direct_app and under is not None

    def on_headers_complete(self) -> None:
        exchange = self._direct_exchange()
        if exchange is None:
            super().on_headers_complete()
        else:
            self.cycle = exchange  # type: ignore[assignment]

    def _direct_exchange(self) -> Exchange | None:
        """An Exchange if this request may be answered directly, else None."""
        self._exchange = None
        direct_app = self.direct_app
        cycle = self.cycle
        if direct_app is None or (cycle is not None and not cycle.response_complete):
            return None  # a request still unanswered: queued behind it, as uvicorn does
        if self.flow.write_paused:
            return None  # a client not reading its answers: uvicorn's path waits for it
        url = self.url
        if b"?" in url or b"%" in url or self.root_path or self.parser.should_upgrade():
            return None
        length: bytes | None = None
        forwarded = False
        of_note = _HEADERS_OF_NOTE.get
        for name, value in self.headers:
            kind = of_note(name)
            if kind is None:
                continue
            if kind == _LENGTH:
                length = value
            elif kind == _FORWARDED:
                forwarded = True
            else:
                return None
        if length is not None and not (length.isdigit() and int(length) <= HIGH_WATER_LIMIT):
            return None
        version = self.parser.get_http_version()
        scope: Any = self.scope
        scope["method"] = self.parser.get_method().decode("ascii")
        scope["path"] = url.decode("ascii")
        scope["raw_path"] = url
        scope["query_string"] = b""
        if version != "1.1":
            scope["http_version"] = version
        endpoint = direct_app.direct_endpoint(scope)
        if endpoint is None:
            return None
        if forwarded or not self._endpoint_first:
            endpoint = self.app  # through uvicorn's middleware, which routes it again
        keep_alive = version != "1.0" and self.parser.should_keep_alive()
        exchange = Exchange(self, scope, keep_alive, endpoint)
        scope["extensions"] = {WHOLE_ANSWER: exchange.send_whole}
        self._exchange = exchange
        return exchange

    def on_body(self, body: bytes) -> None:
        exchange = self._exchange
        if exchange is None:
            super().on_body(body)
        else:
            exchange.body += body  # bounded: its Content-Length is within the read buffer

    def on_message_complete(self) -> None:
        exchange = self._exchange
        if exchange is None:
            super().on_message_complete()
            return
        self._exchange = None
        exchange.more_body = False
        exchange.scope["extensions"][WHOLE_BODY] = exchange.body
        self._answer(exchange)

    def _answer(self, exchange: Exchange) -> None:
        self._run(exchange, exchange.app(exchange.scope, exchange.receive, exchange.send))

    def _run(self, exchange: Exchange, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run the coroutine that answers `exchange` until it ends or waits. A wait for a
        plain future (a commit of `serve --state`, a scripted delay) goes on here once the
        future is done, with no task: a task costs more than the rest of the answer's waiting.
        Any other wait is a task's to carry on."""
        try:
            pending = taken(coroutine.send(None))
        except StopIteration:
            exchange.ended()
            return
        except asyncio.CancelledError:  # uvicorn's stop, past its time: nothing to tell
            exchange.ended()
            return
        except Exception:
            self.logger.exception("Exception in ASGI application")
            exchange.ended()
            return
        if type(pending) is asyncio.Future:
            # Among uvicorn's tasks until done: its stop waits while any is there, and
            # cancels them once its time is up. One callback for both steps: each one is a
            # turn's handle of its own.
            tasks = self.tasks
            tasks.add(pending)  # type: ignore[arg-type]

            def resume(done: asyncio.Future[Any]) -> None:
                tasks.discard(done)
                self._run(exchange, coroutine)

            pending.add_done_callback(resume)
            return
        task = self.loop.create_task(_carry_on(coroutine, pending, exchange, self.logger))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    def log_access(self, scope: Any, status: int) -> None:
        client = scope.get("client")
        where = f"{client[0]}:{client[1]}" if client else ""
        self.access_logger.info(
            '%s - "%s %s HTTP/%s" %d',
            where,
            scope["method"],
            scope["path"],
            scope["http_version"],
            status,
        )


def protocol_class(
    header_seconds: float, body_seconds: float, direct_app: DirectApp | None
) -> type[DirectProtocol]:
    """The protocol class for one server's settings and application (None: an application
    without direct routes, all of whose requests take uvicorn's path)."""
    return type(
        "DirectProtocol",
        (DirectProtocol,),
        {
            "header_seconds": header_seconds,
            "body_seconds": body_seconds,
            "direct_app": direct_app,
            "answers": AnswerBatch(),
        },
    )
