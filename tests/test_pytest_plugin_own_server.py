"""A `mock_doitong_server` fixture of the user's own: the plugin resets it lazily through the
DeferredReset it serves, and one that serves the bare app is refused with what to write."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

OWN_SERVER = """
import pytest

from mockserver import ClockMode, MockConfig, ServerThread, create_app
from mockserver.deferred_reset import DeferredReset


@pytest.fixture(scope="session")
def mock_doitong_server():
    config = MockConfig(clock=ClockMode.VIRTUAL, seed=0)
    with ServerThread({app}) as server:
        yield server
"""

TWO_TESTS = """
import httpx

def create(mock):
    return httpx.post(mock.rest_url, headers={"X-API-Key": mock.api_key},
        json={"service": "hedra", "text": "Hi", "avatarId": "casual-1"})

def test_first(mock_doitong):
    assert create(mock_doitong).status_code == 200
    mock_doitong.advance(60)

def test_second_finds_it_fresh(mock_doitong):
    assert mock_doitong.jobs() == []
    assert mock_doitong.now() == "2024-01-01T00:00:00Z"
    assert create(mock_doitong).status_code == 200
"""


def run_two_tests_with_own_server(pytester: pytest.Pytester, app: str) -> pytest.RunResult:
    """TWO_TESTS, in a subprocess, with a conftest whose own server serves `app`."""
    pytester.makeconftest(OWN_SERVER.format(app=app))
    pytester.makepyfile(TWO_TESTS)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider")


def test_a_server_of_the_bare_app_is_a_usage_error_that_says_what_to_write(
    pytester: pytest.Pytester,
) -> None:
    result = run_two_tests_with_own_server(pytester, "create_app(config)")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*UsageError: mock-doitong: the mock_doitong_server fixture must give a "
            "mockserver.ServerThread serving a mockserver.deferred_reset.DeferredReset*"
            "its app is MockApp. Wrap the app: ServerThread(DeferredReset(create_app(config)))*"
        ]
    )
    assert "AssertionError" not in result.stdout.str()


def test_a_server_of_the_wrapped_app_is_reset_before_every_test(
    pytester: pytest.Pytester,
) -> None:
    result = run_two_tests_with_own_server(pytester, "DeferredReset(create_app(config))")
    result.assert_outcomes(passed=2)
