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

That write waits for the end of the event loop's turn, with the answers of the other
connections (direct_answer: the request's side of the connection, and the batch of answers).

Only plain requests take this way: a known route and method, no query, a body announced by
Content-Length and within uvicorn's read buffer, no `Expect: 100-continue`, no request of the
connection still unanswered, and a client that reads its answers (its socket's buffer is not
full). Anything else is uvicorn's as before, and the application
is the same ASGI app either way, so the answers cannot differ (the tests compare them byte
for byte).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any, Protocol

from starlette.types import ASGIApp, Scope
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT

from .direct_answer import AnswerBatch, Exchange
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
    finally:  # cancelled too (uvicorn's stop, past its time): its connection ends
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

    def start_request(self) -> None:
        exchange = self._direct_exchange()
        if exchange is None:
            super().start_request()
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
