"""The dashboard in a real (headless) Chromium against a real `mock-doitong serve`.

Each test acts as a person would: it reads what the page shows and presses its buttons. The mock's
clock moves only when the page's buttons move it; the tests wait for the page's DOM, never for
time to pass. After every test, no request the browser made left 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser import Page, assert_stayed_local, chromium_driver, forget_logs, requests_leaving

from serve_process import ServeProcess

ROOT = Path(__file__).resolve().parent.parent
# The README's picture: written anew only when asked (a run of the suite leaves the checkout
# as it found it).
SCREENSHOT = ROOT / "docs" / "dashboard.png"
UPDATE_SCREENSHOT = os.environ.get("MOCK_DOITONG_UPDATE_SCREENSHOT") == "1"
KEY = {"X-API-Key": "YOUR_API_KEY"}
REFUSING = "http://127.0.0.1:9/hook"  # the discard port: nothing listens, every attempt fails
LOAD_SECONDS = 30.0  # an upper bound: the load is stopped once the page was seen to update
LOAD = """
from benchmarks.loadgen import http_request, run_load
from benchmarks.run import KEY, REST_BODY, JSON
request = http_request("POST", "/v1/avatar", REST_BODY, {{**JSON, "X-API-Key": KEY}})
run_load({port}, request, connections=16, seconds={seconds}, max_requests=400_000)
"""


chromium = pytest.fixture(scope="module")(chromium_driver)


@pytest.fixture(scope="module")
def served(chromium: Any) -> Iterator[ServeProcess]:
    with ServeProcess("--port", "0", "--clock", "virtual", "--seed", "1") as mock:
        yield mock


@pytest.fixture
def mock(served: ServeProcess) -> Iterator[httpx.Client]:
    """The served mock's API and control plane, back at the fixtures."""
    with httpx.Client(base_url=served.url, timeout=10) as http:
        assert http.post("/__mock/reset").status_code == 200
        yield http


@pytest.fixture
def page(chromium: Any, served: ServeProcess, mock: httpx.Client) -> Iterator[Page]:
    forget_logs(chromium)  # what an earlier test left
    yield Page(chromium, served.url)
    assert_stayed_local(chromium)


def create(mock: httpx.Client, text: str = "Hello from the test", **extra: Any) -> str:
    body = {"service": "hedra", "text": text, "avatarId": "professional-1", **extra}
    response = mock.post("/v1/avatar", json=body, headers=KEY)
    assert response.status_code == 200, response.text
    job_id: str = response.json()["data"]["avatar"]["id"]
    return job_id


def open_dashboard(page: Page) -> Page:
    page.open("/__mock/ui")
    page.wait(lambda driver: page.rounds() >= 1, "the first round")
    return page


def job_row(job_id: str, status: str) -> str:
    return f'#jobs tr[data-id="{job_id}"][data-status="{status}"]'


def test_the_control_url_opens_the_dashboard(page: Page) -> None:
    page.open("/__mock/")
    page.wait(lambda driver: driver.current_url.endswith("/__mock/ui"), "the redirect")
    page.wait_for("#clock-now", "2024-01-01 00:00:00 UTC")
    assert page.find("#clock-mode").text == "virtual"


def test_a_job_created_over_the_api_shows_as_processing(page: Page, mock: httpx.Client) -> None:
    open_dashboard(page)
    job_id = create(mock, webhookUrl=f"{mock.base_url}/__mock/inbox/hook")
    page.wait_for(job_row(job_id, "processing") + " td.left", " s")
    cells = page.texts(job_row(job_id, "processing") + " td")
    assert cells[1] == "YOUR_API_KEY" and cells[3] == "processing"
    assert cells[4] == "5.0 s"  # time left on the mock's clock: `serve` jobs take 5 s
    assert cells[5] == "52" and cells[6] == "when it ends"
    page.wait_for("#requests tbody tr", "POST /v1/avatar")


def test_advancing_the_clock_from_the_page_completes_the_job_and_delivers_its_webhook(
    page: Page, mock: httpx.Client
) -> None:
    job_id = create(mock, webhookUrl=f"{mock.base_url}/__mock/inbox/hook")
    open_dashboard(page)
    page.wait_for(job_row(job_id, "processing"))
    page.find("#advance-5s").click()
    page.toast("Clock now 2024-01-01T00:00:05Z")
    page.wait_for(job_row(job_id, "completed"), "delivered 200")
    delivery = page.text_of('#deliveries tr[data-attempts="1"]', job_id)
    assert "delivered" in delivery and "200" in delivery
    assert page.find("#clock-now").text == "2024-01-01 00:00:05 UTC"
    (received,) = mock.get("/__mock/inbox").json()["webhooks"]
    assert received["json"]["id"] == job_id


def test_a_fault_added_from_the_form_makes_the_next_api_request_fail(
    page: Page, mock: httpx.Client
) -> None:
    open_dashboard(page)
    page.find("#fault-what option[value='500']").click()
    page.find("#fault-operation option[value='rest.create']").click()
    page.find("#fault-times").send_keys("1")
    page.find("#fault-add").click()
    page.toast("added")
    row = page.text_of("#faults tbody tr[data-id]")
    assert row.split()[:4] == ["500", "rest.create", "any", "1"]
    body = {"service": "hedra", "text": "Hi", "avatarId": "casual-1"}
    failed = mock.post("/v1/avatar", json=body, headers=KEY)
    assert failed.status_code == 500
    assert failed.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert mock.post("/v1/avatar", json=body, headers=KEY).status_code == 200  # used up
    page.wait_for("#faults tbody td.empty")
    page.wait_for("#requests tbody tr", "500")


def test_clearing_the_faults(page: Page, mock: httpx.Client) -> None:
    mock.post("/__mock/faults", json={"status": 429})
    mock.post("/__mock/faults", json={"latencyMs": 10, "message": "slow"})
    open_dashboard(page)
    page.wait(lambda driver: len(page.texts("#faults tbody tr[data-id]")) == 2, "two faults")
    page.find("#faults-clear").click()
    page.wait_for("#faults tbody td.empty")
    assert mock.get("/__mock/faults").json() == {"faults": []}


def test_a_refused_fault_says_why(page: Page, mock: httpx.Client) -> None:
    open_dashboard(page)
    page.find("#fault-latency").send_keys("1000000")  # the form takes it; the mock does not
    page.find("#fault-add").click()
    assert "latencyMs must be between 0 and 60000" in page.toast("400").text
    assert mock.get("/__mock/faults").json() == {"faults": []}


def test_replaying_a_delivery_adds_an_attempt(page: Page, mock: httpx.Client) -> None:
    job_id = create(mock, webhookUrl=f"{mock.base_url}/__mock/inbox/hook")
    assert mock.post(f"/__mock/jobs/{job_id}/complete").status_code == 200
    open_dashboard(page)
    page.click('#deliveries tr[data-attempts="1"] [data-action="replay"]')
    page.toast("Replayed")
    assert "(replay)" in page.text_of('#deliveries tr[data-attempts="2"]', job_id)
    (delivery,) = mock.get("/__mock/webhooks").json()["deliveries"]
    assert [attempt.get("replay", False) for attempt in delivery["attempts"]] == [False, True]


def test_completing_and_failing_jobs_from_the_page(page: Page, mock: httpx.Client) -> None:
    done, failed = create(mock, "one"), create(mock, "two")
    open_dashboard(page)
    page.click(job_row(done, "processing") + " [data-action='complete']")
    page.toast(f"Job {done} completed")
    page.wait_for(job_row(done, "completed"))
    page.click(job_row(failed, "processing") + " [data-action='fail']")
    page.wait_for(job_row(failed, "failed"))
    statuses = {job["id"]: job["status"] for job in mock.get("/__mock/jobs").json()["jobs"]}
    assert statuses == {done: "completed", failed: "failed"}


def test_a_jobs_detail_shows_its_whole_record(page: Page, mock: httpx.Client) -> None:
    job_id = create(mock, "Show me everything")
    open_dashboard(page)
    page.click(job_row(job_id, "processing") + " td.mono")
    detail = page.text_of("#job-detail", job_id)
    assert '"text": "Show me everything"' in detail and '"dueAt"' in detail


def test_the_journal_is_newest_first_and_filters(page: Page, mock: httpx.Client) -> None:
    create(mock)
    mock.get("/v1/avatar/nothing", headers=KEY)
    open_dashboard(page)
    rows = "#requests tbody tr"

    def shown(count: int, having: str) -> Any:
        texts = page.texts(rows)
        return len(texts) == count and all(having in text for text in texts) and texts

    newest, oldest = page.wait(lambda driver: shown(2, "/v1/avatar"), "both requests")
    assert "GET /v1/avatar/nothing" in newest and "POST /v1/avatar" in oldest
    page.retype("#requests-status", "200")
    page.wait(lambda driver: shown(1, "POST /v1/avatar"), "only the 200")
    page.retype("#requests-status", "")
    page.wait(lambda driver: shown(2, "/v1/avatar"), "both again")
    page.find("#requests-operation option[value='rest.get']").click()
    page.wait(lambda driver: shown(1, "rest.get"), "only rest.get")
    page.click(rows, "rest.get")
    assert '"path": "/v1/avatar/nothing"' in page.text_of("#request-detail")


def test_editing_an_account_from_the_page(page: Page, mock: httpx.Client) -> None:
    open_dashboard(page)
    page.click("#account-key option[value='test_free_key']")
    page.wait(lambda driver: page.find("#account-plan").get_attribute("value") == "free", "fill")
    page.retype("#account-credits", "42")
    page.retype("#account-plan", "starter")  # Enter in the form saves it
    page.toast("test_free_key: starter, 42 credits")
    row = '#accounts tr[data-id="test_free_key"]'
    page.wait_for(row, "starter")
    assert page.text_of(row + " .credits") == "42"
    accounts = {a["apiKey"]: a for a in mock.get("/__mock/accounts").json()["accounts"]}
    assert (accounts["test_free_key"]["plan"], accounts["test_free_key"]["credits"]) == (
        "starter",
        42,
    )


def test_the_accounts_show_what_is_left_of_the_window(page: Page, mock: httpx.Client) -> None:
    for _ in range(3):
        mock.get("/v1/avatar/nothing", headers={"X-API-Key": "test_free_key"})
    open_dashboard(page)
    row = page.text_of('#accounts tr[data-id="test_free_key"]', "7 of 10")
    assert "97 of 100" in row and "0 of 1" in row and "whsec_test_free" in row


def test_switching_scenario_and_resetting(page: Page, mock: httpx.Client) -> None:
    create(mock)
    open_dashboard(page)
    page.click("#scenario option[value='out-of-credits']")
    page.find("#scenario-switch").click()
    page.wait_for("#scenario-active", "out-of-credits")
    assert mock.get("/__mock/scenarios").json()["active"]["name"] == "out-of-credits"
    page.wait_for("#jobs td.empty")  # a switch resets
    create(mock)
    page.find("#reset").click()
    page.toast("Reset to the fixtures")
    page.wait_for("#jobs td.empty")
    page.click("#scenario option[value='']")
    page.find("#scenario-switch").click()
    page.wait_for("#scenario-active", "no scenario")
    assert mock.get("/__mock/scenarios").json()["active"] is None


def test_advancing_by_a_chosen_amount(page: Page, mock: httpx.Client) -> None:
    open_dashboard(page)
    page.retype("#advance-seconds", "90")  # Enter submits, as the button does
    page.wait_for("#clock-now", "2024-01-01 00:01:30 UTC")
    assert mock.get("/__mock/clock").json()["now"] == "2024-01-01T00:01:30Z"


def test_the_page_still_updates_under_the_benchmarks_rest_load(
    page: Page, mock: httpx.Client, served: ServeProcess
) -> None:
    open_dashboard(page)
    port = int(served.url.rsplit(":", 1)[1])
    # The benchmark's REST create load, from a process of its own, bounded in time and count.
    load = subprocess.Popen(
        [sys.executable, "-c", LOAD.format(port=port, seconds=LOAD_SECONDS)], cwd=ROOT
    )
    try:
        # Thousands of jobs a second: each round shows the newest 50, all of the load's key.
        page.wait_for("#jobs tbody tr[data-id]", "test_unlimited_key")
        before = set(page.attributes("#jobs tr[data-id]", "data-id"))
        page.wait_for_round()
        after = set(page.attributes("#jobs tr[data-id]", "data-id"))
        assert after - before, "the jobs panel did not move on"
        assert load.poll() is None, "the load ended before the page was seen to update"
    finally:
        load.terminate()
        load.wait(30)


def test_a_refused_webhook_shows_each_failed_attempt(page: Page, mock: httpx.Client) -> None:
    job_id = create(mock, webhookUrl=REFUSING)
    mock.post(f"/__mock/jobs/{job_id}/complete")
    open_dashboard(page)
    row = page.text_of('#deliveries tr[data-attempts="1"]', job_id)
    assert "pending" in row and "error" in row
    page.retype("#advance-seconds", "10")  # the first retry is due 10 s later
    page.wait_for('#deliveries tr[data-attempts="2"]', job_id)


def test_the_check_sees_a_request_that_leaves(chromium: Any) -> None:
    """The assertion after every test can fail: a page that asks another host is caught (the
    request goes nowhere: the host resolves to nothing)."""
    forget_logs(chromium)
    chromium.get('data:text/html,<img src="http://example.com/pixel.png">')
    Page(chromium, "").wait(requests_leaving, "the request")
    forget_logs(chromium)


def test_on_a_real_clock_time_left_counts_down_between_rounds(chromium: Any) -> None:
    forget_logs(chromium)
    with ServeProcess("--port", "0", "--job-seconds", "8") as real:
        page = Page(chromium, real.url)
        with httpx.Client(base_url=real.url, timeout=10) as http:
            job_id = create(http)
            open_dashboard(page)
            cell = job_row(job_id, "processing") + " td.left"
            first = page.text_of(cell, " s")
            later = page.wait(
                lambda driver: page.text_of(cell) != first and page.text_of(cell), "a move"
            )
            assert float(later.split()[0]) < float(first.split()[0])
        assert_stayed_local(chromium)
        chromium.get("about:blank")  # before the mock stops: a polling page would log that


def test_with_an_admin_token_the_page_asks_for_it_and_shows_nothing_without(
    chromium: Any,
) -> None:
    forget_logs(chromium)
    with ServeProcess("--port", "0", "--clock", "virtual", "--admin-token", "s3cret") as guarded:
        with httpx.Client(base_url=guarded.url, timeout=10) as http:
            job_id = create(http, "A secret job")
        page = Page(chromium, guarded.url).open("/__mock/ui")
        page.wait_for("#login:not([hidden])")
        assert page.find_all("#panels > *") == []
        assert job_id not in chromium.page_source and "whsec_" not in chromium.page_source
        page.find("#token").send_keys("wrong\n")
        page.wait_for("#login-error", "refused")
        assert page.find_all("#panels > *") == []
        page.find("#token").send_keys("s3cret\n")
        page.wait_for(job_row(job_id, "processing"))
        assert page.find("#login").get_attribute("hidden") is not None
        chromium.refresh()  # kept for the tab: asked once
        page.wait_for(job_row(job_id, "processing"))
        page.find("#advance-5s").click()  # and every action sends it
        page.wait_for(job_row(job_id, "completed"))
        chromium.execute_script("sessionStorage.clear()")
        assert_stayed_local(chromium)
        chromium.get("about:blank")  # before the mock stops: a polling page would log that


def test_a_screenshot_for_the_readme(page: Page, mock: httpx.Client, tmp_path: Path) -> None:
    """docs/dashboard.png, made from a mock in a state a person would meet; written to the
    checkout with MOCK_DOITONG_UPDATE_SCREENSHOT=1, else only to a temporary file."""
    inbox = f"{mock.base_url}/__mock/inbox/doitong"
    texts = [
        "Hello, welcome to our platform!",
        "Our quarterly results, in under a minute.",
        "Bienvenue sur notre plateforme !",
    ]
    for text in texts:
        create(mock, text, webhookUrl=inbox)
    mock.post("/__mock/clock/advance", json={"seconds": 5})
    failing = create(mock, "This one's receiver is down.", webhookUrl=REFUSING)
    mock.post(f"/__mock/jobs/{failing}/fail", json={"error": "Avatar generation failed"})
    create(mock, "Still rendering: a longer script for the product tour.", webhookUrl=inbox)
    mock.post(
        "/v1/avatar", json={"service": "hedra", "text": "Hi", "avatarId": "nobody"}, headers=KEY
    )
    mock.get("/v1/avatar/unknown-id", headers={"X-API-Key": "test_free_key"})
    mock.post("/__mock/faults", json={"status": 429, "operation": "rest.create", "times": 2})
    mock.post("/__mock/clock/advance", json={"seconds": 2})
    open_dashboard(page)
    page.wait_for('#deliveries tr[data-attempts="1"]', failing)
    page.wait_for("#faults tbody tr[data-id]")
    # The whole page, no scroll bar: the window as tall as the document, plus its own frame.
    height = page.driver.execute_script(
        "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight"
    )
    page.driver.set_window_size(1400, min(int(height), 3000))
    page.wait_for_round()
    target = SCREENSHOT if UPDATE_SCREENSHOT else tmp_path / SCREENSHOT.name
    target.parent.mkdir(exist_ok=True)
    assert page.driver.save_screenshot(str(target))
    page.driver.set_window_size(1400, 1000)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
