"""How a failed `assert_well_behaved` shows the audit's findings."""

from __future__ import annotations

from typing import Any

from mockserver.control.audit_report import SHOWN_REQUESTS, AuditFinding, audit_report


def entry(request_id: int, status: int = 200) -> dict[str, Any]:
    at = f"2024-01-01T00:00:{request_id:02d}Z"
    return {"id": request_id, "at": at, "method": "GET", "path": "/v1/avatar/j", "status": status}


def test_each_finding_names_its_kind_key_advice_and_requests() -> None:
    finding = AuditFinding("polling-storm", "key", (1, 2), "Poll less.")
    assert audit_report([finding], [entry(1), entry(2, status=0)]).splitlines() == [
        "mock-doitong audit: 1 finding(s) that would hurt on the real service",
        "- polling-storm (key): Poll less.",
        "    #1 2024-01-01T00:00:01Z GET /v1/avatar/j -> 200",
        "    #2 2024-01-01T00:00:02Z GET /v1/avatar/j -> dropped",
    ]


def test_a_long_finding_shows_its_first_requests_and_counts_the_rest() -> None:
    ids = tuple(range(1, 41))
    lines = audit_report([AuditFinding("polling-storm", "key", ids, "Poll less.")], [])
    assert len(lines.splitlines()) == 2 + SHOWN_REQUESTS + 1
    assert lines.splitlines()[2] == "    #1 (no longer in the journal)"
    assert lines.endswith(f"and {40 - SHOWN_REQUESTS} more (GET /__mock/audit lists them all)")


def test_a_finding_reads_from_the_control_planes_json() -> None:
    shown = {"kind": "ignored-401", "apiKey": "k", "requests": [3, 4], "advice": "Fix it."}
    assert AuditFinding.from_json(shown) == AuditFinding("ignored-401", "k", (3, 4), "Fix it.")
