"""A prepared document makes each operation's fast plan once, and the cache shares it."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.graphql import documents
from mockserver.graphql.documents import DocumentCache, prepare
from mockserver.graphql.schema import executable_schema

from conftest import GENERATE

SCHEMA = executable_schema()
TWO_OPERATIONS = GENERATE + " query Other { __typename }"


@pytest.fixture
def plans_made(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The operation names fast_path.plan is asked about, in order."""
    asked: list[str | None] = []
    original = documents.fast_path.plan

    def spy(schema: Any, document: Any, operation_name: str | None) -> Any:
        asked.append(operation_name)
        return original(schema, document, operation_name)

    monkeypatch.setattr(documents.fast_path, "plan", spy)
    return asked


def test_each_operation_s_plan_is_made_once(plans_made: list[str | None]) -> None:
    prepared = prepare(SCHEMA, TWO_OPERATIONS)
    first = prepared.fast_plan(SCHEMA, "Generate")
    assert first is not None
    assert prepared.fast_plan(SCHEMA, "Generate") is first
    other = prepared.fast_plan(SCHEMA, "Other")  # None: the executor's, and kept as such
    assert prepared.fast_plan(SCHEMA, "Other") is other
    assert plans_made == ["Generate", "Other"]


def test_the_cache_shares_one_prepared_document_and_its_plans(
    plans_made: list[str | None],
) -> None:
    cache = DocumentCache(SCHEMA)
    cache.get(GENERATE).fast_plan(SCHEMA, "Generate")
    assert cache.get(GENERATE) is cache.get(GENERATE)
    cache.get(GENERATE).fast_plan(SCHEMA, "Generate")
    assert plans_made == ["Generate"]
