"""`Idempotency-Key`s: which job a key of an API key made, and a digest of the request.

Bounded by the jobs: a key is forgotten with its job (when the job is forgotten under
`max_jobs`), so the map never outgrows the job store, and each entry is the same few dozen bytes
however long the key or the body was.
"""

from __future__ import annotations

import hashlib

DIGEST_BYTES = 16  # collisions are out of reach at this size for any test run's number of keys


def digest(text: str) -> bytes:
    # surrogatepass: a digest must never fail, and only telling two texts apart matters here
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=DIGEST_BYTES).digest()


class IdempotencyKeys:
    """(API key, Idempotency-Key) -> (digest of the request, id of the job it made).

    Kept as bytes, not tuples of strings: a mock holds one entry per job it remembers.
    """

    def __init__(self) -> None:
        self._jobs: dict[bytes, bytes] = {}  # key digest -> request digest + job id
        self._key_of_job: dict[str, bytes] = {}

    def __len__(self) -> int:
        return len(self._jobs)

    def find(self, api_key: str, key: str) -> tuple[bytes, str] | None:
        """The request digest and job id remembered for `key`, if any."""
        seen = self._jobs.get(_entry(api_key, key))
        if seen is None:
            return None
        return seen[:DIGEST_BYTES], seen[DIGEST_BYTES:].decode()

    def remember(self, api_key: str, key: str, request_digest: bytes, job_id: str) -> None:
        entry = _entry(api_key, key)
        self._jobs[entry] = request_digest + job_id.encode()
        self._key_of_job[job_id] = entry

    def of_job(self, job_id: str) -> tuple[bytes, bytes] | None:
        """What is remembered for the job's key, as `restore` takes it back: the digest of
        (API key, Idempotency-Key) and the digest of the request."""
        entry = self._key_of_job.get(job_id)
        if entry is None:
            return None
        return entry, self._jobs[entry][:DIGEST_BYTES]

    def restore(self, entry: bytes, request_digest: bytes, job_id: str) -> None:
        """Remember again what `of_job` said of `job_id`."""
        self._jobs[entry] = request_digest + job_id.encode()
        self._key_of_job[job_id] = entry

    def forget_job(self, job_id: str) -> None:
        """The job is gone: a retry with its key is a new request now."""
        entry = self._key_of_job.pop(job_id, None)
        if entry is not None:
            self._jobs.pop(entry, None)

    def clear(self) -> None:
        self._jobs.clear()
        self._key_of_job.clear()


def _entry(api_key: str, key: str) -> bytes:
    # The length first, so that no two (API key, key) pairs spell the same text.
    return digest(f"{len(api_key)}:{api_key}{key}")
