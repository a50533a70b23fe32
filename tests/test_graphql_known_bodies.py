"""A body sent again answers, journals and charges exactly as it did when read anew.

Two mocks with the same seed get the same requests in the same order: one keeps the bodies it
read (graphql.known_bodies, on with the fast path), one reads every body anew through
graphql-core's executor. Each body goes several times, byte for byte the same, so the first
sending reads it and the others find it kept; every answer (status, headers, body), the journal,
the ledger and the audit must match.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import hypothesis_graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from test_graphql_fast_path import SCHEMA_SDL, VARIABLES, VENDOR_GENERATE

from mockserver import create_app
from mockserver.core.catalog import Catalog
from mockserver.core.errors import ApiError, bad_request
from mockserver.core.job_request import JobRequest
from mockserver.core.jobs import JobStatus
from mockserver.graphql.executor import GraphQLExecutor
from mockserver.graphql.known_bodies import KnownBodies

from conftest import AVATAR, GENERATE, GENERATE_AVATAR, GENERATION, generate_input, virtual_config

Pair = tuple[TestClient, TestClient]
TIMES = 3  # each body: read once, then found kept twice
KEY = "test_unlimited_key"


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    kept = TestClient(create_app(virtual_config(seed=91, graphql_fast_path=True)))
    anew = TestClient(create_app(virtual_config(seed=91, graphql_fast_path=False)))
    with kept, anew:
        yield kept, anew


def executor(client: TestClient) -> GraphQLExecutor:
    endpoint = client.app._direct[("POST", "/graphql")].transport  # type: ignore[attr-defined]
    loaded: GraphQLExecutor = endpoint._executor
    return loaded


def send(
    client: TestClient, body: bytes, key: str | None, extra: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json", **(extra or {})}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    answer = client.post("/graphql", content=body, headers=headers)
    return answer.status_code, dict(answer.headers), answer.content


def same_every_time(
    pair: Pair,
    body: dict[str, Any] | bytes,
    key: str | None = KEY,
    times: int = TIMES,
    headers: dict[str, str] | None = None,
) -> list[Any]:
    """Send the same bytes `times` times to both mocks; each answer must match."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    kept, anew = pair
    answers = []
    for _ in range(times):
        answer = send(kept, raw, key, headers)
        assert answer == send(anew, raw, key, headers), raw
        answers.append(json.loads(answer[2]))
    return answers


def control(pair: Pair, method: str, path: str, **kwargs: Any) -> None:
    for client in pair:
        assert client.request(method, f"/__mock{path}", **kwargs).status_code in (200, 201)


def without_durations(value: Any) -> Any:
    """A control-plane listing with what wall time measured taken out."""
    if isinstance(value, dict):
        return {k: without_durations(v) for k, v in value.items() if k != "durationMs"}
    if isinstance(value, list):
        return [without_durations(item) for item in value]
    return value


def same_records(pair: Pair) -> None:
    """The journal, the ledger and the audit of both mocks match."""
    for path in ("/requests?limit=1000", "/ledger", "/audit"):
        kept, anew = (client.get(f"/__mock{path}") for client in pair)
        assert kept.status_code == anew.status_code == 200, path
        assert without_durations(kept.json()) == without_durations(anew.json()), path


def test_repeated_creates_each_make_a_job_and_are_journaled_each(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    generate = {"query": VENDOR_GENERATE, "variables": {"input": generate_input()}}
    created = same_every_time(pair, generate)
    ids = {answer["data"]["generate"]["id"] for answer in created}
    assert len(ids) == TIMES  # a job for each sending, not one answer kept
    avatar_input = {"service": "hedra", "text": "Hi", "avatarId": "casual-1"}
    same_every_time(pair, {"query": GENERATE_AVATAR, "variables": {"input": avatar_input}})
    same_every_time(pair, {"query": GENERATE, "variables": {"input": generate_input()}})
    assert len(executor(pair[0]).bodies) == 3
    assert len(executor(pair[1]).bodies) == 0  # the mock compared with keeps nothing
    same_records(pair)


def test_a_repeated_poll_follows_its_job(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    created = same_every_time(pair, {"query": GENERATE, "variables": {"input": generate_input()}})
    job_id = created[0]["data"]["generate"]["id"]
    polls = [{"query": document, "variables": {"id": job_id}} for document in (AVATAR, GENERATION)]
    for poll in polls:
        (answer, *_) = same_every_time(pair, poll)
        assert "processing" in json.dumps(answer)
    control(pair, "POST", "/clock/advance", json={"seconds": 60})
    for poll in polls:
        (answer, *_) = same_every_time(pair, poll)
        assert "completed" in json.dumps(answer)  # the same bytes, the job's state of now
        same_every_time(pair, {**poll, "variables": {"id": "missing"}})  # 404 each time
    same_records(pair)


def test_bodies_that_fail_fail_every_time_and_are_not_kept(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    bodies = executor(pair[0]).bodies
    before = len(bodies)
    failing: list[dict[str, Any] | bytes] = [
        b"{not json",
        b'{"query": 5}',
        {"query": "mutation { generate(input: {}) { id } "},  # a syntax error
        {"query": "query { nothing { id } }"},  # invalid
        {"query": GENERATE, "variables": {}},  # a missing variable
        {"query": GENERATE, "variables": {"input": {**generate_input(), "colour": 1}}},
        {"query": GENERATE, "variables": {"input": generate_input(type="VIDEO")}},  # resolver 400
        {"query": GENERATE, "operationName": "Other", "variables": {"input": generate_input()}},
    ]
    for body in failing:
        for answer in same_every_time(pair, body):
            assert "errors" in answer
    # Those read well as far as their operation (the last three) are kept, and still fail in
    # coercion or the resolver every time; the others never got that far.
    assert len(bodies) - before <= 3
    same_records(pair)


def test_a_kept_body_is_admitted_anew_for_each_request(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    body = {"query": GENERATE, "variables": {"input": generate_input()}}
    same_every_time(pair, body)  # kept now
    same_every_time(pair, body, key=None)  # 401
    same_every_time(pair, body, key="no_such_key")  # 401
    control(pair, "POST", "/faults", json={"status": 500, "operation": "generate", "times": 1})
    same_every_time(pair, body)  # the fault, then created
    control(pair, "PUT", "/accounts/poor", json={"plan": "free", "credits": 60})
    same_every_time(pair, body, key="poor")  # created, then 429: one job at a time on free
    control(pair, "POST", "/clock/advance", json={"seconds": 60})
    same_every_time(pair, body, key="poor")  # 402: the credits are spent
    same_every_time(pair, body, key="test_free_key", times=12)  # into the rate limit
    same_every_time(pair, body | {"operationName": "Generate"})
    same_records(pair)


def test_a_kept_body_with_an_idempotency_key_replays_and_conflicts_as_one_read_anew(
    pair: Pair,
) -> None:
    control(pair, "POST", "/reset")
    once = {"Idempotency-Key": "same-create"}
    body = {"query": GENERATE, "variables": {"input": generate_input()}}
    replays = same_every_time(pair, body, headers=once)
    assert len({answer["data"]["generate"]["id"] for answer in replays}) == 1
    other = {"query": GENERATE, "variables": {"input": generate_input(text="Something else")}}
    (conflict, *_) = same_every_time(pair, other, headers=once)
    assert "errors" in conflict
    same_every_time(pair, other, headers={"Idempotency-Key": "another-create"})
    same_records(pair)


def test_a_kept_create_replays_and_answers_a_finished_job_as_one_read_anew(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    once = {"Idempotency-Key": "finished-create"}
    body = {"query": GENERATE, "variables": {"input": generate_input(text="Done soon")}}
    (created, *_) = same_every_time(pair, body, headers=once)
    control(pair, "POST", "/clock/advance", json={"seconds": 60})
    replays = same_every_time(pair, body, headers=once)  # the same job, completed now
    assert replays[0]["data"]["generate"]["id"] == created["data"]["generate"]["id"]
    assert replays[0]["data"]["generate"]["status"] == "completed"
    same_every_time(pair, body)  # without the key: a new job each time
    same_records(pair)


def test_a_kept_create_is_made_anew_for_each_key_host_and_session(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    body = {"query": VENDOR_GENERATE, "variables": {"input": generate_input()}}
    same_every_time(pair, body)  # read once; its create is kept from the first sending on
    for key in ("test_pro_key", "test_free_key", KEY):
        same_every_time(pair, body, key=key)
    same_every_time(pair, body, headers={"Host": "elsewhere.test:8080"})
    # A session in each mock: another runtime, under a key of its own (the session's id is
    # random, so the two mocks' keys differ in it alone).
    sessions = [client.post("/__mock/sessions", json={}).json()["id"] for client in pair]
    raw = json.dumps(body).encode()
    for _ in range(TIMES):
        answers = [
            send(client, raw, f"{KEY}.{session}")
            for client, session in zip(pair, sessions, strict=True)
        ]
        assert answers[0] == answers[1] and answers[0][0] == 200
    same_every_time(pair, body)
    for path in ("/requests?limit=1000", "/ledger", "/audit", "/jobs"):
        listings = [
            client.get(f"/__mock/sessions/{session}{path}")
            for client, session in zip(pair, sessions, strict=True)
        ]
        assert [listing.status_code for listing in listings] == [200, 200], path
        kept, anew = (without_durations(listing.json()) for listing in listings)
        assert json.dumps(kept).replace(sessions[0], "S") == json.dumps(anew).replace(
            sessions[1], "S"
        ), path
    for client, session in zip(pair, sessions, strict=True):
        assert client.delete(f"/__mock/sessions/{session}").status_code in (200, 204)
    same_records(pair)
    kept, anew = (client.get("/__mock/jobs").json() for client in pair)
    assert kept == anew


def test_documents_outside_the_fast_path_answer_the_same_when_repeated(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    created = same_every_time(pair, {"query": GENERATE, "variables": {"input": generate_input()}})
    job_id = created[0]["data"]["generate"]["id"]
    control(pair, "POST", "/clock/advance", json={"seconds": 60})
    documents = [
        "query Q($id: ID!) { avatar(id: $id) { ...F } } fragment F on Avatar { id status }",
        "query Q($id: ID!, $s: Boolean!) { avatar(id: $id) @include(if: $s) { id } }",
        "query Q($id: ID!, $s: Boolean!) { avatar(id: $id) { id status @skip(if: $s) } }",
        "query Q($id: ID!) { a: avatar(id: $id) { id } b: generation(id: $id) { id } }",
        "query Q($id: ID!) { poll: avatar(id: $id) { id id __typename t: __typename } }",
        'query { avatar(id: "missing") { id } }',
        "{ __typename }",
        "{ __schema { queryType { name } } }",
    ]
    for document in documents:
        for s in (True, False):
            same_every_time(pair, {"query": document, "variables": {"id": job_id, "s": s}})
    same_every_time(pair, {"query": '{ __type(name: "Avatar") { name } }'}, key=None)
    same_records(pair)


@given(variables=VARIABLES)
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_variables_answer_the_same_every_time(
    pair: Pair, variables: dict[str, Any] | None
) -> None:
    same_every_time(pair, {"query": GENERATE, "variables": variables}, times=2)


@given(
    document=st.one_of(
        hypothesis_graphql.queries(SCHEMA_SDL), hypothesis_graphql.mutations(SCHEMA_SDL)
    )
)
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_documents_answer_the_same_every_time(pair: Pair, document: str) -> None:
    same_every_time(pair, {"query": document}, times=2)


def test_kept_bodies_are_bounded_in_count_size_and_bytes() -> None:
    operation: Any = object()  # what is kept is not read here
    payload: Any = object()
    by_count = KnownBodies(entries=2, max_body=100, max_bytes=1000)
    for body in (b"a", b"b", b"c"):
        by_count.add(body, payload, operation)
    assert (len(by_count), by_count.get(b"a"), by_count.size) == (2, None, 2)  # oldest out
    assert by_count.get(b"c") is not None
    by_size = KnownBodies(entries=10, max_body=4, max_bytes=1000)
    by_size.add(b"12345", payload, operation)
    assert len(by_size) == 0
    by_bytes = KnownBodies(entries=10, max_body=100, max_bytes=10)
    for body in (b"1234", b"5678", b"9abc"):
        by_bytes.add(body, payload, operation)
    assert (len(by_bytes), by_bytes.size, by_bytes.get(b"1234")) == (2, 8, None)


def test_a_create_is_checked_once_per_catalog_and_a_refused_one_every_time() -> None:
    known = KnownBodies()
    placeholder: Any = object()
    known.add(b"body", placeholder, placeholder)
    entry = known.get(b"body")
    assert entry is not None
    checks: list[str] = []

    def check(result: str) -> Any:
        def run() -> Any:
            checks.append(result)
            return result

        return run

    def refused() -> JobRequest:
        checks.append("refused")
        raise bad_request("no")

    catalog_a: Catalog = placeholder
    catalog_b: Catalog = object()  # type: ignore[assignment]
    view: Any = object()
    for _ in range(2):
        with pytest.raises(ApiError):
            entry.checked_create(catalog_a, refused, view)
    assert entry.create(catalog_a) is None  # nothing kept of a refused create
    assert entry.checked_create(catalog_a, check("a"), view).request == "a"
    assert entry.checked_create(catalog_a, check("again"), view).request == "a"  # kept
    assert entry.create(catalog_a) == (catalog_a, "a", view)
    assert entry.checked_create(catalog_b, check("b"), view).request == "b"  # checked anew
    assert entry.create(catalog_a) is None  # the create kept is the last catalog's
    assert entry.create(catalog_b) == (catalog_b, "b", view)
    assert checks == ["refused", "refused", "a", "b"]


def test_a_finished_jobs_poll_answers_from_where_it_is_asked_and_for_whose_key(
    pair: Pair,
) -> None:
    control(pair, "POST", "/reset")
    created = same_every_time(pair, {"query": GENERATE, "variables": {"input": generate_input()}})
    job_id = created[0]["data"]["generate"]["id"]
    control(pair, "POST", "/clock/advance", json={"seconds": 60})
    poll = json.dumps({"query": AVATAR, "variables": {"id": job_id}}).encode()
    same_every_time(pair, poll)
    for host in ("elsewhere.test:8080", "mock.test"):  # the links follow the Host header
        answers = []
        for client in pair:
            headers = {"Authorization": f"Bearer {KEY}", "Host": host}
            answers.append(client.post("/graphql", content=poll, headers=headers).content)
        assert answers[0] == answers[1] and host.encode() in answers[0]
    same_every_time(pair, poll, key="test_pro_key")  # another key's: not found
    same_every_time(pair, poll)
    same_records(pair)


def test_a_finished_jobs_poll_is_answered_anew_for_a_restored_copy(pair: Pair) -> None:
    control(pair, "POST", "/reset")
    created = same_every_time(pair, {"query": GENERATE, "variables": {"input": generate_input()}})
    job_id = created[0]["data"]["generate"]["id"]
    control(pair, "POST", "/clock/advance", json={"seconds": 60})
    poll = {"query": GENERATION, "variables": {"id": job_id}}
    (before, *_) = same_every_time(pair, poll)
    for client in pair:  # the state round trip replaces every job by a copy
        state = client.get("/__mock/state").json()
        for job in state["jobs"]:
            if job["id"] == job_id:
                job["error"] = "restored with an error"
        assert client.put("/__mock/state", json=state).status_code == 200
    (after, *_) = same_every_time(pair, poll)
    assert after != before
    same_records(pair)


class _Job:
    """What KnownBody.answer reads of a job."""

    def __init__(self, status: JobStatus, error: str | None = None) -> None:
        self.status, self.completed_at, self.error = status, 5.0, error


def test_only_a_finished_jobs_answer_is_kept_and_only_for_that_job_as_it_was() -> None:
    known = KnownBodies()
    placeholder: Any = object()
    known.add(b"poll", placeholder, placeholder)
    entry = known.get(b"poll")
    assert entry is not None
    fills: list[bytes] = []

    def fill(text: bytes) -> Any:
        def run() -> bytes:
            fills.append(text)
            return text

        return run

    running: Any = _Job(JobStatus.PROCESSING)
    assert entry.answer(running, "http://a", fill(b"1")) == b"1"
    assert entry.answer(running, "http://a", fill(b"2")) == b"2"  # never kept while running
    done: Any = _Job(JobStatus.COMPLETED)
    assert entry.answer(done, "http://a", fill(b"3")) == b"3"
    assert entry.answer(done, "http://a", fill(b"again")) == b"3"  # kept
    assert entry.answer(done, "http://b", fill(b"4")) == b"4"  # another base URL
    copy: Any = _Job(JobStatus.COMPLETED)
    assert entry.answer(copy, "http://b", fill(b"5")) == b"5"  # another job object
    copy.error = "changed by hand"
    assert entry.answer(copy, "http://b", fill(b"6")) == b"6"
    assert fills == [b"1", b"2", b"3", b"4", b"5", b"6"]
