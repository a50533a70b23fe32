"""The speech-duration estimate and the vendor's credit bands."""

from __future__ import annotations

import pytest

from mockserver.core import billing


@pytest.mark.parametrize(
    ("text", "expected_ms"),
    [
        ("Hello, welcome to our platform!", 2000),
        ("one", 400),
        ("  spaced   out\twords\n", 1200),
        ("你好世界", 1000),
        ("こんにちは", 1250),
        ("안녕하세요", 1250),
        ("Hello 世界", 900),
        ("", 0),
    ],
)
def test_speech_duration(text: str, expected_ms: int) -> None:
    assert billing.speech_ms(text) == expected_ms


@pytest.mark.parametrize(
    ("duration_ms", "credits"),
    [
        (1, 50),
        (400, 50),
        (15_000, 75),
        (30_000, 100),
        (30_001, 200),
        (75_000, 350),
        (120_000, 500),
    ],
)
def test_cost_rises_inside_each_band(duration_ms: int, credits: int) -> None:
    assert billing.cost_for(duration_ms) == credits


def test_outside_the_bands_is_refused() -> None:
    with pytest.raises(billing.TextEmpty):
        billing.quote("   ")
    with pytest.raises(billing.TextTooLong):
        billing.quote("word " * 301)
    assert billing.quote("word " * 300).credits == 500
