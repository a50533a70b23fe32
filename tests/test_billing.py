"""The speech-duration estimate and the vendor's credit bands.

The vendor's table (spec/doitong-hedra-api.md, "Pricing"): a short video, up to 30 s, costs
50-100 credits; a long one, 30 s to 2 min, costs 200-500.
"""

from __future__ import annotations

import math

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


SHORT_BAND, LONG_BAND = range(50, 101), range(200, 501)


def readme_formula(duration_ms: int) -> int:
    """The formula as the README's Credits section writes it."""
    if duration_ms <= 30_000:
        return 50 + math.floor(50 * duration_ms / 30_000)
    return 200 + math.floor(300 * (duration_ms - 30_000) / 90_000)


def test_every_duration_up_to_30_s_costs_what_the_table_gives_a_short_video() -> None:
    costs = [billing.cost_for(ms) for ms in range(1, 30_001)]
    assert all(cost in SHORT_BAND for cost in costs)
    assert (costs[0], costs[-1]) == (50, 100)
    assert costs == sorted(costs)  # never cheaper for a longer video


def test_every_duration_from_30_s_to_2_min_costs_what_the_table_gives_a_long_video() -> None:
    costs = [billing.cost_for(ms) for ms in range(30_001, 120_001)]
    assert all(cost in LONG_BAND for cost in costs)
    assert (costs[0], costs[-1]) == (200, 500)
    assert costs == sorted(costs)


def test_the_cost_is_the_readmes_formula() -> None:
    for duration_ms in range(1, 120_001):
        assert billing.cost_for(duration_ms) == readme_formula(duration_ms), duration_ms


def test_every_whole_number_of_words_is_priced_in_its_band() -> None:
    for words in range(1, 301):
        quote = billing.quote(" ".join(["word"] * words))
        assert quote.duration_ms == 400 * words
        assert quote.credits in (SHORT_BAND if words <= 75 else LONG_BAND), words


@pytest.mark.parametrize("duration_ms", [0, -1])
def test_no_speech_is_no_video(duration_ms: int) -> None:
    with pytest.raises(billing.TextEmpty):
        billing.cost_for(duration_ms)


def test_past_two_minutes_is_refused_saying_how_long_it_was() -> None:
    with pytest.raises(billing.TextTooLong, match=r"about 120\.4 s of speech"):
        billing.quote("word " * 301)


@pytest.mark.parametrize(
    ("text", "expected_ms"),
    [
        ("\u3000".join(["word"] * 3), 1200),  # the ideographic space separates and is silent
        ("ｱｲｳ", 750),  # half-width Katakana are characters, one by one
        ("한국어 text", 1150),
        ("漢字\U00020000", 750),  # beyond the Basic Multilingual Plane too
    ],
)
def test_cjk_characters_and_spaces(text: str, expected_ms: int) -> None:
    assert billing.speech_ms(text) == expected_ms


def test_a_long_text_is_priced_like_a_short_one_of_the_same_speech() -> None:
    long_word = "x" * 5000  # beyond what is cached: priced every time, the same way
    assert billing.quote(long_word) == billing.quote("x") == billing.Quote(400, 50)


@pytest.mark.parametrize(
    ("text", "expected_ms"),
    [("a" * 5000, 400), ("one" + " " * 8000 + "two", 800), (("word " * 200).ljust(5000), 80_000)],
)
def test_a_text_too_long_to_cache_still_fits_a_band(text: str, expected_ms: int) -> None:
    assert len(text) > billing._CACHEABLE_CHARS
    assert billing.quote(text) == billing.Quote(expected_ms, billing.cost_for(expected_ms))
