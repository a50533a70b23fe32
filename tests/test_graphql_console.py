"""`GET /graphql` in a browser: the console written here, which works with the network off.

The browser side (running a sample, showing the job) is tests/test_dashboard_browser.py's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from mockserver.web.inline_page import inline_page
from mockserver.web.package_files import PackageFiles

from conftest import Api

ROOT = Path(__file__).resolve().parent.parent
CONSOLE = ROOT / "mockserver" / "graphql" / "console"
SAMPLES = ROOT / "tests" / "vendor_samples"


def samples() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CONSOLE / "samples.json").read_text())
    return loaded


def operation(name: str) -> dict[str, Any]:
    (found,) = [sample for sample in samples()["operations"] if sample["name"] == name]
    return found


def words(text: str) -> list[str]:
    """A GraphQL document's tokens: the same document whatever its layout."""
    return re.findall(r"[\w$]+|[^\s\w]", text)


def test_get_answers_the_console_with_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>mock-doitong: GraphQL console</title>" in page.text
    # Everything is written into the one document: no script, stylesheet or image to fetch
    # (the icon is an empty data: URL, so the browser asks for no /favicon.ico either).
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(?!data:)', page.text)
    assert '<link rel="icon" href="data:,">' in page.text
    assert 'href="?explorer=graphiql"' in page.text  # the online explorer, only as a link
    assert "Bearer YOUR_API_KEY" in page.text


def test_its_policy_allows_exactly_the_inline_script_and_style(client: TestClient) -> None:
    page = client.get("/graphql")
    rules = dict(
        rule.strip().split(" ", 1) for rule in page.headers["content-security-policy"].split(";")
    )
    assert rules["default-src"] == "'none'" and rules["connect-src"] == "'self'"
    executed = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page.text, re.S)
    assert len(executed) == 1 and len(styles) == 1

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert rules["script-src"] == digest(executed[0])
    assert rules["style-src"] == digest(styles[0])


def test_the_inlined_data_cannot_end_its_script_element() -> None:
    files = PackageFiles("mockserver.graphql", "console")
    document, _ = inline_page(files, "console.html")
    data = re.search(
        rb'<script type="application/json" id="samples">(.*?)</script>', document, re.S
    )
    assert data is not None and json.loads(data[1].replace(b"<\\/", b"</")) == samples()


def test_the_graphiql_explorer_stays_for_those_online(client: TestClient) -> None:
    explorer = client.get("/graphql", params={"explorer": "graphiql"})
    assert explorer.status_code == 200
    assert "graphiql" in explorer.text.lower() and "https://" in explorer.text


def test_the_samples_are_the_vendors(client: TestClient) -> None:
    python = (SAMPLES / "quickstart.py").read_text()
    query = python.split('query = """', 1)[1].split('"""', 1)[0]
    assert words(operation("generate")["query"]) == words(query)
    variables = python.split("variables = ", 1)[1].split("\n}\n", 1)[0] + "\n}"
    assert operation("generate")["variables"] == json.loads(variables)
    javascript = (SAMPLES / "quickstart.mjs").read_text()
    query = javascript.split("query: `", 1)[1].split("`", 1)[0]
    assert words(operation("generateAvatar")["query"]) == words(query)
    assert operation("generateAvatar")["variables"]["input"] == {
        "service": "hedra",
        "text": "Hello, welcome to our platform!",
        "avatarId": "professional-1",
        "voice": "en-US-neural",
    }
    assert samples()["headers"] == {"Authorization": "Bearer YOUR_API_KEY"}


def test_every_sample_runs_as_it_stands(api: Api) -> None:
    job_id = None
    for sample in samples()["operations"]:
        variables = dict(sample["variables"])
        if sample.get("pollsLastJob"):
            variables["id"] = job_id
        response = api.graphql(sample["query"], variables)
        assert response.status_code == 200, (sample["name"], response.text)
        (answer,) = response.json()["data"].values()
        job_id = job_id or answer["id"]
        assert answer["status"] == "processing"
