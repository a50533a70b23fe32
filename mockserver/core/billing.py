"""Speech duration from text, and the credit cost of a job from the vendor's pricing bands.

The vendor's table: a short video (up to 30 s) costs 50-100 credits, a long one (30 s to 2 min)
200-500. Cost rises linearly with duration inside each band. Durations are kept in whole
milliseconds so the arithmetic is exact and the README's formula is the code's formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

WORD_MS = 400  # 150 words a minute
CJK_CHAR_MS = 250  # about 4 characters a second for Chinese, Japanese and Korean
SHORT_MAX_MS = 30_000
LONG_MAX_MS = 120_000

SHORT_MIN_COST, SHORT_MAX_COST = 50, 100
LONG_MIN_COST, LONG_MAX_COST = 200, 500

_CJK_RANGES = (
    ("\u1100", "\u11ff"),  # Hangul Jamo
    ("\u2e80", "\u2fdf"),  # CJK radicals
    ("\u3001", "\u30ff"),  # CJK punctuation, Hiragana, Katakana (not U+3000, a space)
    ("\u3100", "\u31ff"),  # Bopomofo, Hangul compatibility Jamo, Katakana extension
    ("\u3400", "\u4dbf"),  # CJK extension A
    ("\u4e00", "\u9fff"),  # CJK unified ideographs
    ("\uac00", "\ud7af"),  # Hangul syllables
    ("\uf900", "\ufaff"),  # CJK compatibility ideographs
    ("\uff66", "\uff9f"),  # half-width Katakana
    ("\U00020000", "\U0002fa1f"),  # CJK extensions B-F and supplements
)
# Compiled once: the per-character work then runs in C, off the request path's Python loop.
_CJK = re.compile("[" + "".join(f"{low}-{high}" for low, high in _CJK_RANGES) + "]")
# What separates words, spelled out rather than as `\s`: the OpenAPI description repeats it in a
# pattern, and `\s` means different characters in Python and in JavaScript. This is Python's.
SPACE_CHARACTERS = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WORD = re.compile(f"[^{SPACE_CHARACTERS}]+")


def speech_ms(text: str) -> int:
    """Estimated speech duration of `text` in milliseconds.

    Each CJK character takes 250 ms; everything else is split on white space (CJK characters
    acting as separators too) and each resulting word takes 400 ms.
    """
    cjk_chars = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text))) if cjk_chars else len(_WORD.findall(text))
    return words * WORD_MS + cjk_chars * CJK_CHAR_MS


class TextTooLong(ValueError):
    """More than two minutes of speech: the vendor's longest band ends there."""


class TextEmpty(ValueError):
    """Nothing to say: no band starts at zero seconds."""


@dataclass(frozen=True)
class Quote:
    duration_ms: int
    credits: int


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


# Only texts up to this length are cached, so the cache stays small: it keeps each text as a
# key. Most texts a client sends are far shorter (the longest band holds 300 words, about
# 2,000 characters of prose); a longer one, with long words or much space, still fits a band
# and is priced, only afresh each time.
_CACHEABLE_CHARS = 4096


@lru_cache(maxsize=4096)
def _cached_quote(text: str) -> Quote:
    duration = speech_ms(text)
    return Quote(duration, cost_for(duration))


def quote(text: str) -> Quote:
    """Duration and cost of speaking `text`; raises TextEmpty or TextTooLong outside the bands.

    Repeated texts (test suites send the same few again and again) are priced once, and their
    jobs share one duration object.
    """
    if len(text) <= _CACHEABLE_CHARS:
        return _cached_quote(text)
    duration = speech_ms(text)
    return Quote(duration, cost_for(duration))
