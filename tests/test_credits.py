"""Credits: the vendor's bands observable on both transports, 402 that changes nothing, refunds."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.core.job_request import from_avatar_input
from mockserver.core.jobs import JobStatus
from mockserver.runtime.mock_runtime import MockRuntime

from conftest import GENERATE_AVATAR, Api, rest_body, virtual_config


def credits_of(api: Api, key: str = "YOUR_API_KEY") -> int:
    accounts = api.client.get("/__mock/accounts").json()["accounts"]
    balance: int = next(a["credits"] for a in accounts if a["apiKey"] == key)
    return balance


def words(count: int) -> str:
    return " ".join(["word"] * count)


# 150 words a minute: n words last 0.4 n seconds.
BANDS = [
    (1, 50),  # 0.4 s, the shortest video
    (37, 74),  # 14.8 s
    (75, 100),  # 30 s, the top of the short band
    (76, 201),  # 30.4 s, just into the long band
    (150, 300),  # 60 s
    (300, 500),  # 120 s, the longest video
]


@pytest.mark.parametrize(("count", "cost"), BANDS)
def test_rest_cost_follows_the_bands_and_is_debited(api: Api, count: int, cost: int) -> None:
    before = credits_of(api)
    avatar = api.rest_create(rest_body(text=words(count))).json()["data"]["avatar"]
    assert avatar["creditCost"] == cost
    assert credits_of(api) == before - cost


@pytest.mark.parametrize(("count", "cost"), BANDS)
def test_graphql_cost_follows_the_bands(api: Api, count: int, cost: int) -> None:
    generate = api.generate(input={"text": words(count), "avatarId": "professional-1"})
    assert generate.json()["data"]["generate"]["creditCost"] == cost
    variables = {"input": {"service": "hedra", "text": words(count), "avatarId": "casual-1"}}
    avatar = api.graphql(GENERATE_AVATAR, variables).json()["data"]["generateAvatar"]
    assert avatar["creditCost"] == cost


def test_cjk_text_is_priced_by_characters(api: Api) -> None:
    text = "你好" * 30  # 60 characters at 4 a second: 15 s
    assert api.rest_create(rest_body(text=text)).json()["data"]["avatar"]["creditCost"] == 75


def assert_payment_required(response: Any, required: int, available: int) -> None:
    assert response.status_code == 402
    assert response.json()["errors"] == [
        {
            "message": "Insufficient credits for this operation",
            "extensions": {
                "code": "INSUFFICIENT_CREDITS",
                "creditsRequired": required,
                "creditsAvailable": available,
            },
        }
    ]


def test_402_creates_nothing_and_debits_nothing_on_rest(api: Api) -> None:
    api.client.put("/__mock/accounts/YOUR_API_KEY", json={"credits": 52})
    response = api.rest_create()  # costs 53
    assert_payment_required(response, 53, 52)
    assert "X-RateLimit-Remaining" in response.headers
    assert credits_of(api) == 52
    assert api.rest_create(rest_body(text="Hi")).status_code == 200  # 50 credits still fit
    assert credits_of(api) == 2


def test_402_on_graphql_has_data_null(api: Api) -> None:
    api.client.put("/__mock/accounts/YOUR_API_KEY", json={"credits": 10})
    response = api.generate()
    assert_payment_required(response, 53, 10)
    assert response.json()["data"] is None


def test_exact_balance_is_enough(api: Api) -> None:
    api.client.put("/__mock/accounts/YOUR_API_KEY", json={"credits": 53})
    assert api.rest_create().status_code == 200
    assert credits_of(api) == 0


def test_failed_job_is_refunded() -> None:
    runtime = MockRuntime(virtual_config())
    engine = runtime.engine
    admission = engine.admit("YOUR_API_KEY", "X-API-Key")
    request = from_avatar_input(engine.fixtures.catalog, rest_body(), "", "rest.create")
    job = engine.create_job(admission, request)
    assert admission.account.credits == 100000 - 53
    engine.finish(job, JobStatus.FAILED, at=runtime.clock.now(), error="render failed")
    assert admission.account.credits == 100000
    assert job.error == "render failed" and job.completed_at is not None
