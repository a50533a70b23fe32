"""Whether an address belongs to this machine, asked of the kernel without sending anything.

A mock listening on 0.0.0.0 answers on every address of the machine, so a webhook aimed at any
of them reaches it. Binding a socket to an address succeeds only for the machine's own ones.
"""

from __future__ import annotations

import socket

from ..core.webhook_policy import IPAddress


def is_local_address(address: IPAddress) -> bool:
    if address.is_loopback or address.is_unspecified:
        return True
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((str(address), 0))
        except OSError:
            return False
    return True
