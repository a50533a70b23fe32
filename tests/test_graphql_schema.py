"""The resolvers, run through the executable schema with no HTTP, as ariadne's own tests do.

Each operation executes against a plain engine: the context carries the admission a transport
would have made, so what is left is what the schema and its resolvers do.
"""

from __future__ import annotations

from typing import Any

import pytest
from core_engine import FREE, HEADER, HOOK, KEY, START, advance, credits, make_engine
from graphql import ExecutionResult, execute_sync, parse

from mockserver.core.engine import Engine
from mockserver.core.errors import ApiError
from mockserver.graphql.schema import RequestContext, executable_schema

from conftest import AVATAR, GENERATE, GENERATE_AVATAR, GENERATION, generate_input

BASE = "http://mock.test"


def run(
    engine: Engine,
    document: str,
    variables: dict[str, Any] | None = None,
    key: str = KEY,
    idempotency_key: str | None = None,
) -> ExecutionResult:
    context = RequestContext(
        engine=engine,
        admission=engine.admit(key, HEADER),
        base_url=BASE,
        idempotency_key=idempotency_key,
    )
    return execute_sync(
        executable_schema(), parse(document), variable_values=variables, context_value=context
    )


def data(result: ExecutionResult) -> Any:
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def api_error(result: ExecutionResult) -> ApiError:
    """The one error an operation raised, as the resolver raised it."""
    assert result.data is None
    (error,) = result.errors or []
    assert isinstance(error.original_error, ApiError), error
    return error.original_error


def avatar_input(**fields: Any) -> dict[str, Any]:
    return {"input": {"service": "hedra", "text": "Hi there", "avatarId": "casual-1", **fields}}


def test_generate_makes_a_job_and_answers_in_the_generation_shape() -> None:
    engine = make_engine()
    generated = data(run(engine, GENERATE, {"input": generate_input()}))["generate"]
    (job,) = engine.jobs.values()
    assert generated == {
        "id": job.id,
        "status": "processing",
        "type": "AVATAR",
        "provider": "hedra",
        "url": None,
        "metadata": {"duration": None, "width": None, "height": None},
        "creditCost": 53,
        "createdAt": "2024-01-01T00:00:00Z",
        "completedAt": None,
        "error": None,
    }
    assert (job.voice, job.language, job.version) == ("en-US-neural", "en", "hedra-1.0")
    assert credits(engine) == 100_000 - 53


def test_generate_avatar_makes_a_job_and_answers_in_the_avatar_shape() -> None:
    engine = make_engine()
    result = run(engine, GENERATE_AVATAR, avatar_input(webhookUrl=HOOK, version="hedra-1.0"))
    created = data(result)["generateAvatar"]
    (job,) = engine.jobs.values()
    assert created == {
        "id": job.id,
        "status": "processing",
        "videoUrl": None,
        "url": None,
        "duration": None,
        "webhookUrl": HOOK,
        "creditCost": 51,
        "createdAt": "2024-01-01T00:00:00Z",
        "completedAt": None,
        "error": None,
    }
    assert job.webhook_url == HOOK and job.avatar_id == "casual-1"


def test_a_webhook_url_inside_the_options_is_the_jobs() -> None:
    engine = make_engine()
    options = {"voice": "en-US-neural", "webhookUrl": HOOK}
    data(run(engine, GENERATE, {"input": generate_input(options=options)}))
    (job,) = engine.jobs.values()
    assert job.webhook_url == HOOK


def test_both_queries_read_a_finished_job_of_either_mutation_with_links_to_the_base_url() -> None:
    engine = make_engine()
    one = data(run(engine, GENERATE, {"input": generate_input()}))["generate"]["id"]
    two = data(run(engine, GENERATE_AVATAR, avatar_input()))["generateAvatar"]["id"]
    advance(engine, 30)
    for job_id in (one, two):
        avatar = data(run(engine, AVATAR, {"id": job_id}))["avatar"]
        generation = data(run(engine, GENERATION, {"id": job_id}))["generation"]
        url = f"{BASE}/outputs/{job_id}.mp4"
        assert (avatar["status"], avatar["url"], avatar["videoUrl"]) == ("completed", url, url)
        assert avatar["completedAt"] == generation["completedAt"] == "2024-01-01T00:00:30Z"
        assert generation["url"] == url
        assert generation["metadata"]["width"] > 0 and generation["metadata"]["duration"] > 0


def test_a_query_selects_only_the_fields_it_names() -> None:
    engine = make_engine()
    job_id = data(run(engine, GENERATE_AVATAR, avatar_input()))["generateAvatar"]["id"]
    assert data(run(engine, f'{{ avatar(id: "{job_id}") {{ status }} }}')) == {
        "avatar": {"status": "processing"}
    }


@pytest.mark.parametrize("document", [AVATAR, GENERATION])
def test_another_keys_job_is_not_found(document: str) -> None:
    engine = make_engine()
    job_id = data(run(engine, GENERATE_AVATAR, avatar_input()))["generateAvatar"]["id"]
    error = api_error(run(engine, document, {"id": job_id}, key=FREE))
    assert (error.status, error.code) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("document", "variables", "field"),
    [
        (GENERATE, {"input": generate_input(type="VIDEO")}, "input.type"),
        (GENERATE, {"input": generate_input(provider="other")}, "input.provider"),
        (GENERATE, {"input": generate_input(options={"voice": "nobody"})}, "input.options.voice"),
        (GENERATE, {"input": generate_input(text="   ")}, "input.input.text"),
        (GENERATE, {"input": generate_input(webhookUrl="ftp://x")}, "input.webhookUrl"),
        (GENERATE_AVATAR, avatar_input(avatarId="nobody"), "input.avatarId"),
        (GENERATE_AVATAR, avatar_input(service="other"), "input.service"),
        (GENERATE_AVATAR, avatar_input(version="hedra-9"), "input.version"),
    ],
)
def test_a_bad_input_is_400_naming_its_full_path_and_makes_nothing(
    document: str, variables: dict[str, Any], field: str
) -> None:
    engine = make_engine()
    error = api_error(run(engine, document, variables))
    assert (error.status, error.extensions) == (400, {"field": field})
    assert len(engine.jobs) == 0 and credits(engine) == 100_000


def test_an_input_the_schema_refuses_never_reaches_a_resolver() -> None:
    engine = make_engine()
    result = run(engine, GENERATE_AVATAR, {"input": {"service": "hedra", "text": "Hi"}})
    (error,) = result.errors or []
    assert "avatarId" in error.message and not isinstance(error.original_error, ApiError)
    assert result.data is None and len(engine.jobs) == 0


def test_the_idempotency_key_in_the_context_replays_the_first_job() -> None:
    engine = make_engine()
    variables = {"input": generate_input()}
    first = data(run(engine, GENERATE, variables, idempotency_key="order-1"))["generate"]
    again = data(run(engine, GENERATE, variables, idempotency_key="order-1"))["generate"]
    assert again == first and len(engine.jobs) == 1
    other = api_error(run(engine, GENERATE_AVATAR, avatar_input(), idempotency_key="order-1"))
    assert other.extensions == {"field": "Idempotency-Key"}  # another operation's body


def test_a_402_from_the_engine_reaches_the_result_with_its_fields() -> None:
    engine = make_engine()
    engine.put_account(KEY, {"credits": 10})
    error = api_error(run(engine, GENERATE, {"input": generate_input()}))
    assert error.extensions == {"creditsRequired": 53, "creditsAvailable": 10}


def test_two_mutations_in_one_document_run_in_order_and_each_is_charged() -> None:
    engine = make_engine()
    document = (
        'mutation { a: generateAvatar(input: {service: "hedra", text: "One", '
        'avatarId: "casual-1"}) { id createdAt } '
        'b: generateAvatar(input: {service: "hedra", text: "Two", '
        'avatarId: "casual-1"}) { id } }'
    )
    result = data(run(engine, document))
    assert [job.id for job in engine.jobs.values()] == [result["a"]["id"], result["b"]["id"]]
    assert result["a"]["createdAt"] == "2024-01-01T00:00:00Z"
    assert credits(engine) == 100_000 - 50 - 50
    assert engine.clock.now() == START
