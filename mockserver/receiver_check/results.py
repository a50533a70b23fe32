"""What the check found: one result a case, and the report a person or a machine reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    status: int | None  # the answer that decided the case; None when none came
    expected: str  # "2xx" or "4xx"
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "status": self.status,
            "expected": self.expected,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ReceiverReport:
    """`passed`, the `failures`, `str()` for a person and `as_json()` for a machine."""

    target: str
    timeout: float
    cases: tuple[CaseResult, ...]

    @property
    def passed(self) -> bool:
        return all(case.passed for case in self.cases)

    @property
    def failures(self) -> list[CaseResult]:
        return [case for case in self.cases if not case.passed]

    def as_json(self) -> dict[str, Any]:
        return {"cases": [case.as_json() for case in self.cases], "passed": self.passed}

    def assert_passed(self) -> ReceiverReport:
        """This report, or AssertionError holding it unless every case passed."""
        if not self.passed:
            raise AssertionError(f"the webhook receiver failed the check\n{self}")
        return self

    def __str__(self) -> str:
        width = max((len(case.name) for case in self.cases), default=10)
        lines = [f"Receiver check of {self.target} (webhook timeout {self.timeout:g} s)", ""]
        for case in self.cases:
            outcome = "PASS" if case.passed else "FAIL"
            status = "-" if case.status is None else str(case.status)
            lines.append(
                f"  {outcome}  {case.name:<{width}}  want {case.expected}  got {status:<3}  "
                f"{case.detail}"
            )
        failed = len(self.failures)
        lines += [
            "",
            f"{len(self.cases)} cases: {len(self.cases) - failed} passed, {failed} failed",
        ]
        return "\n".join(lines)
