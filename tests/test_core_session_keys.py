"""A session's keys: made from the fixtures' keys, read back to the session, scenarios renamed."""

from __future__ import annotations

import pytest

from mockserver.core.catalog import load_fixtures
from mockserver.core.scenarios import load_scenario
from mockserver.core.session_keys import (
    fixtures_in_session,
    scenario_in_session,
    session_key,
    session_of,
)


@pytest.mark.parametrize(
    ("key", "session"),
    [
        ("YOUR_API_KEY", None),
        ("", None),
        (None, None),
        ("YOUR_API_KEY.ses_abc", "ses_abc"),
        ("a.ses_b.ses_c", "ses_c"),  # a fixture key may hold the mark itself: the last one counts
        ("ses_abc", None),  # no dot before it: a key of the default mock
    ],
)
def test_the_session_is_read_from_the_key_alone(key: str | None, session: str | None) -> None:
    assert session_of(key) == session


def test_a_session_key_reads_back_to_its_session() -> None:
    assert session_of(session_key("test_free_key", "ses_1")) == "ses_1"


def test_a_scenario_speaks_of_the_session_keys_inside_a_session() -> None:
    scenario = load_scenario("out-of-credits", load_fixtures())
    renamed = scenario_in_session(scenario, "ses_1")
    assert [a["apiKey"] for a in renamed.accounts] == ["YOUR_API_KEY.ses_1"]
    assert [a["apiKey"] for a in scenario.accounts] == ["YOUR_API_KEY"]  # the shared one is kept


def test_accounts_laid_over_a_session_fixtures_are_the_sessions() -> None:
    fixtures = load_fixtures()
    overlay = [
        {"apiKey": "YOUR_API_KEY", "credits": 5},
        {"apiKey": "new", "plan": "free", "credits": 1},
    ]
    mine = fixtures_in_session(fixtures, "ses_1", overlay, lambda: "whsec_new")
    by_key = {account.api_key: account for account in mine.accounts}
    assert by_key["YOUR_API_KEY.ses_1"].credits == 5
    assert by_key["new.ses_1"].webhook_secret == "whsec_new"
    assert all(account.api_key.endswith(".ses_1") for account in mine.accounts)
    assert next(a for a in fixtures.accounts if a.api_key == "YOUR_API_KEY").credits == 100000


def test_a_bad_account_names_its_place_in_the_list() -> None:
    with pytest.raises(ValueError, match=r"accounts\[1\]\.credits"):
        fixtures_in_session(
            load_fixtures(),
            "ses_1",
            [
                {"apiKey": "a", "plan": "free", "credits": 1},
                {"apiKey": "b", "plan": "free", "credits": -1},
            ],
            lambda: "whsec_x",
        )
