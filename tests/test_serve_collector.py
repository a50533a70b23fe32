"""`serve` tunes its own process's garbage collector for a job store; nothing else does."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import httpx
import pytest

from mockserver import ServerThread, create_app
from mockserver import server as served

from conftest import virtual_config


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    """The collector's thresholds as they were, put back after the test."""
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_serve_collects_young_objects_less_often_and_keeps_the_older_thresholds(
    thresholds: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[tuple[int, int, int]] = []
    monkeypatch.setattr(served._ReportingServer, "run", lambda self: ran.append(gc.get_threshold()))
    served.serve_forever(create_app(virtual_config()), "127.0.0.1", 0, lambda url: None)
    _, middle, oldest = thresholds
    assert ran == [(served.YOUNG_OBJECTS_BEFORE_A_COLLECTION, middle, oldest)]


def test_a_mock_served_inside_a_test_process_leaves_its_collector_alone(
    thresholds: tuple[int, int, int],
) -> None:
    with ServerThread(create_app(virtual_config())) as server:
        assert httpx.get(f"{server.url}/__mock/clock").status_code == 200
        assert gc.get_threshold() == thresholds
