"""`POST /__mock/webhooks/send`'s body read into what to send: a 400 naming each bad field.

`{url, jobId? | status?, apiKey?, payload?, fault?}`: the outcome of an existing job, signed with
its account's secret, or a made-up `completed` or `failed` one, signed with `apiKey`'s; `payload`
laid over the documented payload; `fault` a webhook fault's kind, or `{webhook, ...settings}`,
for this one delivery. The URL is put to the webhook policy that every delivery meets, so this
route cannot aim the mock at its own control plane either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.engine import Engine
from ..core.errors import ApiError, bad_request, shown
from ..core.jobs import Job, JobStatus
from ..core.webhook_faults import DELAY, REORDER, WebhookFault, parse_webhook_fault
from ..core.webhook_policy import parse_webhook_url
from ..core.webhooks import made_up_job
from ..web.answers import encode_json

FIELDS = ("url", "jobId", "status", "apiKey", "payload", "fault")
# What `payload` may add to a delivery's body, far past any real one's: the delivery log keeps
# each body for its replays, 10,000 deliveries of them.
MAX_PAYLOAD_BYTES = 64 * 1024
MADE_UP_STATUSES = (JobStatus.COMPLETED.value, JobStatus.FAILED.value)
DEFAULT_API_KEY = "YOUR_API_KEY"
# Kinds that make no sense for one delivery sent now, and what to do instead.
NOT_FOR_A_SEND = {
    DELAY: "a send goes now; script a delay with POST /__mock/faults for a job's delivery",
    REORDER: "a send is one delivery, with nothing to reorder it among; script reorder with "
    "POST /__mock/faults for deliveries that fall due together",
}


@dataclass(frozen=True)
class WebhookSend:
    """What one send sends: whose outcome, where, what is laid over its payload, signed how,
    and the webhook fault it suffers, if any."""

    job: Job
    url: str
    over: dict[str, Any]
    secret: str
    fault: WebhookFault | None = None


def read_send(body: Any, engine: Engine, base_url: str) -> WebhookSend:
    """The send `body` asks for; `base_url` is where a made-up job's video link points."""
    if not isinstance(body, dict):
        raise bad_request(f"The body must be a JSON object with {', '.join(FIELDS)}")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise bad_request(f"Unknown field {shown(unknown[0])}; known: {list(FIELDS)}", unknown[0])
    fault = _fault(body.get("fault"))
    url = _url(body.get("url"), engine)
    over = body.get("payload")
    if over is None:  # null is not given, as everywhere in the mock
        over = {}
    if not isinstance(over, dict):
        raise bad_request(f"payload must be a JSON object, got {shown(over)}", "payload")
    if len(encode_json(over).encode()) > MAX_PAYLOAD_BYTES:
        message = f"payload must be at most {MAX_PAYLOAD_BYTES:,} bytes of JSON"
        raise bad_request(message, "payload")
    if body.get("jobId") is not None:
        job, secret = _existing(body, engine)
    else:
        job, secret = _made_up(body, engine, base_url)
    return WebhookSend(job, url, over, secret, fault)


def _fault(raw: Any) -> WebhookFault | None:
    """`fault`: a kind (`"unsigned"`), or a webhook fault's body without its filters."""
    if raw is None:
        return None
    body = {"webhook": raw} if isinstance(raw, str) else raw
    if not isinstance(body, dict) or "webhook" not in body:
        raise bad_request(
            f"fault must be a webhook fault's kind, or an object with its webhook kind and "
            f"settings, got {shown(raw)}",
            "fault",
        )
    try:
        fault = parse_webhook_fault("send", body, filters=False)
    except ApiError as error:  # the fault's own check, its field named inside `fault`
        field = error.extensions.get("field")
        named = "fault" if field in (None, "webhook") or isinstance(raw, str) else f"fault.{field}"
        raise bad_request(f"fault: {error.message}", named) from None
    refused = NOT_FOR_A_SEND.get(fault.kind)
    if refused is not None:
        raise bad_request(f"fault: {fault.kind}: {refused}", "fault")
    return fault


def _url(url: Any, engine: Engine) -> str:
    if not isinstance(url, str):
        raise bad_request(f"url must be the receiver's http(s) URL, got {shown(url)}", "url")
    engine.webhook_policy.check(parse_webhook_url(url, "url"))
    return url


def _existing(body: dict[str, Any], engine: Engine) -> tuple[Job, str]:
    """The job `jobId` names, once it has an outcome, and its own account's secret."""
    for other in ("status", "apiKey"):
        if body.get(other) is not None:
            raise bad_request(
                f"{other} goes with a made-up event only: a job's outcome is its own, "
                "signed with its account's secret",
                other,
            )
    job_id = body["jobId"]
    job = engine.jobs.get(job_id) if isinstance(job_id, str) else None
    account = engine.find_account(job.api_key) if job is not None else None
    if job is None or account is None:
        raise bad_request(f"jobId: no job {shown(job_id)}", "jobId")
    if not job.finished:
        # A conflict with the job's state, not a malformed field: the same request succeeds
        # once the job has ended (or been ended with /__mock/jobs/{id}/complete or /fail).
        raise ApiError(
            409, "CONFLICT", f"Job {job.id!r} is still processing: it has no outcome to send yet"
        )
    return job, account.webhook_secret


def _made_up(body: dict[str, Any], engine: Engine, base_url: str) -> tuple[Job, str]:
    """A job just ended with `status`, owned by `apiKey`, signed with that account's secret."""
    status = body.get("status")
    if status not in MADE_UP_STATUSES:
        raise bad_request(
            f"status must be one of {list(MADE_UP_STATUSES)} (or give the jobId of a finished "
            f"job), got {shown(status)}",
            "status",
        )
    api_key = body.get("apiKey")
    if api_key is None:
        api_key = DEFAULT_API_KEY
    account = engine.find_account(api_key) if isinstance(api_key, str) else None
    if account is None:
        raise bad_request(f"apiKey: no account {shown(api_key)}", "apiKey")
    job_id = engine.randomness.token()
    while job_id in engine.jobs:  # its id names no real job, so ?jobId= never mixes the two
        job_id = engine.randomness.token()
    now = engine.clock.now()
    job = made_up_job(
        job_id,
        account.api_key,
        JobStatus(status),
        avatar=next(iter(engine.fixtures.catalog.avatars.values())),
        created_at=now - engine.job_seconds,
        ended_at=now,
        base_url=base_url,
    )
    return job, account.webhook_secret
