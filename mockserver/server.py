"""Run the mock on a real socket: in the foreground (the CLI) or in a thread (tests, the plugin).

In the foreground, SIGTERM or SIGINT stops it gracefully, as uvicorn does: no new connections,
requests in flight finish within the shutdown timeout, then the application's own shutdown
(the runtime's webhook attempts); the process exits 0. A second signal ends it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeVar

import uvicorn
from starlette.types import ASGIApp

from .direct_http import protocol_class
from .http_protocol import ReadDeadlines
from .runtime.config import DEFAULT_HOST

T = TypeVar("T")


@dataclass(frozen=True)
class ServerTimeouts:
    """How long the server waits on a client, in real seconds."""

    header_seconds: float = 10.0  # for a request's headers
    body_seconds: float = 30.0  # for its body, once the headers are in
    shutdown_seconds: int = 5  # for requests in flight when asked to stop; then they are cut


Endpoints = list[tuple[str, int]]


def _listening_hook(app: object) -> Callable[[Endpoints], None] | None:
    """The app's `listening_on(endpoints)`, if it has one: the mock's app wants to know where it
    listens, to keep webhooks off its own control plane."""
    hook: Any = getattr(app, "listening_on", None)
    return hook if callable(hook) else None


def _housekeeping_hook(app: object) -> Callable[[], None] | None:
    """The app's `every_second()`, if it has one: the mock's app ends idle sessions there."""
    hook: Any = getattr(app, "every_second", None)
    return hook if callable(hook) else None


class _ReportingServer(uvicorn.Server):
    """A uvicorn server that says where it listens once it is really accepting connections,
    and that it is stopping once it no longer does."""

    def __init__(
        self,
        config: uvicorn.Config,
        on_ready: Callable[[str], None],
        on_stopping: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(config)
        self._on_ready = on_ready
        self._on_stopping = on_stopping
        self._on_listening = _listening_hook(config.app)
        self._every_second = _housekeeping_hook(config.app)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # uvicorn cuts the wait on a second SIGINT only, and still waits for the connections to
        # close: a second signal of either kind is someone who will not wait at all.
        if self.should_exit:
            _end_now(sig)
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        with super().capture_signals():
            yield
            # uvicorn re-raises the signal it stopped for once it is done, so the process dies of
            # it (exit 143 for SIGTERM). A stop that was asked for is a clean stop: exit 0.
            self._captured_signals.clear()

    async def on_tick(self, counter: int) -> bool:
        if counter % 10 == 0:  # once a second, as uvicorn's own housekeeping
            now = asyncio.get_running_loop().time()
            for connection in list(self.server_state.connections):
                if isinstance(connection, ReadDeadlines):
                    connection.expire(now)
            if self._every_second is not None:
                self._every_second()
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Closed before on_stopping says so; uvicorn's own close that follows does nothing.
        for server in self.servers:
            server.close()
        if self._on_stopping is not None:
            self._on_stopping()
        await super().shutdown(sockets)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            if self._on_listening is not None:
                self._on_listening(self.endpoints())
            self._on_ready(self.bound_url())

    def endpoints(self) -> Endpoints:
        """(address, port) of every socket the server accepts connections on."""
        return [
            (str(name[0]), int(name[1]))
            for server in self.servers
            for name in (sock.getsockname() for sock in server.sockets)
        ]

    def bound_url(self) -> str:
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"


def _end_now(sig: int) -> None:
    """End the process at once, of the signal itself, as if it had not been caught: what is in
    flight is cut. In a signal handler: written straight to the descriptor, past any buffer."""
    name = signal.Signals(sig).name
    notice = f"{name} again: stopped at once; requests and webhook attempts in flight were cut\n"
    os.write(sys.stderr.fileno(), notice.encode())
    signal.signal(sig, signal.SIG_DFL)
    signal.raise_signal(sig)


def uvicorn_config(
    app: ASGIApp, host: str, port: int, access_log: bool, timeouts: ServerTimeouts
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_class(
            timeouts.header_seconds,
            timeouts.body_seconds,
            app if callable(getattr(app, "direct_endpoint", None)) else None,  # type: ignore[arg-type]
        ),
        timeout_graceful_shutdown=timeouts.shutdown_seconds,
        log_level="info" if access_log else "warning",
        access_log=access_log,
        lifespan="on",
    )


def serve_forever(
    app: ASGIApp,
    host: str,
    port: int,
    on_ready: Callable[[str], None],
    *,
    on_stopping: Callable[[], None] | None = None,
    access_log: bool = False,
    timeouts: ServerTimeouts = ServerTimeouts(),
) -> None:
    """Serve in the foreground until stopped; `on_ready(url)` runs once it accepts requests,
    `on_stopping()` once it accepts no more."""
    config = uvicorn_config(app, host, port, access_log, timeouts)
    _ReportingServer(config, on_ready, on_stopping).run()


class ServerThread:
    """The mock served from a background thread, for tests: `start()`, `url`, `stop()`."""

    def __init__(
        self,
        app: ASGIApp,
        host: str = DEFAULT_HOST,
        port: int = 0,
        *,
        timeouts: ServerTimeouts = ServerTimeouts(),
    ) -> None:
        self.app = app
        self.url = ""
        self._ready = threading.Event()
        config = uvicorn_config(app, host, port, False, timeouts)
        self._server = _ReportingServer(config, self._mark_ready)
        self._thread = threading.Thread(target=self._run, name="mock-doitong", daemon=True)
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _mark_ready(self, url: str) -> None:
        self.url = url
        self._ready.set()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # surfaced by start(); a thread cannot raise to its caller
            self._error = error
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._server.serve()

    def call(self, function: Callable[[], T], timeout: float = 30.0) -> T:
        """Run `function` on the server's own event loop and return its result.

        State belongs to that loop's thread; this is how another thread (a test) changes it
        without a race and without the cost of an HTTP round trip.
        """

        async def run() -> T:
            return function()

        if self._loop is None:
            raise RuntimeError("the server is not running")
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    def soon(self, function: Callable[[], object]) -> None:
        """Have the server's loop run `function` soon, without waiting for it (`call` waits)."""
        if self._loop is None:
            raise RuntimeError("the server is not running")
        self._loop.call_soon_threadsafe(function)

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"mock-doitong did not start within {timeout} s")
        if not self.url:
            raise RuntimeError("mock-doitong failed to start") from self._error
        return self

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._server.should_exit

    @property
    def error(self) -> BaseException | None:
        """What stopped the server thread, if anything did."""
        return self._error

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
