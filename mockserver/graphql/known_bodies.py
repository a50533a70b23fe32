"""GraphQL request bodies already read, found again by their exact bytes.

A client sends the same document with the same variables again and again (a test suite's
creates, a poll of one job). Reading such a body (decoding its JSON, checking its fields, finding
its operation), coercing its variables and checking the create it asks for cost more, together,
than all the rest of a generate. Each of them depends on the body's bytes alone (and the check
of the create on the catalog too), so a body that read well is kept with what it gave:

- its payload and operation, which `GraphQLExecutor.ask` would find again for the same bytes;
- the root field's arguments, filled in when the fast path first coerces them;
- the create they ask for: the request checked from them and the view its answer takes, filled
  in when the resolver first checks it (kept with the catalog it was checked against: another
  runtime may come with another one). A create's resolver does nothing but that create
  (schema.RequestContext.create), so for the same bytes and catalog the executor makes it
  again itself, without the resolver (GraphQLExecutor._create_again);
- the answer last given for a finished job (a poll's), with what it was made from: a finished
  job's answer never changes (the engine ends a job once, and nothing touches it afterwards), so
  it answers again only for the same job object, asked from the same base URL, with the same
  status, completion time and error; a job replaced by a snapshot's copy, or asked for by another
  key, is answered anew.

Only what succeeded is kept: a body with any error reads again, and raises again, every time.
Nothing request-specific is kept (the key, the account, admission, the journal's entry): those
are worked out for each request exactly as without this cache, and each create is made anew (a
job, its charge, its idempotency key) and each poll's resolver runs each time.
The differential tests in tests/test_graphql_known_bodies.py send each body to a mock with this
cache and to one without, and compare every answer, header and journal entry.

Bounded in entries, in the bytes of one body and of all bodies together; the oldest entry goes
first. All the bodies together hold half the query text the document cache may hold, so the
documents an entry keeps alive after the document cache let them go are bounded as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from ..api.finished_answers import KeptAnswer
from ..core.catalog import Catalog
from ..core.job_request import JobRequest
from ..core.jobs import Job, JobStatus
from .job_view import View

if TYPE_CHECKING:
    from .executor import Operation, Payload

DEFAULT_ENTRIES = 128
DEFAULT_MAX_BODY = 4096  # bytes: longer bodies are read every time and cost no memory here
DEFAULT_MAX_BYTES = 128 * 1024  # of all bodies together: half of documents.CACHE_CHARS


class KnownCreate(NamedTuple):
    """The create a body's arguments ask for, as checked against `catalog`, and the view (of
    the job made) that its resolver answers with."""

    catalog: Catalog
    request: JobRequest
    view: View


@dataclass(slots=True, eq=False)
class KnownBody:
    """What one body read as, and what its operation gave so far (filled in once, when first
    computed without error; shared by every request that sends these bytes)."""

    payload: Payload
    operation: Operation
    arguments: dict[str, Any] | None = None
    _create: KnownCreate | None = field(default=None, repr=False)
    _finished: KeptAnswer | None = field(default=None, repr=False)

    def checked_create(
        self, catalog: Catalog, check: Callable[[], JobRequest], view: View
    ) -> KnownCreate:
        """The create these arguments ask for, checked against `catalog` once; `check` raises
        (ApiError) every time for a create that fails its check."""
        create = self.create(catalog)
        if create is None:
            create = self._create = KnownCreate(catalog, check(), view)
        return create

    def create(self, catalog: Catalog) -> KnownCreate | None:
        """The create these bytes asked for when last checked, if against `catalog`."""
        create = self._create
        return create if create is not None and create.catalog is catalog else None

    def answer(self, job: Job, base_url: str, fill: Callable[[], bytes]) -> bytes:
        """`fill()`, the answer about `job`; for a finished job, the same bytes as last time
        when it is still the job that answer was made from."""
        if job.status is JobStatus.PROCESSING:
            return fill()
        kept = self._finished
        if kept is not None and kept.answers(job, base_url):
            return kept.answer
        answer = fill()
        self._finished = KeptAnswer.of(job, base_url, answer)
        return answer


class KnownBodies:
    """Body bytes -> KnownBody, for bodies that read well, oldest out first."""

    def __init__(
        self,
        entries: int = DEFAULT_ENTRIES,
        max_body: int = DEFAULT_MAX_BODY,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._entries = entries
        self._max_body = max_body
        self._max_bytes = max_bytes
        self._bytes = 0
        self._known: dict[bytes, KnownBody] = {}

    def __len__(self) -> int:
        return len(self._known)

    @property
    def size(self) -> int:
        """Bytes of body held, all entries together."""
        return self._bytes

    def get(self, body: bytes) -> KnownBody | None:
        return self._known.get(body)

    def add(self, body: bytes, payload: Payload, operation: Operation) -> None:
        """Keep what `body` read as, unless it is too long to keep."""
        if len(body) > self._max_body or body in self._known:
            return
        self._known[body] = KnownBody(payload, operation)
        self._bytes += len(body)
        while len(self._known) > self._entries or self._bytes > self._max_bytes:
            oldest = next(iter(self._known))
            del self._known[oldest]
            self._bytes -= len(oldest)
