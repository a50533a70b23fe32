"""What the dashboard reads besides the older routes: `?limit=` on the jobs and the deliveries,
and `GET /__mock/usage`, each key's use of its limits now."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.control.newest import newest

from conftest import Api, rest_body, virtual_config


def listing(api: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    response = api.client.get(path, params=params)
    assert response.status_code == 200, response.text
    (items,) = response.json().values()
    assert isinstance(items, list)
    return items


def test_newest_keeps_the_last_matches_oldest_first() -> None:
    numbers = list(range(10))
    assert newest(numbers, lambda n: n % 2 == 0, 3) == [4, 6, 8]
    assert newest(iter(numbers), lambda n: n % 2 == 0, 3) == [4, 6, 8]  # not reversible
    assert newest(numbers, lambda n: True, None) == numbers
    assert newest(numbers, lambda n: n > 100, 5) == []


def test_newest_stops_at_the_limit() -> None:
    looked_at: list[int] = []

    def keep(n: int) -> bool:
        looked_at.append(n)
        return True

    assert newest(list(range(1000)), keep, 2) == [998, 999]
    assert looked_at == [999, 998]


def test_jobs_limit_keeps_the_newest(api: Api) -> None:
    ids = [api.rest_create().json()["data"]["avatar"]["id"] for _ in range(5)]
    assert [job["id"] for job in listing(api, "/__mock/jobs", limit=2)] == ids[-2:]
    assert [job["id"] for job in listing(api, "/__mock/jobs")] == ids
    api.client.post(f"/__mock/jobs/{ids[1]}/complete")
    done = listing(api, "/__mock/jobs", status="completed", limit=5)
    assert [job["id"] for job in done] == [ids[1]]


def test_deliveries_limit_keeps_the_newest(api: Api) -> None:
    hook = {"webhookUrl": "http://127.0.0.1:9/hook"}  # refused: every attempt fails fast
    ids = [api.rest_create(rest_body(**hook)).json()["data"]["avatar"]["id"] for _ in range(3)]
    for job_id in ids:
        api.client.post(f"/__mock/jobs/{job_id}/complete")
    assert [d["jobId"] for d in listing(api, "/__mock/webhooks", limit=2)] == ids[-2:]
    assert [d["jobId"] for d in listing(api, "/__mock/webhooks", jobId=ids[0], limit=9)] == ids[:1]


@pytest.mark.parametrize("path", ["/__mock/jobs", "/__mock/webhooks"])
@pytest.mark.parametrize("limit", ["0", "-1", "two", "²"])
def test_a_bad_limit_is_a_400_naming_it(client: TestClient, path: str, limit: str) -> None:
    response = client.get(path, params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["field"] == "limit"


def usage_of(api: Api, key: str) -> dict[str, Any]:
    (usage,) = [entry for entry in listing(api, "/__mock/usage") if entry["apiKey"] == key]
    return usage


def test_usage_shows_what_each_key_has_left(api: Api) -> None:
    api.rest_create(key="test_free_key")
    api.rest_get("nothing", key="test_free_key")
    usage = usage_of(api, "test_free_key")
    assert usage["minute"] == {
        "limit": 10,
        "used": 2,
        "remaining": 8,
        "resetsAt": "2024-01-01T00:01:00Z",
    }
    assert usage["day"]["remaining"] == 98
    assert usage["concurrentJobs"] == {"limit": 1, "running": 1}
    assert usage_of(api, "test_free_key") == usage  # reading it counts nothing
    api.advance(60)
    later = usage_of(api, "test_free_key")
    assert later["minute"]["used"] == 0 and later["day"]["used"] == 2
    assert later["concurrentJobs"]["running"] == 0


def test_usage_lists_every_account_and_unlimited_keys(api: Api) -> None:
    keys = [account["apiKey"] for account in listing(api, "/__mock/accounts")]
    assert [entry["apiKey"] for entry in listing(api, "/__mock/usage")] == keys
    unlimited = usage_of(api, "test_unlimited_key")
    assert unlimited["minute"]["limit"] is None and unlimited["minute"]["remaining"] is None
    assert unlimited["concurrentJobs"]["limit"] is None


def test_usage_is_guarded_like_every_control_route() -> None:
    with TestClient(create_app(virtual_config(admin_token="s3cret"))) as guarded:
        assert guarded.get("/__mock/usage").status_code == 401
        opened = guarded.get("/__mock/usage", headers={"X-Mock-Admin-Token": "s3cret"})
        assert opened.status_code == 200
