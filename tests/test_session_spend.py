"""The session's tally: per plan, merged across pytest-xdist workers, and how it is printed."""

from __future__ import annotations

from mockserver.core.spend import Spend
from mockserver.session_spend import SessionSpend, spend_text


def test_a_tally_adds_each_key_under_its_plan_and_prints_known_plans_in_order() -> None:
    tally = SessionSpend(tests=3)
    plans = {"a": "pro", "b": "free", "c": "pro", "d": "custom"}
    tally.add({"a": Spend(2, 106, 53), "b": Spend(1, 53, 0)}, plans.__getitem__)
    tally.add({"c": Spend(1, 250, 0), "d": Spend(1, 50, 0)}, plans.__getitem__)
    assert tally.by_plan["pro"] == Spend(3, 356, 53)
    assert tally.lines() == [
        "3 tests used the mock: 5 jobs, 406 credits (459 debited, 53 refunded)",
        "  free       1 job, 53 credits",
        "  pro        3 jobs, 303 credits (356 debited, 53 refunded)",
        "  custom     1 job, 50 credits",
    ]


def test_a_worker_s_tally_merges_into_the_controller_s() -> None:
    worker, controller = SessionSpend(tests=2), SessionSpend(tests=1)
    worker.add({"k": Spend(4, 212, 53)}, lambda key: "starter")
    controller.add({"k": Spend(1, 53, 0)}, lambda key: "starter")
    controller.merge(worker.as_json())
    assert controller.tests == 3
    assert controller.by_plan == {"starter": Spend(5, 265, 53)}


def test_spend_text_counts_in_thousands_and_shows_refunds_only_when_there_are_some() -> None:
    assert spend_text(Spend(1, 53, 0)) == "1 job, 53 credits"
    assert spend_text(Spend(0, 0, 0)) == "0 jobs, 0 credits"
    assert spend_text(Spend(2_000, 106_000, 5_300)) == (
        "2,000 jobs, 100,700 credits (106,000 debited, 5,300 refunded)"
    )
