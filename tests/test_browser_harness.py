"""The browser tests' harness: where there is no browser they skip and say why, except under
CI, where they fail; so no browser test is ever skipped without anyone noticing."""

from __future__ import annotations

import shutil

import pytest
from browser import DRIVER, missing_browser, require_browser


def test_a_missing_browser_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert "no chromium on PATH" in (missing_browser() or "")
    monkeypatch.setattr(shutil, "which", lambda name: None if name == DRIVER else "/bin/true")
    assert "no chromedriver on PATH" in (missing_browser() or "")


def test_without_a_browser_the_tests_skip_saying_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="browser test skipped: no chromium"):
        require_browser()


def test_under_ci_a_missing_browser_fails_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        require_browser()
