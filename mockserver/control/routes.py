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

from ..core.catalog import FixtureError
from ..core.clock import ClockLimitError, iso
from ..core.errors import ApiError, bad_request, internal_error, shown, unauthorized
from ..core.inbox import Received
from ..core.jobs import Job, JobStatus, job_record
from ..core.scenarios import ScenarioNotFound, available_scenarios, load_scenario
from ..core.session_keys import in_session, session_key
from ..core.state_fields import StateError
from ..core.webhooks import Delivery, DeliveryStatus
from ..core.whole_numbers import finite_number
from ..runtime.mock_runtime import MockRuntime
from ..runtime.sessions import SESSIONS_PATH, Sessions
from ..web.answers import error_response, json_response
from ..web.bodies import read_body
from ..web.json_body import parse_json
from .dashboard import Dashboard, browsers_to_dashboard
from .index import control_index
from .newest import newest
from .openapi import build_openapi
from .query import ControlQuery, entry_id, journal_filters
from .session_body import read_seed
from .session_routes import SessionRoutes
from .webhook_send import read_send

# A control route's handler, given the runtime of the mock its path names.
Handler = Callable[[Request, MockRuntime], Awaitable[Response]]
PlainHandler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")
ADMIN_TOKEN_HEADER = "X-Mock-Admin-Token"
CONTROL_PATH = "/__mock"


JOB_STATUSES = tuple(status.value for status in JobStatus)
DELIVERY_STATUSES = tuple(status.value for status in DeliveryStatus)
HTTP_STATUSES = (0, 599)  # 0: a dropped connection, as the journal logs it
MAX_LIST_LIMIT = 1_000_000_000
# A snapshot of a full mock (100,000 jobs, full journal) is tens of megabytes.
MAX_STATE_BYTES = 256 * 1024 * 1024


def _plain(handler: PlainHandler) -> Handler:
    """A handler that needs no runtime (the dashboard's files), as the guard calls handlers."""

    async def handle(request: Request, runtime: MockRuntime) -> Response:
        return await handler(request)

    return handle


def _found(value: T | None, what: str, key: str) -> T:
    """`value`, or the 404 that names what was not found."""
    if value is None:
        raise ApiError(404, "NOT_FOUND", f"No {what} {shown(key)}")
    return value


class AdminEndpoints:
    """Every control route, written once against the runtime of the request: mounted at
    `/__mock/...` for the default mock and at `/__mock/sessions/{id}/...` for each session, so
    a session has every route, with the same shapes, for its own runtime only."""

    def __init__(self, root: MockRuntime, sessions: Sessions) -> None:
        self.root = root
        self.sessions = sessions
        self._index: dict[str, Any] = {}
        self._dashboard = Dashboard()
        self._sessions = SessionRoutes(sessions)

    def table(self) -> list[tuple[str, Handler, str]]:
        """(path under a mock's control root, handler, method) of every route of one mock."""
        return [
            ("/reset", self.reset, "POST"),
            ("/state", self.state, "GET"),
            ("/state", self.load_state, "PUT"),
            ("/clock", self.clock, "GET"),
            ("/clock/advance", self.advance, "POST"),
            ("/accounts", self.accounts, "GET"),
            ("/accounts/{api_key}", self.put_account, "PUT"),
            ("/usage", self.usage, "GET"),
            ("/jobs", self.jobs, "GET"),
            ("/jobs/{job_id}", self.job, "GET"),
            ("/jobs/{job_id}/complete", self.complete_job, "POST"),
            ("/jobs/{job_id}/fail", self.fail_job, "POST"),
            ("/faults", self.faults, "GET"),
            ("/faults", self.add_fault, "POST"),
            ("/faults", self.clear_faults, "DELETE"),
            ("/requests", self.requests, "GET"),
            ("/requests/{request_id}", self.request_entry, "GET"),
            ("/audit", self.audit, "GET"),
            ("/ledger", self.ledger, "GET"),
            ("/webhooks", self.deliveries, "GET"),
            ("/webhooks/send", self.send_webhook, "POST"),
            ("/webhooks/{delivery_id}", self.delivery, "GET"),
            ("/webhooks/{delivery_id}/replay", self.replay, "POST"),
            ("/scenarios", self.scenarios, "GET"),
            ("/scenarios/{name}", self.activate_scenario, "POST"),
            ("/openapi.json", self.openapi, "GET"),
            ("/inbox", self.inbox, "GET"),
            ("/inbox", self.clear_inbox, "DELETE"),
        ]

    def _mounted(self, prefix: str) -> list[Route]:
        """One mock's routes under `prefix`: the table, and the inbox's receiver."""
        routes = [
            Route(prefix + path, self._guard(handler), methods=[method])
            for path, handler, method in self.table()
        ]
        # The inbox takes webhooks, which carry no admin token: it is the one unguarded route.
        receive = self._guard(self.receive, token_required=False)
        routes.append(Route(prefix + "/inbox/{rest:path}", receive, methods=["POST"]))
        routes.append(Route(prefix + "/inbox", receive, methods=["POST"]))
        return routes

    def routes(self) -> list[Route]:
        index = browsers_to_dashboard(self._guard(self.index))
        root = [Route(f"{CONTROL_PATH}/", index, methods=["GET"]), *self._mounted(CONTROL_PATH)]
        # The dashboard's page and files hold no data: it asks for the token, then sends it.
        root += self._dashboard.routes(lambda handler: self._guard(_plain(handler), False))
        managing = self._sessions.routes(self._guard)
        self._index = control_index([*root, *managing])
        session_root = f"{SESSIONS_PATH}/{{session_id}}"
        in_session = [
            Route(f"{session_root}/", self._guard(self.index), methods=["GET"]),
            *self._mounted(session_root),
        ]
        return [*root, *managing, *in_session]

    def _runtime_of(self, request: Request) -> MockRuntime:
        """The default mock, or the live session the path names (404 if there is none)."""
        session_id = request.path_params.get("session_id")
        if session_id is None:
            return self.root
        session = self.sessions.get(session_id)
        if session is None:
            raise ApiError(
                404, "NOT_FOUND", f"No session {shown(session_id)}: it ended or never existed"
            )
        return session.runtime

    def _guard(self, handler: Handler, token_required: bool = True) -> PlainHandler:
        """The one wrapper of every control route, as api.endpoint is the API plane's: the admin
        token, the request's runtime and its clock's present, and every outcome in the envelope
        (a bug of ours reported)."""
        token = self.root.config.admin_token if token_required else None

        async def guarded(request: Request) -> Response:
            runtime = self.root
            try:
                if token is not None:
                    presented = request.headers.get(ADMIN_TOKEN_HEADER, "")
                    if not hmac.compare_digest(presented.encode(), token.encode()):
                        raise unauthorized(
                            f"The control plane needs the {ADMIN_TOKEN_HEADER} header"
                        )
                runtime = self._runtime_of(request)
                runtime.sync()  # so that what a route shows or changes is up to the clock
                response = await handler(request, runtime)
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
        limit = self.root.config.max_body_bytes
        return await read_body(request.receive, request.headers.get("content-length"), limit)

    @staticmethod
    def _clock_state(runtime: MockRuntime) -> dict[str, Any]:
        now = runtime.clock.now()
        return {"now": iso(now), "epoch": now, "mode": runtime.clock.mode.value}

    async def index(self, request: Request, runtime: MockRuntime) -> Response:
        """What the control plane offers, for a client that asks for JSON (a browser is sent on
        to the dashboard)."""
        return json_response(self._index)

    # -- state and time ----------------------------------------------------------------------

    async def reset(self, request: Request, runtime: MockRuntime) -> Response:
        """Back to the fixtures and the active scenario; `{"scenario": null}` drops the scenario."""
        body = await self._body(request)
        seed = read_seed(body.get("seed") if isinstance(body, dict) else None)
        if isinstance(body, dict) and "scenario" in body:
            # One reset, into the scenario, with the seed.
            self._activate(runtime, body["scenario"], seed)
        else:
            runtime.reset(seed)
        return json_response({"reset": True, "clock": self._clock_state(runtime)})

    async def state(self, request: Request, runtime: MockRuntime) -> Response:
        """The whole state as one JSON document, for `PUT /__mock/state` to load."""
        return json_response(runtime.snapshot())

    async def load_state(self, request: Request, runtime: MockRuntime) -> Response:
        """Hold what a document from `GET /__mock/state` says; a 400 naming the field if it
        is bad, and then nothing changed."""
        limit = max(runtime.config.max_body_bytes, MAX_STATE_BYTES)
        body = await read_body(request.receive, request.headers.get("content-length"), limit)
        try:
            runtime.restore(parse_json(body))
        except StateError as error:
            raise bad_request(error.message, error.field or None) from None
        return json_response({"loaded": True, "clock": self._clock_state(runtime)})

    async def clock(self, request: Request, runtime: MockRuntime) -> Response:
        return json_response(self._clock_state(runtime))

    async def advance(self, request: Request, runtime: MockRuntime) -> Response:
        body = await self._body(request)
        seconds = body.get("seconds") if isinstance(body, dict) else None
        number = finite_number(seconds)  # None for an int of hundreds of digits, too
        if number is None or number < 0:
            raise bad_request(f"seconds must be a number >= 0, got {shown(seconds)}", "seconds")
        try:
            await runtime.advance(number)
        except ClockLimitError as error:
            raise bad_request(f"seconds: {error}", "seconds") from None
        return json_response(self._clock_state(runtime))

    # -- accounts ----------------------------------------------------------------------------

    async def accounts(self, request: Request, runtime: MockRuntime) -> Response:
        accounts = [a.as_json() for a in runtime.engine.list_accounts()]
        return json_response({"accounts": accounts})

    async def put_account(self, request: Request, runtime: MockRuntime) -> Response:
        body = await self._body(request)
        api_key = request.path_params["api_key"]
        session_id = runtime.session_id
        if session_id is not None and not in_session(api_key, session_id):
            # A key without the session's part would reach the default mock, not this account.
            raise bad_request(
                f"A key of this session ends in .{session_id}: use "
                f"{shown(session_key(api_key, session_id))}",
                "apiKey",
            )
        account = runtime.engine.put_account(api_key, body)
        return json_response(account.as_json())

    async def usage(self, request: Request, runtime: MockRuntime) -> Response:
        """What each key has used of its limits now: the minute window, the day, running jobs."""
        engine, now = runtime.engine, runtime.clock.now()
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

    async def jobs(self, request: Request, runtime: MockRuntime) -> Response:
        """All jobs, oldest first; `?apiKey=` and `?status=` narrow the list, `?limit=` keeps
        the newest."""
        query = ControlQuery(request.query_params)
        api_key, status = query.text("apiKey"), query.choice("status", JOB_STATUSES)
        jobs = newest(
            runtime.engine.jobs.values(),
            lambda job: (
                (api_key is None or job.api_key == api_key)
                and (status is None or job.status == status)
            ),
            query.whole("limit", 1, MAX_LIST_LIMIT),
        )
        return json_response({"jobs": [self._record(runtime, job) for job in jobs]})

    @staticmethod
    def _record(runtime: MockRuntime, job: Job) -> dict[str, Any]:
        return job_record(job, runtime.engine.planned_failure(job.id))

    def _find_job(self, request: Request, runtime: MockRuntime) -> Job:
        job_id = request.path_params["job_id"]
        return _found(runtime.engine.jobs.get(job_id), "job", job_id)

    async def job(self, request: Request, runtime: MockRuntime) -> Response:
        return json_response(self._record(runtime, self._find_job(request, runtime)))

    async def complete_job(self, request: Request, runtime: MockRuntime) -> Response:
        return await self._finish(request, runtime, JobStatus.COMPLETED, None)

    async def fail_job(self, request: Request, runtime: MockRuntime) -> Response:
        body = await self._body(request)
        error = body.get("error", "Avatar generation failed") if isinstance(body, dict) else None
        if not isinstance(error, str):
            raise bad_request("error must be a string", "error")
        return await self._finish(request, runtime, JobStatus.FAILED, error)

    async def _finish(
        self, request: Request, runtime: MockRuntime, status: JobStatus, error: str | None
    ) -> Response:
        """End a processing job now; answers after its webhook has been attempted."""
        job = self._find_job(request, runtime)
        if job.finished:
            raise ApiError(409, "CONFLICT", f"Job {job.id!r} is already {job.status.value}")
        runtime.engine.finish(job, status, at=runtime.clock.now(), error=error)
        await runtime.advance(0)
        return json_response(self._record(runtime, job))

    # -- faults, the journal and the ledger --------------------------------------------------

    async def faults(self, request: Request, runtime: MockRuntime) -> Response:
        return json_response({"faults": [f.as_json() for f in runtime.engine.all_faults()]})

    async def add_fault(self, request: Request, runtime: MockRuntime) -> Response:
        fault = runtime.engine.add_fault(await self._body(request))
        return json_response(fault.as_json(), 201)

    async def clear_faults(self, request: Request, runtime: MockRuntime) -> Response:
        runtime.engine.clear_faults()
        return json_response({"faults": []})

    async def requests(self, request: Request, runtime: MockRuntime) -> Response:
        """The journal, oldest first; `?operation=`, `?apiKey=`, `?status=`, `?code=`,
        `?jobId=`, `?since=` (an entry id or an instant), `?contains=` and `?limit=` narrow it."""
        query = ControlQuery(request.query_params)
        entries = runtime.engine.journal.select(
            journal_filters(query, HTTP_STATUSES), query.whole("limit", 1, MAX_LIST_LIMIT)
        )
        return json_response({"requests": [entry.as_json() for entry in entries]})

    async def request_entry(self, request: Request, runtime: MockRuntime) -> Response:
        """One whole journal entry, by its id."""
        text = request.path_params["request_id"]
        request_id = entry_id(text)
        entry = runtime.engine.journal.get(request_id) if request_id is not None else None
        return json_response(_found(entry, "journal entry", text).as_json())

    async def audit(self, request: Request, runtime: MockRuntime) -> Response:
        """What the client did that would hurt it on the real service; `?apiKey=` narrows it."""
        # Its rules are loaded by the first audit: most runs of `serve` never ask for one.
        from ..core import audit_journal  # noqa: PLC0415
        from ..core.audit_model import AuditPolicy  # noqa: PLC0415

        query = ControlQuery(request.query_params)
        engine = runtime.engine
        policy = AuditPolicy(poll_floor_seconds=runtime.config.audit_poll_floor_seconds)
        found = audit_journal.audit(
            engine.journal, engine.jobs.values(), engine.webhooks, query.text("apiKey"), policy
        )
        return json_response({"findings": [finding.as_json() for finding in found]})

    async def ledger(self, request: Request, runtime: MockRuntime) -> Response:
        """Every debit and refund of credits, oldest first; `?apiKey=` narrows it."""
        api_key = ControlQuery(request.query_params).text("apiKey")
        entries = runtime.engine.ledger_entries(api_key)
        return json_response({"entries": [entry.as_json() for entry in entries]})

    # -- webhooks ----------------------------------------------------------------------------

    async def deliveries(self, request: Request, runtime: MockRuntime) -> Response:
        """Webhook deliveries, oldest first; `?jobId=` and `?status=` narrow the list, `?limit=`
        keeps the newest."""
        query = ControlQuery(request.query_params)
        job_id, status = query.text("jobId"), query.choice("status", DELIVERY_STATUSES)
        deliveries = newest(
            runtime.engine.webhooks,
            lambda d: (
                (job_id is None or d.job_id == job_id) and (status is None or d.status == status)
            ),
            query.whole("limit", 1, MAX_LIST_LIMIT),
        )
        return json_response({"deliveries": [d.as_json() for d in deliveries]})

    def _find_delivery(self, request: Request, runtime: MockRuntime) -> Delivery:
        delivery_id = request.path_params["delivery_id"]
        return _found(runtime.engine.webhooks.get(delivery_id), "webhook delivery", delivery_id)

    async def delivery(self, request: Request, runtime: MockRuntime) -> Response:
        return json_response(self._find_delivery(request, runtime).as_json())

    async def replay(self, request: Request, runtime: MockRuntime) -> Response:
        delivery = self._find_delivery(request, runtime)
        await runtime.replay(delivery)
        return json_response(delivery.as_json())

    async def send_webhook(self, request: Request, runtime: MockRuntime) -> Response:
        """One signed delivery now, of an existing job's outcome or a made-up one, with a webhook
        fault if asked; answers with it after its one attempt (and a duplicate's copies due at
        once) is logged; a one-off is never retried."""
        base_url = str(request.base_url).rstrip("/") + runtime.link_path
        send = read_send(await self._body(request), runtime.engine, base_url)
        delivery = await runtime.send(send.job, send.url, send.over, send.secret, send.fault)
        return json_response(delivery.as_json())

    async def openapi(self, request: Request, runtime: MockRuntime) -> Response:
        """The REST routes' OpenAPI description, for schemathesis and friends."""
        server_url = str(request.base_url).rstrip("/")
        return json_response(build_openapi(runtime.engine.fixtures.catalog, server_url))

    # -- the inbox ---------------------------------------------------------------------------

    async def receive(self, request: Request, runtime: MockRuntime) -> Response:
        body = await self._raw_body(request)
        received = Received(
            at=runtime.clock.now(),
            path=request.url.path,
            headers=dict(request.headers.items()),
            body=body,
        )
        runtime.engine.inbox.record(received)
        return json_response({"received": True})

    async def inbox(self, request: Request, runtime: MockRuntime) -> Response:
        return json_response({"webhooks": [r.as_json() for r in runtime.engine.inbox]})

    async def clear_inbox(self, request: Request, runtime: MockRuntime) -> Response:
        runtime.engine.inbox.clear()
        return json_response({"webhooks": []})

    # -- scenarios ---------------------------------------------------------------------------

    async def scenarios(self, request: Request, runtime: MockRuntime) -> Response:
        active = runtime.engine.scenario
        return json_response(
            {
                "scenarios": available_scenarios(runtime.engine.fixtures.scenarios_dir),
                "active": active.as_json() if active else None,
            }
        )

    async def activate_scenario(self, request: Request, runtime: MockRuntime) -> Response:
        """Reset to the fixtures with this scenario laid over them (and kept over later resets)."""
        self._activate(runtime, request.path_params["name"])
        active = runtime.engine.scenario
        return json_response({"active": active.as_json() if active else None})

    def _activate(self, runtime: MockRuntime, name: Any, seed: int | None = None) -> None:
        """Reset into the bundled scenario `name` (None: none), restarting randomness from
        `seed` if given; a bad name changes nothing."""
        if name is None:
            runtime.activate(None, seed)
            return
        if not isinstance(name, str):
            raise bad_request(
                f"scenario must be the name of a bundled scenario, got {name!r}", "scenario"
            )
        # Checked in full before anything changes: a bad file leaves the active scenario as it is.
        try:
            scenario = load_scenario(name, runtime.engine.fixtures, bundled_only=True)
        except ScenarioNotFound as error:
            raise ApiError(404, "NOT_FOUND", str(error)) from None
        except FixtureError as error:
            raise bad_request(str(error), "scenario") from None
        runtime.activate(scenario, seed)
