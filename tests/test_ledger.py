"""`GET /__mock/ledger` and `MockControl.ledger()`: what a run spent, entry by entry, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from mockserver.control.client import LedgerEntry, MockControl
from mockserver.server import ServerThread

from conftest import KEY, Api, rest_body

FREE = "test_free_key"
STARTER = "test_starter_key"


def balances(api: Api) -> dict[str, int]:
    accounts = api.client.get("/__mock/accounts").json()["accounts"]
    return {account["apiKey"]: account["credits"] for account in accounts}


def ledger(api: Api, **params: str) -> list[dict[str, Any]]:
    response = api.client.get("/__mock/ledger", params=params)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def created(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    job: dict[str, Any] = data.get("avatar") or data.get("generate")
    job_id: str = job["id"]
    return job_id


def signed(entry: dict[str, Any]) -> int:
    """What the entry took from its key's balance: a debit's amount, a refund's given back."""
    amount: int = entry["amount"]
    return amount if entry["kind"] == "debit" else -amount


def test_the_ledger_sums_to_the_change_in_balances_after_failures_and_refunds(api: Api) -> None:
    poor = {"plan": "enterprise", "credits": 10}
    assert api.client.put("/__mock/accounts/test_poor_key", json=poor).status_code == 200
    before = balances(api)
    # Two creates scripted to fail, one by header, one failed by hand, the rest complete: on
    # three keys and both transports, with a refused create (402) and a replay among them.
    fault = {"outcome": "failed", "operation": "rest.create", "apiKey": STARTER, "times": 2}
    assert api.client.post("/__mock/faults", json=fault).status_code == 201
    for _ in range(3):
        created(api.rest_create(key=STARTER))
    created(api.rest_create(rest_body(text="one two three four five six seven"), key=FREE))
    created(api.generate())
    failed_by_header = created(api.rest_create(**{"X-Mock-Fault": "failed"}))
    by_hand = created(api.rest_create())
    assert api.client.post(f"/__mock/jobs/{by_hand}/fail").status_code == 200
    once = {"Idempotency-Key": "same-job"}
    assert created(api.rest_create(**once)) == created(api.rest_create(**once))
    api.advance(30)
    assert api.rest_create(key=FREE).status_code == 200  # after the free key's one job ended
    assert api.rest_create(key="test_poor_key").status_code == 402

    after, entries = balances(api), ledger(api)
    refunds = [entry for entry in entries if entry["kind"] == "refund"]
    assert len(refunds) == 4
    assert {failed_by_header, by_hand} <= {entry["jobId"] for entry in refunds}
    assert all(isinstance(e["amount"], int) and e["amount"] > 0 for e in entries)
    for key in before:
        theirs = [entry for entry in entries if entry["apiKey"] == key]
        assert before[key] - after[key] == sum(signed(entry) for entry in theirs), key
        balance = before[key]  # each entry's balance is the one before it, moved by it
        for entry in theirs:
            balance -= signed(entry)
            assert entry["balance"] == balance, entry


def test_each_entry_names_its_request_and_a_refund_the_one_that_created_its_job(api: Api) -> None:
    job_id = created(api.rest_create(**{"X-Mock-Fault": "failed"}))  # request 1
    assert api.rest_get(job_id).status_code == 200  # request 2
    created(api.generate())  # request 3
    api.advance(30)
    debit, second, refund = ledger(api)
    assert (debit["kind"], debit["jobId"], debit["requestId"]) == ("debit", job_id, 1)
    assert (second["kind"], second["requestId"]) == ("debit", 3)
    assert (refund["kind"], refund["jobId"], refund["requestId"]) == ("refund", job_id, 1)
    assert debit["at"] == "2024-01-01T00:00:00Z" and refund["at"] == "2024-01-01T00:00:30Z"
    assert set(debit) == {"at", "apiKey", "jobId", "kind", "amount", "balance", "requestId"}


def test_a_balance_set_by_the_control_plane_is_where_later_balances_start(api: Api) -> None:
    created(api.rest_create())
    assert api.client.put(f"/__mock/accounts/{KEY}", json={"credits": 500}).status_code == 200
    created(api.rest_create())
    assert [(e["kind"], e["balance"]) for e in ledger(api)] == [
        ("debit", 100_000 - 53),
        ("debit", 500 - 53),
    ]


def test_api_key_narrows_the_ledger(api: Api) -> None:
    mine = created(api.rest_create(key=FREE))
    created(api.rest_create())
    assert [entry["jobId"] for entry in ledger(api, apiKey=FREE)] == [mine]
    assert ledger(api, apiKey="nobody") == []
    assert len(ledger(api)) == 2


def test_reset_clears_the_ledger(api: Api) -> None:
    created(api.rest_create())
    api.reset()
    assert ledger(api) == []


def test_the_index_lists_the_ledger(api: Api) -> None:
    routes = api.client.get("/__mock/").json()["routes"]
    (route,) = [r for r in routes if r["path"] == "/__mock/ledger"]
    assert route["method"] == "GET" and "?apiKey=" in route["does"]


def test_the_client_reads_typed_entries(live_server: ServerThread, live_api: Api) -> None:
    job_id = created(live_api.rest_create(key=FREE))
    created(live_api.rest_create())
    control = MockControl(live_server.url)
    try:
        (entry,) = control.ledger(api_key=FREE)
        assert entry == LedgerEntry(
            at="2024-01-01T00:00:00Z",
            api_key=FREE,
            job_id=job_id,
            kind="debit",
            amount=53,
            balance=1000 - 53,
            request_id=1,
        )
        assert [e.api_key for e in control.ledger()] == [FREE, KEY]
    finally:
        control.close()
