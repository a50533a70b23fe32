"""One seeded stream: the same seed gives the same ids and secrets, in the same order."""

from __future__ import annotations

import random

import pytest

from mockserver.core.randomness import Randomness


def draws(randomness: Randomness) -> list[object]:
    return [
        randomness.token(),
        randomness.webhook_secret(),
        randomness.chance(0.5),
        randomness.token(16),
        randomness.webhook_secret(),
    ]


def test_one_seed_gives_one_sequence() -> None:
    assert draws(Randomness(7)) == draws(Randomness(7)) != draws(Randomness(8))


def test_a_reset_restarts_ids_and_secrets_alike() -> None:
    randomness = Randomness(7)
    first = draws(randomness)
    randomness.webhook_secret()  # Faker is loaded and has moved on
    randomness.reset()
    assert draws(randomness) == first


def test_secrets_repeat_whether_or_not_faker_was_loaded_before() -> None:
    loaded = Randomness(3)
    loaded.webhook_secret()
    loaded.reset()
    assert draws(loaded) == draws(Randomness(3))


def test_a_secret_looks_like_the_vendor_s() -> None:
    secret = Randomness(1).webhook_secret()
    assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 32
    assert Randomness(1).token().isalnum() and len(Randomness(1).token()) == 12


def test_a_named_stream_repeats_with_the_seed_and_never_moves_the_main_one() -> None:
    randomness = Randomness(7)
    stream = randomness.stream("webhook-faults")
    drawn = [stream.token(), stream.chance(0.5), stream.token(10)]
    assert drawn == [
        (again := Randomness(7).stream("webhook-faults")).token(),
        again.chance(0.5),
        again.token(10),
    ]
    assert draws(randomness) == draws(Randomness(7))  # as if the stream had drawn nothing
    assert (
        Randomness(8).stream("webhook-faults").token()
        != Randomness(7).stream("webhook-faults").token()
    )
    assert randomness.stream("other").token() != Randomness(7).stream("webhook-faults").token()


def spelled_pair_by_pair(number: int, length: int) -> str:
    """A token's characters from its random bits, two per step, as every length spells them."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    pairs = [first + second for first in alphabet for second in alphabet]
    spelled = ""
    for _ in range((length + 1) // 2):
        number, index = divmod(number, len(pairs))
        spelled += pairs[index]
    return spelled[:length]


def test_a_job_id_is_spelled_from_its_bits_as_every_other_token_is() -> None:
    # The job id's length has its own written-out spelling, for speed: the same bits must
    # spell the same id as any other length's loop would.
    for length in (12, 10, 16, 5):
        drawing, bits = Randomness(11), random.Random(11)
        for _ in range(2000):
            expected = spelled_pair_by_pair(bits.getrandbits(length * 6), length)
            assert drawing.token(length) == expected


def test_a_stream_gives_its_last_position_until_a_draw_of_any_kind_moves_it() -> None:
    stream = Randomness(3)
    first = stream.position()
    assert stream.position() is first  # nothing drawn: the same list, not made again
    draws = [
        stream.token,
        lambda: stream.token(16),
        lambda: stream.chance(0.5),
        stream.webhook_secret,
        stream.reset,
    ]
    for draw in draws:
        before = stream.position()
        draw()
        after = stream.position()
        assert after is not before
        assert after == [*_state_of(stream)]


def test_moving_a_stream_gives_the_position_it_was_moved_to() -> None:
    stream, other = Randomness(3), Randomness(4)
    stream.position()
    other.token()
    stream.move_to(other.position())
    assert stream.position() == other.position() == [*_state_of(other)]


def _state_of(stream: Randomness) -> tuple[object, list[object], object]:
    version, internal, gauss = stream._random.getstate()
    return version, list(internal), gauss


def test_a_position_counted_from_the_draws_is_the_twisters_own_across_many_regenerations() -> None:
    """The words are captured once and the words each draw takes are counted: after every
    kind of draw, through some twenty regenerations of the twister's words, the position is
    what `getstate` says, and the same tuple of words is always the same words."""
    stream, choose = Randomness(5), random.Random(6)
    draws = [
        stream.token,
        lambda: stream.token(10),
        lambda: stream.token(16),
        lambda: stream.token(1),
        lambda: stream.token(0),
        lambda: stream.chance(0.3),
        stream.webhook_secret,
    ]
    words, _ = stream.words_and_head()
    regenerated = 0
    for _ in range(6000):
        choose.choice(draws)()
        now, head = stream.words_and_head()
        assert stream.position() == [*_state_of(stream)]
        assert [head[0], [*now, head[1]], head[2]] == stream.position()
        if now is words:
            assert list(now) == list(words)
        else:
            regenerated += 1
        words = now
    assert regenerated >= 15


def test_a_moved_or_reset_stream_counts_from_where_it_stands() -> None:
    stream, other = Randomness(7), Randomness(8)
    for _ in range(300):
        stream.token()
        other.chance(0.5)
    stream.words_and_head()
    stream.move_to(other.position())
    stream.token()
    assert stream.position() == [*_state_of(stream)]
    stream.reset()
    assert stream.position() == [*_state_of(Randomness(7))]


def test_a_refused_position_or_length_leaves_the_position_the_twisters_own() -> None:
    stream = Randomness(9)
    stream.token()
    stream.words_and_head()
    version, internal, _ = stream.position()
    assert isinstance(internal, list)
    with pytest.raises(ValueError, match="not a position"):
        stream.move_to([version, [*internal[:-1], 10_000], 0.5])  # no index of 624 words
    assert stream.position() == [*_state_of(stream)]
    with pytest.raises(ValueError):
        stream.token(-1)
    assert stream.position() == [*_state_of(stream)]
