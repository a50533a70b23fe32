"""A headless Chromium for the browser tests, from Debian's `chromium` and `chromium-driver`.

Where no browser is installed the tests skip and say why, except under CI (the environment
variable CI set), where `.ci/run` installs one: there a missing browser fails them, so no browser
test is ever skipped without anyone noticing.

The browser is kept off the network: every host name but 127.0.0.1 resolves to nothing
(`--host-resolver-rules`), its background services are off, and `requests_leaving` reads its
performance log for any request to another host, which the tests assert there is none of.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

BROWSERS = ("chromium", "chromium-browser")
DRIVER = "chromedriver"
LOCAL_HOSTS = {"127.0.0.1"}
# Schemes that never touch the network.
LOCAL_SCHEMES = {"data", "about", "blob", "chrome", "chrome-extension", "devtools"}
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    "--metrics-recording-only",
    "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1400,1000",
)


def missing_browser() -> str | None:
    """Why there is no browser to drive, or None when there is one."""
    try:
        import selenium  # noqa: F401, PLC0415 - only the browser tests need it
    except ImportError:
        return "selenium is not installed (it comes with the [test] extra)"
    if not any(shutil.which(name) for name in BROWSERS):
        return "no chromium on PATH (apt-get install chromium chromium-driver)"
    if not shutil.which(DRIVER):
        return "no chromedriver on PATH (apt-get install chromium-driver)"
    return None


def require_browser() -> None:
    """Skip the calling test with the reason, or fail it under CI."""
    reason = missing_browser()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests, but {reason}")
    pytest.skip(f"browser test skipped: {reason}")


def start_chromium(profile: Path) -> Any:
    """A headless Chromium with a fresh profile in `profile`, its performance log on."""
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = next(path for name in BROWSERS if (path := shutil.which(name)))
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # The Debian driver named outright: selenium then never looks for (or downloads) one.
    service = Service(executable_path=shutil.which(DRIVER))
    return webdriver.Chrome(options=options, service=service)


def requests_leaving(driver: Any) -> list[str]:
    """Every URL the browser asked for since the last call whose host is not on this machine."""
    leaving = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.requestWillBeSent":
            continue
        url = message["params"]["request"]["url"]
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            continue
        if parts.hostname not in LOCAL_HOSTS:
            leaving.append(url)
    return leaving


def assert_stayed_local(driver: Any) -> None:
    """No request left 127.0.0.1 and no script failed since the last look. A refused call that a
    test made the page send (a 400, a 401) is logged as a failed load: the request check above
    covers every load, so those are left out here."""
    leaving = requests_leaving(driver)
    assert not leaving, f"requests left 127.0.0.1: {leaving}"
    failed_load = "Failed to load resource: the server responded with a status of"
    errors = [error for error in console_errors(driver) if failed_load not in error]
    assert not errors, f"the page's console: {errors}"


def forget_logs(driver: Any) -> None:
    """Start the next look at the logs from now."""
    requests_leaving(driver)
    console_errors(driver)


def console_errors(driver: Any) -> list[str]:
    """The page's console errors since the last call (a script that failed, a refused load)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


class Page:
    """One page of a served mock in the browser, with waits on its DOM (never on the mock)."""

    def __init__(self, driver: Any, base_url: str, timeout: float = 15) -> None:
        self.driver = driver
        self.base_url = base_url
        self.timeout = timeout

    def open(self, path: str) -> Page:
        self.driver.get(self.base_url + path)
        return self

    def find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By  # noqa: PLC0415

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[Any]:
        from selenium.webdriver.common.by import By  # noqa: PLC0415

        found: list[Any] = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found

    def retype(self, css: str, text: str) -> None:
        """Replace what the input at `css` holds with `text`, then press Enter (which fires its
        change event, as a person leaving the field would)."""
        from selenium.webdriver.common.keys import Keys  # noqa: PLC0415

        field = self.find(css)
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.BACKSPACE, text, Keys.ENTER)

    def texts(self, css: str) -> list[str]:
        """The text of every element matching `css`, read at one instant (between redraws)."""
        script = "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText)"
        found: list[str] = self.driver.execute_script(script, css)
        return found

    def wait(self, condition: Any, what: str) -> Any:
        """`condition(driver)` once it is truthy; fails naming `what` after the timeout.

        The panels are redrawn every round, so an element found a moment ago may be gone:
        the condition is then asked again, as when it was not there yet.
        """
        from selenium.common.exceptions import (  # noqa: PLC0415
            NoSuchElementException,
            StaleElementReferenceException,
        )
        from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415

        redrawn = (NoSuchElementException, StaleElementReferenceException)
        waiting = WebDriverWait(self.driver, self.timeout, 0.05, ignored_exceptions=redrawn)
        return waiting.until(condition, f"waited {self.timeout} s for {what}")

    def wait_for(self, css: str, text: str | None = None) -> Any:
        """The first element matching `css` (whose text contains `text`, if given)."""

        def found(driver: Any) -> Any:
            for element in self.find_all(css):
                if text is None or text in element.text:
                    return element
            return None

        return self.wait(found, css + (f" containing {text!r}" if text else ""))

    def click(self, css: str, text: str | None = None) -> None:
        """Click the element at `css` (containing `text`), found anew if a redraw replaced it."""

        def clicked(driver: Any) -> bool:
            self.wait_for(css, text).click()
            return True

        self.wait(clicked, f"a click on {css}")

    def text_of(self, css: str, text: str | None = None) -> str:
        """The text of the element at `css` (once it contains `text`), read at one instant."""
        found: str = self.wait(lambda driver: self.wait_for(css, text).text, css)
        return found

    def attributes(self, css: str, name: str) -> list[str]:
        """Attribute `name` of every element matching `css`, read at one instant."""
        script = (
            "return [...document.querySelectorAll(arguments[0])]"
            ".map(e => e.getAttribute(arguments[1]))"
        )
        found: list[str] = self.driver.execute_script(script, css, name)
        return found

    def rounds(self) -> int:
        """How many times the dashboard has brought its panels up to date."""
        value = self.driver.execute_script("return document.body.dataset.rounds || '0'")
        return int(value)

    def wait_for_round(self) -> None:
        """Until the dashboard has finished a round that began after now."""
        start = self.rounds()
        self.wait(lambda driver: self.rounds() >= start + 2, "two more rounds")

    def toast(self, text: str) -> Any:
        return self.wait_for("#toasts .toast", text)


def chromium_driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A module's browser (`chromium = pytest.fixture(scope="module")(chromium_driver)`)."""
    require_browser()
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()
