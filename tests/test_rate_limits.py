"""Per-plan limits on the mock's clock: headers, 429s naming the limit, windows that roll."""

from __future__ import annotations

import pytest

from conftest import Api, rest_body

START = 1704067200  # 2024-01-01T00:00:00Z, where the frozen clock starts


def test_headers_on_every_authenticated_answer(api: Api) -> None:
    ok = api.rest_create()
    bad = api.rest_create(rest_body(avatarId="nobody"))
    missing = api.rest_get("nope")
    graphql = api.generate()
    for count, response in enumerate((ok, bad, missing, graphql), start=1):
        assert response.headers["X-RateLimit-Limit"] == "60"
        assert response.headers["X-RateLimit-Remaining"] == str(60 - count)
        assert response.headers["X-RateLimit-Reset"] == str(START + 60)
    assert "X-RateLimit-Limit" not in api.rest_create(key=None).headers  # 401: no account to count


@pytest.mark.parametrize(
    ("key", "per_minute"),
    [("test_free_key", 10), ("test_starter_key", 30), ("test_pro_key", 60), ("YOUR_API_KEY", 60)],
)
def test_requests_per_minute_by_plan(api: Api, key: str, per_minute: int) -> None:
    for _ in range(per_minute):
        assert api.rest_get("poll", key=key).status_code == 404
    refused = api.rest_get("poll", key=key)
    assert refused.status_code == 429
    error = refused.json()["errors"][0]
    assert error["extensions"] == {
        "code": "RATE_LIMIT_EXCEEDED",
        "limit": "requests_per_minute",
        "retryAfter": 60,
    }
    assert refused.headers["Retry-After"] == "60"
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_the_window_resets_on_the_mock_clock(api: Api) -> None:
    for _ in range(10):
        api.rest_get("poll", key="test_free_key")
    api.advance(45)
    refused = api.rest_get("poll", key="test_free_key")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "15"
    api.advance(15)
    fresh = api.rest_get("poll", key="test_free_key")
    assert fresh.status_code == 404
    assert fresh.headers["X-RateLimit-Remaining"] == "9"
    assert fresh.headers["X-RateLimit-Reset"] == str(START + 120)


def test_rejected_requests_do_not_count(api: Api) -> None:
    for _ in range(10):
        api.rest_get("poll", key="test_free_key")
    for _ in range(5):
        assert api.rest_get("poll", key="test_free_key").status_code == 429
    api.advance(60)
    for _ in range(10):
        assert api.rest_get("poll", key="test_free_key").status_code == 404


@pytest.mark.parametrize(("key", "concurrent"), [("test_free_key", 1), ("test_starter_key", 3)])
def test_concurrent_jobs_by_plan(api: Api, key: str, concurrent: int) -> None:
    for _ in range(concurrent):
        assert api.rest_create(key=key).status_code == 200
    api.advance(10)  # still processing: jobs take 30 s here
    refused = api.rest_create(key=key)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["limit"] == "concurrent_jobs"
    assert refused.headers["Retry-After"] == "20"  # when the first job finishes
    api.advance(20)
    assert api.rest_create(key=key).status_code == 200


def test_pro_plan_runs_ten_jobs_at_once(api: Api) -> None:
    for _ in range(10):
        assert api.generate().status_code == 200
    refused = api.generate()
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["limit"] == "concurrent_jobs"
    assert refused.json()["data"] is None


def test_daily_limit_resets_at_utc_midnight(api: Api) -> None:
    for minute in range(10):
        for _ in range(10):
            assert api.rest_get("poll", key="test_free_key").status_code == 404
        api.advance(60 if minute < 9 else 0)
    refused = api.rest_get("poll", key="test_free_key")
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["limit"] == "daily"
    assert refused.headers["Retry-After"] == str(86400 - 540)
    api.advance(86400 - 540)
    assert api.rest_get("poll", key="test_free_key").status_code == 404


def test_starter_and_pro_daily_limits_are_from_the_table(api: Api) -> None:
    plans = {
        a["apiKey"]: a["limits"] for a in api.client.get("/__mock/accounts").json()["accounts"]
    }
    assert plans["test_free_key"]["dailyRequests"] == 100
    assert plans["test_starter_key"]["dailyRequests"] == 1000
    assert plans["test_pro_key"]["dailyRequests"] == 10000
    assert plans["test_enterprise_key"] == {
        "requestsPerMinute": 300,
        "concurrentJobs": 50,
        "dailyRequests": None,
    }
    assert plans["test_unlimited_key"] == {
        "requestsPerMinute": None,
        "concurrentJobs": None,
        "dailyRequests": None,
    }


def test_custom_daily_limit_through_the_control_plane(api: Api) -> None:
    api.client.put(
        "/__mock/accounts/daily-key",
        json={"plan": "starter", "credits": 0, "limits": {"dailyRequests": 3}},
    )
    statuses = [api.rest_get("poll", key="daily-key").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_enterprise_custom_limits_apply(api: Api) -> None:
    response = api.rest_get("poll", key="test_enterprise_key")
    assert response.headers["X-RateLimit-Limit"] == "300"


def test_unlimited_enterprise_sends_no_limit_headers(api: Api) -> None:
    for _ in range(200):
        response = api.rest_get("poll", key="test_unlimited_key")
        assert response.status_code == 404
    assert "X-RateLimit-Limit" not in response.headers
