"""Dozens of simultaneous requests at a real server: no overdraft, no limit ever exceeded."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from conftest import Api, rest_body

BURST = 40


def burst(url: str, requests: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
    """Send every request at once over separate connections and collect the answers."""

    async def fire() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(requests))
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
            calls = [client.request(method, path, **kw) for method, path, kw in requests]
            return await asyncio.gather(*calls)

    return asyncio.run(fire())


def create(key: str) -> tuple[str, str, dict[str, Any]]:
    return ("POST", "/v1/avatar", {"json": rest_body(), "headers": {"X-API-Key": key}})


def account(api: Api, key: str) -> dict[str, Any]:
    accounts = api.client.get("/__mock/accounts").json()["accounts"]
    found: dict[str, Any] = next(a for a in accounts if a["apiKey"] == key)
    return found


def test_balance_never_goes_below_zero(live_api: Api) -> None:
    live_api.client.put(
        "/__mock/accounts/tight", json={"plan": "enterprise", "credits": 53 * 7 + 20}
    )
    answers = burst(str(live_api.client.base_url), [create("tight")] * BURST)
    statuses = Counter(response.status_code for response in answers)
    assert statuses == {200: 7, 402: BURST - 7}
    assert account(live_api, "tight")["credits"] == 20
    ids = {r.json()["data"]["avatar"]["id"] for r in answers if r.status_code == 200}
    assert len(ids) == 7


def test_concurrent_job_limit_holds_under_a_burst(live_api: Api) -> None:
    answers = burst(str(live_api.client.base_url), [create("test_starter_key")] * 25)
    statuses = Counter(response.status_code for response in answers)
    assert statuses == {200: 3, 429: 22}
    limits = {r.json()["errors"][0]["extensions"]["limit"] for r in answers if r.status_code == 429}
    assert limits == {"concurrent_jobs"}
    assert account(live_api, "test_starter_key")["credits"] == 10000 - 3 * 53


def test_requests_per_minute_hold_under_a_burst(live_api: Api) -> None:
    poll = ("GET", "/v1/avatar/none", {"headers": {"X-API-Key": "test_free_key"}})
    answers = burst(str(live_api.client.base_url), [poll] * BURST)
    statuses = Counter(response.status_code for response in answers)
    assert statuses == {404: 10, 429: BURST - 10}
    remaining = sorted(
        int(r.headers["X-RateLimit-Remaining"]) for r in answers if r.status_code == 404
    )
    assert remaining == list(range(10))


def test_daily_limit_holds_under_a_burst(live_api: Api) -> None:
    live_api.client.put(
        "/__mock/accounts/daily",
        json={"plan": "enterprise", "credits": 0, "limits": {"dailyRequests": 12}},
    )
    poll = ("GET", "/v1/avatar/none", {"headers": {"X-API-Key": "daily"}})
    answers = burst(str(live_api.client.base_url), [poll] * BURST)
    assert Counter(response.status_code for response in answers) == {404: 12, 429: BURST - 12}


def test_graphql_and_rest_share_one_balance_under_a_burst(live_api: Api) -> None:
    live_api.client.put("/__mock/accounts/mixed", json={"plan": "enterprise", "credits": 53 * 10})
    graphql = (
        "POST",
        "/graphql",
        {
            "json": {
                "query": "mutation($i: AvatarGenerationInput!) { generateAvatar(input: $i) {id} }",
                "variables": {"i": rest_body()},
            },
            "headers": {"Authorization": "Bearer mixed"},
        },
    )
    answers = burst(str(live_api.client.base_url), [create("mixed"), graphql] * 15)
    assert Counter(response.status_code for response in answers) == {200: 10, 402: 20}
    assert account(live_api, "mixed")["credits"] == 0
