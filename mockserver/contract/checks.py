"""The conformance checks, in the order they run. Each returns what it saw, or raises.

Checks that create jobs spend credits on a real service, so they run only with --allow-spend
(against the mock, which is free, they always run).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.webhooks import verify_signature
from .probe import ISO_UTC, Listener, Probe, expect, expect_envelope
from .results import CheckSkipped

GENERATE = (
    "mutation Generate($input: GenerateInput!) { generate(input: $input) "
    "{ id status type provider url metadata creditCost createdAt } }"
)
GENERATE_AVATAR = (
    "mutation GenerateAvatar($input: AvatarGenerationInput!) "
    "{ generateAvatar(input: $input) { id status videoUrl } }"
)
AVATAR = "query Avatar($id: ID!) { avatar(id: $id) { id status url } }"
TEXT = "Hello, welcome to our platform!"
REST_BODY = {
    "service": "hedra",
    "text": TEXT,
    "avatarId": "professional-1",
    "voice": "en-US-neural",
}
GENERATE_INPUT = {
    "type": "AVATAR",
    "provider": "hedra",
    "input": {"text": TEXT, "avatarId": "professional-1"},
    "options": {"voice": "en-US-neural"},
}


@dataclass
class Session:
    """What the checks share: the probe, the user's options, jobs made along the way."""

    probe: Probe
    allow_spend: bool
    job_timeout: float
    poll_every: float
    webhook_secret: str | None
    webhook_public_url: str | None
    listener: Listener | None
    jobs: dict[str, str] = field(default_factory=dict)
    # Every job the checks made, so that a run leaves none of them running on a mock.
    created: list[str] = field(default_factory=list)

    def made(self, job_id: str) -> str:
        self.created.append(job_id)
        return job_id

    def spend(self) -> None:
        if not (self.allow_spend or self.probe.is_mock):
            raise CheckSkipped("creates a job, which spends credits: pass --allow-spend")


Check = Callable[[Session], str]
CHECKS: list[tuple[str, Check]] = []


def check(name: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS.append((name, function))
        return function

    return register


def _unknown_id() -> str:
    return "contract-check-" + uuid.uuid4().hex[:12]


@check("graphql.auth.missing")
def graphql_auth_missing(session: Session) -> str:
    """a GraphQL create without Authorization is 401 UNAUTHORIZED."""
    response = session.probe.graphql(GENERATE, {"input": GENERATE_INPUT})
    expect_envelope(response, 401, "UNAUTHORIZED")
    return "401 UNAUTHORIZED without Authorization"


@check("rest.auth.missing")
def rest_auth_missing(session: Session) -> str:
    """a REST create without X-API-Key is 401 UNAUTHORIZED."""
    expect_envelope(session.probe.rest_create(REST_BODY), 401, "UNAUTHORIZED")
    return "401 UNAUTHORIZED without X-API-Key"


@check("rest.auth.invalid")
def rest_auth_invalid(session: Session) -> str:
    """an unknown API key is 401 UNAUTHORIZED."""
    response = session.probe.rest_get(_unknown_id(), key="contract-check-not-a-key")
    expect_envelope(response, 401, "UNAUTHORIZED")
    return "401 UNAUTHORIZED for an unknown key"


@check("rest.get.unknown")
def rest_get_unknown(session: Session) -> str:
    """GET /v1/avatar/{id} of an unknown id is 404 NOT_FOUND."""
    response = session.probe.rest_get(_unknown_id(), key=session.probe.api_key)
    expect_envelope(response, 404, "NOT_FOUND")
    return "404 NOT_FOUND for an unknown id"


@check("graphql.avatar.unknown")
def graphql_avatar_unknown(session: Session) -> str:
    """the avatar query of an unknown id is 404 NOT_FOUND."""
    response = session.probe.graphql(AVATAR, {"id": _unknown_id()}, key=session.probe.api_key)
    expect_envelope(response, 404, "NOT_FOUND")
    return "404 NOT_FOUND for an unknown id"


@check("rest.create.invalid")
def rest_create_invalid(session: Session) -> str:
    """an unknown avatarId is 400 BAD_REQUEST naming it."""
    body = {**REST_BODY, "avatarId": "contract-check-no-such-avatar"}
    error = expect_envelope(
        session.probe.rest_create(body, key=session.probe.api_key), 400, "BAD_REQUEST"
    )
    expect(
        "avatarId" in error["message"], f"the message does not name avatarId: {error['message']!r}"
    )
    return "400 BAD_REQUEST naming avatarId"


@check("graphql.generate.invalid")
def graphql_generate_invalid(session: Session) -> str:
    """an unknown provider is 400 BAD_REQUEST."""
    variables = {"input": {**GENERATE_INPUT, "provider": "contract-check"}}
    response = session.probe.graphql(GENERATE, variables, key=session.probe.api_key)
    expect_envelope(response, 400, "BAD_REQUEST")
    return "400 BAD_REQUEST for an unknown provider"


@check("ratelimit.headers")
def ratelimit_headers(session: Session) -> str:
    """X-RateLimit-Limit, -Remaining (counting down) and -Reset."""
    first = session.probe.rest_get(_unknown_id(), key=session.probe.api_key)
    second = session.probe.rest_get(_unknown_id(), key=session.probe.api_key)
    values = []
    for response in (first, second):
        row = {}
        for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
            value = response.headers.get(header)
            expect(value is not None, f"{header} missing")
            expect(str(value).isdigit(), f"{header} is not a whole number: {value!r}")
            row[header] = int(str(value))
        expect(
            row["X-RateLimit-Remaining"] <= row["X-RateLimit-Limit"], f"Remaining > Limit: {row}"
        )
        values.append(row)
    if values[0]["X-RateLimit-Reset"] == values[1]["X-RateLimit-Reset"]:
        expect(
            values[1]["X-RateLimit-Remaining"] == values[0]["X-RateLimit-Remaining"] - 1,
            "X-RateLimit-Remaining did not go down by one between two requests",
        )
    return f"limit {values[0]['X-RateLimit-Limit']}, remaining counts down, reset is Unix time"


@check("graphql.schema")
def graphql_schema(session: Session) -> str:
    """generate and generateAvatar take the documented input types."""
    query = (
        "{ __schema { mutationType { fields { name "
        "args { name type { kind ofType { name } } } } } } }"
    )
    response = session.probe.graphql(query, key=session.probe.api_key)
    if response.status_code != 200 or "errors" in response.json():
        raise CheckSkipped("introspection is not available")
    fields = {
        f["name"]: f["args"] for f in response.json()["data"]["__schema"]["mutationType"]["fields"]
    }
    for mutation, input_type in (
        ("generate", "GenerateInput"),
        ("generateAvatar", "AvatarGenerationInput"),
    ):
        expect(mutation in fields, f"no {mutation} mutation")
        (arg,) = [a for a in fields[mutation] if a["name"] == "input"]
        expect(arg["type"]["kind"] == "NON_NULL", f"{mutation}(input:) is not required")
        expect(
            arg["type"]["ofType"]["name"] == input_type, f"{mutation}(input:) is not {input_type}!"
        )
    return "generate(input: GenerateInput!), generateAvatar(input: AvatarGenerationInput!)"


def _check_avatar_shape(avatar: Any, where: str) -> None:
    expect(isinstance(avatar, dict), f"{where}: no avatar object")
    expect(isinstance(avatar.get("id"), str) and avatar["id"], f"{where}: id is not a string")
    expect(avatar.get("status") == "processing", f"{where}: status {avatar.get('status')!r}")
    expect(avatar.get("url") is None, f"{where}: url is not null while processing")
    expect(
        ISO_UTC.match(str(avatar.get("createdAt"))) is not None, f"{where}: createdAt not ISO UTC"
    )


@check("rest.create")
def rest_create(session: Session) -> str:
    """POST /v1/avatar answers a processing job, priced in band."""
    session.spend()
    response = session.probe.rest_create(REST_BODY, key=session.probe.api_key)
    expect(response.status_code == 200, f"status {response.status_code}: {response.text[:120]}")
    avatar = response.json().get("data", {}).get("avatar")
    _check_avatar_shape(avatar, "data.avatar")
    session.jobs["rest"] = session.made(avatar["id"])
    cost = avatar.get("creditCost")
    expect(isinstance(cost, int) and 50 <= cost <= 100, f"creditCost {cost!r} outside 50-100")
    return f"200, processing, {cost} credits"


@check("graphql.generate")
def graphql_generate(session: Session) -> str:
    """generate answers a processing AVATAR/hedra job."""
    session.spend()
    response = session.probe.graphql(GENERATE, {"input": GENERATE_INPUT}, key=session.probe.api_key)
    expect(response.status_code == 200, f"status {response.status_code}: {response.text[:120]}")
    job = response.json()["data"]["generate"]
    session.made(job["id"])
    _check_avatar_shape(job, "data.generate")
    expect((job["type"], job["provider"]) == ("AVATAR", "hedra"), "type/provider not AVATAR/hedra")
    expect(isinstance(job["metadata"], dict), "metadata is not an object")
    return f"200, processing, {job['creditCost']} credits"


@check("graphql.generateAvatar")
def graphql_generate_avatar(session: Session) -> str:
    """generateAvatar answers a processing job."""
    session.spend()
    variables = {"input": {**REST_BODY}}
    response = session.probe.graphql(GENERATE_AVATAR, variables, key=session.probe.api_key)
    expect(response.status_code == 200, f"status {response.status_code}: {response.text[:120]}")
    job = response.json()["data"]["generateAvatar"]
    session.made(job["id"])
    expect(job.get("status") == "processing" and job.get("videoUrl") is None, f"got {job}")
    return "200, processing, videoUrl null"


@check("lifecycle")
def lifecycle(session: Session) -> str:
    """the job completes, and its url is a downloadable video."""
    session.spend()
    job_id = session.jobs.get("rest")
    if job_id is None:
        raise CheckSkipped("rest.create made no job")
    probe = session.probe

    def completed() -> bool:
        response = probe.rest_get(job_id, key=probe.api_key)
        return (
            response.status_code == 200
            and response.json()["data"]["avatar"]["status"] != "processing"
        )

    expect(
        probe.wait(job_id, completed, session.job_timeout, session.poll_every),
        "the job did not finish in time",
    )
    avatar = probe.rest_get(job_id, key=probe.api_key).json()["data"]["avatar"]
    expect(
        avatar["status"] == "completed",
        f"status {avatar['status']!r}, error {avatar.get('error')!r}",
    )
    expect(str(avatar["url"]).startswith(("http://", "https://")), f"url {avatar['url']!r}")
    expect(ISO_UTC.match(str(avatar.get("completedAt"))) is not None, "completedAt not ISO UTC")
    video = probe.http.get(avatar["url"])
    expect(video.status_code == 200, f"GET url: status {video.status_code}")
    expect(video.headers.get("content-type", "").startswith("video/"), "the url is not a video")
    return f"processing -> completed, {len(video.content)} bytes of {video.headers['content-type']}"


@check("idempotency")
def idempotency(session: Session) -> str:
    """a repeated Idempotency-Key returns the same job."""
    session.spend()
    key = "contract-" + uuid.uuid4().hex
    probe = session.probe
    first = probe.rest_create(REST_BODY, key=probe.api_key, **{"Idempotency-Key": key})
    again = probe.rest_create(REST_BODY, key=probe.api_key, **{"Idempotency-Key": key})
    expect(first.status_code == again.status_code == 200, "a create with Idempotency-Key failed")
    session.made(first.json()["data"]["avatar"]["id"])
    same = first.json()["data"]["avatar"]["id"] == again.json()["data"]["avatar"]["id"]
    expect(same, "the same Idempotency-Key made two jobs")
    return "a repeated Idempotency-Key returns the same job"


@check("webhook.signature")
def webhook_signature(session: Session) -> str:
    """the completion webhook is signed over its exact body."""
    session.spend()
    secret = session.webhook_secret or session.probe.mock_webhook_secret()
    listener = session.listener
    if listener is None or (not session.probe.is_mock and not session.webhook_public_url):
        raise CheckSkipped(
            "nowhere the service can reach: pass --webhook-url (and --webhook-listen)"
        )
    if secret is None:
        raise CheckSkipped("no --webhook-secret to verify with")
    url = session.webhook_public_url or listener.url
    probe = session.probe
    created = probe.rest_create({**REST_BODY, "webhookUrl": url}, key=probe.api_key)
    expect(created.status_code == 200, f"create: status {created.status_code}")
    job_id = session.made(created.json()["data"]["avatar"]["id"])
    arrived = probe.wait(
        job_id, lambda: bool(listener.received), session.job_timeout, session.poll_every
    )
    expect(arrived, "no webhook arrived")
    headers, body = listener.received[-1]
    signature = {k.lower(): v for k, v in headers.items()}.get("x-doitong-signature", "")
    expect(signature.startswith("sha256="), f"X-Doitong-Signature is {signature!r}")
    expect(verify_signature(body, signature, secret), "the signature does not match the body")
    payload = json.loads(body)
    for name in ("id", "status", "url", "service", "createdAt", "completedAt", "metadata"):
        expect(name in payload, f"the payload has no {name}")
    expect(payload["id"] == job_id, "the payload is for another job")
    return "signed sha256 HMAC of the exact body; documented payload"
