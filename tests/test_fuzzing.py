"""Property-based fuzzing of both transports with schemathesis, bounded in examples and time.

No 500, no hang, every answer in the documented envelope, no bug reported inside the mock, and
after each example the state is consistent (no negative balance, counts that add up). Beside
schemathesis' GraphQL documents (one root field each), composed ones mix introspection and API
fields, several root fields, aliases and fragments.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import CHECKS, load_all_checks
from starlette.testclient import TestClient

from mockserver import create_app

from conftest import virtual_config

APP = create_app(virtual_config(seed=2024))
KEY = "test_unlimited_key"  # no rate limits and a large balance, so the fuzzer meets the logic
REST = schemathesis.openapi.from_asgi("/__mock/openapi.json", APP)
GRAPHQL = schemathesis.graphql.from_asgi("/graphql", APP)
CLIENT = TestClient(APP)

load_all_checks()
ALL_CHECKS = CHECKS.get_all()

CODE_BY_STATUS = {400: "BAD_REQUEST", 402: "INSUFFICIENT_CREDITS", 404: "NOT_FOUND"}

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples every run: a fuzzing failure is reproducible
    suppress_health_check=list(HealthCheck),
    database=None,
)


def assert_no_bug_and_consistent_state(errors_before: int) -> None:
    """Checked inside each example, so that no test depends on another having run first."""
    runtime = APP.state.runtime
    assert runtime.errors[errors_before:] == []
    engine = runtime.engine
    assert all(account.credits >= 0 for account in engine.accounts)
    spent = sum(job.credit_cost for job in engine.jobs.values() if job.status.value != "failed")
    account = engine.accounts.get(KEY)
    assert account is not None and account.credits == 1_000_000_000 - spent
    processing = sum(1 for job in engine.jobs.values() if not job.finished)
    assert processing == engine.processing_count(KEY)


def assert_documented_envelope(response: Any) -> None:
    """2xx has `data`; anything else is `{"errors": [{"message", "extensions": {"code"}}]}`."""
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code < 300:
        assert "data" in body
        return
    assert isinstance(body["errors"], list) and body["errors"]
    for error in body["errors"]:
        assert isinstance(error["message"], str) and error["message"]
        assert isinstance(error["extensions"]["code"], str)


@REST.parametrize()
@FUZZ
def test_rest_fuzz(case: Case) -> None:
    errors_before = len(APP.state.runtime.errors)
    # Every check, as `schemathesis run --checks all` does: positive data acceptance included,
    # so a body the OpenAPI description allows and the mock refuses fails here.
    response = case.call_and_validate(headers={"X-API-Key": KEY}, checks=ALL_CHECKS)
    assert_documented_envelope(response)
    assert_no_bug_and_consistent_state(errors_before)


@GRAPHQL.parametrize()
@FUZZ
def test_graphql_fuzz(case: Case) -> None:
    errors_before = len(APP.state.runtime.errors)
    # Called without schemathesis' GraphQL checks: they count any `errors` entry as a failure,
    # and a 404 for an id the fuzzer made up is the documented answer, not a defect.
    response = case.call(headers={"Authorization": f"Bearer {KEY}"})
    assert_documented_envelope(response)
    if response.status_code >= 400:
        codes = {error["extensions"]["code"] for error in response.json()["errors"]}
        assert codes <= {CODE_BY_STATUS[response.status_code]}, (response.status_code, codes)
    assert_no_bug_and_consistent_state(errors_before)


SCALARS = {
    "Avatar": ("id", "status", "url", "videoUrl", "duration", "creditCost", "error", "__typename"),
    "Generation": ("id", "status", "type", "metadata", "creditCost", "completedAt", "__typename"),
}
TEXTS = ("Hello there", "", "word " * 400, "\\u00a0")
API_FIELDS = {
    "Query": (
        ("avatar", "Avatar", ('id: "missing"', "id: 5")),
        ("generation", "Generation", ('id: "missing"',)),
    ),
    "Mutation": (
        (
            "generate",
            "Generation",
            tuple(
                f'input: {{type: "AVATAR", provider: "hedra", input: {{text: "{text}", '
                f'avatarId: "{avatar}"}}}}'
                for text in TEXTS
                for avatar in ("casual-1", "nobody")
            ),
        ),
        (
            "generateAvatar",
            "Avatar",
            tuple(
                f'input: {{service: "{service}", text: "{text}", avatarId: "professional-1"}}'
                for text in TEXTS
                for service in ("hedra", "other")
            ),
        ),
    ),
}
INTROSPECTION = (
    "__typename",
    "__schema { queryType { name } mutationType { name } }",
    '__type(name: "Avatar") { name fields { name } }',
)


@st.composite
def composed_documents(draw: st.DrawFn) -> str:
    """An operation of 1-3 root fields, API and introspection ones mixed, each maybe aliased and
    maybe behind an inline fragment or a named one, with scalar selections done the same way."""
    root_type = draw(st.sampled_from(["Query", "Mutation"]))
    fragments: list[str] = []

    def placed(selection: str, on: str) -> str:
        how = draw(st.sampled_from(["as is", "inline fragment", "named fragment"]))
        if how == "inline fragment":
            return f"... on {on} {{ {selection} }}"
        if how == "named fragment":
            fragments.append(f"fragment F{len(fragments)} on {on} {{ {selection} }}")
            return f"...F{len(fragments) - 1}"
        return selection

    def aliased(name: str, index: int) -> str:
        return f"a{index}: {name}" if draw(st.booleans()) else name

    roots = []
    for index in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 2)) == 0:  # a third introspection, two thirds API fields
            roots.append(placed(aliased(draw(st.sampled_from(INTROSPECTION)), index), root_type))
            continue
        name, type_name, arguments = draw(st.sampled_from(API_FIELDS[root_type]))
        fields = draw(st.lists(st.sampled_from(SCALARS[type_name]), min_size=1, max_size=4))
        selection = " ".join(aliased(field, i) for i, field in enumerate(fields))
        # The first arguments are valid: half the time, so that creates happen and pile up.
        argument = arguments[0] if draw(st.booleans()) else draw(st.sampled_from(arguments))
        chosen = f"{aliased(name, index)}({argument})"
        roots.append(placed(f"{chosen} {{ {placed(selection, type_name)} }}", root_type))
    operation = "query" if root_type == "Query" else "mutation"
    return f"{operation} {{ {' '.join(roots)} }} {' '.join(fragments)}"


@given(document=composed_documents(), with_key=st.sampled_from([True, True, False]))
@FUZZ
def test_graphql_composed_documents_fuzz(document: str, with_key: bool) -> None:
    runtime = APP.state.runtime
    errors_before, jobs_before = len(runtime.errors), set(runtime.engine.jobs)
    headers = {"Authorization": f"Bearer {KEY}"} if with_key else {}
    response = CLIENT.post("/graphql", json={"query": document}, headers=headers)
    assert_documented_envelope(response)
    body = response.json()
    if response.status_code >= 400:
        codes = {error["extensions"]["code"] for error in body["errors"]}
        assert codes <= {({401: "UNAUTHORIZED"} | CODE_BY_STATUS)[response.status_code]}
    created = set(runtime.engine.jobs) - jobs_before
    # One operation, one charge: at most one job, only with a key, and only in a full answer.
    assert len(created) <= 1
    if created:
        assert with_key and response.status_code == 200 and body["data"] is not None
    assert_no_bug_and_consistent_state(errors_before)
