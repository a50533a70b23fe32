"""The accounts a mock knows, found by key in constant time."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .accounts import Account, Limits, change_account


class AccountBook:
    """Accounts by API key, with a lookup whose timing says nothing about the keys it holds."""

    def __init__(self) -> None:
        self._by_key: dict[str, Account] = {}
        self._by_digest: dict[bytes, Account] = {}
        self._salt = os.urandom(16)

    def __iter__(self) -> Iterator[Account]:
        return iter(self._by_key.values())

    def get(self, api_key: str) -> Account | None:
        """By a key the mock itself stored (a job's owner): no need to hide timing."""
        return self._by_key.get(api_key)

    def find(self, presented: str | None) -> Account | None:
        """By a key a client presented: looked up by a keyed digest, never by the key itself,
        so the time taken does not depend on how much of a guess matches a real key."""
        if not presented:
            return None
        return self._by_digest.get(self._digest(presented))

    def _digest(self, api_key: str) -> bytes:
        # BLAKE2 with a key is a MAC computed in C: the stdlib hmac wrapper costs more per call.
        return hashlib.blake2b(api_key.encode(), key=self._salt, digest_size=16).digest()

    def store(self, account: Account) -> None:
        self._by_key[account.api_key] = account
        self._by_digest[self._digest(account.api_key)] = account

    def replace_all(self, accounts: Iterable[Account]) -> None:
        """Start over with fresh copies of `accounts` (so a reset restores their balances)."""
        self._by_key, self._by_digest = {}, {}
        for account in accounts:
            self.store(_copy(account))

    def change(
        self,
        api_key: str,
        body: Any,
        plans: dict[str, Limits],
        new_secret: Callable[[], str],
    ) -> Account:
        """Create or change an account from a control-plane body; ValueError(field, message)."""
        account = change_account(self._by_key.get(api_key), api_key, body, plans, new_secret)
        self.store(account)
        return account


def _copy(account: Account) -> Account:
    return Account(
        account.api_key,
        account.plan,
        account.credits,
        account.webhook_secret,
        account.limits,
        dict(account.custom_limits),
    )
