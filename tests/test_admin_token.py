"""`--admin-token`: when set, the control plane needs it, and no API key opens it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver import create_app

from conftest import Api, virtual_config


@pytest.fixture
def guarded() -> Iterator[TestClient]:
    with TestClient(create_app(virtual_config(admin_token="s3cret"))) as client:
        yield client


def test_control_plane_needs_the_token(guarded: TestClient) -> None:
    refused = guarded.get("/__mock/clock")
    assert refused.status_code == 401
    assert "X-Mock-Admin-Token" in refused.json()["errors"][0]["message"]
    assert guarded.get("/__mock/clock", headers={"X-Mock-Admin-Token": "wrong"}).status_code == 401
    assert guarded.get("/__mock/clock", headers={"X-Mock-Admin-Token": "s3cret"}).status_code == 200


def test_api_keys_do_not_open_it(guarded: TestClient) -> None:
    for headers in ({"Authorization": "Bearer YOUR_API_KEY"}, {"X-API-Key": "YOUR_API_KEY"}):
        assert guarded.post("/__mock/reset", headers=headers).status_code == 401


def test_the_api_plane_is_unaffected(guarded: TestClient) -> None:
    assert Api(guarded).rest_create().status_code == 200


def test_without_a_token_the_control_plane_is_open(api: Api) -> None:
    assert api.client.get("/__mock/clock").status_code == 200
