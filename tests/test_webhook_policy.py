"""Webhook URLs cannot turn the mock against itself or its network.

Every refused address here is refused without connecting: at create time from the URL alone, or
at send time before any socket is opened (the resolver is replaced where a name must resolve).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import pytest
from receiver import Receiver, receiving

from mockserver import ServerThread, create_app
from mockserver.core.clock import Clock, ClockMode
from mockserver.core.webhook_policy import IPAddress, PathKind, WebhookPolicy, path_kind
from mockserver.core.webhooks import Delivery, RetryPolicy
from mockserver.runtime import webhook_sender
from mockserver.runtime.webhook_sender import WebhookSender

from conftest import Api, rest_body, virtual_config

receiver = pytest.fixture(receiving)


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def refused_field(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    field: str = error["extensions"]["field"]
    return field


SELF_HOSTS = [
    "127.0.0.1",
    "127.0.0.2",
    "localhost",
    "LOCALHOST.",
    "api.localhost",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "0.0.0.0",
    socket.gethostname().lower(),
]
CONTROL_PATHS = [
    "/__mock/reset",
    "/__mock/scenarios/flaky",
    "/__mock/jobs/abc/fail",
    "/__mock/clock/advance",
    "/%5F%5Fmock/reset",
    "/__mock/inbox/../reset",
    "//__mock/./reset",
]


@pytest.mark.parametrize("host", SELF_HOSTS)
def test_a_webhook_to_the_mocks_own_control_plane_is_a_400(
    live_api: Api, live_server: ServerThread, host: str
) -> None:
    port = port_of(live_server.url)
    for path in CONTROL_PATHS:
        url = f"http://{host}:{port}{path}"
        assert refused_field(live_api.rest_create(rest_body(webhookUrl=url))) == "webhookUrl"
    graphql = live_api.generate(webhookUrl=f"http://{host}:{port}/__mock/reset")
    assert refused_field(graphql) == "input.webhookUrl"
    options = {"webhookUrl": f"http://{host}:{port}/__mock/reset"}
    in_options = live_api.generate(options=options)
    assert refused_field(in_options) == "input.options.webhookUrl"
    assert live_api.client.get("/__mock/jobs").json()["jobs"] == []


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "127.1", "0177.0.0.1", "127.000.000.001", "[v1.x]", "[9B5b]"],
)
def test_hosts_in_disguise_are_not_hosts(
    live_api: Api, live_server: ServerThread, host: str
) -> None:
    url = f"http://{host}:{port_of(live_server.url)}/__mock/reset"
    response = live_api.rest_create(rest_body(webhookUrl=url))
    assert refused_field(response) == "webhookUrl"
    assert "absolute http(s) URL" in response.json()["errors"][0]["message"]
    assert refused_field(live_api.rest_create(rest_body(webhookUrl="http://[v1.x]/hook")))


def test_the_mocks_own_inbox_and_other_local_ports_stay_allowed(
    live_api: Api, live_server: ServerThread, receiver: Receiver
) -> None:
    """Receivers under test live on loopback; only the mock's own port is its control plane."""
    port = port_of(live_server.url)
    inbox = [f"http://{host}:{port}/__mock/inbox" for host in ("127.0.0.1", "localhost", "[::1]")]
    other_port = receiver.url.replace("/hook", "/__mock/reset")
    for url in [*inbox, f"{live_server.url}/__mock/inbox/some/path", other_port]:
        response = live_api.rest_create(rest_body(webhookUrl=url))
        assert response.status_code == 200, (url, response.text)
    live_api.advance(30)
    deliveries = live_api.client.get("/__mock/webhooks").json()["deliveries"]
    assert [d["status"] for d in deliveries if d["url"] == other_port] == ["delivered"]
    assert receiver.received[0].path == "/__mock/reset"
    assert len(live_api.client.get("/__mock/jobs").json()["jobs"]) == 5  # nothing was reset


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.0.1:8080/",
        "http://[fe80::1]/hook",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://100.100.100.200/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.google.internal./computeMetadata/v1/",
        "http://metadata/computeMetadata/v1/",
    ],
)
def test_link_local_and_cloud_metadata_addresses_are_refused_by_default(api: Api, url: str) -> None:
    response = api.rest_create(rest_body(webhookUrl=url))
    assert refused_field(response) == "webhookUrl"
    assert "link-local or cloud-metadata" in response.json()["errors"][0]["message"]


def test_private_addresses_are_allowed_by_default(api: Api) -> None:
    """A receiver under test may live on the local network; nothing is sent at create time."""
    for url in ("http://10.0.0.1:6379/", "http://192.168.1.20/hook", "https://example.com/hook"):
        assert api.rest_create(rest_body(webhookUrl=url)).status_code == 200


@contextmanager
def policy_app(**config: object) -> Iterator[Api]:
    with (
        ServerThread(create_app(virtual_config(**config))) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        yield Api(http)


def test_webhook_deny_refuses_hosts_and_ranges_without_connecting() -> None:
    with policy_app(webhook_deny=("10.0.0.0/8", "internal.example")) as api:
        for url in (
            "http://10.0.0.1:6379/",
            "http://redis.internal.example/",
            "http://[::ffff:10.1.2.3]/",
        ):
            response = api.rest_create(rest_body(webhookUrl=url))
            assert refused_field(response) == "webhookUrl"
            assert "--webhook-deny" in response.json()["errors"][0]["message"]
        assert api.rest_create(rest_body(webhookUrl="http://192.168.0.1/")).status_code == 200


def test_webhook_allow_sends_only_where_it_says(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_resolver(monkeypatch, {"example.com": "203.0.113.5"})
    allow = ("127.0.0.1", "hooks.example.com", "169.254.10.0/24")
    with policy_app(webhook_allow=allow) as api:
        for url in ("http://10.0.0.1:6379/", "http://169.254.169.254/"):
            response = api.rest_create(rest_body(webhookUrl=url))
            assert refused_field(response) == "webhookUrl", url
            assert "--webhook-allow" in response.json()["errors"][0]["message"]
        # A name may resolve into an allowed range: decided when it is sent, before connecting.
        assert api.rest_create(rest_body(webhookUrl="http://example.com/")).status_code == 200
        assert api.rest_create(rest_body(webhookUrl=receiver.url)).status_code == 200
        api.advance(30)
        attempts = {
            d["url"]: d["attempts"][0]
            for d in api.client.get("/__mock/webhooks").json()["deliveries"]
        }
        assert "not in --webhook-allow" in attempts["http://example.com/"]["error"]
        assert attempts[receiver.url]["status"] == 200
        for url in ("https://a.hooks.example.com/x", "http://169.254.10.7/"):  # never sent
            assert api.rest_create(rest_body(webhookUrl=url)).status_code == 200, url
        own = api.client.base_url.join("/__mock/reset")
        assert refused_field(api.rest_create(rest_body(webhookUrl=str(own)))) == "webhookUrl"


def fake_resolver(monkeypatch: pytest.MonkeyPatch, names: dict[str, str]) -> list[str]:
    """Names resolve to the given addresses (space-separated) at send time; other hosts must be
    IP addresses."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[IPAddress]:
        asked.append(host)
        return [ipaddress.ip_address(a) for a in names.get(host, host).split()]

    monkeypatch.setattr(webhook_sender, "_resolve", resolve)
    return asked


def test_a_name_that_resolves_to_the_mock_is_refused_at_send_time(
    live_api: Api, live_server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = fake_resolver(monkeypatch, {"rebind.example": "127.0.0.1"})
    url = f"http://rebind.example:{port_of(live_server.url)}/__mock/reset"
    job_id = live_api.rest_create(rest_body(webhookUrl=url)).json()["data"]["avatar"]["id"]
    live_api.advance(30)
    (delivery,) = live_api.client.get("/__mock/webhooks").json()["deliveries"]
    assert asked and delivery["jobId"] == job_id
    assert delivery["attempts"][0]["error"].startswith("refused: reaches this mock's own")
    assert live_api.client.get(f"/__mock/jobs/{job_id}").status_code == 200  # not reset


def test_a_name_that_resolves_to_metadata_is_refused_at_send_time(
    live_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_resolver(monkeypatch, {"innocent.example": "169.254.169.254"})
    live_api.rest_create(rest_body(webhookUrl="http://innocent.example/hook"))
    live_api.advance(30)
    (delivery,) = live_api.client.get("/__mock/webhooks").json()["deliveries"]
    assert "link-local or cloud-metadata" in delivery["attempts"][0]["error"]


def test_the_post_goes_to_the_address_that_was_checked(
    live_api: Api, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connecting to the checked address (not resolving again) leaves no window for a DNS trick;
    the receiver still sees the URL's own name."""
    fake_resolver(monkeypatch, {"hooks.example": "127.0.0.1"})
    url = f"http://hooks.example:{port_of(receiver.url)}/hook"
    live_api.rest_create(rest_body(webhookUrl=url))
    live_api.advance(30)
    (delivery,) = live_api.client.get("/__mock/webhooks").json()["deliveries"]
    assert delivery["status"] == "delivered"
    assert receiver.received[0].headers["Host"] == f"hooks.example:{port_of(receiver.url)}"


def test_a_name_with_several_addresses_is_tried_at_each_in_turn(
    live_api: Api, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a client connecting by name does: `localhost` is often ::1 first, receivers 127.0.0.1."""
    fake_resolver(monkeypatch, {"dual.example": "::1 127.0.0.1"})
    live_api.rest_create(rest_body(webhookUrl=f"http://dual.example:{port_of(receiver.url)}/hook"))
    live_api.advance(30)
    (delivery,) = live_api.client.get("/__mock/webhooks").json()["deliveries"]
    assert delivery["status"] == "delivered"
    assert [attempt.get("status") for attempt in delivery["attempts"]] == [200]


def test_any_sending_error_is_a_failed_attempt_not_a_pending_delivery() -> None:
    """An URL httpx cannot send to (`httpx.InvalidURL` is no HTTPError) is logged as a failure."""
    sender = WebhookSender(Clock(ClockMode.VIRTUAL), RetryPolicy(timeout_seconds=5))
    delivery = Delivery("dlv_1", "job", "key", "http://[v1.x]/hook", b"{}", "sha256=00")

    async def attempt() -> tuple[int | None, str | None]:
        try:
            result = await sender.attempt(delivery, 1)
        finally:
            await sender.close()
        return result.status, result.error

    status, error = asyncio.run(attempt())
    assert status is None and error is not None and "InvalidURL" in error


def test_control_paths_are_read_as_the_router_reads_them() -> None:
    assert path_kind("/__mock/inbox") is PathKind.INBOX
    assert path_kind("/__mock/inbox/a/b") is PathKind.INBOX
    assert path_kind("/__mock/inbox/../reset") is PathKind.CONTROL
    assert path_kind("/%255F%255Fmock/reset") is PathKind.CONTROL
    assert path_kind("/__mockery") is PathKind.OTHER
    assert path_kind("/hook/__mock/reset") is PathKind.OTHER


def test_a_mock_on_all_interfaces_treats_every_local_address_as_itself() -> None:
    policy = WebhookPolicy(is_local=lambda address: str(address) == "192.0.2.7")
    policy.listening_on([("0.0.0.0", 8910)])
    own = [ipaddress.ip_address("192.0.2.7")]
    other = [ipaddress.ip_address("192.0.2.8")]
    assert policy.refusal("192.0.2.7", 8910, PathKind.CONTROL, own) is not None
    assert policy.refusal("192.0.2.7", 8911, PathKind.CONTROL, own) is None
    assert policy.refusal("192.0.2.8", 8910, PathKind.CONTROL, other) is None
    assert policy.refusal("192.0.2.7", 8910, PathKind.INBOX, own) is None


def test_graphql_refuses_the_same_urls(api: Api) -> None:
    response = api.generate(webhookUrl="http://169.254.169.254/")
    assert refused_field(response) == "input.webhookUrl"
    assert api.generate(webhookUrl="http://10.0.0.1/").status_code == 200
