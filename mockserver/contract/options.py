"""What one contract run is told: the deployment, the key, and how long to wait for it.

Apart from the runner so that the `contract` command reads its defaults from here without
loading the checks and their HTTP client, which `serve` never needs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ContractOptions:
    base_url: str
    api_key: str
    allow_spend: bool = False
    timeout: float = 30.0  # one HTTP request
    job_timeout: float = 600.0  # a job to finish, or a webhook to arrive, on a real service
    poll_every: float = 5.0
    webhook_secret: str | None = None
    webhook_url: str | None = None  # where the service can reach the listener, if not local
    webhook_listen: tuple[str, int] = ("127.0.0.1", 0)
    only: tuple[str, ...] = ()
    admin_token: str | None = None  # for a mock started with --admin-token
