"""The GraphQL console in a real (headless) Chromium against a real `mock-doitong serve`: the
vendor's generate sample runs as it is filled in, and the job it made is there to poll."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from browser import Page, assert_stayed_local, chromium_driver, forget_logs

from serve_process import ServeProcess

chromium = pytest.fixture(scope="module")(chromium_driver)


@pytest.fixture(scope="module")
def served(chromium: Any) -> Iterator[ServeProcess]:
    with ServeProcess("--port", "0", "--clock", "virtual", "--seed", "3") as mock:
        yield mock


@pytest.fixture
def console(chromium: Any, served: ServeProcess) -> Iterator[Page]:
    httpx.post(f"{served.url}/__mock/reset", timeout=10).raise_for_status()
    forget_logs(chromium)
    page = Page(chromium, served.url).open("/graphql")
    page.wait_for("#operation option")
    yield page
    assert_stayed_local(chromium)


def run(page: Page) -> dict[str, Any]:
    """Press Run and read the answer the console shows."""
    before = page.find("#result").text
    page.find("#run").click()
    page.wait(lambda driver: page.find("#result").text != before, "the result")
    answer: dict[str, Any] = json.loads(page.find("#result").text)
    return answer


def test_the_vendors_generate_sample_runs_and_shows_the_job(
    console: Page, served: ServeProcess
) -> None:
    assert "mutation Generate($input: GenerateInput!)" in console.find("#query").get_attribute(
        "value"
    )
    headers = json.loads(console.find("#headers").get_attribute("value"))
    assert headers == {"Authorization": "Bearer YOUR_API_KEY"}
    job = run(console)["data"]["generate"]
    assert job["status"] == "processing" and job["creditCost"] == 53
    assert console.find("#status").text.startswith("200 OK")
    assert "x-ratelimit-remaining: 59" in console.find("#headers-out").text
    (listed,) = httpx.get(f"{served.url}/__mock/jobs", timeout=10).json()["jobs"]
    assert listed["id"] == job["id"]
    # The poll samples take the job just made; with the clock moved, it has finished.
    httpx.post(f"{served.url}/__mock/clock/advance", json={"seconds": 5}, timeout=10)
    console.find("#operation option[value='avatar']").click()
    assert json.loads(console.find("#variables").get_attribute("value")) == {"id": job["id"]}
    polled = run(console)["data"]["avatar"]
    assert polled["status"] == "completed"
    assert polled["url"] == f"{served.url}/outputs/{job['id']}.mp4"


def test_the_javascript_sample_and_an_error_as_the_api_gives_it(console: Page) -> None:
    console.find("#operation option[value='generateAvatar']").click()
    assert run(console)["data"]["generateAvatar"]["status"] == "processing"
    headers = console.find("#headers")
    headers.clear()
    headers.send_keys('{"Authorization": "Bearer nobody"}')
    refused = run(console)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"
    assert console.find("#status").text.startswith("401")


def test_bad_variables_are_refused_before_sending(console: Page, served: ServeProcess) -> None:
    variables = console.find("#variables")
    variables.clear()
    variables.send_keys("{not json")
    console.find("#run").click()
    console.wait_for("#status", "Variables are not valid JSON")
    assert httpx.get(f"{served.url}/__mock/requests", timeout=10).json() == {"requests": []}
