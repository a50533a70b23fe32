"""`mock-doitong state save FILE` / `state load FILE` against mocks listening on real sockets."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from click.testing import CliRunner

from mockserver import ServerThread, create_app
from mockserver.cli import main

from conftest import KEY, rest_body, virtual_config


def test_a_saved_state_loads_into_another_mock(tmp_path: Path) -> None:
    saved = tmp_path / "prepared.json"
    runner = CliRunner()
    with ServerThread(create_app(virtual_config())) as first:
        created = httpx.post(f"{first.url}/v1/avatar", json=rest_body(), headers={"X-API-Key": KEY})
        job_id = created.json()["data"]["avatar"]["id"]
        result = runner.invoke(main, ["state", "save", str(saved), "--url", first.url])
        assert result.exit_code == 0, result.output
    assert json.loads(saved.read_text())["jobs"][0]["id"] == job_id
    with ServerThread(create_app(virtual_config(seed=8))) as second:
        result = runner.invoke(main, ["state", "load", str(saved), "--url", second.url])
        assert result.exit_code == 0, result.output
        found = httpx.get(f"{second.url}/v1/avatar/{job_id}", headers={"X-API-Key": KEY})
        assert found.status_code == 200


def test_loading_a_bad_file_says_which_field_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    runner = CliRunner()
    with ServerThread(create_app(virtual_config())) as served:
        document = httpx.get(f"{served.url}/__mock/state").json()
        document["accounts"][0]["credits"] = -1
        bad.write_text(json.dumps(document))
        result = runner.invoke(main, ["state", "load", str(bad), "--url", served.url])
        assert result.exit_code != 0
        assert "accounts[0].credits" in result.output
        assert httpx.get(f"{served.url}/__mock/state").json()["accounts"][0]["credits"] >= 0
    bad.write_text("{not json")
    result = runner.invoke(main, ["state", "load", str(bad), "--url", "http://127.0.0.1:9"])
    assert result.exit_code != 0 and "is not a JSON state document" in result.output


def test_saving_from_a_mock_that_is_not_there_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["state", "save", str(tmp_path / "x.json"), "--url", "http://127.0.0.1:9"]
    )
    assert result.exit_code != 0 and "could not reach the mock" in result.output
    assert not (tmp_path / "x.json").exists()
