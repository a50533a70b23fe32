"""What a GraphQL document can cost the mock: bounded, and nothing for a client without a key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from graphql import get_introspection_query

from mockserver.core.account_book import AccountBook
from mockserver.core.accounts import Account
from mockserver.graphql import documents as graphql_documents
from mockserver.graphql import limits as graphql_limits
from mockserver.graphql.documents import DocumentCache
from mockserver.graphql.schema import executable_schema

from conftest import GENERATE, KEY, Api, generate_input


def count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[str]:
    """Record the query text each call of graphql_documents.<name> gets, and let it run."""
    calls: list[str] = []
    original: Callable[..., Any] = getattr(graphql_documents, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(next(a for a in args if isinstance(a, str)))
        return original(*args, **kwargs)

    monkeypatch.setattr(graphql_documents, name, spy)
    return calls


def assert_too_large(response: Any, what: str) -> None:
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST", "field": "query"}
    assert error["message"].startswith("GraphQL document is too large: more than")
    assert error["message"].endswith(what)


def test_no_document_is_parsed_for_a_client_without_a_valid_key(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = count_calls(monkeypatch, "parse")
    big = 'query Q { avatar(id: "x") { ' + " ".join(f"f{i}: id" for i in range(40)) + " } }"
    for key in (None, "not-a-key"):
        for document in (GENERATE, big, "{ not even graphql"):
            response = api.graphql(document, {"input": generate_input()}, key=key)
            assert response.status_code == 401, response.text
    assert parsed == []
    assert api.generate().status_code == 200  # with the key, it is read
    assert parsed == [GENERATE]


def test_a_document_the_mock_kept_answers_a_client_without_a_key_the_same(api: Api) -> None:
    assert api.generate().status_code == 200  # now the document is kept, parsed
    api.client.post("/__mock/faults", json={"status": 500, "operation": "generate"})
    response = api.generate(key=None)
    # Refused as an unread document is: the fault for `generate` does not apply to it.
    assert response.status_code == 401
    assert api.client.get("/__mock/requests").json()["requests"][-1]["operation"] is None


def test_a_possible_introspection_document_is_parsed_within_bounds(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = count_calls(monkeypatch, "parse")
    too_many = "{ " + " ".join(f"a{i}: __typename" for i in range(19_000)) + " }"
    response = api.graphql(too_many, key=None)
    assert response.status_code == 401  # not introspection it could answer: a key is needed
    assert parsed == []  # refused by its length, before parsing
    assert_too_large(api.graphql(too_many), f"{graphql_limits.MAX_QUERY_CHARS:,} characters")


@pytest.mark.parametrize(
    ("document", "what"),
    [
        (
            "{ "
            + " ".join(f"a{i}: __typename" for i in range(graphql_limits.MAX_ALIASES + 1))
            + " }",
            f"{graphql_limits.MAX_ALIASES:,} aliases",
        ),
        (
            "{ __schema { " + "queryType { name } " * (graphql_limits.MAX_FIELDS // 2 + 1) + "} }",
            f"{graphql_limits.MAX_FIELDS:,} fields",
        ),
        (
            "{ __typename" + " @skip(if: false)" * (graphql_limits.MAX_TOKENS // 6 + 1) + " }",
            f"{graphql_limits.MAX_TOKENS:,} tokens",
        ),
        (
            # 40 times a nesting that graphql-core's own introspection depth rule allows
            "{ __schema { "
            + " ".join(
                f"t{i}: types {{ {'fields { type { ' * 2}name{' } }' * 2} }}" for i in range(40)
            )
            + " } }",
            f"{graphql_limits.MAX_ANSWER_VALUES:,} values in its answer (estimated)",
        ),
    ],
    ids=["aliases", "fields", "tokens", "answer size"],
)
def test_each_bound_is_a_clear_400_for_a_key_and_a_401_without(
    api: Api, document: str, what: str
) -> None:
    assert len(document) <= graphql_limits.MAX_QUERY_CHARS
    assert_too_large(api.graphql(document), what)
    assert api.graphql(document, key=None).status_code == 401


def test_the_full_introspection_query_is_within_every_bound(api: Api) -> None:
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    response = api.graphql(query, key=None)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_a_document_that_failed_is_never_kept(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    prepared = count_calls(monkeypatch, "prepare")
    invalid = "{ avatar(id: 1) { colour } }"
    for _ in range(3):
        assert api.graphql(invalid).status_code == 400
    assert prepared == [invalid] * 3
    for _ in range(3):
        assert api.generate().status_code == 200
    assert prepared == [invalid] * 3 + [GENERATE]


def test_the_document_cache_is_bounded_in_characters_of_query_text() -> None:
    cache = DocumentCache(executable_schema(), entries=100, chars=1_000)
    documents = [f"{{ a{i}: __typename {'b' * 200}: __typename }}" for i in range(20)]
    for document in documents:
        cache.get(document)
        assert cache.chars <= 1_000
    assert cache.chars == sum(len(d) for d in documents[-len(cache) :])
    assert cache.cached(documents[-1]) is not None and cache.cached(documents[0]) is None
    cache.get("{ " + "c" * 2_000 + ": __typename }")  # larger than the whole cache: not kept
    assert cache.cached(documents[-1]) is not None


def test_a_bound_does_not_touch_the_documented_operations(api: Api) -> None:
    assert api.generate().status_code == 200
    assert api.graphql("{ __schema { types { name fields { name } } } }", key=None).is_success


def test_checking_the_key_first_costs_no_second_lookup(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hot path stays as it was: the key's account is found once per request."""
    lookups: list[str | None] = []
    original = AccountBook.find

    def counted(book: AccountBook, presented: str | None) -> Account | None:
        lookups.append(presented)
        return original(book, presented)

    monkeypatch.setattr(AccountBook, "find", counted)
    assert api.generate().status_code == 200
    assert lookups == [KEY]
