"""The REST answer `{"data": {"avatar": ...}}`, encoded for processing jobs from a template.

While a job is processing, its answer differs from any other processing job's only in `id`,
`webhookUrl`, `creditCost` and `createdAt`; the rest is null or "processing". Building the view
and encoding it cost more than all the rest of a create, so that answer is encoded once, from
`avatar_view` itself with a marker in each of those four places, and made into a %-template at
the markers: answering a processing job then encodes just the four values. Any other job's
answer is its view, encoded. tests/test_avatar_answer.py holds the two to the same bytes.
"""

from __future__ import annotations

from ..core.clock import iso
from ..core.jobs import Job, JobStatus, avatar_view
from ..web.answers import encode_json

GAPS = ("id", "webhookUrl", "creditCost", "createdAt")


class AvatarAnswer:
    def __init__(self) -> None:
        self._template: str | None = None  # made from the first processing job answered

    def encode(self, job: Job, base_url: str) -> bytes:
        if job.status is not JobStatus.PROCESSING:
            return encode_json({"data": {"avatar": avatar_view(job, base_url)}}).encode()
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
