"""Webhook faults: what a receiver must survive, scripted beside the API faults.

`{"webhook": KIND, ...}` in `POST /__mock/faults` or in a scenario's `faults`. A webhook fault
is matched, by `apiKey` and `jobId`, when a job's delivery is opened, with `times` and a seeded
`probability` as an API fault has; each delivery gets at most one, the first that matches.
What each kind does to the delivery is in `webhook_chaos`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import MAX_FIELD_CHARS, bad_request, shown
from .faults import Fault, parse_fault, read_number, read_probability, read_text, read_times

DUPLICATE = "duplicate"
REDELIVER = "redeliver"
DELAY = "delay"
REORDER = "reorder"
BAD_SIGNATURE = "bad-signature"
TAMPERED = "tampered"
UNSIGNED = "unsigned"
MALFORMED_SIGNATURE = "malformed-signature"
EXTRA_FIELDS = "extra-fields"
KINDS = (
    DUPLICATE,
    REDELIVER,
    DELAY,
    REORDER,
    BAD_SIGNATURE,
    TAMPERED,
    UNSIGNED,
    MALFORMED_SIGNATURE,
    EXTRA_FIELDS,
)
# The kinds that send a forgery in place of the first attempt: a receiver must refuse it.
FORGERIES = frozenset({BAD_SIGNATURE, TAMPERED, UNSIGNED, MALFORMED_SIGNATURE})

# The settings each kind takes, with their defaults; no other kind takes them.
SETTINGS: dict[str, dict[str, float]] = {
    DUPLICATE: {"copies": 1, "spreadSeconds": 0.0},
    REDELIVER: {"afterSeconds": 60.0},
    DELAY: {"seconds": 60.0},
}
FILTERS = ("apiKey", "jobId", "times", "probability")
MAX_COPIES = 100
# As long as a job may take: every instant a fault moves an attempt to stays representable.
MAX_SECONDS = 365 * 86_400


@dataclass
class WebhookFault:
    """What to do to matching deliveries, and to how many more of them."""

    id: str
    kind: str
    api_key: str | None = None
    job_id: str | None = None
    times: int | None = None  # None: until cleared
    probability: float = 1.0
    copies: int = 1  # duplicate: how many more times the delivery is sent
    spread_seconds: float = 0.0  # duplicate: the last copy this long after the first attempt
    after_seconds: float = 60.0  # redeliver: when the event is sent again, under a new id
    seconds: float = 60.0  # delay: how long after the job ended the first attempt is made

    def matches(self, api_key: str | None, job_id: str | None) -> bool:
        return (self.api_key is None or self.api_key == api_key) and (
            self.job_id is None or self.job_id == job_id
        )

    def settings(self) -> dict[str, Any]:
        """The kind's own settings, by their names in a fault's body."""
        values = {
            "copies": self.copies,
            "spreadSeconds": self.spread_seconds,
            "afterSeconds": self.after_seconds,
            "seconds": self.seconds,
        }
        return {name: values[name] for name in SETTINGS.get(self.kind, {})}

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhook": self.kind,
            "apiKey": self.api_key,
            "jobId": self.job_id,
            "times": self.times,
            "probability": self.probability,
            **self.settings(),
        }


def is_webhook_fault(body: Any) -> bool:
    """A fault body that names a webhook kind is a webhook fault; any other is an API fault's."""
    return isinstance(body, dict) and "webhook" in body


def parse_any_fault(fault_id: str, body: Any) -> Fault | WebhookFault:
    """A fault of either plane from a control-plane or scenario body; a 400 naming the field."""
    if is_webhook_fault(body):
        return parse_webhook_fault(fault_id, body)
    return parse_fault(fault_id, body)


def parse_webhook_fault(fault_id: str, body: Any, *, filters: bool = True) -> WebhookFault:
    """A WebhookFault from `{webhook, ...}`; a 400 naming the field otherwise.

    Without `filters` the fault is for one delivery already chosen (a send), so `apiKey`,
    `jobId`, `times` and `probability` are refused.
    """
    if not isinstance(body, dict):
        raise bad_request("A webhook fault must be a JSON object")
    kind = body.get("webhook")
    if kind not in KINDS:
        raise bad_request(
            f"webhook must be one of {', '.join(KINDS)}, got {shown(kind)}", "webhook"
        )
    settings = SETTINGS.get(kind, {})
    known = {"webhook", *settings, *(FILTERS if filters else ())}
    unknown = sorted(set(body) - known)
    if unknown:
        raise bad_request(
            _unknown(unknown[0], kind, settings, filters), unknown[0][:MAX_FIELD_CHARS]
        )
    fault = WebhookFault(
        id=fault_id,
        kind=kind,
        api_key=read_text(body, "apiKey"),
        job_id=read_text(body, "jobId"),
        times=read_times(body),
        probability=read_probability(body),
    )
    if kind == DUPLICATE:
        fault.copies = _copies(body)
        fault.spread_seconds = _seconds(body, "spreadSeconds", settings)
    elif kind == REDELIVER:
        fault.after_seconds = _seconds(body, "afterSeconds", settings)
    elif kind == DELAY:
        fault.seconds = _seconds(body, "seconds", settings)
    return fault


def _unknown(name: str, kind: str, settings: dict[str, float], filters: bool) -> str:
    shown_name = name[:MAX_FIELD_CHARS]
    if not filters and name in FILTERS:
        return f"{shown_name} filters scripted faults; a fault given here is for this one delivery"
    owners = [other for other, names in SETTINGS.items() if name in names]
    if owners:
        return f"{shown_name} goes with a {owners[0]} fault, not with {kind}"
    takes = ", ".join(["webhook", *settings, *(FILTERS if filters else ())])
    return f"Unknown field {shown_name} for a {kind} webhook fault; it takes {takes}"


def _copies(body: dict[str, Any]) -> int:
    copies = body.get("copies", 1)
    if type(copies) is not int or not 1 <= copies <= MAX_COPIES:
        raise bad_request(
            f"copies must be a whole number from 1 to {MAX_COPIES}, got {shown(copies)}", "copies"
        )
    return copies


def _seconds(body: dict[str, Any], name: str, settings: dict[str, float]) -> float:
    seconds = read_number(body, name)
    if seconds is None:
        return settings[name]
    if not 0 <= seconds <= MAX_SECONDS:
        raise bad_request(f"{name} must be a number from 0 to {MAX_SECONDS}", name)
    return seconds
