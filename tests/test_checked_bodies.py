"""Create bodies are read and checked once per distinct bytes, and bad ones every time."""

from __future__ import annotations

import json

import pytest
from test_credits import credits_of

from mockserver.core.catalog import load_fixtures
from mockserver.core.checked_bodies import CheckedBodies
from mockserver.core.errors import ApiError
from mockserver.core.job_request import JobRequest, from_avatar_input

from conftest import Api, rest_body

CATALOG = load_fixtures(None).catalog


class CountingReader:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, body: bytes) -> JobRequest:
        self.calls += 1
        return from_avatar_input(CATALOG, json.loads(body), "", "rest.create")


def body(text: str = "Hello there") -> bytes:
    return json.dumps(rest_body(text)).encode()


def test_the_same_bytes_are_read_once() -> None:
    reader = CountingReader()
    bodies = CheckedBodies(reader)
    first, again = bodies.read(body()), bodies.read(bytes(body()))
    assert first is again and reader.calls == 1
    assert bodies.read(body("Something else")).text == "Something else"
    assert reader.calls == 2


def test_a_bad_body_is_refused_every_time_and_never_kept() -> None:
    reader = CountingReader()
    bodies = CheckedBodies(reader)
    bad = json.dumps(rest_body(avatarId="nobody")).encode()
    for _ in range(2):
        with pytest.raises(ApiError, match="avatarId"):
            bodies.read(bad)
    assert reader.calls == 2 and len(bodies) == 0


def test_bounded_oldest_first_and_big_bodies_not_kept() -> None:
    reader = CountingReader()
    bodies = CheckedBodies(reader, entries=2, max_body=200)
    for text in ("one", "two", "three"):
        bodies.read(body(text))
    assert len(bodies) == 2
    bodies.read(body("three"))
    assert reader.calls == 3  # still kept
    bodies.read(body("one"))
    assert reader.calls == 4  # the oldest went first
    bodies.read(body("x" * 300))
    bodies.read(body("x" * 300))
    assert reader.calls == 6 and len(bodies) == 2


def test_one_body_sent_twice_makes_two_jobs_each_paid_for(api: Api) -> None:
    before = credits_of(api)
    first = api.rest_create().json()["data"]["avatar"]
    second = api.rest_create().json()["data"]["avatar"]
    assert first["id"] != second["id"]
    assert before - credits_of(api) == first["creditCost"] + second["creditCost"]
