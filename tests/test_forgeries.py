"""The forged and unusual deliveries, on their own: each is wrong (or unusual) in one way only."""

from __future__ import annotations

import json

from mockserver.core.forgeries import (
    EXTRA_FIELDS,
    NO_DIGEST,
    TAMPERED_URL,
    malformed_signatures,
    one_digit_off,
    other_secret,
    tampered,
    with_extra_fields,
)
from mockserver.core.webhooks import encoded, sign, verify_signature

SECRET = "whsec_your_webhook_secret"
DOCUMENT = {"id": "abc", "url": "http://mock.test/outputs/abc.mp4", "metadata": {"width": 1280}}
BODY = encoded(DOCUMENT)


def test_the_other_secret_is_another_and_the_same_every_time() -> None:
    assert other_secret(SECRET) == other_secret(SECRET) != SECRET
    assert other_secret(SECRET) != other_secret("whsec_test_pro")
    assert not verify_signature(BODY, sign(BODY, other_secret(SECRET)), SECRET)


def test_one_digit_off_is_as_long_as_the_signature_and_fails_it() -> None:
    signature = sign(BODY, SECRET)
    wrong = one_digit_off(signature)
    assert len(wrong) == len(signature) and wrong != signature
    assert not verify_signature(BODY, wrong, SECRET)
    assert one_digit_off("sha256=a0") == "sha256=a1"


def test_no_malformed_signature_verifies_and_the_first_has_no_digest() -> None:
    variants = malformed_signatures(sign(BODY, SECRET))
    assert variants[0] == ("`sha256=` with no digest", "sha256=") == (variants[0][0], NO_DIGEST)
    assert not any(verify_signature(BODY, value, SECRET) for _, value in variants)


def test_a_tampered_body_differs_in_its_url_only() -> None:
    changed = json.loads(tampered(BODY))
    assert changed == {**DOCUMENT, "url": TAMPERED_URL}
    assert not verify_signature(tampered(BODY), sign(BODY, SECRET), SECRET)


def test_extra_fields_keep_every_documented_one_and_add_more_in_metadata_too() -> None:
    extended = with_extra_fields(DOCUMENT)
    assert extended["metadata"] == {"width": 1280, "fps": 25, "codec": "h264"}
    assert {**DOCUMENT, **EXTRA_FIELDS, "metadata": extended["metadata"]} == extended
    assert with_extra_fields({"metadata": 5})["metadata"] == 5  # a replaced one stays as given
