"""`GET /__mock/`: what the control plane offers, as JSON, at the URL the banner prints.

The list is made from the routes the control plane really serves, so it cannot name one that is
not there; each gets a line saying what it does (the README's table has the details).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from ..version import __version__

WHAT_EACH_DOES = {
    ("GET", "/__mock/"): "this index (a browser is sent on to the dashboard)",
    ("GET", "/__mock/ui"): "the dashboard, a page for a browser",
    ("GET", "/__mock/ui/{name}"): "the dashboard's scripts and stylesheet",
    ("POST", "/__mock/reset"): "back to the fixtures (and the active scenario)",
    ("GET", "/__mock/state"): "the whole state as one JSON document (a snapshot)",
    ("PUT", "/__mock/state"): "load a snapshot: the mock answers as the one it came from",
    ("GET", "/__mock/clock"): "the mock's clock: now, epoch, mode",
    ("POST", "/__mock/clock/advance"): 'move the clock {"seconds": n}, running all that falls due',
    ("GET", "/__mock/accounts"): "the accounts: key, plan, credits, webhook secret, limits",
    ("PUT", "/__mock/accounts/{api_key}"): "create or change an account",
    ("GET", "/__mock/usage"): "each key's use of its limits now: minute, day, running jobs",
    ("GET", "/__mock/jobs"): "every job; ?apiKey=, ?status=, ?limit= (the newest n)",
    ("GET", "/__mock/jobs/{job_id}"): "one job, whoever owns it",
    ("POST", "/__mock/jobs/{job_id}/complete"): "finish a job now",
    ("POST", "/__mock/jobs/{job_id}/fail"): "fail a job now (refunded)",
    ("GET", "/__mock/faults"): "the scripted faults in force, API and webhook ones",
    ("POST", "/__mock/faults"): 'script a fault: an API one, or {"webhook": KIND, ...}',
    ("DELETE", "/__mock/faults"): "clear every fault",
    ("GET", "/__mock/requests"): "the journal of API requests; ?operation=, ?apiKey=, ?status=,"
    " ?code=, ?jobId=, ?since=, ?contains=, ?limit=",
    ("GET", "/__mock/requests/{request_id}"): "one journal entry, whole",
    ("GET", "/__mock/audit"): "what the client did that would hurt on the real service; ?apiKey=",
    ("GET", "/__mock/ledger"): "every debit and refund of credits, and its request; ?apiKey=",
    ("GET", "/__mock/webhooks"): "webhook deliveries; ?jobId=, ?status=, ?limit= (the newest n)",
    ("POST", "/__mock/webhooks/send"): "send one signed delivery now {url, jobId | status, fault?}",
    ("GET", "/__mock/webhooks/{delivery_id}"): "one delivery",
    ("POST", "/__mock/webhooks/{delivery_id}/replay"): "send a delivery again now",
    ("GET", "/__mock/scenarios"): "the bundled scenarios and the active one",
    ("POST", "/__mock/scenarios/{name}"): "reset into a bundled scenario",
    ("GET", "/__mock/openapi.json"): "the OpenAPI description of the REST routes",
    ("GET", "/__mock/inbox"): "webhooks the mock's own receiver got",
    ("DELETE", "/__mock/inbox"): "empty the receiver",
    ("POST", "/__mock/inbox"): "a webhook receiver: give its URL as webhookUrl",
    ("POST", "/__mock/inbox/{rest:path}"): "the receiver, under any path",
    ("POST", "/__mock/sessions"): "start an isolated session {scenario?, seed?, accounts?, clock?,"
    " jobSeconds?}: its keys and control URL; /__mock/sessions/{id}/... has every route above",
    ("GET", "/__mock/sessions"): "the live sessions",
    ("GET", "/__mock/sessions/{session_id}"): "one session: its keys, control URL, expiry",
    ("DELETE", "/__mock/sessions/{session_id}"): "end a session now",
}


def control_index(routes: list[Route]) -> dict[str, Any]:
    """`{"service", "routes": [{method, path, does}]}` for the control routes given."""
    listed = [
        {"method": method, "path": route.path, "does": WHAT_EACH_DOES.get((method, route.path), "")}
        for route in routes
        for method in sorted(route.methods or ())
        if method != "HEAD"
    ]
    return {"service": f"mock-doitong {__version__} control plane", "routes": listed}
