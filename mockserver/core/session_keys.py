"""How a session's API keys are made from the fixtures' keys, and read back to find the session.

A session's key is a fixture key with the session's id after a dot (`YOUR_API_KEY.ses_1a2b...`):
any client that sends a bearer token or an `X-API-Key` sends it unchanged, and the API plane finds
the session from the key alone, by its last `.ses_` part. A key with no such part is the default
mock's. Everything a session is given by key (its fixtures' accounts, a scenario's accounts and
faults) is renamed the same way, so inside a session every key is that session's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .accounts import Account, change_account
from .catalog import Fixtures
from .scenarios import Scenario

SESSION_PREFIX = "ses_"
_MARK = "." + SESSION_PREFIX


def session_key(api_key: str, session_id: str) -> str:
    """The key `api_key` is called in session `session_id`."""
    return f"{api_key}.{session_id}"


def session_of(api_key: str | None) -> str | None:
    """The id of the session `api_key` belongs to, None for a key of the default mock."""
    if not api_key:
        return None
    at = api_key.rfind(_MARK)
    return None if at < 0 else api_key[at + 1 :]


def in_session(api_key: str, session_id: str) -> bool:
    """Whether `api_key` is one of session `session_id`'s keys."""
    return session_of(api_key) == session_id


def accounts_in_session(accounts: Iterable[Account], session_id: str) -> tuple[Account, ...]:
    """Copies of `accounts`, each under its session key."""
    return tuple(
        dataclasses.replace(
            account,
            api_key=session_key(account.api_key, session_id),
            custom_limits=dict(account.custom_limits),
        )
        for account in accounts
    )


def _renamed(entry: Mapping[str, Any], session_id: str) -> dict[str, Any]:
    """`entry` (an account's or a fault's body) with its `apiKey`, if it names one, renamed."""
    api_key = entry.get("apiKey")
    if not isinstance(api_key, str) or in_session(api_key, session_id):
        return dict(entry)
    return {**entry, "apiKey": session_key(api_key, session_id)}


def scenario_in_session(scenario: Scenario, session_id: str) -> Scenario:
    """`scenario` with every key it names renamed into the session: its accounts and the keys
    its faults are for. A scenario file is shared by every session; the keys it speaks of are
    the fixtures' own."""
    return dataclasses.replace(
        scenario,
        accounts=tuple(_renamed(account, session_id) for account in scenario.accounts),
        faults=tuple(_renamed(fault, session_id) for fault in scenario.faults),
    )


def fixtures_in_session(
    fixtures: Fixtures,
    session_id: str,
    overlay: Sequence[Mapping[str, Any]],
    new_secret: Callable[[], str],
) -> Fixtures:
    """The fixtures a session starts from (and returns to at each reset): their accounts under
    the session's keys, with `overlay`'s accounts (`{apiKey, plan?, credits?, webhookSecret?,
    limits?}`) laid over them as a scenario's are; a new account without a secret gets
    `new_secret()`. Raises ValueError(field, message), the field named as `accounts[i].plan`."""
    renamed = accounts_in_session(fixtures.accounts, session_id)
    accounts = {account.api_key: account for account in renamed}
    for index, entry in enumerate(overlay):
        at = f"accounts[{index}]"
        if not isinstance(entry, Mapping):
            raise ValueError(at, f"{at} must be an object with an apiKey")
        api_key = entry.get("apiKey")
        if not isinstance(api_key, str) or not api_key:
            raise ValueError(f"{at}.apiKey", f"{at}.apiKey must be a non-empty string")
        key = api_key if in_session(api_key, session_id) else session_key(api_key, session_id)
        body = {name: value for name, value in entry.items() if name != "apiKey"}
        try:
            accounts[key] = change_account(accounts.get(key), key, body, fixtures.plans, new_secret)
        except ValueError as error:
            name, message = error.args
            field = at if name is None else f"{at}.{name}"
            raise ValueError(field, f"{field}: {message}") from None
    return dataclasses.replace(fixtures, accounts=tuple(accounts.values()))
