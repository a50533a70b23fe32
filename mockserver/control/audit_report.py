"""The client-behaviour audit as the Python client hands it out, and as a failed test shows it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Of each finding's requests, the first few: enough to see the pattern, where a retry loop
# or a polling storm can name hundreds. `GET /__mock/audit` lists them all.
SHOWN_REQUESTS = 5


@dataclass(frozen=True)
class AuditFinding:
    """One thing the client did that would hurt it on the real service (see the README)."""

    kind: str  # double-charge-risk, retry-too-early, no-backoff, polling-storm, ignored-40x
    api_key: str
    requests: tuple[int, ...]  # the journal entries that show it, oldest first
    advice: str

    @classmethod
    def from_json(cls, finding: Mapping[str, Any]) -> AuditFinding:
        return cls(
            kind=finding["kind"],
            api_key=finding["apiKey"],
            requests=tuple(finding["requests"]),
            advice=finding["advice"],
        )


def audit_report(found: list[AuditFinding], entries: list[dict[str, Any]]) -> str:
    """The findings as a failure message, each request shown by its method, path and status."""
    by_id = {entry["id"]: entry for entry in entries}
    lines = [f"mock-doitong audit: {len(found)} finding(s) that would hurt on the real service"]
    for finding in found:
        lines.append(f"- {finding.kind} ({finding.api_key}): {finding.advice}")
        for request_id in finding.requests[:SHOWN_REQUESTS]:
            entry = by_id.get(request_id)
            shown = (
                f"{entry['at']} {entry['method']} {entry['path']} -> {entry['status'] or 'dropped'}"
                if entry
                else "(no longer in the journal)"
            )
            lines.append(f"    #{request_id} {shown}")
        more = len(finding.requests) - SHOWN_REQUESTS
        if more > 0:
            lines.append(f"    and {more} more (GET /__mock/audit lists them all)")
    return "\n".join(lines)
