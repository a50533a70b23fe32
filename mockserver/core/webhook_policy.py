"""Where a webhook may go: never to the mock's own control plane, by default nowhere link-local
or cloud-metadata, and, with `--webhook-allow` / `--webhook-deny`, only where the operator says.

A webhook URL is the one place where a client makes the mock open a connection, so a client
could aim it at the mock itself (`/__mock/reset` wipes everyone's state) or at the network the
mock runs in. The decision is taken twice: when a job is created, from the URL alone (a 400
naming the field), and before every attempt, from the addresses the host resolves to at that
moment, so that a name resolving somewhere else later gains nothing.

Pure Python: what counts as a local address is asked of a function the caller supplies.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from urllib.parse import unquote, urlsplit

from .errors import ApiError, bad_request

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services answer on these (AWS, Azure, GCP and Oracle on 169.254.169.254, which
# the link-local range covers; AWS's IPv6 one; Alibaba's), and under these names.
DEFAULT_DENIED_NETWORKS = ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32")
DEFAULT_DENIED_NAMES = (
    "metadata.google.internal",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
)
LOOPBACK_NAME = "localhost"  # and every name under it (RFC 6761)
SHOWN_CHARS = 120  # of a bad URL echoed in a 400

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"^(?:{_LABEL}\.)*{_LABEL}$")
# A last label that is a number: resolvers read such a name as an IPv4 address in another
# spelling (2130706433, 0x7f000001, 127.1, 0177.0.0.1), which would hide the address.
_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
_DOTTED_QUAD = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$")
# Anything but visible ASCII, and the backslash, which URL parsers read differently (some as "/").
_REFUSED_CHAR = re.compile(r"[^\x21-\x5b\x5d-\x7e]")


class PathKind(Enum):
    CONTROL = "control"  # /__mock/...: changes the mock's state
    INBOX = "inbox"  # /__mock/inbox...: the built-in receiver, made for webhooks
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """A checked webhook URL, taken apart once, and the request field it came from."""

    url: str
    field: str
    host: str  # lower case, without brackets or a trailing dot
    address: IPAddress | None  # the host, when it is an IP address (IPv4-mapped ones unwrapped)
    port: int
    path: PathKind


def plain_address(address: IPAddress) -> IPAddress:
    """`::ffff:a.b.c.d` is a.b.c.d on the wire: judge it as that."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def path_kind(path: str) -> PathKind:
    """What a URL path reaches on the mock, read the way its router reads it (percent-decoded),
    and stricter: dot segments resolved, empty segments and case ignored."""
    if "%" not in path and "__mock" not in path.lower():
        return PathKind.OTHER  # the usual case, decided without taking the path apart
    for _ in range(3):  # %255F decodes to %5F, then to _: decode until nothing changes
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    segments: list[str] = []
    for segment in path.lower().split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    if not segments or segments[0] != "__mock":
        return PathKind.OTHER
    inbox = segments[1:2] == ["inbox"]
    # A session's inbox, /__mock/sessions/{id}/inbox..., is a receiver as the root's is.
    inbox = inbox or (segments[1:2] == ["sessions"] and segments[3:4] == ["inbox"])
    return PathKind.INBOX if inbox else PathKind.CONTROL


def _not_a_url(url: str, field: str) -> ApiError:
    shown = url if len(url) <= SHOWN_CHARS else url[:SHOWN_CHARS] + "..."
    return bad_request(f"{field} must be an absolute http(s) URL, got {shown!r}", field)


def parse_host(host: str, bracketed: bool) -> tuple[str, IPAddress | None] | None:
    """(name, address) for a valid URL host, None for anything else."""
    if bracketed:  # only an IPv6 address may stand in brackets (no IPvFuture such as [v1.x])
        try:
            return host, plain_address(ipaddress.IPv6Address(host))
        except ValueError:
            return None
    name = host.removesuffix(".")
    if _DOTTED_QUAD.match(name):
        try:
            return name, ipaddress.IPv4Address(name)
        except ValueError:  # a part past 255, or a leading zero (an octal spelling elsewhere)
            return None
    if len(name) > 253 or not _HOSTNAME.match(name):
        return None
    if _NUMERIC_LABEL.match(name.rsplit(".", 1)[-1]):
        return None
    return name, None


def parse_webhook_url(url: str, field: str) -> WebhookTarget:
    """An absolute http(s) URL with a valid host, taken apart; a 400 naming `field` if not."""
    # A backslash or a second "@" is read differently by different URL parsers: refused, so that
    # what is checked here is what the sender connects to.
    if _REFUSED_CHAR.search(url):
        raise _not_a_url(url, field)
    try:
        parts = urlsplit(url)  # a bracketed host that is no IPv6 address raises here
    except ValueError:
        raise _not_a_url(url, field) from None
    if parts.scheme not in ("http", "https") or parts.netloc.count("@") > 1:
        raise _not_a_url(url, field)
    try:
        port = parts.port
    except ValueError:
        raise _not_a_url(url, field) from None
    authority = parts.netloc.rpartition("@")[2]
    parsed = parse_host(parts.hostname or "", authority.startswith("["))
    if parsed is None or port == 0:
        raise _not_a_url(url, field)
    host, address = parsed
    default_port = 443 if parts.scheme == "https" else 80
    return WebhookTarget(url, field, host, address, port or default_port, path_kind(parts.path))


@dataclass(frozen=True)
class HostRules:
    """Hosts (each name with every name under it) and CIDR ranges, as the CLI flags take them."""

    names: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.names or self.networks)

    def matches_name(self, host: str) -> bool:
        return any(host == name or host.endswith("." + name) for name in self.names)

    def matches_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def parse_host_rules(entries: Iterable[str]) -> HostRules:
    """`example.com`, `10.0.0.0/8`, `::1`...; ValueError naming an entry that is none of them."""
    names: list[str] = []
    networks: list[IPNetwork] = []
    for entry in entries:
        text = entry.strip().lower().removeprefix("[").removesuffix("]")
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            parsed = parse_host(text, bracketed=False)
            if parsed is None or parsed[1] is not None:
                raise ValueError(f"not a host name or CIDR range: {entry!r}") from None
            names.append(parsed[0])
        else:
            mapped = plain_address(network.network_address)
            if network.prefixlen == 128 and mapped != network.network_address:
                network = ipaddress.ip_network(mapped)
            networks.append(network)
    return HostRules(tuple(names), tuple(networks))


DEFAULT_DENIED = parse_host_rules(DEFAULT_DENIED_NETWORKS + DEFAULT_DENIED_NAMES)


def loopback_or_unspecified(address: IPAddress) -> bool:
    return address.is_loopback or address.is_unspecified


class WebhookPolicy:
    """Decides where webhooks may go, for one mock: it knows the ports it listens on.

    `is_local` tells whether an address is one of this machine's (the mock, listening on
    0.0.0.0, answers on all of them); `own_names` are names that mean this machine.
    """

    MAX_VERDICTS = 1024  # distinct URLs whose create-time verdict is remembered

    def __init__(
        self,
        allow: Sequence[str] = (),
        deny: Sequence[str] = (),
        *,
        is_local: Callable[[IPAddress], bool] = loopback_or_unspecified,
        own_names: Iterable[str] = (),
    ) -> None:
        self.allow = parse_host_rules(allow)
        self.deny = parse_host_rules(deny)
        self._is_local = is_local
        self._own_names = frozenset(name.lower().removesuffix(".") for name in own_names if name)
        self._own_ports: frozenset[int] = frozenset()
        self._own_addresses: frozenset[IPAddress] = frozenset()
        self._verdicts: dict[str, str | None] = {}

    def listening_on(self, endpoints: Iterable[tuple[str, int]]) -> None:
        """Where the mock's server accepts connections, once it does."""
        endpoints = list(endpoints)
        self._own_ports = frozenset(port for _, port in endpoints)
        self._own_addresses = frozenset(
            plain_address(ipaddress.ip_address(host.partition("%")[0])) for host, _ in endpoints
        )
        self._verdicts.clear()

    def check(self, target: WebhookTarget) -> None:
        """At create time: a 400 naming the field if the URL alone shows it is refused."""
        verdict = self._verdicts.get(target.url, "")
        if verdict == "":
            addresses = None if target.address is None else [target.address]
            verdict = self.refusal(target.host, target.port, target.path, addresses)
            if len(self._verdicts) >= self.MAX_VERDICTS:
                self._verdicts.clear()
            self._verdicts[target.url] = verdict
        if verdict is not None:
            raise bad_request(f"{target.field} {verdict}", target.field)

    def refusal(
        self, host: str, port: int, path: PathKind, addresses: Sequence[IPAddress] | None
    ) -> str | None:
        """Why a POST to `host` (at `addresses`; None when not resolved yet) is refused, if it is.

        Undecided without the addresses means allowed for now: the send decides again.
        """
        plain = None if addresses is None else [plain_address(a) for a in addresses]
        if path is not PathKind.OTHER and self._is_self(host, port, plain):
            if path is PathKind.INBOX:
                return None  # the mock's own receiver: what it is for
            return (
                f"reaches this mock's own control plane ({host}:{port}); "
                "only /__mock/inbox takes webhooks"
            )
        if self.deny.matches_name(host) or any(self.deny.matches_address(a) for a in plain or ()):
            return f"host {host} is refused by --webhook-deny"
        allowed = self.allow.matches_name(host) or bool(
            plain and all(self.allow.matches_address(a) for a in plain)
        )
        if self.allow and not allowed and (plain is not None or not self.allow.networks):
            return f"host {host} is not in --webhook-allow"
        if not allowed and (
            DEFAULT_DENIED.matches_name(host)
            or any(DEFAULT_DENIED.matches_address(a) for a in plain or ())
        ):
            return (
                f"host {host} is a link-local or cloud-metadata address, "
                "refused unless --webhook-allow names it"
            )
        return None

    def _is_self(self, host: str, port: int, addresses: Sequence[IPAddress] | None) -> bool:
        """Whether (host, port) may be this mock. Before the server says where it listens,
        any port may be."""
        if self._own_ports and port not in self._own_ports:
            return False
        if host == LOOPBACK_NAME or host.endswith("." + LOOPBACK_NAME) or host in self._own_names:
            return True
        return any(
            address in self._own_addresses or self._is_local(address) for address in addresses or ()
        )
