"""Webhook faults on their own: parsing, matching, and what each does to the delivery it matched,
with no HTTP (the engine on a frozen clock, attempts made up by the test)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from core_engine import HOOK, KEY, UNLIMITED, advance, create, make_engine

from mockserver.core.errors import ApiError
from mockserver.core.faults import FaultBook
from mockserver.core.forgeries import NO_DIGEST, TAMPERED_URL, other_secret
from mockserver.core.webhook_faults import (
    KINDS,
    WebhookFault,
    parse_any_fault,
    parse_webhook_fault,
)
from mockserver.core.webhooks import (
    SIGNATURE_HEADER,
    Attempt,
    RetryPolicy,
    sign,
    verify_signature,
)

SECRET = "whsec_your_webhook_secret"  # KEY's, in the fixtures


def refused(body: Any, **options: Any) -> tuple[str, str | None]:
    """The message and field of the 400 a fault body gets."""
    with pytest.raises(ApiError) as error:
        parse_webhook_fault("f", body, **options)
    assert error.value.status == 400
    return error.value.message, error.value.extensions.get("field")


# -- parsing ---------------------------------------------------------------------------------


def test_a_webhook_fault_gets_its_defaults() -> None:
    fault = parse_webhook_fault("f1", {"webhook": "unsigned"})
    assert fault == WebhookFault(id="f1", kind="unsigned")
    assert fault.as_json() == {
        "id": "f1",
        "webhook": "unsigned",
        "apiKey": None,
        "jobId": None,
        "times": None,
        "probability": 1.0,
    }


def test_every_filter_is_read_and_a_kind_shows_its_own_settings_only() -> None:
    body = {"webhook": "delay", "seconds": 90, "apiKey": "k", "jobId": "j", "times": 2}
    fault = parse_webhook_fault("f1", {**body, "probability": 0.5})
    assert fault.as_json() == {"id": "f1", **body, "probability": 0.5}
    assert parse_webhook_fault("f", {"webhook": "delay"}).seconds == 60


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"webhook": "resend"}, "webhook", "webhook must be one of duplicate"),
        ({"webhook": None}, "webhook", "webhook must be one of duplicate"),
        ({"webhook": ["unsigned"]}, "webhook", "webhook must be one of duplicate"),
        ({"webhook": "unsigned", "status": 500}, "status", "Unknown field status"),
        ({"webhook": "unsigned", "seconds": 5}, "seconds", "goes with a delay fault"),
        ({"webhook": "delay", "seconds": -1}, "seconds", "from 0 to"),
        ({"webhook": "delay", "seconds": "5"}, "seconds", "finite number"),
        ({"webhook": "delay", "seconds": 366 * 86_400}, "seconds", "from 0 to"),
        ({"webhook": "tampered", "times": 0}, "times", "whole number >= 1"),
        ({"webhook": "tampered", "probability": 2}, "probability", "between 0 and 1"),
        ({"webhook": "tampered", "apiKey": 5}, "apiKey", "must be a string"),
        ({"webhook": "tampered", "jobId": 5}, "jobId", "must be a string"),
    ],
)
def test_each_bad_field_is_a_400_naming_it(body: dict[str, Any], field: str, says: str) -> None:
    message, named = refused(body)
    assert named == field
    assert says in message


def test_without_filters_a_fault_is_for_one_delivery_and_refuses_them() -> None:
    for name, value in (("apiKey", "k"), ("jobId", "j"), ("times", 1), ("probability", 1)):
        message, field = refused({"webhook": "unsigned", name: value}, filters=False)
        assert field == name
        assert "for this one delivery" in message


def test_a_body_naming_a_webhook_kind_is_a_webhook_fault_and_any_other_an_api_fault() -> None:
    assert isinstance(parse_any_fault("f", {"webhook": "unsigned"}), WebhookFault)
    assert parse_any_fault("f", {"status": 500}).as_json()["status"] == 500
    with pytest.raises(ApiError):
        parse_any_fault("f", {"webhook": "unsigned", "status": 500})


def test_a_fault_matches_by_key_and_job_and_is_used_up_by_times() -> None:
    book: FaultBook[WebhookFault] = FaultBook()
    book.add(parse_webhook_fault("mine", {"webhook": "unsigned", "apiKey": KEY, "times": 1}))
    book.add(parse_webhook_fault("job", {"webhook": "tampered", "jobId": "j2"}))

    def taken(api_key: str, job_id: str) -> str | None:
        fault = book.take(api_key, job_id, lambda _: True)
        return None if fault is None else fault.id

    assert taken(UNLIMITED, "j1") is None
    assert taken(KEY, "j1") == "mine"
    assert taken(KEY, "j1") is None  # times=1: gone
    assert taken(UNLIMITED, "j2") == "job"
    assert taken(KEY, "j2") == "job"  # no times: stays


# -- in the engine ---------------------------------------------------------------------------


def test_a_webhook_fault_is_listed_after_the_api_ones_and_cleared_with_them() -> None:
    engine = make_engine()
    api_fault = engine.add_fault({"status": 500})
    webhook_fault = engine.add_fault({"webhook": "unsigned"})
    assert engine.all_faults() == [api_fault, webhook_fault]
    assert webhook_fault.id.startswith("flt_")
    engine.clear_faults()
    assert engine.all_faults() == []


def test_scripting_a_webhook_fault_changes_no_id_the_api_plane_hands_out() -> None:
    plain, chaotic = make_engine(), make_engine()
    chaotic.add_fault({"webhook": "tampered", "probability": 0.5})
    for engine in (plain, chaotic):
        for _ in range(4):
            create(engine, webhookUrl=HOOK)
        advance(engine, 30)
    ids = [[(d.id, d.job_id) for d in engine.webhooks] for engine in (plain, chaotic)]
    assert ids[0] == ids[1]
    assert [d.chaos is None for d in plain.webhooks] == [True] * 4


def opened(fault: dict[str, Any]) -> Any:
    """The delivery of one job that ended with `fault` scripted, and the engine."""
    engine = make_engine()
    engine.add_fault(fault)
    create(engine, webhookUrl=HOOK)
    return engine, advance(engine, 30)


def test_a_forgery_changes_the_first_attempt_only_and_never_the_delivery() -> None:
    _, due = opened({"webhook": "bad-signature"})
    (delivery,) = due
    assert verify_signature(delivery.body, delivery.signature, SECRET)  # the real thing
    chaos = delivery.chaos
    assert chaos is not None and chaos.kind == "bad-signature"
    assert (chaos.fault_of(1, replay=False), chaos.fault_of(2, replay=False)) == (
        "bad-signature",
        None,
    )
    assert chaos.fault_of(1, replay=True) is None  # a replay is the real delivery
    headers = delivery.headers(1)
    assert chaos.request("bad-signature", headers, delivery.body) == delivery.body
    assert headers[SIGNATURE_HEADER] == sign(delivery.body, other_secret(SECRET))


@pytest.mark.parametrize(
    ("kind", "signature", "url"),
    [
        ("tampered", "genuine", TAMPERED_URL),
        ("unsigned", None, "genuine"),
        ("malformed-signature", NO_DIGEST, "genuine"),
    ],
)
def test_each_forgery_sends_what_it_says(kind: str, signature: str | None, url: str) -> None:
    _, (delivery,) = opened({"webhook": kind})
    assert delivery.chaos is not None
    headers = delivery.headers(1)
    body = delivery.chaos.request(kind, headers, delivery.body)
    genuine = json.loads(delivery.body)
    assert json.loads(body) == {**genuine, "url": genuine["url"] if url == "genuine" else url}
    expected = delivery.signature if signature == "genuine" else signature
    assert headers.get(SIGNATURE_HEADER) == expected


def test_extra_fields_are_in_the_delivery_itself_signed_and_on_every_attempt() -> None:
    _, (delivery,) = opened({"webhook": "extra-fields"})
    payload = json.loads(delivery.body)
    assert payload["eventType"] == "avatar.completed" and payload["metadata"]["fps"] == 25
    assert verify_signature(delivery.body, delivery.signature, SECRET)
    assert delivery.chaos is not None
    assert delivery.chaos.fault_of(3, replay=True) == "extra-fields"
    assert delivery.as_json()["fault"] == "extra-fields"


def test_a_delay_puts_the_first_attempt_later_and_leaves_the_job_as_it_ended() -> None:
    engine = make_engine()
    engine.add_fault({"webhook": "delay", "seconds": 45})
    job = create(engine, webhookUrl=HOOK)
    assert advance(engine, 30) == []
    assert job.status.value == "completed" and job.completed_at == engine.clock.now()
    assert advance(engine, 44) == []
    (delivery,) = advance(engine, 1)
    assert delivery.next_attempt_at == job.completed_at + 45
    assert delivery.chaos is not None and delivery.chaos.fault_of(1, replay=False) == "delay"
    engine.record_attempt(delivery, Attempt(at=engine.clock.now(), duration_ms=1, status=500))
    assert delivery.next_attempt_at == job.completed_at + 45 + 10  # the backoff, from then


def test_a_probability_is_drawn_from_the_seed_and_repeats_with_it() -> None:
    def faulted(seed: int) -> list[bool]:
        engine = make_engine(seed=seed)
        engine.add_fault({"webhook": "unsigned", "probability": 0.5})
        for _ in range(16):
            create(engine, UNLIMITED, webhookUrl=HOOK)
        return [d.chaos is not None for d in advance(engine, 30)]

    assert faulted(7) == faulted(7) != faulted(8)
    assert 0 < sum(faulted(7)) < 16


def test_every_kind_is_known() -> None:
    for kind in KINDS:
        assert parse_webhook_fault("f", {"webhook": kind}).kind == kind


def test_copies_are_spread_evenly_the_last_at_the_spread() -> None:
    _, (delivery,) = opened({"webhook": "duplicate", "copies": 4, "spreadSeconds": 10})
    assert delivery.chaos is not None
    assert delivery.chaos.copies_at(100.0) == [102.5, 105.0, 107.5, 110.0]
    _, (at_once,) = opened({"webhook": "duplicate", "copies": 2})
    assert at_once.chaos is not None and at_once.chaos.copies_at(100.0) == [100.0, 100.0]


def test_copies_never_count_against_the_attempts() -> None:
    engine = make_engine(retry_policy=RetryPolicy(max_attempts=2))
    engine.add_fault({"webhook": "duplicate", "copies": 3})
    create(engine, webhookUrl=HOOK)
    (delivery,) = advance(engine, 30)
    now = engine.clock.now()
    engine.record_attempt(delivery, Attempt(at=now, duration_ms=1, status=500))
    copies = engine.run_due().copies
    assert list(copies) == [delivery] * 3  # all due at once, after the first attempt
    for copy in copies:
        failed = Attempt(at=now, duration_ms=1, status=500, fault="duplicate")
        engine.record_attempt(copy, failed)
    assert delivery.status.value == "pending"  # one scheduled attempt of two so far
    assert delivery.next_attempt_at == now + 10
    assert advance(engine, 10) == [delivery]
    engine.record_attempt(delivery, Attempt(at=now + 10, duration_ms=1, status=500))
    assert delivery.status.value == "failed"
    assert engine.run_due().copies == ()  # the copies follow the first attempt only


def test_a_redelivery_is_a_delivery_of_its_own_and_changes_no_api_id() -> None:
    plain, chaotic = make_engine(), make_engine()
    chaotic.add_fault({"webhook": "redeliver", "afterSeconds": 5})
    for engine in (plain, chaotic):
        for _ in range(3):
            create(engine, webhookUrl=HOOK)
        advance(engine, 30)
    first = [(d.id, d.job_id) for d in chaotic.webhooks if d.redelivery_of is None]
    assert first == [(d.id, d.job_id) for d in plain.webhooks]
    again = [d for d in chaotic.webhooks if d.redelivery_of is not None]
    assert [d.redelivery_of for d in again] == [d_id for d_id, _ in first]
    assert {d.next_attempt_at for d in again} == {chaotic.clock.now() + 5}
    assert [d.id for d in advance(chaotic, 5)] == [d.id for d in again]
    assert all(d.chaos is not None and d.chaos.fault_of(1, replay=False) for d in again)


def test_reordered_deliveries_come_back_to_be_sent_in_turn_last_first_per_key() -> None:
    engine = make_engine()
    engine.add_fault({"webhook": "reorder", "apiKey": KEY})
    engine.add_fault({"webhook": "reorder", "apiKey": UNLIMITED})
    mine = [create(engine, webhookUrl=HOOK).id for _ in range(3)]
    theirs = [create(engine, UNLIMITED, webhookUrl=HOOK).id for _ in range(2)]
    engine.clock.advance(30)
    assert engine.run_due().deliveries == []  # the jobs end; their deliveries fall due next
    work = engine.run_due()
    assert work.deliveries == []
    assert [[d.job_id for d in in_turn] for in_turn in work.in_turn] == [mine[::-1], theirs[::-1]]
    retried = work.in_turn[0][0]
    engine.record_attempt(retried, Attempt(at=engine.clock.now(), duration_ms=1, status=500))
    assert advance(engine, 10) == [retried]  # a retry goes as it falls due


def test_nothing_scripted_leaves_every_due_delivery_in_the_plain_list() -> None:
    engine = make_engine()
    for _ in range(3):
        create(engine, webhookUrl=HOOK)
    engine.clock.advance(30)
    engine.run_due()
    work = engine.run_due()
    assert len(work.deliveries) == 3
    assert (work.copies, work.in_turn) == ((), ())
