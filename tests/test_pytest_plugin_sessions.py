"""`--mock-doitong-url`: a suite shares one running server, each test in a session of its own."""

from __future__ import annotations

import re

import httpx
import pytest

from serve_process import ServeProcess

pytest_plugins = ["pytester"]

# Each test moves its clock, scripts a fault and makes jobs: were any of that shared between the
# tests (run in parallel under -n 2), the counts and the fault would show it.
SUITE = """
import httpx
import pytest
from mockserver import verify_signature

def create(mock, **extra):
    return httpx.post(
        mock.rest_url,
        json={"service": "hedra", "text": "Hello there", "avatarId": "professional-1", **extra},
        headers={"X-API-Key": mock.api_key},
    )

@pytest.mark.parametrize("n", range(6))
def test_lifecycle_in_a_session_of_its_own(mock_doitong, n):
    assert ".ses_" in mock_doitong.api_key
    created = create(mock_doitong, webhookUrl=mock_doitong.webhook_url).json()["data"]["avatar"]
    mock_doitong.advance(5)
    polled = httpx.get(f"{mock_doitong.rest_url}/{created['id']}",
                       headers={"X-API-Key": mock_doitong.api_key}).json()["data"]["avatar"]
    assert polled["status"] == "completed"
    (hook,) = mock_doitong.received_webhooks()
    assert verify_signature(hook.body, hook.signature, mock_doitong.webhook_secret)
    assert [job["id"] for job in mock_doitong.jobs()] == [created["id"]]
    assert len(mock_doitong.requests()) == 2

@pytest.mark.parametrize("n", range(6))
def test_a_fault_stays_in_its_session(mock_doitong, n):
    mock_doitong.fail_next(500)
    assert create(mock_doitong).status_code == 500
    assert create(mock_doitong).status_code == 200
    assert len(mock_doitong.jobs()) == 1

@pytest.mark.mock_doitong(scenario="out-of-credits")
def test_the_marker_sets_up_the_session(mock_doitong):
    assert mock_doitong.account(mock_doitong.api_key)["credits"] == 75

@pytest.mark.mock_doitong(plan="free", credits=5)
def test_plan_and_credits(mock_doitong):
    assert create(mock_doitong).status_code == 402
"""


def test_a_suite_under_two_workers_shares_one_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    with ServeProcess("--port", "0") as served:
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "-n", "2", f"--mock-doitong-url={served.url}"
        )
        result.assert_outcomes(passed=14)
        left = httpx.get(f"{served.url}/__mock/sessions", timeout=10).json()["sessions"]
        root_jobs = httpx.get(f"{served.url}/__mock/jobs", timeout=10).json()["jobs"]
    assert left == []  # every test's session was ended after it
    assert root_jobs == []  # and nothing reached the default mock


def test_the_ini_option_names_the_server_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    with ServeProcess("--port", "0") as served:
        pytester.makeini(f"[pytest]\nmock_doitong_url = {served.url}\n")
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "marker")
    result.assert_outcomes(passed=1)


# What each test spends, read from its session's ledger: the mock runs elsewhere, so the spend
# check and the run's summary ask its control plane rather than skip.
BUDGETED = """
import httpx
import pytest

def create(mock, **headers):
    return httpx.post(mock.rest_url, headers={"X-API-Key": mock.api_key, **headers},
        json={"service": "hedra", "text": "Hello, welcome to our platform!",
              "avatarId": "professional-1"})

@pytest.mark.mock_doitong(max_credits=100)
def test_spends_too_much(mock_doitong):
    for _ in range(2):
        assert create(mock_doitong).status_code == 200

@pytest.mark.mock_doitong(max_credits=60)
def test_refunds_count_back(mock_doitong):
    assert create(mock_doitong).status_code == 200
    assert create(mock_doitong, **{"X-Mock-Fault": "failed"}).status_code == 200
    mock_doitong.advance(30)

@pytest.mark.mock_doitong(api_key="test_free_key")
def test_on_the_free_plan(mock_doitong):
    assert create(mock_doitong).status_code == 200
"""


def test_max_credits_and_the_spend_summary_hold_with_a_shared_server(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(BUDGETED)
    with ServeProcess("--port", "0") as served:
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", f"--mock-doitong-url={served.url}"
        )
    result.assert_outcomes(passed=2, failed=1)
    output = result.stdout.str()
    assert re.search(r"FAILED \S+::test_spends_too_much", output)
    result.stdout.fnmatch_lines(
        [
            "*mock_doitong(max_credits=100): this test spent 106 credits, more than 100: "
            "2 jobs, 106 credits on YOUR_API_KEY.ses_*",
        ]
    )
    result.stdout.re_match_lines(
        [
            r"=+ mock-doitong: what this run would have spent =+$",
            r"3 tests used the mock: 5 jobs, 212 credits \(265 debited, 53 refunded\)$",
            r"  free +1 job, 53 credits$",
            r"  pro +4 jobs, 159 credits \(212 debited, 53 refunded\)$",
        ]
    )
