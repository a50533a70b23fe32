"""What a key (or a test, or a whole run) was charged: jobs, credits debited and refunded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(slots=True)
class Spend:
    """Jobs charged for, their credits, and the credits given back as some of them failed."""

    jobs: int = 0
    debited: int = 0
    refunded: int = 0

    @property
    def spent(self) -> int:
        """What it cost in the end: a refunded job costs nothing."""
        return self.debited - self.refunded

    def add(self, other: Spend) -> None:
        self.jobs += other.jobs
        self.debited += other.debited
        self.refunded += other.refunded


def total_spend(spends: Iterable[Spend]) -> Spend:
    """The sum of `spends`: every key's together, say."""
    total = Spend()
    for spend in spends:
        total.add(spend)
    return total
