"""The outcome of one conformance check, and the report a person or a machine reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


class CheckFailed(AssertionError):
    """The deployment answered, and the answer is not what the contract says."""


class CheckSkipped(Exception):
    """The check cannot run here (no spending allowed, nowhere to receive a webhook, ...)."""


@dataclass(frozen=True)
class Result:
    name: str
    outcome: Outcome
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "outcome": self.outcome.value, "detail": self.detail}


@dataclass(frozen=True)
class Report:
    target: str
    is_mock: bool
    results: tuple[Result, ...]

    @property
    def failed(self) -> bool:
        return any(result.outcome is Outcome.FAIL for result in self.results)

    def counts(self) -> dict[str, int]:
        return {o.value: sum(r.outcome is o for r in self.results) for o in Outcome}

    def as_json(self) -> str:
        payload: dict[str, Any] = {
            "target": self.target,
            "mock": self.is_mock,
            "passed": not self.failed,
            "counts": self.counts(),
            "checks": [result.as_json() for result in self.results],
        }
        return json.dumps(payload, indent=2)

    def as_table(self) -> str:
        kind = "mock-doitong (control plane found)" if self.is_mock else "no control plane"
        width = max((len(r.name) for r in self.results), default=10)
        lines = [f"Contract checks against {self.target} [{kind}]", ""]
        for result in self.results:
            lines.append(
                f"  {result.outcome.value.upper():<4}  {result.name:<{width}}  {result.detail}"
            )
        counts = self.counts()
        lines += [
            "",
            f"{len(self.results)} checks: {counts['pass']} passed, {counts['fail']} failed, "
            f"{counts['skip']} skipped",
        ]
        return "\n".join(lines)
