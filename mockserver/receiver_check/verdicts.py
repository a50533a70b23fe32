"""From the answers a case got to its result, in words that name the flaw.

A 2xx to a forgery means the receiver trusts forgeries; a 5xx to anything means it crashes on
it; an answer slower than the webhook timeout is, to the sender, no answer at all.
"""

from __future__ import annotations

from .cases import Case, Expected
from .deliveries import Sent
from .results import CaseResult
from .senders import Answer


def judge(case: Case, exchanges: list[tuple[Sent, Answer]], timeout: float) -> CaseResult:
    """The case's result: the first request whose answer is wrong decides it, else the last."""
    expected = case.expected.value
    for sent, answer in exchanges:
        problems = _problems(case, sent.label, answer, timeout)
        if problems:
            return CaseResult(case.name, False, answer.status, expected, "; ".join(problems))
    statuses = ", ".join(str(answer.status) for _, answer in exchanges)
    slowest = _ms(max(answer.seconds for _, answer in exchanges))
    timing = f"in {slowest}" if len(exchanges) == 1 else f"(slowest {slowest})"
    last = exchanges[-1][1].status
    return CaseResult(case.name, True, last, expected, f"{statuses} {timing}")


def _problems(case: Case, label: str, answer: Answer, timeout: float) -> list[str]:
    if answer.status is None:
        return [f"no answer to {label}: {answer.problem}"]
    problems = []
    wrong = _wrong_status(case, label, answer)
    if wrong is not None:
        problems.append(wrong)
    if answer.seconds > timeout:
        problems.append(
            f"answered in {answer.seconds:.2f} s, over the {timeout:g} s webhook timeout: the "
            "sender takes it for no answer and retries"
        )
    return problems


def _wrong_status(case: Case, label: str, answer: Answer) -> str | None:
    status = answer.status
    assert status is not None
    family = status // 100
    if family == 5:
        raised = f" ({answer.problem})" if answer.problem else ""
        return f"crashes on {label}: answered {status}{raised}"
    if case.expected is Expected.ACCEPT:
        if family == 2:
            return None
        if family == 4:
            return f"rejects {label}: answered {status}; {case.hint}"
    else:
        if family == 4:
            return None
        if family == 2:
            if case.forged:
                return f"trusts forgeries: answered {status} to {label}"
            return f"accepts {label}: answered {status}"
    # 1xx and 3xx: redirects are not followed, by this check or by the mock's sender.
    return f"answered {status} to {label}, not {case.expected}"


def _ms(seconds: float) -> str:
    milliseconds = seconds * 1000
    return "under 1 ms" if milliseconds < 1 else f"{milliseconds:.0f} ms"
