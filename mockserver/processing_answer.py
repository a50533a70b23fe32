"""The REST answer for a job still processing, encoded once with gaps for what differs per job.

While a job is processing, its `{"data": {"avatar": ...}}` answer differs from any other
processing job's only in `id`, `webhookUrl`, `creditCost` and `createdAt`; the rest is null or
"processing". Building the view and encoding it cost more than all the rest of a create, so
the answer is encoded once, from `avatar_view` itself with a marker in each of those four
places, and made into a %-template at the markers: an answer then encodes just the four values.
tests/test_processing_answer.py holds it to what encoding the view writes.
"""

from __future__ import annotations

from .core.clock import iso
from .core.jobs import Job, JobStatus, avatar_view
from .responses import encode_json

GAPS = ("id", "webhookUrl", "creditCost", "createdAt")


class ProcessingAnswer:
    def __init__(self) -> None:
        self._template: str | None = None  # made from the first processing job answered

    def encode(self, job: Job, base_url: str) -> bytes | None:
        """The answer for `job`, or None when it is not processing (the full view applies)."""
        if job.status is not JobStatus.PROCESSING:
            return None
        template = self._template or self._make_template(job, base_url)
        values = (job.id, job.webhook_url, job.credit_cost, iso(job.created_at))  # GAPS' order
        return (template % tuple(map(encode_json, values))).encode()

    def _make_template(self, job: Job, base_url: str) -> str:
        view = avatar_view(job, base_url)
        markers = [f"\ue000gap{number}" for number in range(len(GAPS))]
        view.update(zip(GAPS, markers, strict=True))
        template = encode_json({"data": {"avatar": view}}).replace("%", "%%")
        for marker in markers:
            encoded = encode_json(marker)
            assert template.count(encoded) == 1, f"{marker!r} is not once in the encoded view"
            template = template.replace(encoded, "%s")
        self._template = template
        return template
