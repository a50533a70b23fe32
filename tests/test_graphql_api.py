"""The GraphQL transport: documented operations, auth, ownership and error statuses."""

from __future__ import annotations

import re

from conftest import AVATAR, GENERATE, GENERATE_AVATAR, GENERATION, KEY, Api, generate_input


def test_generate_returns_the_documented_fields(api: Api) -> None:
    response = api.generate()
    assert response.status_code == 200
    job = response.json()["data"]["generate"]
    assert re.fullmatch(r"[a-z0-9]{12}", job["id"])
    assert job["status"] == "processing"
    assert job["type"] == "AVATAR"
    assert job["provider"] == "hedra"
    assert job["url"] is None
    assert job["metadata"] == {"duration": None, "width": None, "height": None}
    assert job["creditCost"] == 53  # 5 words = 2 s of speech: 50 + 50 * 2 / 30
    assert job["createdAt"] == "2024-01-01T00:00:00Z"
    assert job["completedAt"] is None
    assert job["error"] is None


def test_generate_avatar_returns_the_avatar_shape(api: Api) -> None:
    variables = {
        "input": {
            "service": "hedra",
            "text": "Hello, welcome to our platform!",
            "avatarId": "professional-1",
            "voice": "en-US-neural",
            "webhookUrl": "https://example.com/hook",
        }
    }
    response = api.graphql(GENERATE_AVATAR, variables)
    assert response.status_code == 200, response.text
    job = response.json()["data"]["generateAvatar"]
    assert job["status"] == "processing"
    assert job["videoUrl"] is None and job["url"] is None and job["duration"] is None
    assert job["webhookUrl"] == "https://example.com/hook"
    assert job["creditCost"] == 53


def test_avatar_and_generation_read_jobs_of_either_mutation(api: Api) -> None:
    first = api.generate().json()["data"]["generate"]["id"]
    variables = {"input": {"service": "hedra", "text": "Hi", "avatarId": "casual-1"}}
    second = api.graphql(GENERATE_AVATAR, variables).json()["data"]["generateAvatar"]["id"]
    for job_id in (first, second):
        avatar = api.graphql(AVATAR, {"id": job_id}).json()["data"]["avatar"]
        generation = api.graphql(GENERATION, {"id": job_id}).json()["data"]["generation"]
        assert avatar["id"] == generation["id"] == job_id
        assert avatar["status"] == generation["status"] == "processing"


def test_webhook_url_is_accepted_inside_options(api: Api) -> None:
    options = {"voice": "en-US-neural", "webhookUrl": "https://example.com/in-options"}
    job_id = api.generate(options=options).json()["data"]["generate"]["id"]
    avatar = api.graphql(AVATAR, {"id": job_id}).json()["data"]["avatar"]
    assert avatar["webhookUrl"] == "https://example.com/in-options"


def test_missing_key_is_401_naming_the_bearer_header(api: Api) -> None:
    response = api.generate(key=None)
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHORIZED"
    assert "Authorization: Bearer" in error["message"]


def test_unknown_key_is_401(api: Api) -> None:
    response = api.generate(key="not-a-key")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"


def test_rest_header_does_not_authenticate_graphql(api: Api) -> None:
    response = api.graphql(GENERATE, {"input": generate_input()}, key=None, **{"X-API-Key": KEY})
    assert response.status_code == 401


def test_another_keys_job_is_not_found(api: Api) -> None:
    job_id = api.generate().json()["data"]["generate"]["id"]
    response = api.graphql(AVATAR, {"id": job_id}, key="test_pro_key")
    assert response.status_code == 404
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert job_id not in response.text.replace(
        f"{job_id!r}", ""
    )  # no job data, only the id asked for


def test_unknown_job_is_404(api: Api) -> None:
    response = api.graphql(GENERATION, {"id": "nope"})
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_the_console_is_served_on_get(api: Api) -> None:
    response = api.client.get("/graphql")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "GraphQL console" in response.text


def test_introspection_needs_no_key(api: Api) -> None:
    response = api.graphql("{ __schema { mutationType { name } } }", key=None)
    assert response.status_code == 200
    assert response.json()["data"]["__schema"]["mutationType"]["name"] == "Mutation"


def test_operation_name_selects_among_several(api: Api) -> None:
    document = GENERATE + "\n" + AVATAR
    response = api.client.post(
        "/graphql",
        json={
            "query": document,
            "operationName": "Generate",
            "variables": {"input": generate_input()},
        },
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["generate"]["status"] == "processing"
