"""`GET /__mock/ui`: the dashboard's page and files, served from the package, needing nothing
from the network; what the page does in a browser is tests/test_dashboard_browser.py's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mockserver import create_app
from mockserver.cli import banner
from mockserver.runtime.mock_runtime import MockRuntime
from mockserver.web.package_files import PackageFiles

from conftest import virtual_config

UI = Path(__file__).resolve().parent.parent / "mockserver" / "control" / "ui"
TOKEN = {"X-Mock-Admin-Token": "s3cret"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def guarded() -> Iterator[TestClient]:
    with TestClient(create_app(virtual_config(admin_token="s3cret"))) as client:
        yield client


def linked_files() -> set[str]:
    """Every file the page links and every module a script imports, by name."""
    page = (UI / "index.html").read_text()
    names = set(re.findall(r'(?:src|href)="ui/([\w.-]+)"', page))
    for script in UI.glob("*.js"):
        names |= set(re.findall(r'from "\./([\w.-]+)"', script.read_text()))
    return names


def test_the_page_links_only_files_of_its_own_folder() -> None:
    linked = linked_files()
    assert {"app.js", "dashboard.css", "control.js", "live.js"} <= linked
    assert linked <= {path.name for path in UI.iterdir()}


def test_no_file_names_another_host() -> None:
    for path in UI.iterdir():
        text = path.read_text()
        assert not re.search(r"(https?:)?//[\w-]+\.[\w.-]+", text), path.name


def test_the_page_and_every_file_it_links_are_served(client: TestClient) -> None:
    page = client.get("/__mock/ui")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text == (UI / "index.html").read_text()
    for name in linked_files():
        served = client.get(f"/__mock/ui/{name}")
        assert served.status_code == 200, name
        assert served.content == (UI / name).read_bytes()
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        assert served.headers["content-type"] == f"{kind}; charset=utf-8"
        assert served.headers["x-content-type-options"] == "nosniff"


def test_the_browser_is_told_to_load_nothing_from_elsewhere(client: TestClient) -> None:
    policy = client.get("/__mock/ui").headers["content-security-policy"]
    rules = dict(rule.strip().split(" ", 1) for rule in policy.split(";"))
    assert rules["default-src"] == "'none'"
    assert rules["script-src"] == rules["connect-src"] == rules["style-src"] == "'self'"


@pytest.mark.parametrize("name", ["nothing.js", "..%2Fdashboard.py", "%2e%2e", "index.htm"])
def test_only_the_folders_files_are_served(client: TestClient, name: str) -> None:
    response = client.get(f"/__mock/ui/{name}")
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_package_files_serve_only_known_kinds() -> None:
    files = PackageFiles("mockserver.control", "ui")
    assert "index.html" in files.names()
    assert files.response("__init__.py") is None
    assert all(not name.endswith(".py") for name in files.names())


def test_a_browser_at_the_control_url_is_sent_to_the_dashboard(guarded: TestClient) -> None:
    # Before the token: the redirect shows nothing, and the page asks for the token itself.
    sent = guarded.get("/__mock/", headers={"Accept": BROWSER_ACCEPT}, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == "ui"
    followed = guarded.get("/__mock/", headers={"Accept": BROWSER_ACCEPT})
    assert str(followed.url).endswith("/__mock/ui") and "<title>" in followed.text


def test_a_json_client_still_gets_the_index(guarded: TestClient) -> None:
    assert guarded.get("/__mock/").status_code == 401
    index = guarded.get("/__mock/", headers=TOKEN).json()
    listed = {(route["method"], route["path"]) for route in index["routes"]}
    assert {("GET", "/__mock/ui"), ("GET", "/__mock/usage")} <= listed


def test_the_page_needs_no_token_but_its_data_does(guarded: TestClient) -> None:
    assert guarded.get("/__mock/ui").status_code == 200
    assert guarded.get("/__mock/ui/app.js").status_code == 200
    for route in ("/__mock/clock", "/__mock/jobs?limit=50", "/__mock/usage"):
        assert guarded.get(route).status_code == 401
        assert guarded.get(route, headers=TOKEN).status_code == 200


def test_the_banner_prints_the_dashboard() -> None:
    runtime = MockRuntime(virtual_config())
    lines = banner("http://127.0.0.1:8910", runtime).splitlines()
    assert "  Dashboard http://127.0.0.1:8910/__mock/ui   (open it in a browser)" in lines
