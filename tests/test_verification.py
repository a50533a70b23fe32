"""`assert_requested`, `assert_not_requested` and typed `requests()` on the Python client, over a
real socket, against a small client like the README's; and the near-miss messages they give."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import ServerThread
from mockserver.control.client import MockControl

from conftest import GENERATE, KEY, Api, generate_input

pytest_plugins = ["pytester"]


class AvatarClient:
    """The code under test: a client of the REST API, like the README's."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.http = httpx.Client(base_url=base_url, headers={"X-API-Key": api_key}, timeout=10)

    def make_video(self, text: str, voice: str | None = None, order: str | None = None) -> str:
        body: dict[str, Any] = {"service": "hedra", "text": text, "avatarId": "professional-1"}
        if voice is not None:
            body["voice"] = voice
        headers = {"Idempotency-Key": order} if order else {}
        created = self.http.post("/v1/avatar", json=body, headers=headers)
        created.raise_for_status()
        job_id: str = created.json()["data"]["avatar"]["id"]
        return job_id


@pytest.fixture
def mock(live_server: ServerThread, live_api: Api) -> Iterator[MockControl]:
    control = MockControl(live_server.url)
    yield control
    control.close()


@pytest.fixture
def client(live_server: ServerThread) -> Iterator[AvatarClient]:
    avatar_client = AvatarClient(live_server.url, KEY)
    yield avatar_client
    avatar_client.http.close()


def failure(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(AssertionError) as raised:
        call(*args, **kwargs)
    return str(raised.value)


def test_the_client_asked_for_the_voice_it_was_told(
    mock: MockControl, client: AvatarClient
) -> None:
    job_id = client.make_video("Hello there", voice="en-US-neural", order="order-1")
    (entry,) = mock.assert_requested("rest.create", times=1, json={"voice": "en-US-neural"})
    assert entry.job_id == job_id
    mock.assert_requested(json={"text": "Hello there", "avatarId": "professional-1"})
    mock.assert_requested("rest.create", headers={"Idempotency-Key": "order-1"}, api_key=KEY)
    mock.assert_not_requested("rest.create", json={"voice": "en-GB-neural"})
    mock.assert_not_requested("rest.get")


def test_a_miss_lists_the_closest_requests_and_what_differs(
    mock: MockControl, client: AvatarClient
) -> None:
    client.make_video("Hello there")
    client.make_video("Hello there", voice="en-GB-neural")
    message = failure(mock.assert_requested, "rest.create", times=1, json={"voice": "en-US-neural"})
    assert message == (
        'expected 1 rest.create with {"voice": "en-US-neural"}; '
        'got 2 rest.create: #1 voice missing, #2 voice "en-GB-neural"'
    )


def test_the_closest_come_first_with_every_difference(
    mock: MockControl, client: AvatarClient
) -> None:
    client.make_video("Good bye")
    client.make_video("Hello there", voice="en-GB-neural")
    client.make_video("Hello there", voice="en-US-neural")
    message = failure(
        mock.assert_requested,
        "rest.create",
        json={"text": "Hello there", "voice": "en-US-neural"},
        headers={"Idempotency-Key": "order-1"},
    )
    assert message == (
        'expected at least 1 rest.create with {"text": "Hello there", "voice": "en-US-neural"}'
        ' and headers {"Idempotency-Key": "order-1"}; got 3 rest.create: '
        "#3 header Idempotency-Key missing, "
        '#2 voice "en-GB-neural" and header Idempotency-Key missing, '
        '#1 text "Good bye" and voice missing and header Idempotency-Key missing'
    )


def test_too_many_matching_requests_are_named(mock: MockControl, client: AvatarClient) -> None:
    client.make_video("Hello there")
    client.make_video("Hello there")
    message = failure(mock.assert_requested, "rest.create", times=1, json={"text": "Hello there"})
    assert message == (
        'expected 1 rest.create with {"text": "Hello there"}; got 2 rest.create, 2 matching: #1, #2'
    )
    message = failure(mock.assert_not_requested, "rest.create")
    assert message == "expected no rest.create; got 2 rest.create, 2 matching: #1, #2"


def test_a_miss_with_no_request_of_that_operation_names_the_others(
    mock: MockControl, live_api: Api
) -> None:
    live_api.generate()
    live_api.rest_get("job-1")
    message = failure(mock.assert_requested, "rest.create")
    assert message == (
        "expected at least 1 rest.create; got 0 rest.create"
        " (other requests: 1 generate, 1 rest.get)"
    )


def test_a_wrong_key_is_a_difference(mock: MockControl, live_api: Api) -> None:
    live_api.rest_create(key="test_pro_key")
    message = failure(mock.assert_requested, "rest.create", api_key=KEY)
    assert message == (
        "expected at least 1 rest.create with key YOUR_API_KEY; "
        'got 1 rest.create: #1 apiKey "test_pro_key"'
    )


def test_graphql_json_matches_the_input_variable(mock: MockControl, live_api: Api) -> None:
    live_api.generate(text="Hello there")
    mock.assert_requested("generate", json={"input": {"text": "Hello there"}, "type": "AVATAR"})
    mock.assert_requested("generate", variables={"input": {"options": {"voice": "en-US-neural"}}})
    message = failure(mock.assert_requested, "generate", json={"input": {"text": "Bye"}})
    assert message == (
        'expected at least 1 generate with {"input": {"text": "Bye"}}; '
        'got 1 generate: #1 input.text "Hello there"'
    )
    message = failure(mock.assert_requested, "generate", json={"options": {"speed": 2}})
    assert message.endswith("got 1 generate: #1 options.speed missing")


def test_json_matching_tells_true_from_one_and_lists_by_element(
    mock: MockControl, live_api: Api
) -> None:
    variables = {"input": generate_input(), "flags": [True, {"a": 1}]}
    live_api.graphql(GENERATE, variables)
    mock.assert_requested("generate", variables={"flags": [True, {}]})
    message = failure(mock.assert_requested, variables={"flags": [1, {"a": 1}]})
    assert message.endswith("got 1 request: #1 variables.flags[0] true")
    message = failure(mock.assert_requested, variables={"flags": [True]})
    assert message.endswith('got 1 request: #1 variables.flags [true, {"a": 1}]')


def test_requests_are_typed_and_still_read_as_json(mock: MockControl, live_api: Api) -> None:
    job_id = live_api.rest_create().json()["data"]["avatar"]["id"]
    live_api.graphql("query Poll($id: ID!) { avatar(id: $id) { status } }", {"id": job_id})
    live_api.rest_get("missing")
    create, poll, missing = mock.requests()
    assert create.json["avatarId"] == "professional-1" and create.variables is None
    assert create.headers["content-type"] == "application/json" and create.status == 200
    assert (create.job_id, create["jobId"], create["apiKey"]) == (job_id, job_id, KEY)
    assert poll.variables == {"id": job_id} and poll.job_id == job_id
    assert (missing.status, missing.code, missing.json) == (404, "NOT_FOUND", None)
    assert mock.request(2) == poll
    assert [e.id for e in mock.requests(job_id=job_id)] == [1, 2]
    assert [e.id for e in mock.requests(since=1)] == [2, 3]
    assert [e.id for e in mock.requests(contains="professional-1")] == [1]
    assert [e.id for e in mock.requests(code="NOT_FOUND")] == [3]
    assert [e.id for e in mock.requests(limit=1)] == [3]


FIXTURE_TESTS = """
import httpx

def make_video(mock, voice):
    httpx.post(mock.rest_url, headers={"X-API-Key": mock.api_key},
               json={"service": "hedra", "text": "Hi", "avatarId": "casual-1", "voice": voice})

def test_right_voice(mock_doitong):
    make_video(mock_doitong, "en-US-neural")
    mock_doitong.assert_requested("rest.create", times=1, json={"voice": "en-US-neural"})

def test_wrong_voice(mock_doitong):
    make_video(mock_doitong, "en-GB-neural")
    mock_doitong.assert_requested("rest.create", times=1, json={"voice": "en-US-neural"})
"""


def test_the_fixtures_handle_verifies_too(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(FIXTURE_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            '*AssertionError: expected 1 rest.create with {"voice": "en-US-neural"}; '
            'got 1 rest.create: #1 voice "en-GB-neural"'
        ]
    )


def test_beyond_five_near_misses_the_rest_are_counted(
    mock: MockControl, client: AvatarClient
) -> None:
    for index in range(7):
        client.make_video(f"Take {index}")
    message = failure(mock.assert_requested, "rest.create", json={"text": "Take 9"})
    assert message.endswith('#5 text "Take 4", and 2 more')
