"""`--mock-doitong-audit=fail` and `@pytest.mark.mock_doitong(audit="fail")`: audit findings
become test failures, in a fresh pytest run (pytester), as users meet them."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CLIENTS = """
import httpx
import pytest

def create(mock, **headers):
    return httpx.post(mock.rest_url, headers={"X-API-Key": mock.api_key, **headers},
        json={"service": "hedra", "text": "Hi", "avatarId": "casual-1"})

def retry_after_a_500(mock, **headers):
    mock.fail_next(500, operation="rest.create")
    assert create(mock, **headers).status_code == 500
    mock.advance(1)
    assert create(mock, **headers).status_code == 200

{marker}
def test_careless(mock_doitong):
    retry_after_a_500(mock_doitong)

{marker}
def test_careful(mock_doitong):
    retry_after_a_500(mock_doitong, **{"Idempotency-Key": "order-1"})
"""


def clients(marker: str) -> str:
    """The two tests, each under `marker` (a decorator line, or nothing)."""
    return CLIENTS.replace("{marker}", marker)


def test_the_marker_fails_a_test_whose_client_would_risk_a_double_charge(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(clients('@pytest.mark.mock_doitong(audit="fail")'))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_careless*",
            "*mock-doitong audit: 1 finding(s) that would hurt on the real service",
            "*- double-charge-risk (YOUR_API_KEY): Send an Idempotency-Key*",
            "*#1 2024-01-01T00:00:00Z POST /v1/avatar -> 500",
            "*#2 2024-01-01T00:00:01Z POST /v1/avatar -> 200",
        ]
    )
    assert "test_careful" not in result.stdout.str().split("short test summary")[-1]


def test_the_option_fails_every_such_test_and_a_marker_can_turn_it_off(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        clients("")
        + """
@pytest.mark.mock_doitong(audit="off")
def test_careless_on_purpose(mock_doitong):
    retry_after_a_500(mock_doitong)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--mock-doitong-audit=fail")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_careless *", "*double-charge-risk*"])
    assert "During handling" not in result.stdout.str()


def test_without_the_option_findings_fail_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(clients(""))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_an_unknown_audit_mode_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(clients('@pytest.mark.mock_doitong(audit="loud")'))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*audit must be one of off, fail, got 'loud'*"])
