"""A pytester test takes out of sys.modules whatever was first imported while it ran, but a
package keeps its submodules as attributes: an app built after such a test re-imports the mock's
GraphQL machinery half fresh and half stale, and its first GraphQL request is a 500. The suite's
conftest imports that machinery before any test; this runs a suite with that conftest through
the order that met the old one: the session's live server loading GraphQL (on its worker
thread, as its warm-up does) during a pytester test, then a new app asked a GraphQL query."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py")

IN_THIS_ORDER = """
import httpx
from starlette.testclient import TestClient

from mockserver import ServerThread, create_app

from conftest import virtual_config

pytest_plugins = ["pytester"]

QUERY = {"query": "{ __typename }"}


def test_graphql_first_loads_during_a_pytester_test(pytester):
    app = create_app(virtual_config(), warm_up_graphql=False)
    with ServerThread(app) as server:  # loaded on the server's worker thread
        assert httpx.post(f"{server.url}/graphql", json=QUERY).status_code == 200


def test_an_app_built_afterwards_answers_graphql():
    app = create_app(virtual_config())
    with TestClient(app) as client:
        answer = client.post("/graphql", json=QUERY)
    assert answer.status_code == 200, answer.text
    assert app.state.runtime.errors == []
"""


def test_graphql_loaded_during_a_pytester_test_still_works_in_a_later_app(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(test_in_this_order=IN_THIS_ORDER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
