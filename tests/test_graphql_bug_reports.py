"""A bug inside GraphQL execution is reported like one in REST: kept for the test that caused it."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver import create_app

from conftest import AVATAR, Api, virtual_config

pytest_plugins = ["pytester"]


def broken(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("engine exploded")


@pytest.mark.parametrize("fast_path", [True, False], ids=["short cut", "executor"])
@pytest.mark.parametrize("operation", ["generate", "avatar"])
def test_a_bug_in_a_resolver_is_an_enveloped_500_kept_for_the_test(
    fast_path: bool, operation: str
) -> None:
    app = create_app(virtual_config(graphql_fast_path=fast_path))
    engine = app.state.runtime.engine
    engine.create_job = broken
    engine.get_job = broken
    with TestClient(app) as client:
        api = Api(client)
        response = api.generate() if operation == "generate" else api.graphql(AVATAR, {"id": "x"})
        assert response.status_code == 500, response.text
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        (report,) = app.state.runtime.errors
        assert report.startswith("POST /graphql\n") and "engine exploded" in report
        (entry,) = client.get("/__mock/requests").json()["requests"]
        assert (entry["operation"], entry["status"]) == (operation, 500)


def test_a_bug_in_a_create_sent_again_is_answered_and_reported_as_the_executor_does() -> None:
    answers = []
    for fast_path in (True, False):
        app = create_app(virtual_config(graphql_fast_path=fast_path))
        engine = app.state.runtime.engine
        with TestClient(app) as client:
            api = Api(client)
            for _ in range(3):  # read, then found by its bytes with its create kept
                assert api.generate().status_code == 200
            engine.create_job = broken
            response = api.generate()  # the kept create, made again: the engine raises
            assert response.status_code == 500, response.text
            (report,) = app.state.runtime.errors
            assert report.startswith("POST /graphql\n") and "engine exploded" in report
            entry = client.get("/__mock/requests").json()["requests"][-1]
            assert (entry["operation"], entry["status"], entry["jobId"]) == ("generate", 500, None)
            answers.append((dict(response.headers), response.content))
    assert answers[0] == answers[1]


def test_a_client_error_is_not_reported_as_a_bug() -> None:
    app = create_app(virtual_config())
    with TestClient(app) as client:
        api = Api(client)
        assert api.generate(type="VIDEO").status_code == 400
        assert api.graphql(AVATAR, {"id": "missing"}).status_code == 404
        assert api.graphql("{ avatar(id: 1) { colour } }").status_code == 400
    assert app.state.runtime.errors == []


def test_a_bug_in_graphql_fails_the_test_that_caused_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_breaks_the_mock(mock_doitong):
            def broken(*args, **kwargs):
                raise RuntimeError("engine exploded")
            mock_doitong.app.state.runtime.engine.get_job = broken
            response = httpx.post(
                mock_doitong.graphql_url,
                json={"query": '{ avatar(id: "x") { id } }'},
                headers={"Authorization": f"Bearer {mock_doitong.api_key}"},
            )
            assert response.status_code == 500

        def test_next_one_is_clean(mock_doitong):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*errors inside mock-doitong during this test*", "*engine exploded*"]
    )
