"""`GET /__mock/ledger` and `MockControl.ledger()`: what a run spent, entry by entry, over HTTP."""

from __future__ import annotations

from typing import Any

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


def created(response: Any) -> str:
    assert response.status_code == 200, response.text
    body = response.json()["data"]
    job: dict[str, Any] = body.get("avatar") or body.get("generate")
    job_id: str = job["id"]
    return job_id


def test_the_ledger_sums_to_the_change_in_balances_after_failures_and_refunds(api: Api) -> None:
    before = balances(api)
    # Two creates scripted to fail, one failed by hand, the rest complete; on three keys and
    # both transports.
    fault = {"outcome": "failed", "operation": "rest.create", "apiKey": STARTER, "times": 2}
    assert api.client.post("/__mock/faults", json=fault).status_code == 201
    for _ in range(3):
        created(api.rest_create(key=STARTER))
    created(api.rest_create(rest_body(text="one two three four five six seven"), key=FREE))
    created(api.generate())
    failed_by_header = created(api.rest_create(**{"X-Mock-Fault": "failed"}))
    by_hand = created(api.rest_create())
    assert api.client.post(f"/__mock/jobs/{by_hand}/fail").status_code == 200
    api.advance(30)
    assert api.rest_create(key=FREE).status_code == 200  # after the free key's one job ended

    after, entries = balances(api), ledger(api)
    refunds = [entry for entry in entries if entry["kind"] == "refund"]
    assert len(refunds) == 4
    assert {failed_by_header, by_hand} <= {entry["jobId"] for entry in refunds}
    for key in before:
        signed = [
            entry["amount"] if entry["kind"] == "debit" else -entry["amount"]
            for entry in entries
            if entry["apiKey"] == key
        ]
        assert before[key] - after[key] == sum(signed), key
        # Each entry's balance is the one before it moved by its amount.
        balance = before[key]
        for entry, change in zip([e for e in entries if e["apiKey"] == key], signed, strict=True):
            balance -= change
            assert entry["balance"] == balance
    assert all(entry["amount"] > 0 for entry in entries)


def test_each_entry_names_the_request_and_a_refund_the_one_that_created_its_job(api: Api) -> None:
    job_id = created(api.rest_create(**{"X-Mock-Fault": "failed"}))  # request 1
    assert api.rest_get(job_id).status_code == 200  # request 2
    created(api.rest_create())  # request 3
    api.advance(30)
    debit, second, refund = ledger(api)
    assert (debit["kind"], debit["jobId"], debit["requestId"]) == ("debit", job_id, 1)
    assert (second["kind"], second["requestId"]) == ("debit", 3)
    assert (refund["kind"], refund["jobId"], refund["requestId"]) == ("refund", job_id, 1)
    assert debit["at"] == "2024-01-01T00:00:00Z" and refund["at"] == "2024-01-01T00:00:30Z"


def test_what_charges_nothing_is_not_in_the_ledger(api: Api) -> None:
    api.client.put(f"/__mock/accounts/{FREE}", json={"credits": 10})
    assert api.rest_create(key=FREE).status_code == 402
    once = {"Idempotency-Key": "k1"}
    first = created(api.rest_create(**once))
    assert created(api.rest_create(**once)) == first  # the replay charges nothing
    assert api.rest_create(rest_body(text="")).status_code == 400
    assert [entry["jobId"] for entry in ledger(api)] == [first]


def test_api_key_narrows_the_ledger(api: Api) -> None:
    mine = created(api.rest_create(key=FREE))
    created(api.rest_create())
    assert [entry["jobId"] for entry in ledger(api, apiKey=FREE)] == [mine]
    assert {entry["apiKey"] for entry in ledger(api, apiKey=FREE)} == {FREE}
    assert ledger(api, apiKey="nobody") == []
    assert len(ledger(api)) == 2


def test_reset_clears_the_ledger(api: Api) -> None:
    created(api.rest_create())
    api.reset()
    assert ledger(api) == []


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
