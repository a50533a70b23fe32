"""The webhook faults in force, and the engine's side of them: which new delivery gets which,
and what a fault adds to the clock (a duplicate's copies, a redelivery).

Apart from the engine so that a mock with no webhook fault scripted pays one check per
delivery for all of this: `if faults:` when a delivery is opened, `delivery.chaos` after that.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .faults import FaultBook
from .randomness import Randomness
from .scheduler import COPY_DUE, WEBHOOK_DUE, Scheduler
from .stores import DeliveryStore
from .webhook_chaos import afflict, redelivered
from .webhook_faults import DUPLICATE, REDELIVER, WebhookFault, parse_webhook_fault
from .webhooks import Attempt, Delivery


class FaultyDeliveries:
    """Webhook faults, first added first matched, and what they do to the deliveries in `log`."""

    def __init__(self, log: DeliveryStore, scheduler: Scheduler, randomness: Randomness) -> None:
        self.log = log
        self.scheduler = scheduler
        self.book: FaultBook[WebhookFault] = FaultBook()
        self.randomness = randomness

    def reset(self, randomness: Randomness) -> None:
        """No faults, and ids and dice from `randomness` from now on: a stream of the faults'
        own, so that scripting one changes no job's or delivery's id."""
        self.book.clear()
        self.randomness = randomness

    def __bool__(self) -> bool:
        return bool(self.book)

    def __iter__(self) -> Iterator[WebhookFault]:
        return iter(self.book)

    def add(self, body: Any) -> WebhookFault:
        """Script a webhook fault from its control-plane or scenario body (a 400 if it is bad)."""
        fault = parse_webhook_fault("flt_" + self.randomness.token(10), body)
        self.book.add(fault)
        return fault

    def clear(self) -> None:
        self.book.clear()

    def opened(self, delivery: Delivery, secret: str) -> float:
        """Give a delivery just opened the first fault that matches it, if one does (and its
        dice come up); returns when its first attempt is due, which a delay puts later."""
        fault = self.book.take(delivery.api_key, delivery.job_id, self.randomness.chance)
        if fault is not None:
            self.apply(delivery, fault, secret)
        assert delivery.next_attempt_at is not None  # just opened: its first is due
        return delivery.next_attempt_at

    def apply(self, delivery: Delivery, fault: WebhookFault, secret: str) -> None:
        """Make `delivery` (signed with `secret`) suffer `fault`, before its first attempt."""
        chaos = afflict(delivery, fault, secret)
        if fault.kind == REDELIVER:
            assert delivery.next_attempt_at is not None  # just opened: its first is due
            again_at = delivery.next_attempt_at + fault.after_seconds
            again_id = "dlv_" + self.randomness.token(16)
            again = self.log.open_redelivery(again_id, delivery, again_at)
            again.chaos = redelivered(chaos)
            self.scheduler.schedule(again_at, WEBHOOK_DUE, again_id)

    def attempted(self, delivery: Delivery, attempt: Attempt) -> None:
        """After an attempt of a delivery with a fault is logged: a duplicate's first scheduled
        attempt puts its copies on the clock."""
        chaos = delivery.chaos
        if chaos is None or chaos.kind != DUPLICATE or attempt.extra:
            return
        if sum(1 for logged in delivery.attempts if not logged.extra) == 1:
            for at in chaos.copies_at(attempt.at):
                self.scheduler.schedule(at, COPY_DUE, delivery.id)
