"""What a pytest session would have spent on the real service, per plan, from each test's ledger.

The pytest plugin adds each test's spend here just before the mock is reset for the next test
(and the last test's as the server stops), so the tally costs no request of its own. Under
pytest-xdist each worker keeps its own, and the controller merges them (`as_json`, `merge`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .control.client import LedgerEntry
from .core.accounts import PLANS
from .core.spend import Spend, total_spend


@dataclass
class SessionSpend:
    """Tests that used the mock, and what their jobs cost, by the plan of the key charged."""

    tests: int = 0
    by_plan: dict[str, Spend] = field(default_factory=dict)

    def add(self, by_key: Mapping[str, Spend], plan_of: Callable[[str], str]) -> None:
        """One test's spend by API key; `plan_of` names each key's plan."""
        for api_key, spend in by_key.items():
            self.by_plan.setdefault(plan_of(api_key), Spend()).add(spend)

    def total(self) -> Spend:
        return total_spend(self.by_plan.values())

    def as_json(self) -> dict[str, Any]:
        """Plain data, for a pytest-xdist worker to hand its tally to the controller."""
        plans = {
            plan: [spend.jobs, spend.debited, spend.refunded]
            for plan, spend in self.by_plan.items()
        }
        return {"tests": self.tests, "byPlan": plans}

    def merge(self, data: Mapping[str, Any]) -> None:
        """Add a tally that `as_json` wrote (another worker's)."""
        self.tests += int(data["tests"])
        for plan, (jobs, debited, refunded) in data["byPlan"].items():
            self.by_plan.setdefault(plan, Spend()).add(Spend(jobs, debited, refunded))

    def lines(self) -> list[str]:
        """The terminal summary: the whole run, then one line per plan charged."""
        tests = f"{self.tests:,} test{'' if self.tests == 1 else 's'}"
        lines = [f"{tests} used the mock: {spend_text(self.total())}"]
        known = [plan for plan in PLANS if plan in self.by_plan]
        for plan in known + sorted(set(self.by_plan) - set(known)):
            lines.append(f"  {plan:<10} {spend_text(self.by_plan[plan])}")
        return lines


def ledger_spend(entries: Iterable[LedgerEntry]) -> dict[str, Spend]:
    """Spend by API key from a ledger read over the control plane: for a mock that runs
    elsewhere (`--mock-doitong-url`), whose engine the plugin cannot ask."""
    by_key: dict[str, Spend] = {}
    for entry in entries:
        spend = by_key.setdefault(entry.api_key, Spend())
        if entry.kind == "debit":
            spend.jobs += 1
            spend.debited += entry.amount
        else:
            spend.refunded += entry.amount
    return by_key


def spend_text(spend: Spend) -> str:
    """`5 jobs, 318 credits (371 debited, 53 refunded)`; the brackets only with a refund."""
    jobs = f"{spend.jobs:,} job{'' if spend.jobs == 1 else 's'}"
    text = f"{jobs}, {spend.spent:,} credits"
    if spend.refunded:
        text += f" ({spend.debited:,} debited, {spend.refunded:,} refunded)"
    return text
