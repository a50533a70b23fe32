"""The mock's one source of randomness, seeded so a run can be repeated exactly."""

from __future__ import annotations

import base64
import os
import random

from faker import Faker


class Randomness:
    """Ids, secrets and coin flips, all drawn from one seeded generator.

    Faker's seeded generator is shared so that realistic values (secrets) and plain draws (ids,
    fault probabilities) come from the same reproducible stream. Ids are drawn with
    `random.choices`, which is two orders of magnitude cheaper than a Faker provider call and
    keeps the request path fast.
    """

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed if seed is not None else int.from_bytes(os.urandom(4), "big")
        self.faker = Faker()
        self.reset()

    def reset(self) -> None:
        """Restart the stream from the seed."""
        self.faker.seed_instance(self.seed)
        self._random: random.Random = self.faker.random

    def token(self, length: int = 12) -> str:
        """A lowercase alphanumeric id like the vendor's `abc123xyz`.

        Several times cheaper than choosing each character, and as seeded.
        """
        # Base 32 (a-z, 2-7) of seeded random bytes: the encoding runs in C.
        raw = self._random.randbytes(-(-length * 5 // 8))
        return base64.b32encode(raw).decode("ascii")[:length].lower()

    def webhook_secret(self) -> str:
        return "whsec_" + self.faker.sha256()[:32]

    def chance(self, probability: float) -> bool:
        """True with the given probability (0..1)."""
        return self._random.random() < probability
