"""The pytest fixture's server app: each test's reset runs on the server's loop, unawaited.

Why it exists: handing the reset to the server's thread and waiting for it (`ServerThread.call`)
costs a thread wake-up and a hand-over of the GIL per test, more than the reset itself and more
than all of pytest's work for a fixture. Here the test thread only leaves the reset in a slot;
the server's loop runs it before the next request it serves (or the next `run_pending`, which
the plugin's own calls on that loop begin with), so nothing a test sends can find the state of
the test before.

What proves it equal to resetting at once: the reset is the same function, run on the same
thread, before anything the test asks of the mock; tests/test_pytest_plugin_isolation.py checks
each part of the state, read first by a request, by `app` and by the plugin's own calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from .app import MockApp


class DeferredReset:
    """An ASGI app that runs the reset left for it, if any, before passing a request on.

    Everything else (its `state`, the hooks the server calls) is the wrapped app's.
    """

    def __init__(self, app: MockApp) -> None:
        self.app = app
        self._lock = threading.Lock()  # the slot is filled by the test's thread, run by the loop's
        self._pending: tuple[Callable[[], None], Future[None]] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    def defer(self, reset: Callable[[], None]) -> Future[None]:
        """Leave `reset` to run before the next request; its future, done once it has run.

        A reset left earlier and not run yet is dropped (its future cancelled): no request came
        between the two, so the later one alone returns the state to where it must be, and the
        slot never holds more than one, however many tests go by without touching the mock.
        """
        done: Future[None] = Future()
        with self._lock:
            dropped, self._pending = self._pending, (reset, done)
        if dropped is not None:
            dropped[1].cancel()
        return done

    def run_pending(self) -> None:
        """Run the reset left, if any; on the server's loop, like any request."""
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        reset, done = pending
        if not done.set_running_or_notify_cancel():
            return
        try:
            reset()
        except Exception as error:  # a bug in the mock: the test that asked reports it
            done.set_exception(error)
        else:
            done.set_result(None)

    def direct_endpoint(self, scope: Scope) -> ASGIApp | None:
        """The wrapped app's direct route for this request (see direct_http), with the reset
        left for it run first: the server calls that endpoint itself, without `__call__`."""
        if self._pending is not None:
            self.run_pending()
        return self.app.direct_endpoint(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._pending is not None:  # read without the lock: run_pending takes it
            self.run_pending()
        await self.app(scope, receive, send)
