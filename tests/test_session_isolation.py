"""Two sessions driven in parallel by two processes over real sockets never see each other."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from serve_process import ServeProcess

# One client process: its own session (its scenario, clock and fault), used for a while, then
# a report of everything its session's control plane shows.
CLIENT = """
import json, sys
import httpx
from mockserver.control.client import MockControl

url, scenario, clock = sys.argv[1], sys.argv[2] or None, sys.argv[3]
with MockControl(url).new_session(scenario=scenario, clock=clock) as mock:
    inbox = mock.webhook_url
    mock.add_fault(status=500, times=1)
    statuses, created = [], []
    for n in range(8):
        answer = httpx.post(
            mock.rest_url,
            json={"service": "hedra", "text": f"{scenario} {n}", "avatarId": "professional-1",
                  "webhookUrl": inbox},
            headers={"X-API-Key": mock.api_key},
        )
        statuses.append(answer.status_code)
        if answer.status_code == 200:
            created.append(answer.json()["data"]["avatar"]["id"])
    mock.advance(60)
    report = {
        "key": mock.api_key,
        "statuses": statuses,
        "created": created,
        "jobs": [job["id"] for job in mock.jobs()],
        "requestKeys": sorted({entry["apiKey"] for entry in mock.requests()}),
        "requests": len(mock.requests()),
        "faults": mock.faults(),
        "deliveries": sorted({d["jobId"] for d in mock.deliveries()}),
        "received": sorted({hook.json["id"] for hook in mock.received_webhooks()}),
        "clock": mock.now(),
    }
print("REPORT " + json.dumps(report))
"""


def run_two(url: str) -> list[dict[str, object]]:
    clients = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, url, scenario, clock],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for scenario, clock in (("", "virtual"), ("out-of-credits", "real"))
    ]
    reports = []
    for client in clients:
        out, err = client.communicate(timeout=120)
        assert client.returncode == 0, err
        (line,) = [line for line in out.splitlines() if line.startswith("REPORT ")]
        reports.append(json.loads(line.removeprefix("REPORT ")))
    return reports


def test_two_sessions_from_two_processes_see_only_their_own() -> None:
    with ServeProcess("--port", "0", "--clock", "virtual") as served:
        plain, broke = run_two(served.url)
        root_jobs = httpx.get(f"{served.url}/__mock/jobs", timeout=10).json()["jobs"]
        root_requests = httpx.get(f"{served.url}/__mock/requests", timeout=10).json()
    # Each one's fault failed its own first request, and only that one.
    assert plain["statuses"][0] == 500 and broke["statuses"][0] == 500
    assert plain["statuses"][1:] == [200] * 7
    # out-of-credits: 75 credits pay for one job; the rest are 402s.
    assert broke["statuses"][1:] == [200] + [402] * 6
    for mine, theirs in ((plain, broke), (broke, plain)):
        assert mine["jobs"] == mine["created"]
        assert mine["key"] != theirs["key"]
        assert mine["requestKeys"] == [mine["key"]]
        assert mine["requests"] == 8  # its creates only: control calls are not journaled
        assert mine["deliveries"] == sorted(mine["received"])
        assert set(mine["deliveries"]) <= set(mine["created"])
        assert mine["faults"] == []  # its one-time fault was used up by its own first request
    assert root_jobs == [] and root_requests["requests"] == []
