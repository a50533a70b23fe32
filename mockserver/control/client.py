"""A Python client of the control plane (`/__mock/...`), for tests and scripts.

`MockControl("http://127.0.0.1:8910")` drives a mock started with `mock-doitong serve`; the pytest
fixture's handle is one of these too, with the in-process app besides.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from .. import receiver_check
from .audit_report import AuditFinding, audit_report
from .entries import RequestEntry
from .verification import Expected, verify


class ControlError(RuntimeError):
    """The control plane refused a request; the message is its error message."""


@dataclass(frozen=True)
class ReceivedWebhook:
    """A webhook the mock's inbox received: the exact body bytes, its headers, the parsed JSON."""

    path: str
    headers: dict[str, str]
    body: bytes
    json: Any
    at: str

    @property
    def signature(self) -> str:
        return self.headers.get("x-doitong-signature", "")


@dataclass(frozen=True)
class LedgerEntry:
    """One debit or refund of credits: `amount` is positive either way, `kind` says which;
    `balance` is the key's just after; `request_id` is the API request that caused it (for a
    refund, the one that created the job), None when none is known."""

    at: str
    api_key: str
    job_id: str
    kind: str  # "debit" or "refund"
    amount: int
    balance: int
    request_id: int | None


DEFAULT_API_KEY = "YOUR_API_KEY"


class MockControl:
    """Typed access to every control route of one running mock, and where its API listens.

    `api_key` is the key a test uses (the fixtures' `YOUR_API_KEY` unless told otherwise);
    `webhook_secret` is read from the mock, so it is always that key's current one.

    `new_session(...)` starts an isolated session in the same server and returns a MockControl
    bound to it: every method then drives that session only, and `api_key` is its key.
    """

    def __init__(
        self,
        url: str,
        admin_token: str | None = None,
        timeout: float = 30.0,
        api_key: str = DEFAULT_API_KEY,
        session_id: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.session_id = session_id
        self._control = "/__mock" if session_id is None else f"/__mock/sessions/{session_id}"
        self._admin_token = admin_token
        self._timeout = timeout
        headers = {"X-Mock-Admin-Token": admin_token} if admin_token else {}
        # Certificates only matter for https, and loading them is a large part of a pytest
        # session's start, for a mock that is almost always plain http on loopback.
        plain_http = self.url.startswith("http://")
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, verify=not plain_http
        )

    def close(self) -> None:
        self._http.close()

    @property
    def control_url(self) -> str:
        """Where this client's control routes are: the default mock's, or its session's."""
        return f"{self.url}{self._control}"

    # -- sessions ----------------------------------------------------------------------------

    def new_session(
        self,
        *,
        scenario: str | None = None,
        seed: int | None = None,
        accounts: list[dict[str, Any]] | None = None,
        clock: str | None = None,
        job_seconds: float | None = None,
    ) -> MockControl:
        """Start an isolated session in this server (`clock` "virtual" or "real"; None: the
        server's setting) and return a client bound to it, its `api_key` the session's
        `YOUR_API_KEY`. End it with `end()`, or use it as a context manager."""
        created = self.create_session(
            scenario=scenario, seed=seed, accounts=accounts, clock=clock, job_seconds=job_seconds
        )
        return MockControl(
            self.url,
            admin_token=self._admin_token,
            timeout=self._timeout,
            api_key=created["apiKeys"][0]["apiKey"],
            session_id=created["id"],
        )

    def create_session(
        self,
        *,
        scenario: str | None = None,
        seed: int | None = None,
        accounts: list[dict[str, Any]] | None = None,
        clock: str | None = None,
        job_seconds: float | None = None,
    ) -> dict[str, Any]:
        """`POST /__mock/sessions`: the new session's `{id, apiKeys, controlUrl, expiresAt}`."""
        given = {
            "scenario": scenario,
            "seed": seed,
            "accounts": accounts,
            "clock": clock,
            "jobSeconds": job_seconds,
        }
        body = {name: value for name, value in given.items() if value is not None}
        response = self._http.post("/__mock/sessions", json=body)
        created: dict[str, Any] = self._checked(response, "POST", "/__mock/sessions")
        return created

    def sessions(self) -> list[dict[str, Any]]:
        """The server's live sessions: `{id, apiKeys, controlUrl, expiresAt}` each."""
        response = self._http.get("/__mock/sessions")
        listed: list[dict[str, Any]] = self._checked(response, "GET", "/__mock/sessions")[
            "sessions"
        ]
        return listed

    def end(self) -> None:
        """End this client's session (it must be bound to one) and close the client."""
        if self.session_id is None:
            raise ControlError("end() ends a session: this client drives the default mock")
        try:
            path = f"/__mock/sessions/{self.session_id}"
            self._checked(self._http.delete(path), "DELETE", path)
        finally:
            self.close()

    def __enter__(self) -> MockControl:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.session_id is not None:
            self.end()
        else:
            self.close()

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    @property
    def rest_url(self) -> str:
        return f"{self.url}/v1/avatar"

    @property
    def webhook_secret(self) -> str:
        """The signing secret of `api_key`'s account."""
        secret: str = self.account(self.api_key)["webhookSecret"]
        return secret

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        full = f"{self._control}{path}"
        return self._checked(self._http.request(method, full, **kwargs), method, full)

    @staticmethod
    def _checked(response: httpx.Response, method: str, path: str) -> Any:
        if response.status_code >= 400:
            try:
                message = response.json()["errors"][0]["message"]
            except (ValueError, KeyError, IndexError):
                message = response.text
            raise ControlError(f"{method} {path}: {response.status_code} {message}")
        return response.json()

    # -- state and time ----------------------------------------------------------------------

    def reset(self, seed: int | None = None) -> None:
        """Back to the fixtures (and the active scenario); `seed` restarts ids from a new seed."""
        self._call("POST", "/reset", json={} if seed is None else {"seed": seed})

    def snapshot(self) -> dict[str, Any]:
        """The mock's whole state as one JSON document (`GET /__mock/state`)."""
        document: dict[str, Any] = self._call("GET", "/state")
        return document

    def restore(self, document: dict[str, Any]) -> None:
        """Make the mock hold what `snapshot` returned, here or from another mock."""
        self._call("PUT", "/state", json=document)

    def advance(self, seconds: float) -> str:
        """Move the clock; returns once everything due has run. Returns the new time (ISO)."""
        now: str = self._call("POST", "/clock/advance", json={"seconds": seconds})["now"]
        return now

    def now(self) -> str:
        now: str = self._call("GET", "/clock")["now"]
        return now

    # -- accounts ----------------------------------------------------------------------------

    def accounts(self) -> list[dict[str, Any]]:
        accounts: list[dict[str, Any]] = self._call("GET", "/accounts")["accounts"]
        return accounts

    def account(self, api_key: str) -> dict[str, Any]:
        for account in self.accounts():
            if account["apiKey"] == api_key:
                return account
        raise ControlError(f"no account {api_key!r}")

    def set_account(
        self,
        api_key: str | None = None,
        plan: str | None = None,
        credits: int | None = None,
        webhook_secret: str | None = None,
        limits: dict[str, int | None] | None = None,
    ) -> dict[str, Any]:
        """Create or change an account (`api_key`'s by default); what is left out keeps its
        value."""
        body: dict[str, Any] = {
            name: value
            for name, value in (
                ("plan", plan),
                ("credits", credits),
                ("webhookSecret", webhook_secret),
                ("limits", limits),
            )
            if value is not None
        }
        key = api_key or self.api_key
        account: dict[str, Any] = self._call("PUT", f"/accounts/{key}", json=body)
        return account

    # -- jobs --------------------------------------------------------------------------------

    def jobs(self, api_key: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("apiKey", api_key), ("status", status)) if v is not None}
        jobs: list[dict[str, Any]] = self._call("GET", "/jobs", params=params)["jobs"]
        return jobs

    def job(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self._call("GET", f"/jobs/{job_id}")
        return job

    def complete_job(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self._call("POST", f"/jobs/{job_id}/complete")
        return job

    def fail_job(self, job_id: str, error: str = "Avatar generation failed") -> dict[str, Any]:
        job: dict[str, Any] = self._call("POST", f"/jobs/{job_id}/fail", json={"error": error})
        return job

    # -- faults and the journal --------------------------------------------------------------

    def add_fault(self, **fault: Any) -> dict[str, Any]:
        """Script a fault: `status`, `outcome`, `operation`, `apiKey`, `times`, `probability`,
        `latencyMs`, `message` as in the README; or a webhook fault, `webhook=KIND` and its
        settings (see `add_webhook_fault`)."""
        created: dict[str, Any] = self._call("POST", "/faults", json=fault)
        return created

    def fail_next(
        self,
        status: int,
        operation: str | None = None,
        times: int = 1,
        api_key: str | None = None,
    ) -> dict[str, Any]:
        """The next `times` matching requests get the scripted error `status`."""
        fault: dict[str, Any] = {"status": status, "times": times}
        if operation is not None:
            fault["operation"] = operation
        if api_key is not None:
            fault["apiKey"] = api_key
        return self.add_fault(**fault)

    def add_webhook_fault(
        self,
        kind: str,
        *,
        api_key: str | None = None,
        job_id: str | None = None,
        times: int | None = None,
        probability: float | None = None,
        copies: int | None = None,
        spread_seconds: float | None = None,
        after_seconds: float | None = None,
        seconds: float | None = None,
    ) -> dict[str, Any]:
        """Script a webhook fault `kind` (`duplicate`, `redeliver`, `delay`, `reorder`,
        `bad-signature`, `tampered`, `unsigned`, `malformed-signature`, `extra-fields`) for the
        deliveries of `api_key`'s jobs, or of job `job_id`, the next `times` of them, each with
        `probability`. A duplicate's `copies` and `spread_seconds`, a redelivery's
        `after_seconds` and a delay's `seconds` are its settings; what is left out is not sent,
        so the mock's defaults apply."""
        fault: dict[str, Any] = {"webhook": kind}
        for name, value in (
            ("apiKey", api_key),
            ("jobId", job_id),
            ("times", times),
            ("probability", probability),
            ("copies", copies),
            ("spreadSeconds", spread_seconds),
            ("afterSeconds", after_seconds),
            ("seconds", seconds),
        ):
            if value is not None:
                fault[name] = value
        return self.add_fault(**fault)

    def faults(self) -> list[dict[str, Any]]:
        faults: list[dict[str, Any]] = self._call("GET", "/faults")["faults"]
        return faults

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def requests(
        self,
        operation: str | None = None,
        api_key: str | None = None,
        status: int | None = None,
        *,
        code: str | None = None,
        job_id: str | None = None,
        since: int | str | None = None,
        contains: str | None = None,
        limit: int | None = None,
    ) -> list[RequestEntry]:
        """The journal of API requests, oldest first, narrowed by the filters given: `since` is
        an entry id (the requests after it) or an ISO 8601 instant, `contains` a substring of
        the body. Each entry also reads as the JSON it came as (`entry["apiKey"]`)."""
        filters = (
            ("operation", operation),
            ("apiKey", api_key),
            ("status", status),
            ("code", code),
            ("jobId", job_id),
            ("since", since),
            ("contains", contains),
            ("limit", limit),
        )
        params = {name: str(value) for name, value in filters if value is not None}
        found = self._call("GET", "/requests", params=params)["requests"]
        return [RequestEntry.from_json(entry) for entry in found]

    def request(self, request_id: int) -> RequestEntry:
        """One journal entry, by its id (`RequestEntry.id`)."""
        return RequestEntry.from_json(self._call("GET", f"/requests/{request_id}"))

    def assert_requested(
        self,
        operation: str | None = None,
        *,
        times: int | None = None,
        json: Any = None,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        api_key: str | None = None,
    ) -> list[RequestEntry]:
        """Assert the client sent `operation` (any, if None) at least once, or exactly `times`,
        with a body (REST) or `input` variable (GraphQL) containing `json`, variables
        containing `variables`, and the `headers` and key given. Returns the matching entries;
        the AssertionError lists the closest requests and what differs in each."""
        expected = Expected(json=json, variables=variables, headers=headers, api_key=api_key)
        journal = self.requests()
        failure = verify(journal, operation, expected, times)
        if failure is not None:
            raise AssertionError(failure)
        return [
            entry
            for entry in journal
            if (operation is None or entry.operation == operation)
            and not expected.differences(entry)
        ]

    def assert_not_requested(
        self,
        operation: str | None = None,
        *,
        json: Any = None,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        api_key: str | None = None,
    ) -> None:
        """Assert no request matches what `assert_requested` would match with these."""
        self.assert_requested(
            operation, times=0, json=json, variables=variables, headers=headers, api_key=api_key
        )

    # -- the client-behaviour audit -----------------------------------------------------------

    def audit(self, api_key: str | None = None) -> list[AuditFinding]:
        """What the client did that would hurt it on the real service, oldest first."""
        params = {"apiKey": api_key} if api_key is not None else {}
        found = self._call("GET", "/audit", params=params)["findings"]
        return [AuditFinding.from_json(finding) for finding in found]

    def assert_well_behaved(self, api_key: str | None = None) -> None:
        """Raise AssertionError naming each audit finding, its requests and its advice."""
        found = self.audit(api_key)
        if found:
            raise AssertionError(audit_report(found, self._call("GET", "/requests")["requests"]))

    # -- the spend ledger --------------------------------------------------------------------

    def ledger(self, api_key: str | None = None) -> list[LedgerEntry]:
        """Every debit and refund of credits, oldest first; `api_key` narrows it to one key."""
        params = {"apiKey": api_key} if api_key is not None else {}
        return [
            LedgerEntry(
                at=entry["at"],
                api_key=entry["apiKey"],
                job_id=entry["jobId"],
                kind=entry["kind"],
                amount=entry["amount"],
                balance=entry["balance"],
                request_id=entry["requestId"],
            )
            for entry in self._call("GET", "/ledger", params=params)["entries"]
        ]

    # -- webhooks and scenarios --------------------------------------------------------------

    def deliveries(self, job_id: str | None = None) -> list[dict[str, Any]]:
        params = {"jobId": job_id} if job_id else {}
        deliveries: list[dict[str, Any]] = self._call("GET", "/webhooks", params=params)[
            "deliveries"
        ]
        return deliveries

    def replay(self, delivery_id: str) -> dict[str, Any]:
        delivery: dict[str, Any] = self._call("POST", f"/webhooks/{delivery_id}/replay")
        return delivery

    def send_webhook(
        self,
        url: str,
        *,
        job_id: str | None = None,
        status: str | None = None,
        payload: dict[str, Any] | None = None,
        api_key: str | None = None,
        fault: str | dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send one signed delivery to `url` now and return it, its one attempt logged: the
        outcome of finished job `job_id`, or a made-up `status` (`completed` or `failed`) of
        `api_key`'s account (this client's key unless told), with `payload` laid over it;
        `fault` is a webhook fault's kind (`"unsigned"`) or body (`{"webhook": "duplicate",
        "copies": 2}`) for this one delivery."""
        body: dict[str, Any] = {"url": url}
        if fault is not None:
            body["fault"] = fault
        if job_id is not None:
            body["jobId"] = job_id
        if status is not None:
            body["status"] = status
        if payload is not None:
            body["payload"] = payload
        if api_key is not None or job_id is None:
            body["apiKey"] = api_key or self.api_key
        delivery: dict[str, Any] = self._call("POST", "/webhooks/send", json=body)
        return delivery

    def received_webhooks(self) -> list[ReceivedWebhook]:
        """What the mock's own inbox (`webhook_url`) has received, oldest first."""
        return [
            ReceivedWebhook(
                path=entry["path"],
                headers=entry["headers"],
                body=base64.b64decode(entry["bodyBase64"]),
                json=entry["json"],
                at=entry["at"],
            )
            for entry in self._call("GET", "/inbox")["webhooks"]
        ]

    def use_scenario(self, name: str | None) -> None:
        """Reset into a bundled scenario (kept over later resets); None drops it."""
        if name is None:
            self._call("POST", "/reset", json={"scenario": None})
        else:
            self._call("POST", f"/scenarios/{name}")

    @property
    def webhook_url(self) -> str:
        """Give this as `webhookUrl` and read what arrives with `received_webhooks()`."""
        return f"{self.control_url}/inbox"

    # -- checking a webhook receiver ---------------------------------------------------------

    def check_receiver(
        self,
        url_or_app: receiver_check.ReceiverTarget,
        *,
        secret: str | None = None,
        path: str = "/",
        timeout: float = receiver_check.DEFAULT_TIMEOUT,
        only: str | Iterable[str] | None = None,
        other_secret: str | None = None,
    ) -> receiver_check.ReceiverReport:
        """`receiver_check.check_receiver`, signed with `api_key`'s secret unless told."""
        return receiver_check.check_receiver(
            url_or_app,
            secret=secret or self.webhook_secret,
            path=path,
            timeout=timeout,
            only=only,
            other_secret=other_secret,
        )

    def assert_receiver_ok(
        self,
        url_or_app: receiver_check.ReceiverTarget,
        *,
        secret: str | None = None,
        path: str = "/",
        timeout: float = receiver_check.DEFAULT_TIMEOUT,
        only: str | Iterable[str] | None = None,
        other_secret: str | None = None,
    ) -> receiver_check.ReceiverReport:
        """`check_receiver`, raising AssertionError with the report unless every case passed."""
        return self.check_receiver(
            url_or_app,
            secret=secret,
            path=path,
            timeout=timeout,
            only=only,
            other_secret=other_secret,
        ).assert_passed()
