"""How the battery reaches a receiver: a URL over real HTTP, or an ASGI or WSGI app in-process.

Each sender POSTs one request and returns what came of it, never an exception: a refused
connection or a hang is an outcome the report explains, not a traceback. An app in-process that
raises is taken as a server would take it, for a 500, with what it raised kept for the report.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx

from .deliveries import Sent

# The in-process app's address: a name that can never resolve, so nothing leaves the process.
IN_PROCESS_BASE = "http://receiver.invalid"
T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    """What one request got: a status, or why there was none, and how long it took."""

    seconds: float
    status: int | None = None
    problem: str | None = None  # why no answer came, or what an app in-process raised
    timed_out: bool = False


class Sender(Protocol):
    where: str  # the receiver, for the report

    def send(self, sent: Sent) -> Answer: ...

    def close(self) -> None: ...


def _timed_out(started: float, timeout: float) -> Answer:
    return Answer(_elapsed(started), problem=f"no answer within {timeout:g} s", timed_out=True)


# Enough of an exception's message to recognise it; a table row is no place for all of it.
RAISED_MESSAGE_CHARS = 80


def _raised(error: BaseException) -> str:
    message = str(error)
    if len(message) > RAISED_MESSAGE_CHARS:
        message = message[: RAISED_MESSAGE_CHARS - 3] + "..."
    return f"the app raised {type(error).__name__}: {message}"


class UrlSender:
    """POSTs to a receiver's URL, as the mock's webhook sender does: no proxy, no redirects."""

    def __init__(self, url: str, timeout: float) -> None:
        self.where = url
        self.timeout = timeout
        plain_http = url.startswith("http://")
        self._http = httpx.Client(
            timeout=timeout, trust_env=False, follow_redirects=False, verify=not plain_http
        )

    def send(self, sent: Sent) -> Answer:
        started = time.perf_counter()
        try:
            response = self._http.post(self.where, content=sent.body, headers=sent.headers)
        except httpx.TimeoutException:
            return _timed_out(started, self.timeout)
        except httpx.ConnectError as error:
            return Answer(_elapsed(started), problem=f"could not connect ({error})")
        except httpx.HTTPError as error:
            return Answer(_elapsed(started), problem=f"{type(error).__name__}: {error}")
        return Answer(_elapsed(started), status=response.status_code)

    def close(self) -> None:
        self._http.close()


class WsgiSender:
    """Calls a WSGI app in this thread. It cannot be interrupted, so a slow answer is judged
    once it comes."""

    def __init__(self, app: Callable[..., Any], path: str) -> None:
        self.where = f"WSGI app {_name(app)} at {path}"
        self._url = IN_PROCESS_BASE + path
        self._http = httpx.Client(transport=httpx.WSGITransport(app=app))

    def send(self, sent: Sent) -> Answer:
        started = time.perf_counter()
        try:
            response = self._http.post(self._url, content=sent.body, headers=sent.headers)
        except Exception as error:
            return Answer(_elapsed(started), status=500, problem=_raised(error))
        return Answer(_elapsed(started), status=response.status_code)

    def close(self) -> None:
        self._http.close()


class AsgiSender:
    """Calls an ASGI app on an event loop of its own, so it works from sync and async callers
    alike. The app's lifespan is not run: a receiver that needs its startup should be checked
    over a socket."""

    def __init__(self, app: Callable[..., Any], path: str, timeout: float) -> None:
        self.where = f"ASGI app {_name(app)} at {path}"
        self.timeout = timeout
        self._url = IN_PROCESS_BASE + path
        self._http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="check-receiver", daemon=True
        )
        self._thread.start()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def send(self, sent: Sent) -> Answer:
        return self._run(self._send(sent))

    async def _send(self, sent: Sent) -> Answer:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._http.post(self._url, content=sent.body, headers=sent.headers)
        except TimeoutError:
            return _timed_out(started, self.timeout)
        except Exception as error:
            return Answer(_elapsed(started), status=500, problem=_raised(error))
        return Answer(_elapsed(started), status=response.status_code)

    def close(self) -> None:
        try:
            self._run(self._http.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()


def _elapsed(started: float) -> float:
    return time.perf_counter() - started


def _name(app: object) -> str:
    return getattr(app, "__qualname__", None) or type(app).__qualname__


def is_asgi(app: object) -> bool:
    """An ASGI app is awaited (`async def app(scope, receive, send)`, or an object whose
    `__call__` is async, as Starlette's); a WSGI app is a plain callable."""
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    return inspect.iscoroutinefunction(call)


def sender_for(target: str | Callable[..., Any], path: str, timeout: float) -> Sender:
    """The sender that reaches `target`: a URL, or an ASGI or WSGI app at `path`."""
    if isinstance(target, str):
        return UrlSender(target, timeout)
    if is_asgi(target):
        return AsgiSender(target, path, timeout)
    return WsgiSender(target, path)
