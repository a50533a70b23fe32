"""`check_receiver` and `mock-doitong check-receiver`: a correct receiver passes every case, over a
socket and in-process (ASGI and WSGI); a careless one fails, with each flaw named."""

from __future__ import annotations

import asyncio
import hmac
import json
import subprocess
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from receiver import Receiver, closed_port_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver import ServerThread, verify_signature
from mockserver.cli import main
from mockserver.pytest_plugin import MockDoitong
from mockserver.receiver_check import (
    CASE_NAMES,
    ReceiverReport,
    ReceiverTarget,
    assert_receiver_ok,
    check_receiver,
)
from mockserver.receiver_check.cases import CASES
from mockserver.receiver_check.deliveries import Sent
from mockserver.receiver_check.senders import Answer
from mockserver.receiver_check.verdicts import judge

from serve_process import EXECUTABLE

SECRET = "whsec_check_receiver_tests"
PATH = "/webhooks/doitong"
FORGERIES = ["bad-signature", "tampered-body", "unsigned", "malformed-signature"]
FORGERIES += ["other-account-secret"]
GENUINE = ["valid-completed", "valid-failed", "duplicate-delivery", "extra-fields"]
DOCUMENTED = {"id", "status", "url", "service", "createdAt", "completedAt", "metadata"}
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class CorrectReceiver:
    """Verifies over the raw body, refuses what it cannot read, handles each delivery once.

    The same logic behind a Starlette app and a WSGI function; it keeps what it handled, so a
    test can see what the check really sent.
    """

    def __init__(self, *secrets: str) -> None:
        self.secrets = secrets or (SECRET,)
        self.handled: dict[str, dict[str, Any]] = {}  # by X-Doitong-Delivery
        self.headers: list[dict[str, str]] = []
        self.repeats = 0

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        signature = headers.get("x-doitong-signature", "")
        if not any(verify_signature(body, signature, secret) for secret in self.secrets):
            return 401
        try:
            event = json.loads(body)
        except ValueError:
            return 400
        delivery = headers["x-doitong-delivery"]
        if delivery in self.handled:
            self.repeats += 1  # delivered at least once: acknowledge, do nothing twice
        else:
            self.handled[delivery] = event
            self.headers.append(headers)
        return 204

    def asgi(self) -> Starlette:
        async def webhook(request: Request) -> Response:
            headers = {name.lower(): value for name, value in request.headers.items()}
            return Response(status_code=self.answer(headers, await request.body()))

        return Starlette(routes=[Route(PATH, webhook, methods=["POST"])])

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        status = self.answer(headers, body) if environ["PATH_INFO"] == PATH else 404
        start_response(f"{status} Whatever", [("Content-Length", "0")])
        return []


async def careless_webhook(request: Request) -> Response:
    """No signature check, and whatever is not JSON makes it raise (a 500)."""
    event = json.loads(await request.body())
    assert "id" in event
    return Response(status_code=200)


def careless_asgi() -> Starlette:
    return Starlette(routes=[Route(PATH, careless_webhook, methods=["POST"])])


def careless_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    event = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    assert "id" in event
    start_response("200 OK", [("Content-Length", "0")])
    return []


@contextmanager
def reachable(
    transport: str, asgi: Starlette, wsgi: WsgiApp
) -> Iterator[tuple[ReceiverTarget, str]]:
    """(url_or_app, path) for the receiver over `transport`: a real socket, ASGI or WSGI."""
    if transport == "socket":
        with ServerThread(asgi) as server:
            yield server.url + PATH, "/"
    elif transport == "asgi":
        yield asgi, PATH
    else:
        yield wsgi, PATH


def by_name(report: ReceiverReport) -> dict[str, Any]:
    return {case.name: case for case in report.cases}


TRANSPORTS = ["socket", "asgi", "wsgi"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_correct_receiver_passes_every_case(transport: str) -> None:
    receiver = CorrectReceiver()
    with reachable(transport, receiver.asgi(), receiver.wsgi) as (target, path):
        report = check_receiver(target, secret=SECRET, path=path)
    assert report.passed, str(report)
    assert report.failures == []
    assert [case.name for case in report.cases] == list(CASE_NAMES)
    assert all(case.status is not None and case.status < 500 for case in report.cases)
    # What it accepted is the documented payload, signed: one event each for the two valid
    # cases, the duplicate (handled once, acknowledged twice) and the one with extra fields.
    events = list(receiver.handled.values())
    assert len(events) == 4 and receiver.repeats == 1
    assert all(set(event) >= DOCUMENTED for event in events)
    assert [event["status"] for event in events] == [
        "completed",
        "failed",
        "completed",
        "completed",
    ]
    failed = events[1]
    assert failed["url"] is None and failed["error"]
    assert set(events[3]) - DOCUMENTED >= {"eventType", "livemode", "account"}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_careless_receiver_fails_with_each_flaw_named(transport: str) -> None:
    with reachable(transport, careless_asgi(), careless_wsgi) as (target, path):
        report = check_receiver(target, secret=SECRET, path=path)
    assert not report.passed
    cases = by_name(report)
    assert sorted(case.name for case in report.failures) == sorted([*FORGERIES, "not-json-signed"])
    for name in FORGERIES:
        assert cases[name].status == 200
        assert cases[name].detail.startswith("trusts forgeries: answered 200 to ")
    crash = cases["not-json-signed"]
    assert (crash.status, crash.expected) == (500, "4xx")
    assert crash.detail.startswith("crashes on a signed body that is not JSON: answered 500")
    if transport != "socket":
        # In-process, the report can say what the app raised, not only that it crashed.
        assert "the app raised JSONDecodeError" in crash.detail
    for name in GENUINE:
        assert cases[name].passed, cases[name]
    table = str(report)
    assert "FAIL  not-json-signed" in table and "PASS  valid-completed" in table
    assert table.endswith("10 cases: 4 passed, 6 failed")


def test_the_json_report_has_exactly_the_documented_shape() -> None:
    report = check_receiver(careless_asgi(), secret=SECRET, path=PATH).as_json()
    assert set(report) == {"cases", "passed"} and report["passed"] is False
    for case in report["cases"]:
        assert set(case) == {"name", "passed", "status", "expected", "detail"}
        assert case["expected"] in ("2xx", "4xx")
    assert json.loads(json.dumps(report)) == report


def asgi_receiver(answer: Callable[[dict[str, str], bytes], int]) -> Starlette:
    async def webhook(request: Request) -> Response:
        headers = {name.lower(): value for name, value in request.headers.items()}
        return Response(status_code=answer(headers, await request.body()))

    return Starlette(routes=[Route(PATH, webhook, methods=["POST"])])


def test_refusing_a_duplicate_fails_the_duplicate_case() -> None:
    seen: set[str] = set()

    def answer(headers: dict[str, str], body: bytes) -> int:
        if not verify_signature(body, headers.get("x-doitong-signature", ""), SECRET):
            return 401
        if headers["x-doitong-delivery"] in seen:
            return 409
        seen.add(headers["x-doitong-delivery"])
        return 200 if json.loads(body) else 400

    report = check_receiver(asgi_receiver(answer), secret=SECRET, path=PATH, only=GENUINE)
    (failure,) = report.failures
    assert (failure.name, failure.status) == ("duplicate-delivery", 409)
    assert failure.detail.startswith("rejects the same delivery again: answered 409; ")
    assert "sender retries" in failure.detail


def test_a_strict_reader_fails_extra_fields() -> None:
    def answer(headers: dict[str, str], body: bytes) -> int:
        if not verify_signature(body, headers.get("x-doitong-signature", ""), SECRET):
            return 401
        unknown = set(json.loads(body)) - DOCUMENTED - {"error"}
        return 422 if unknown else 204

    report = check_receiver(asgi_receiver(answer), secret=SECRET, path=PATH, only=GENUINE)
    (failure,) = report.failures
    assert (failure.name, failure.status) == ("extra-fields", 422)
    assert "rejects a valid delivery with undocumented fields" in failure.detail
    assert "tolerant reader" in failure.detail


def test_comparing_only_what_was_given_fails_the_malformed_signatures() -> None:
    """A prefix check takes `sha256=` and half a digest for the real signature."""

    def answer(headers: dict[str, str], body: bytes) -> int:
        given = headers.get("x-doitong-signature", "")
        expected = "sha256=" + hmac.new(SECRET.encode(), body, "sha256").hexdigest()
        if not (given and expected.startswith(given)):
            return 401
        try:
            json.loads(body)
        except ValueError:
            return 400
        return 204

    report = check_receiver(asgi_receiver(answer), secret=SECRET, path=PATH)
    (failure,) = report.failures
    assert failure.name == "malformed-signature"
    assert failure.detail == "trusts forgeries: answered 204 to `sha256=` with no digest"
    assert by_name(report)["bad-signature"].passed


def test_verifying_re_serialised_json_rejects_the_valid_deliveries() -> None:
    def answer(headers: dict[str, str], body: bytes) -> int:
        again = json.dumps(json.loads(body)).encode()  # not the bytes that were signed
        ok = verify_signature(again, headers.get("x-doitong-signature", ""), SECRET)
        return 204 if ok else 401

    report = check_receiver(asgi_receiver(answer), secret=SECRET, path=PATH, only=GENUINE)
    assert [case.name for case in report.failures] == GENUINE
    first = report.failures[0]
    assert first.detail == (
        "rejects a valid delivery of a completed job: answered 401; check the secret, and "
        "that the HMAC is taken over the raw body bytes"
    )


def test_another_accounts_real_secret_catches_a_receiver_that_trusts_every_account() -> None:
    other = "whsec_of_another_account"
    trusting = CorrectReceiver(SECRET, other)  # takes any account's signature for this one's
    made_up = check_receiver(trusting.asgi(), secret=SECRET, path=PATH)
    assert made_up.passed, str(made_up)
    told = check_receiver(trusting.asgi(), secret=SECRET, path=PATH, other_secret=other)
    (failure,) = told.failures
    assert failure.name == "other-account-secret"
    assert failure.detail == "trusts forgeries: answered 204 to a signature of another account"


def test_only_runs_the_cases_named() -> None:
    receiver = CorrectReceiver()
    one = check_receiver(receiver.asgi(), secret=SECRET, path=PATH, only="unsigned")
    assert [case.name for case in one.cases] == ["unsigned"] and receiver.handled == {}
    two = check_receiver(
        receiver.asgi(), secret=SECRET, path=PATH, only=["unsigned", "valid-failed"]
    )
    assert [case.name for case in two.cases] == ["valid-failed", "unsigned"]  # battery order
    assert [event["status"] for event in receiver.handled.values()] == ["failed"]


def test_a_receiver_that_never_answers_fails_on_the_timeout_in_process() -> None:
    never = asyncio.Event()

    async def webhook(request: Request) -> Response:
        await never.wait()
        return Response(status_code=204)

    app = Starlette(routes=[Route(PATH, webhook, methods=["POST"])])
    report = check_receiver(app, secret=SECRET, path=PATH, timeout=0.2, only="valid-completed")
    (failure,) = report.failures
    assert failure.status is None
    assert (
        failure.detail == "no answer to a valid delivery of a completed job: no answer within 0.2 s"
    )


def test_a_receiver_that_holds_the_request_fails_on_the_timeout_over_a_socket() -> None:
    with Receiver() as held:
        held.hold = True
        report = check_receiver(held.url, secret=SECRET, timeout=0.2, only="unsigned")
    (failure,) = report.failures
    assert (failure.name, failure.status) == ("unsigned", None)
    assert failure.detail.endswith("no answer within 0.2 s")
    assert "webhook timeout 0.2 s" in str(report)


def test_an_answer_later_than_the_webhook_timeout_fails_even_when_right() -> None:
    case = CASES[0]
    sent = Sent("a valid delivery of a completed job", {}, b"{}")
    late = judge(case, [(sent, Answer(seconds=6.0, status=204))], timeout=5.0)
    assert (late.passed, late.status) == (False, 204)
    assert late.detail == (
        "answered in 6.00 s, over the 5 s webhook timeout: the sender takes it for no answer "
        "and retries"
    )
    in_time = judge(case, [(sent, Answer(seconds=4.9, status=204))], timeout=5.0)
    assert in_time.passed and in_time.detail == "204 in 4900 ms"


def test_a_redirect_is_not_followed_and_is_not_an_answer() -> None:
    report = check_receiver(
        asgi_receiver(lambda headers, body: 307), secret=SECRET, path=PATH, only="valid-completed"
    )
    (failure,) = report.failures
    assert failure.detail == "answered 307 to a valid delivery of a completed job, not 2xx"


def test_a_receiver_that_is_down_fails_every_case_with_a_clear_detail() -> None:
    report = check_receiver(closed_port_url(), secret=SECRET)
    assert len(report.failures) == len(CASE_NAMES)
    for case in report.failures:
        assert case.status is None
        assert "could not connect" in case.detail and "Traceback" not in case.detail


def test_assert_receiver_ok_returns_the_report_or_raises_with_it() -> None:
    assert assert_receiver_ok(CorrectReceiver().asgi(), secret=SECRET, path=PATH).passed
    with pytest.raises(AssertionError) as raised:
        assert_receiver_ok(careless_wsgi, secret=SECRET, path=PATH)
    message = str(raised.value)
    assert "FAIL  bad-signature" in message and "trusts forgeries" in message
    assert "10 cases: 4 passed, 6 failed" in message


@pytest.mark.parametrize(
    ("target", "options", "error"),
    [
        ("http://127.0.0.1:1/hook", {"only": "nope"}, "no case 'nope'; the cases are: valid-"),
        ("http://127.0.0.1:1/hook", {"secret": ""}, "the secret is empty"),
        ("http://127.0.0.1:1/hook", {"path": "/other"}, "give a URL's path in the URL"),
        ("ftp://127.0.0.1/hook", {}, "not an http(s) URL"),
        ("http:///hook", {}, "not an http(s) URL"),
        ("http://127.0.0.1:1/hook", {"timeout": 0}, "the timeout must be positive"),
        ("http://127.0.0.1:1/hook", {"other_secret": SECRET}, "is the account's own"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(
    target: str, options: dict[str, Any], error: str
) -> None:
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")):
        check_receiver(target, **{"secret": SECRET, **options})


def test_something_that_is_neither_a_url_nor_an_app_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="expected a URL or an ASGI/WSGI app"):
        check_receiver(42, secret=SECRET)  # type: ignore[arg-type]


def test_the_fixture_handle_checks_with_its_accounts_secret(mock_doitong: MockDoitong) -> None:
    """The handle's own key signs, and the genuine deliveries look like those the mock sends."""
    receiver = CorrectReceiver(mock_doitong.webhook_secret)
    report = mock_doitong.assert_receiver_ok(receiver.asgi(), path=PATH)
    assert report.passed
    stranger = CorrectReceiver("whsec_not_this_accounts")
    refused = mock_doitong.check_receiver(stranger.asgi(), path=PATH, only="valid-completed")
    assert [case.status for case in refused.failures] == [401]
    # The same headers and payload fields as a delivery the mock made for a real job.
    created = httpx.post(
        mock_doitong.rest_url,
        json={
            "service": "hedra",
            "text": "Hello there",
            "avatarId": "professional-1",
            "webhookUrl": mock_doitong.webhook_url,
        },
        headers={"X-API-Key": mock_doitong.api_key},
    )
    assert created.status_code == 200
    mock_doitong.advance(60)
    (real,) = mock_doitong.received_webhooks()
    checked = receiver.headers[0]
    assert {name for name in real.headers if name.startswith("x-doitong-")} == {
        name for name in checked if name.startswith("x-doitong-")
    }
    assert real.headers["user-agent"] == checked["user-agent"]
    assert set(real.json) == set(next(iter(receiver.handled.values())))


# -- the command ---------------------------------------------------------------------------


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXECUTABLE, "check-receiver", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_passes_a_correct_receiver_over_a_socket() -> None:
    with ServerThread(CorrectReceiver().asgi()) as server:
        result = run_check(server.url + PATH, "--secret", SECRET)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Receiver check of {server.url}{PATH} (webhook timeout 5 s)" in result.stdout
    assert "10 cases: 10 passed, 0 failed" in result.stdout


def test_the_command_fails_a_careless_receiver_with_a_json_report() -> None:
    with ServerThread(careless_asgi()) as server:
        result = run_check(server.url + PATH, "--secret", SECRET, "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"cases", "passed"} and report["passed"] is False
    assert [case["name"] for case in report["cases"]] == list(CASE_NAMES)
    failed = {case["name"]: case for case in report["cases"] if not case["passed"]}
    assert sorted(failed) == sorted([*FORGERIES, "not-json-signed"])
    assert failed["not-json-signed"]["status"] == 500
    assert failed["unsigned"]["detail"].startswith("trusts forgeries")


def test_the_command_runs_one_case_within_its_webhook_timeout() -> None:
    with Receiver() as held:
        held.hold = True
        result = run_check(
            held.url, "--secret", SECRET, "--only", "valid-failed", "--webhook-timeout", "0.2"
        )
    assert result.returncode == 1, result.stderr
    assert "1 cases: 0 passed, 1 failed" in result.stdout
    assert "no answer within 0.2 s" in result.stdout
    assert len(held.received) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["http://127.0.0.1:1/hook"], "Missing option '--secret'"),
        (["http://127.0.0.1:1/hook", "--secret", SECRET, "--only", "nope"], "no case 'nope'"),
        (["not-a-url", "--secret", SECRET], "not an http(s) URL"),
        (["http://127.0.0.1:1/hook", "--secret", SECRET, "--webhook-timeout", "0"], "0"),
        ([], "Missing argument 'URL'"),
    ],
)
def test_bad_usage_exits_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["check-receiver", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_help_lists_every_case() -> None:
    result = CliRunner().invoke(main, ["check-receiver", "--help"])
    assert result.exit_code == 0
    assert "--webhook-timeout" in result.output and "DOITONG_WEBHOOK_SECRET" in result.output
    for case in CASES:
        assert case.name in result.output
