"""Run every check against one deployment and collect the report."""

from __future__ import annotations

import contextlib

import httpx

from .checks import CHECKS, Session
from .options import ContractOptions
from .probe import Listener, Probe
from .results import CheckFailed, CheckSkipped, Outcome, Report, Result


def run_contract(options: ContractOptions) -> Report:
    """Run the checks; raises ControlPlaneLocked for a guarded mock without its admin token."""
    probe = Probe(options.base_url, options.api_key, options.timeout, options.admin_token)
    listener = Listener(*options.webhook_listen)
    session = Session(
        probe=probe,
        allow_spend=options.allow_spend,
        job_timeout=options.job_timeout,
        poll_every=options.poll_every,
        webhook_secret=options.webhook_secret,
        webhook_public_url=options.webhook_url,
        listener=listener,
    )
    results = []
    try:
        for name, function in CHECKS:
            if options.only and name not in options.only:
                continue
            results.append(_run(name, function, session))
        if probe.is_mock:
            # None of the run's jobs is left holding a concurrency slot of the key, and the
            # listener stays open until every webhook it was sent has been answered. A mock
            # that stopped answering has already failed the checks that needed it.
            with contextlib.suppress(httpx.HTTPError):
                probe.let_end(session.created, options.job_timeout)
    finally:
        listener.close()
        probe.close()
    return Report(options.base_url, probe.is_mock, tuple(results))


def _run(name: str, function: object, session: Session) -> Result:
    assert callable(function)
    try:
        detail = function(session)
    except CheckSkipped as skipped:
        return Result(name, Outcome.SKIP, str(skipped))
    except CheckFailed as failed:
        return Result(name, Outcome.FAIL, str(failed))
    except httpx.HTTPError as error:
        return Result(name, Outcome.FAIL, f"{type(error).__name__}: {error}")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return Result(
            name, Outcome.FAIL, f"unexpected answer shape ({type(error).__name__}: {error})"
        )
    return Result(name, Outcome.PASS, str(detail))
