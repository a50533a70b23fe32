"""A mock that runs for days stays bounded: old finished jobs are forgotten, the journal rings."""

from __future__ import annotations

from starlette.testclient import TestClient

from mockserver import create_app

from conftest import Api, rest_body, virtual_config


def test_the_oldest_finished_jobs_are_forgotten_beyond_max_jobs() -> None:
    with TestClient(create_app(virtual_config(max_jobs=3))) as client:
        api = Api(client)
        first = [
            api.rest_create(key="test_unlimited_key").json()["data"]["avatar"]["id"]
            for _ in range(2)
        ]
        api.advance(30)  # the first two are finished now
        later = [
            api.rest_create(key="test_unlimited_key").json()["data"]["avatar"]["id"]
            for _ in range(2)
        ]
        assert api.rest_get(first[0], key="test_unlimited_key").status_code == 404
        assert api.rest_get(first[1], key="test_unlimited_key").status_code == 200
        assert len(client.get("/__mock/jobs").json()["jobs"]) == 3
        assert all(api.rest_get(i, key="test_unlimited_key").status_code == 200 for i in later)


def test_processing_jobs_are_never_forgotten() -> None:
    with TestClient(create_app(virtual_config(max_jobs=2))) as client:
        api = Api(client)
        ids = [
            api.rest_create(key="test_unlimited_key").json()["data"]["avatar"]["id"]
            for _ in range(4)
        ]
        assert all(api.rest_get(i, key="test_unlimited_key").status_code == 200 for i in ids)
        api.advance(30)
        api.rest_create(key="test_unlimited_key")
        assert len(client.get("/__mock/jobs").json()["jobs"]) == 2


def test_an_idempotency_key_of_a_forgotten_job_makes_a_new_one() -> None:
    with TestClient(create_app(virtual_config(max_jobs=1))) as client:
        api = Api(client)
        headers = {"Idempotency-Key": "k1"}
        first = api.rest_create(rest_body(), **headers).json()["data"]["avatar"]["id"]
        api.advance(30)
        api.rest_create(rest_body(text="Something else"))  # pushes the first job out
        again = api.rest_create(rest_body(), **headers)
        assert again.status_code == 200
        assert again.json()["data"]["avatar"]["id"] != first
