"""`POST /__mock/sessions`'s body read into a new session's options: a 400 naming each bad field.

`{scenario?, seed?, accounts?, clock?: "virtual"|"real", jobSeconds?}`, each null or left out
for the server's own setting. A scenario is a bundled one only, as everywhere in the control
plane, and is read and checked here, before any session is made.
"""

from __future__ import annotations

from typing import Any

from ..core.catalog import FixtureError, Fixtures
from ..core.clock import ClockMode
from ..core.errors import bad_request, shown
from ..core.randomness import seed_problem
from ..core.scenarios import MAX_JOB_SECONDS, Scenario, load_scenario
from ..core.whole_numbers import finite_number
from ..runtime.sessions import SessionOptions

FIELDS = ("scenario", "seed", "accounts", "clock", "jobSeconds")
CLOCKS = tuple(mode.value for mode in ClockMode)
# More accounts than any test needs, few enough that a session stays small.
MAX_ACCOUNTS = 100


def read_session_options(body: Any, fixtures: Fixtures) -> SessionOptions:
    if not isinstance(body, dict):
        raise bad_request(f"The body must be a JSON object with any of {', '.join(FIELDS)}")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise bad_request(f"Unknown field {shown(unknown[0])}; known: {list(FIELDS)}", unknown[0])
    return SessionOptions(
        scenario=_scenario(body.get("scenario"), fixtures),
        seed=read_seed(body.get("seed")),
        accounts=_accounts(body.get("accounts")),
        clock=_clock(body.get("clock")),
        job_seconds=_job_seconds(body.get("jobSeconds")),
    )


def _scenario(name: Any, fixtures: Fixtures) -> Scenario | None:
    if name is None:
        return None
    if not isinstance(name, str):
        raise bad_request(
            f"scenario must be the name of a bundled scenario, got {shown(name)}", "scenario"
        )
    try:
        return load_scenario(name, fixtures, bundled_only=True)
    except FixtureError as error:  # not found, or a bundled file that is broken
        raise bad_request(f"scenario: {error}", "scenario") from None


def read_seed(seed: Any) -> int | None:
    """A body's `seed` (None: none given); a 400 naming it unless a whole number a saved state
    can hold."""
    if seed is None:
        return None
    problem = seed_problem(seed)
    if problem:
        raise bad_request(problem, "seed")
    return int(seed)


def _accounts(accounts: Any) -> tuple[dict[str, Any], ...]:
    if accounts is None:
        return ()
    if not isinstance(accounts, list) or len(accounts) > MAX_ACCOUNTS:
        raise bad_request(
            f"accounts must be a list of at most {MAX_ACCOUNTS} objects with an apiKey, "
            f"got {shown(accounts)}",
            "accounts",
        )
    return tuple(accounts)


def _clock(clock: Any) -> ClockMode | None:
    if clock is None:
        return None
    if clock not in CLOCKS:
        raise bad_request(f"clock must be one of {', '.join(CLOCKS)}, got {shown(clock)}", "clock")
    return ClockMode(clock)


def _job_seconds(seconds: Any) -> float | None:
    if seconds is None:
        return None
    number = finite_number(seconds)
    if number is None or not 0 <= number <= MAX_JOB_SECONDS:
        raise bad_request(
            f"jobSeconds must be a number from 0 to {MAX_JOB_SECONDS}, got {shown(seconds)}",
            "jobSeconds",
        )
    return number
