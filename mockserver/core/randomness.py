"""The mock's one source of randomness, seeded so a run can be repeated exactly."""

from __future__ import annotations

import hashlib
import os
import random
import string
from typing import TYPE_CHECKING

from .errors import shown

if TYPE_CHECKING:
    from faker import Faker

_ALPHABET = string.ascii_lowercase + string.digits
_PAIRS = [first + second for first in _ALPHABET for second in _ALPHABET]
_PAIR_COUNT = len(_PAIRS)
JOB_ID_LENGTH = 12
# The seeds a mock takes: those a saved state holds (state_document reads one back within these).
MAX_SEED = 2**63 - 1


def seed_problem(seed: object) -> str | None:
    """What is wrong with `seed` as a mock's seed, if anything (None: nothing)."""
    if type(seed) is int and 0 <= seed <= MAX_SEED:
        return None
    return f"seed must be a whole number from 0 to {MAX_SEED}, got {shown(seed)}"


_TWISTER_WORDS = 624  # the Mersenne Twister's state: 624 words of 32 bits, and an index among them


class Randomness:
    """Ids, secrets and coin flips, all drawn from one seeded stream.

    Ids and coin flips come straight from a seeded `random.Random`: a Faker provider call costs
    far more than a draw of random bits, and ids are drawn on the request path. Faker makes the
    realistic values (webhook secrets), seeded from the same stream; it is imported the first
    time one is needed, which keeps its import off the mock's start-up.
    """

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed if seed is not None else int.from_bytes(os.urandom(4), "big")
        self._random = random.Random(self.seed)
        self._faker: Faker | None = None
        # `serve --state` asks for every stream's position at each commit, and `getstate`
        # copies all 624 words of the Mersenne Twister each time. Those words change only
        # when the twister regenerates them, once in 624 words drawn; in between, the index
        # alone moves, by the words each draw takes. So the words are captured (with the
        # index and the Gaussian spare) and the words drawn since are counted: each method
        # below that draws counts its own (tests/test_randomness.py holds the count to
        # `getstate`), and so must any new one.
        self._captured: tuple[int, tuple[int, ...], int, float | None] | None = None
        self._drawn = 0
        # The last positions handed out, until the stream moves: the same lists each time.
        self._position: list[object] | None = None
        self._head: list[object] | None = None

    def reset(self) -> None:
        """Restart the stream from the seed (Faker's too: it is reseeded from it per secret)."""
        self._random.seed(self.seed)
        self._lose_position()

    def position(self) -> list[object]:
        """Where the stream stands, as JSON can hold it (`random.Random.getstate`): the same
        list until the stream moves, so not to be changed."""
        kept = self._position
        if kept is None:
            words, head = self.words_and_head()
            version, index, gauss = head
            kept = self._position = [version, [*words, index], gauss]
        return kept

    def words_and_head(self) -> tuple[tuple[int, ...], list[object]]:
        """The position in two parts: the twister's 624 words, the same tuple as long as they
        cannot have changed (a new one once they may have: regenerated, or the stream moved or
        reset), and `[version, index, gauss]`, the same list until the stream moves (neither
        to be changed)."""
        captured = self._captured
        if captured is None or captured[2] + self._drawn > _TWISTER_WORDS:
            version, internal, gauss = self._random.getstate()
            captured = self._captured = (version, internal[:-1], internal[-1], gauss)
            self._drawn = 0
            self._head = None
        version, words, index, gauss = captured
        head = self._head
        if head is None:
            head = self._head = [version, index + self._drawn, gauss]
        return words, head

    def move_to(self, position: list[object]) -> None:
        """Stand where `position` said; ValueError if it is no state `position` gives."""
        try:
            version, internal, gauss = position
            if not isinstance(internal, list) or not all(type(n) is int for n in internal):
                raise TypeError
            self._random.setstate((version, tuple(internal), gauss))
        except (TypeError, ValueError, OverflowError):
            raise ValueError("not a position of the random stream") from None
        finally:
            # Even a refused state may have changed the stream: `setstate` takes the Gaussian
            # spare before it checks the words.
            self._lose_position()

    def _lose_position(self) -> None:
        """Forget what was captured: the stream stands somewhere else altogether."""
        self._captured = self._position = self._head = None
        self._drawn = 0

    def _drew(self, words: int) -> None:
        """Count `words` of the twister drawn: the position moved."""
        self._drawn += words
        self._position = self._head = None

    def stream(self, name: str) -> Randomness:
        """A stream of its own, seeded from this one's seed and `name`: what is drawn from it
        never moves this one, so what one part of the mock draws cannot change another's ids."""
        digest = hashlib.sha256(f"{self.seed}/{name}".encode()).digest()
        return Randomness(int.from_bytes(digest[:8], "big"))

    def token(self, length: int = JOB_ID_LENGTH) -> str:
        """A lowercase alphanumeric id like the vendor's `abc123xyz`.

        Two characters per step from one draw of random bits: base64's b32encode is written in
        Python and costs more than the rest of creating a job.
        """
        bits = length * 6  # 36**2 < 2**12: 12 bits per pair
        number = self._random.getrandbits(bits)
        # Counted once drawn (a refused length draws nothing), and written out, not `_drew`:
        # on every create. `getrandbits` takes a word per 32 bits begun.
        self._drawn += (bits + 31) >> 5
        self._position = self._head = None
        if length == JOB_ID_LENGTH:  # a job's id, on every create: the loop written out
            number, first = divmod(number, _PAIR_COUNT)
            number, second = divmod(number, _PAIR_COUNT)
            number, third = divmod(number, _PAIR_COUNT)
            number, fourth = divmod(number, _PAIR_COUNT)
            number, fifth = divmod(number, _PAIR_COUNT)
            return (
                _PAIRS[first]
                + _PAIRS[second]
                + _PAIRS[third]
                + _PAIRS[fourth]
                + _PAIRS[fifth]
                + _PAIRS[number % _PAIR_COUNT]
            )
        pairs = []
        for _ in range((length + 1) // 2):
            number, index = divmod(number, _PAIR_COUNT)
            pairs.append(_PAIRS[index])
        return "".join(pairs)[:length]

    @property
    def faker(self) -> Faker:
        if self._faker is None:
            from faker import Faker  # noqa: PLC0415 - deferred: see the class docstring

            self._faker = Faker()  # unseeded: every use seeds it first (`webhook_secret`)
        return self._faker

    def webhook_secret(self) -> str:
        # Seeded per secret from the main stream, so secrets repeat with the seed, however
        # many were made before a reset and whenever Faker was first needed.
        faker = self.faker  # imported first: a failed import draws nothing
        seed = self._random.getrandbits(32)
        self._drew(1)
        faker.seed_instance(seed)
        return "whsec_" + faker.sha256()[:32]

    def chance(self, probability: float) -> bool:
        """True with the given probability (0..1)."""
        drawn = self._random.random()
        self._drew(2)  # `random()` takes two words, for its 53 bits
        return drawn < probability
