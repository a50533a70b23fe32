"""The REST transport: `POST /v1/avatar`, `GET /v1/avatar/{id}`, the X-API-Key header."""

from __future__ import annotations

from conftest import KEY, Api, rest_body


def test_create_answers_200_with_the_documented_envelope(api: Api) -> None:
    response = api.rest_create(rest_body(webhookUrl="https://your-webhook.com/callback"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    avatar = response.json()["data"]["avatar"]
    assert set(avatar) >= {"id", "status", "url", "webhookUrl", "createdAt"}
    assert avatar["status"] == "processing"
    assert avatar["url"] is None and avatar["videoUrl"] is None
    assert avatar["webhookUrl"] == "https://your-webhook.com/callback"
    assert avatar["createdAt"] == "2024-01-01T00:00:00Z"
    assert avatar["creditCost"] == 53


def test_get_polls_the_job(api: Api) -> None:
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    response = api.rest_get(job_id)
    assert response.status_code == 200
    assert response.json()["data"]["avatar"]["id"] == job_id


def test_missing_key_is_401_naming_x_api_key(api: Api) -> None:
    for response in (api.rest_create(key=None), api.rest_get("anything", key=None)):
        assert response.status_code == 401
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "UNAUTHORIZED"
        assert "X-API-Key" in error["message"]


def test_bearer_header_does_not_authenticate_rest(api: Api) -> None:
    response = api.rest_create(key=None, Authorization=f"Bearer {KEY}")
    assert response.status_code == 401


def test_another_keys_job_is_404(api: Api) -> None:
    job_id = api.rest_create().json()["data"]["avatar"]["id"]
    response = api.rest_get(job_id, key="test_starter_key")
    assert response.status_code == 404
    assert response.json() == {
        "errors": [
            {"message": f"No avatar job with id {job_id!r}", "extensions": {"code": "NOT_FOUND"}}
        ]
    }


def test_jobs_are_shared_between_transports_for_one_key(api: Api) -> None:
    job_id = api.generate().json()["data"]["generate"]["id"]
    assert api.rest_get(job_id).json()["data"]["avatar"]["status"] == "processing"
