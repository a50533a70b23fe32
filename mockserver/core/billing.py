"""Speech duration from text, and the credit cost of a job from the vendor's pricing bands.

The vendor's table: a short video (up to 30 s) costs 50-100 credits, a long one (30 s to 2 min)
200-500. Cost rises linearly with duration inside each band. Durations are kept in whole
milliseconds so the arithmetic is exact and the README's formula is the code's formula.
"""

from __future__ import annotations

from dataclasses import dataclass

WORD_MS = 400  # 150 words a minute
CJK_CHAR_MS = 250  # about 4 characters a second for Chinese, Japanese and Korean
SHORT_MAX_MS = 30_000
LONG_MAX_MS = 120_000

SHORT_MIN_COST, SHORT_MAX_COST = 50, 100
LONG_MIN_COST, LONG_MAX_COST = 200, 500

_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x30FF),  # CJK punctuation, Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Hangul compatibility Jamo, Katakana extension
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x2FA1F),  # CJK extensions B-F and supplements
)


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def speech_ms(text: str) -> int:
    """Estimated speech duration of `text` in milliseconds.

    Each CJK character takes 250 ms; everything else is split on white space (CJK characters
    acting as separators too) and each resulting word takes 400 ms.
    """
    cjk_chars = 0
    words = 0
    in_word = False
    for char in text:
        if is_cjk(char):
            cjk_chars += 1
            in_word = False
        elif char.isspace():
            in_word = False
        elif not in_word:
            words += 1
            in_word = True
    return words * WORD_MS + cjk_chars * CJK_CHAR_MS


class TextTooLong(ValueError):
    """More than two minutes of speech: the vendor's longest band ends there."""


class TextEmpty(ValueError):
    """Nothing to say: no band starts at zero seconds."""


@dataclass(frozen=True)
class Quote:
    duration_ms: int
    credits: int

    @property
    def duration_seconds(self) -> float:
        return self.duration_ms / 1000


def cost_for(duration_ms: int) -> int:
    """Credits for `duration_ms` of video: 50 + 50*d/30s to 30 s, then 200 + 300*(d-30s)/90s."""
    if duration_ms <= 0:
        raise TextEmpty("text has no words to speak")
    if duration_ms > LONG_MAX_MS:
        raise TextTooLong(f"about {duration_ms / 1000:.1f} s of speech; the longest video is 120 s")
    if duration_ms <= SHORT_MAX_MS:
        span = SHORT_MAX_COST - SHORT_MIN_COST
        return SHORT_MIN_COST + span * duration_ms // SHORT_MAX_MS
    span = LONG_MAX_COST - LONG_MIN_COST
    long_ms = duration_ms - SHORT_MAX_MS
    return LONG_MIN_COST + span * long_ms // (LONG_MAX_MS - SHORT_MAX_MS)


def quote(text: str) -> Quote:
    """Duration and cost of speaking `text`; raises TextEmpty or TextTooLong outside the bands."""
    duration = speech_ms(text)
    return Quote(duration, cost_for(duration))
