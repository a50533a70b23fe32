"""The control plane, `/__mock/...`: the mock's own JSON API for tests and people.

Never part of the vendor's API: API keys do not open it, and nothing here is journaled.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from ..core import audit_journal
from ..core.audit_model import AuditPolicy
from ..core.catalog import FixtureError
from ..core.clock import ClockLimitError, iso
from ..core.errors import ApiError, bad_request, internal_error, shown, unauthorized
from ..core.inbox import Received
from ..core.jobs import Job, JobStatus, job_record
from ..core.scenarios import ScenarioNotFound, available_scenarios, load_scenario
from ..core.state_fields import StateError
from ..core.webhooks import Delivery, DeliveryStatus
from ..core.whole_numbers import finite_number
from ..runtime.mock_runtime import MockRuntime
from ..web.answers import error_response, json_response
from ..web.bodies import read_body
from ..web.json_body import parse_json
from .dashboard import Dashboard, browsers_to_dashboard
from .index import control_index
from .newest import newest
from .openapi import build_openapi
from .query import ControlQuery, entry_id, journal_filters
from .webhook_send import read_send

Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")
ADMIN_TOKEN_HEADER = "X-Mock-Admin-Token"


JOB_STATUSES = tuple(status.value for status in JobStatus)
DELIVERY_STATUSES = tuple(status.value for status in DeliveryStatus)
HTTP_STATUSES = (0, 599)  # 0: a dropped connection, as the journal logs it
MAX_LIST_LIMIT = 1_000_000_000
# A snapshot of a full mock (100,000 jobs, full journal) is tens of megabytes.
MAX_STATE_BYTES = 256 * 1024 * 1024


def _found(value: T | None, what: str, key: str) -> T:
    """`value`, or the 404 that names what was not found."""
    if value is None:
        raise ApiError(404, "NOT_FOUND", f"No {what} {shown(key)}")
    return value


class AdminEndpoints:
    def __init__(self, runtime: MockRuntime) -> None:
        self.runtime = runtime
        self._index: dict[str, Any] = {}
        self._dashboard = Dashboard()

    def routes(self) -> list[Route]:
        table: list[tuple[str, Handler, str]] = [
            ("/__mock/reset", self.reset, "POST"),
            ("/__mock/state", self.state, "GET"),
            ("/__mock/state", self.load_state, "PUT"),
            ("/__mock/clock", self.clock, "GET"),
            ("/__mock/clock/advance", self.advance, "POST"),
            ("/__mock/accounts", self.accounts, "GET"),
            ("/__mock/accounts/{api_key}", self.put_account, "PUT"),
            ("/__mock/usage", self.usage, "GET"),
            ("/__mock/jobs", self.jobs, "GET"),
            ("/__mock/jobs/{job_id}", self.job, "GET"),
            ("/__mock/jobs/{job_id}/complete", self.complete_job, "POST"),
            ("/__mock/jobs/{job_id}/fail", self.fail_job, "POST"),
            ("/__mock/faults", self.faults, "GET"),
            ("/__mock/faults", self.add_fault, "POST"),
            ("/__mock/faults", self.clear_faults, "DELETE"),
            ("/__mock/requests", self.requests, "GET"),
            ("/__mock/requests/{request_id}", self.request_entry, "GET"),
            ("/__mock/audit", self.audit, "GET"),
            ("/__mock/ledger", self.ledger, "GET"),
            ("/__mock/webhooks", self.deliveries, "GET"),
            ("/__mock/webhooks/send", self.send_webhook, "POST"),
            ("/__mock/webhooks/{delivery_id}", self.delivery, "GET"),
            ("/__mock/webhooks/{delivery_id}/replay", self.replay, "POST"),
            ("/__mock/scenarios", self.scenarios, "GET"),
            ("/__mock/scenarios/{name}", self.activate_scenario, "POST"),
            ("/__mock/openapi.json", self.openapi, "GET"),
            ("/__mock/inbox", self.inbox, "GET"),
            ("/__mock/inbox", self.clear_inbox, "DELETE"),
        ]
        index = browsers_to_dashboard(self._guard(self.index))
        routes = [Route("/__mock/", index, methods=["GET"])]
        routes += [
            Route(path, self._guard(handler), methods=[method]) for path, handler, method in table
        ]
        # The dashboard's page and files hold no data: it asks for the token, then sends it.
        routes += self._dashboard.routes(lambda handler: self._guard(handler, False))
        # The inbox takes webhooks, which carry no admin token: it is the one unguarded route.
        receive = self._guard(self.receive, token_required=False)
        routes.append(Route("/__mock/inbox/{rest:path}", receive, methods=["POST"]))
        routes.append(Route("/__mock/inbox", receive, methods=["POST"]))
        self._index = control_index(routes)
        return routes

    def _guard(self, handler: Handler, token_required: bool = True) -> Handler:
        """The one wrapper of every control route, as api.endpoint is the API plane's: the admin
        token, the clock's present, and every outcome in the envelope (a bug of ours reported)."""
        runtime = self.runtime
        token = runtime.config.admin_token if token_required else None

        async def guarded(request: Request) -> Response:
            try:
                if token is not None:
                    presented = request.headers.get(ADMIN_TOKEN_HEADER, "")
                    if not hmac.compare_digest(presented.encode(), token.encode()):
                        raise unauthorized(
                            f"The control plane needs the {ADMIN_TOKEN_HEADER} header"
                        )
                runtime.sync()  # so that what a route shows or changes is up to the clock
                response = await handler(request)
                if runtime.durable is not None and request.method != "GET":
                    await runtime.durable.durable()  # a change is on disk before it is told
                return response
            except ApiError as error:
                return error_response(error)
            except ClientDisconnect:  # gone mid-request: the client's doing, and nobody to answer
                return Response(status_code=400)
            except Exception as error:  # a bug of ours: kept for the test that caused it
                runtime.report_bug(f"{request.method} {request.url.path}", error)
                return error_response(internal_error())

        return guarded

    async def _body(self, request: Request) -> Any:
        body = await self._raw_body(request)
        return parse_json(body) if body.strip() else {}

    async def _raw_body(self, request: Request) -> bytes:
        limit = self.runtime.config.max_body_bytes
        return await read_body(request.receive, request.headers.get("content-length"), limit)

    def _clock_state(self) -> dict[str, Any]:
        now = self.runtime.clock.now()
        return {"now": iso(now), "epoch": now, "mode": self.runtime.clock.mode.value}

    async def index(self, request: Request) -> Response:
        """What the control plane offers, for a client that asks for JSON (a browser is sent on
        to the dashboard)."""
        return json_response(self._index)

    # -- state and time ----------------------------------------------------------------------

    async def reset(self, request: Request) -> Response:
        """Back to the fixtures and the active scenario; `{"scenario": null}` drops the scenario."""
        body = await self._body(request)
        seed = body.get("seed") if isinstance(body, dict) else None
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise bad_request(f"seed must be a whole number, got {shown(seed)}", "seed")
        if isinstance(body, dict) and "scenario" in body:
            self._activate(body["scenario"], seed)  # one reset, into the scenario, with the seed
        else:
            self.runtime.reset(seed)
        return json_response({"reset": True, "clock": self._clock_state()})

    async def state(self, request: Request) -> Response:
        """The whole state as one JSON document, for `PUT /__mock/state` to load."""
        return json_response(self.runtime.snapshot())

    async def load_state(self, request: Request) -> Response:
        """Hold what a document from `GET /__mock/state` says; a 400 naming the field if it
        is bad, and then nothing changed."""
        limit = max(self.runtime.config.max_body_bytes, MAX_STATE_BYTES)
        body = await read_body(request.receive, request.headers.get("content-length"), limit)
        try:
            self.runtime.restore(parse_json(body))
        except StateError as error:
            raise bad_request(error.message, error.field or None) from None
        return json_response({"loaded": True, "clock": self._clock_state()})

    async def clock(self, request: Request) -> Response:
        return json_response(self._clock_state())

    async def advance(self, request: Request) -> Response:
        body = await self._body(request)
        seconds = body.get("seconds") if isinstance(body, dict) else None
        number = finite_number(seconds)  # None for an int of hundreds of digits, too
        if number is None or number < 0:
            raise bad_request(f"seconds must be a number >= 0, got {shown(seconds)}", "seconds")
        try:
            await self.runtime.advance(number)
        except ClockLimitError as error:
            raise bad_request(f"seconds: {error}", "seconds") from None
        return json_response(self._clock_state())

    # -- accounts ----------------------------------------------------------------------------

    async def accounts(self, request: Request) -> Response:
        accounts = [a.as_json() for a in self.runtime.engine.list_accounts()]
        return json_response({"accounts": accounts})

    async def put_account(self, request: Request) -> Response:
        body = await self._body(request)
        account = self.runtime.engine.put_account(request.path_params["api_key"], body)
        return json_response(account.as_json())

    async def usage(self, request: Request) -> Response:
        """What each key has used of its limits now: the minute window, the day, running jobs."""
        engine, now = self.runtime.engine, self.runtime.clock.now()
        usage = [
            {
                "apiKey": account.api_key,
                **engine.limiter.usage(account, now),
                "concurrentJobs": {
                    "limit": account.limits.concurrent_jobs,
                    "running": engine.processing_count(account.api_key),
                },
            }
            for account in engine.list_accounts()
        ]
        return json_response({"usage": usage})

    # -- jobs --------------------------------------------------------------------------------

    async def jobs(self, request: Request) -> Response:
        """All jobs, oldest first; `?apiKey=` and `?status=` narrow the list, `?limit=` keeps
        the newest."""
        query = ControlQuery(request.query_params)
        api_key, status = query.text("apiKey"), query.choice("status", JOB_STATUSES)
        jobs = newest(
            self.runtime.engine.jobs.values(),
            lambda job: (
                (api_key is None or job.api_key == api_key)
                and (status is None or job.status == status)
            ),
            query.whole("limit", 1, MAX_LIST_LIMIT),
        )
        return json_response({"jobs": [self._record(job) for job in jobs]})

    def _record(self, job: Job) -> dict[str, Any]:
        return job_record(job, self.runtime.engine.planned_failure(job.id))

    def _find_job(self, request: Request) -> Job:
        job_id = request.path_params["job_id"]
        return _found(self.runtime.engine.jobs.get(job_id), "job", job_id)

    async def job(self, request: Request) -> Response:
        return json_response(self._record(self._find_job(request)))

    async def complete_job(self, request: Request) -> Response:
        return await self._finish(request, JobStatus.COMPLETED, None)

    async def fail_job(self, request: Request) -> Response:
        body = await self._body(request)
        error = body.get("error", "Avatar generation failed") if isinstance(body, dict) else None
        if not isinstance(error, str):
            raise bad_request("error must be a string", "error")
        return await self._finish(request, JobStatus.FAILED, error)

    async def _finish(self, request: Request, status: JobStatus, error: str | None) -> Response:
        """End a processing job now; answers after its webhook has been attempted."""
        job = self._find_job(request)
        if job.finished:
            raise ApiError(409, "CONFLICT", f"Job {job.id!r} is already {job.status.value}")
        self.runtime.engine.finish(job, status, at=self.runtime.clock.now(), error=error)
        await self.runtime.advance(0)
        return json_response(self._record(job))

    # -- faults, the journal and the ledger --------------------------------------------------

    async def faults(self, request: Request) -> Response:
        return json_response({"faults": [f.as_json() for f in self.runtime.engine.all_faults()]})

    async def add_fault(self, request: Request) -> Response:
        fault = self.runtime.engine.add_fault(await self._body(request))
        return json_response(fault.as_json(), 201)

    async def clear_faults(self, request: Request) -> Response:
        self.runtime.engine.clear_faults()
        return json_response({"faults": []})

    async def requests(self, request: Request) -> Response:
        """The journal, oldest first; `?operation=`, `?apiKey=`, `?status=`, `?code=`,
        `?jobId=`, `?since=` (an entry id or an instant), `?contains=` and `?limit=` narrow it."""
        query = ControlQuery(request.query_params)
        entries = self.runtime.engine.journal.select(
            journal_filters(query, HTTP_STATUSES), query.whole("limit", 1, MAX_LIST_LIMIT)
        )
        return json_response({"requests": [entry.as_json() for entry in entries]})

    async def request_entry(self, request: Request) -> Response:
        """One whole journal entry, by its id."""
        text = request.path_params["request_id"]
        request_id = entry_id(text)
        entry = self.runtime.engine.journal.get(request_id) if request_id is not None else None
        return json_response(_found(entry, "journal entry", text).as_json())

    async def audit(self, request: Request) -> Response:
        """What the client did that would hurt it on the real service; `?apiKey=` narrows it."""
        query = ControlQuery(request.query_params)
        engine = self.runtime.engine
        policy = AuditPolicy(poll_floor_seconds=self.runtime.config.audit_poll_floor_seconds)
        found = audit_journal.audit(
            engine.journal, engine.jobs.values(), engine.webhooks, query.text("apiKey"), policy
        )
        return json_response({"findings": [finding.as_json() for finding in found]})

    async def ledger(self, request: Request) -> Response:
        """Every debit and refund of credits, oldest first; `?apiKey=` narrows it."""
        api_key = ControlQuery(request.query_params).text("apiKey")
        entries = self.runtime.engine.ledger_entries(api_key)
        return json_response({"entries": [entry.as_json() for entry in entries]})

    # -- webhooks ----------------------------------------------------------------------------

    async def deliveries(self, request: Request) -> Response:
        """Webhook deliveries, oldest first; `?jobId=` and `?status=` narrow the list, `?limit=`
        keeps the newest."""
        query = ControlQuery(request.query_params)
        job_id, status = query.text("jobId"), query.choice("status", DELIVERY_STATUSES)
        deliveries = newest(
            self.runtime.engine.webhooks,
            lambda d: (
                (job_id is None or d.job_id == job_id) and (status is None or d.status == status)
            ),
            query.whole("limit", 1, MAX_LIST_LIMIT),
        )
        return json_response({"deliveries": [d.as_json() for d in deliveries]})

    def _find_delivery(self, request: Request) -> Delivery:
        delivery_id = request.path_params["delivery_id"]
        return _found(
            self.runtime.engine.webhooks.get(delivery_id), "webhook delivery", delivery_id
        )

    async def delivery(self, request: Request) -> Response:
        return json_response(self._find_delivery(request).as_json())

    async def replay(self, request: Request) -> Response:
        delivery = self._find_delivery(request)
        await self.runtime.replay(delivery)
        return json_response(delivery.as_json())

    async def send_webhook(self, request: Request) -> Response:
        """One signed delivery now, of an existing job's outcome or a made-up one, with a webhook
        fault if asked; answers with it after its one attempt (and a duplicate's copies due at
        once) is logged; a one-off is never retried."""
        base_url = str(request.base_url).rstrip("/")
        send = read_send(await self._body(request), self.runtime.engine, base_url)
        delivery = await self.runtime.send(send.job, send.url, send.over, send.secret, send.fault)
        return json_response(delivery.as_json())

    async def openapi(self, request: Request) -> Response:
        """The REST routes' OpenAPI description, for schemathesis and friends."""
        server_url = str(request.base_url).rstrip("/")
        return json_response(build_openapi(self.runtime.engine.fixtures.catalog, server_url))

    # -- the inbox ---------------------------------------------------------------------------

    async def receive(self, request: Request) -> Response:
        body = await self._raw_body(request)
        received = Received(
            at=self.runtime.clock.now(),
            path=request.url.path,
            headers=dict(request.headers.items()),
            body=body,
        )
        self.runtime.engine.inbox.record(received)
        return json_response({"received": True})

    async def inbox(self, request: Request) -> Response:
        return json_response({"webhooks": [r.as_json() for r in self.runtime.engine.inbox]})

    async def clear_inbox(self, request: Request) -> Response:
        self.runtime.engine.inbox.clear()
        return json_response({"webhooks": []})

    # -- scenarios ---------------------------------------------------------------------------

    async def scenarios(self, request: Request) -> Response:
        active = self.runtime.engine.scenario
        return json_response(
            {
                "scenarios": available_scenarios(self.runtime.engine.fixtures.scenarios_dir),
                "active": active.as_json() if active else None,
            }
        )

    async def activate_scenario(self, request: Request) -> Response:
        """Reset to the fixtures with this scenario laid over them (and kept over later resets)."""
        self._activate(request.path_params["name"])
        active = self.runtime.engine.scenario
        return json_response({"active": active.as_json() if active else None})

    def _activate(self, name: Any, seed: int | None = None) -> None:
        """Reset into the bundled scenario `name` (None: none), restarting randomness from
        `seed` if given; a bad name changes nothing."""
        if name is None:
            self.runtime.activate(None, seed)
            return
        if not isinstance(name, str):
            raise bad_request(
                f"scenario must be the name of a bundled scenario, got {name!r}", "scenario"
            )
        # Checked in full before anything changes: a bad file leaves the active scenario as it is.
        try:
            scenario = load_scenario(name, self.runtime.engine.fixtures, bundled_only=True)
        except ScenarioNotFound as error:
            raise ApiError(404, "NOT_FOUND", str(error)) from None
        except FixtureError as error:
            raise bad_request(str(error), "scenario") from None
        self.runtime.activate(scenario, seed)
