"""Property-based fuzzing of both transports with schemathesis, bounded in examples and time.

No 500, no hang, every answer in the documented envelope, and afterwards the server is alive and
its state consistent (no negative balance, counts that add up).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mockserver import create_app

from conftest import virtual_config

APP = create_app(virtual_config(seed=2024))
KEY = "test_unlimited_key"  # no rate limits and a large balance, so the fuzzer meets the logic
REST = schemathesis.openapi.from_asgi("/__mock/openapi.json", APP)
GRAPHQL = schemathesis.graphql.from_asgi("/graphql", APP)

CODE_BY_STATUS = {400: "BAD_REQUEST", 402: "INSUFFICIENT_CREDITS", 404: "NOT_FOUND"}

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples every run: a fuzzing failure is reproducible
    suppress_health_check=list(HealthCheck),
    database=None,
)


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
    response = case.call_and_validate(
        headers={"X-API-Key": KEY},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            response_headers_conformance,
            negative_data_rejection,
        ],
    )
    assert_documented_envelope(response)


@GRAPHQL.parametrize()
@FUZZ
def test_graphql_fuzz(case: Case) -> None:
    # Called without schemathesis' GraphQL checks: they count any `errors` entry as a failure,
    # and a 404 for an id the fuzzer made up is the documented answer, not a defect.
    response = case.call(headers={"Authorization": f"Bearer {KEY}"})
    assert_documented_envelope(response)
    if response.status_code >= 400:
        codes = {error["extensions"]["code"] for error in response.json()["errors"]}
        assert codes <= {CODE_BY_STATUS[response.status_code]}, (response.status_code, codes)


def test_state_is_consistent_after_fuzzing() -> None:
    """Runs after the fuzz tests in this module (pytest keeps file order)."""
    runtime = APP.state.runtime
    engine = runtime.engine
    assert all(account.credits >= 0 for account in engine.accounts)
    spent = sum(job.credit_cost for job in engine.jobs.values() if job.status.value != "failed")
    account = engine.accounts.get(KEY)
    assert account is not None and account.credits == 1_000_000_000 - spent
    processing = sum(1 for job in engine.jobs.values() if not job.finished)
    assert processing == engine.processing_count(KEY)
    assert runtime.errors == []
