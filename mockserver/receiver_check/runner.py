"""`check_receiver`: send the battery to one receiver and collect the report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx

from ..core.forgeries import other_secret as made_up_other_secret
from .cases import DEFAULT_TIMEOUT, select
from .deliveries import Deliveries, Sent
from .results import ReceiverReport
from .senders import IN_PROCESS_BASE, Answer, sender_for
from .verdicts import judge

# A receiver: its URL, or an ASGI or WSGI application to call in-process.
ReceiverTarget = str | Callable[..., Any]


def check_receiver(
    url_or_app: ReceiverTarget,
    *,
    secret: str,
    path: str = "/",
    timeout: float = DEFAULT_TIMEOUT,
    only: str | Iterable[str] | None = None,
    other_secret: str | None = None,
) -> ReceiverReport:
    """Send a webhook receiver the battery of cases and report how it answered each.

    `url_or_app` is the receiver's URL (real HTTP), or an ASGI or WSGI app called in-process
    with no socket, at `path`. `secret` is the account's webhook secret; `timeout` is how long
    an answer may take (the mock's `--webhook-timeout`). `only` names the cases to run.
    `other_secret` is the secret of another account the receiver knows, if any: a multi-account
    receiver must not take one account's signature for another's (default: a made-up one).
    """
    cases = select((only,) if isinstance(only, str) else tuple(only or ()))
    if not secret:
        raise ValueError("the secret is empty: give the account's webhook secret")
    other = other_secret or made_up_other_secret(secret)
    if other == secret:
        raise ValueError("the other account's secret is the account's own")
    if timeout <= 0:
        raise ValueError(f"the timeout must be positive, not {timeout}")
    target = _target(url_or_app, path)
    sender = sender_for(url_or_app, path, timeout)
    deliveries = Deliveries(secret, other, target)
    try:
        results = []
        for case in cases:
            exchanges: list[tuple[Sent, Answer]] = [
                (sent, sender.send(sent)) for sent in case.build(deliveries)
            ]
            results.append(judge(case, exchanges, timeout))
    finally:
        sender.close()
    return ReceiverReport(sender.where, timeout, tuple(results))


def assert_receiver_ok(
    url_or_app: ReceiverTarget,
    *,
    secret: str,
    path: str = "/",
    timeout: float = DEFAULT_TIMEOUT,
    only: str | Iterable[str] | None = None,
    other_secret: str | None = None,
) -> ReceiverReport:
    """`check_receiver`, raising AssertionError with the report unless every case passed."""
    return check_receiver(
        url_or_app, secret=secret, path=path, timeout=timeout, only=only, other_secret=other_secret
    ).assert_passed()


def _target(url_or_app: ReceiverTarget, path: str) -> str:
    """Where the deliveries say they were sent (the webhook URL), checking the arguments."""
    if not path.startswith("/"):
        raise ValueError(f"the path must start with '/', not {path!r}")
    if isinstance(url_or_app, str):
        if not _is_http_url(url_or_app):
            raise ValueError(f"not an http(s) URL: {url_or_app!r}")
        if path != "/":
            raise ValueError("path= is for an app in-process: give a URL's path in the URL")
        return url_or_app
    if not callable(url_or_app):
        raise TypeError(f"expected a URL or an ASGI/WSGI app, not {type(url_or_app).__name__}")
    return IN_PROCESS_BASE + path


def _is_http_url(text: str) -> bool:
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        return False
    return url.scheme in ("http", "https") and bool(url.host)
