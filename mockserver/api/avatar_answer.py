"""The REST answer `{"data": {"avatar": ...}}`, encoded for processing jobs from a template.

Building a job's view and encoding it cost more than all the rest of a create, and the answers
of processing jobs share all their text but a few values. So that text is encoded once, as a
%-template with a gap for each value that can differ, and a processing job's answer encodes
only its own gap values. One template serves every job and every base URL (Host header).

Which values differ is found, not assumed: two synthetic processing jobs that differ in every
field are viewed from two different base URLs, and the fields whose encodings differ are the
gaps. The template is used only when that derivation proves it right: each gap is a scalar that
GAP_SOURCES reads off the job, neither answer names the base URL it was asked from, and the
template rebuilds both synthetic answers byte for byte. Otherwise every answer is encoded in
full: slower, never wrong. tests/test_avatar_answer.py holds the two to the same bytes over
every field of the view and any base URL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from ..core.catalog import Avatar
from ..core.clock import iso
from ..core.jobs import Job, JobStatus, avatar_view
from ..web.answers import encode_json, encode_json_string
from .finished_answers import FinishedAnswers

View = Callable[[Job, str], dict[str, Any]]
Source = Callable[[Job], object]

# How a job gives each value its answer may hold in a gap, without building the view. A field
# that turns out to vary but is not here leaves the template unproven (every answer in full).
GAP_SOURCES: dict[str, Source] = {
    "id": attrgetter("id"),
    "webhookUrl": attrgetter("webhook_url"),
    "creditCost": attrgetter("charged_credits"),
    "createdAt": lambda job: iso(job.created_at),
    "completedAt": Job.completed_at_iso,
    "error": attrgetter("error"),
}
_SCALARS = (type(None), str, int, float, bool)


@dataclass(frozen=True, slots=True)
class AnswerTemplate:
    """The answer's text with a `%s` in each gap, and where each gap's value comes from."""

    text: str
    sources: tuple[Source, ...]

    def fill(self, job: Job) -> bytes:
        """The answer, each gap's value written as `encode_json` writes it (a string or a null
        without the call into it; the loop is written out, a helper called per gap costs more)."""
        gaps = []
        for source in self.sources:
            value = source(job)
            if value is None:
                gaps.append("null")
            elif type(value) is str:
                gaps.append(encode_json_string(value))
            else:
                gaps.append(encode_json(value))
        return (self.text % tuple(gaps)).encode()


def full_answer(view: View, job: Job, base_url: str) -> bytes:
    return encode_json({"data": {"avatar": view(job, base_url)}}).encode()


# Two processing jobs unlike in every field (the second's webhook URL holds a `%s`, which must
# come out as text), and two base URLs unlike each other and the jobs'. GraphQL's answers of
# processing jobs are proven on them too (graphql/processing_answer.py).
SYNTHETIC_BASE_URLS = ("http://first-base.test:1", "https://second-base.example:2/prefix")
SYNTHETIC_JOBS = (
    Job(
        id="first-job",
        api_key="first-key",
        text="first text",
        avatar=Avatar("first-avatar", "First", 640, 480),
        voice=None,
        language=None,
        version=None,
        webhook_url=None,
        credit_cost=50,
        duration_ms=1_000,
        created_at=1_700_000_000.25,
        due_at=1_700_000_005.5,
        base_url="http://first-job-base.test",
    ),
    Job(
        id="second-job",
        api_key="second-key",
        text="second text",
        avatar=Avatar("second-avatar", "Second", 1280, 720),
        voice="second-voice",
        language="second-language",
        version="second-version",
        webhook_url="https://second-hook.test/%s",
        credit_cost=321,
        duration_ms=98_765,
        created_at=1_800_000_123.75,
        due_at=1_800_000_200.0,
        base_url="https://second-job-base.test",
        completed_at=1_800_000_150.5,
        error="second error",
    ),
)


def derive_template(view: View = avatar_view) -> AnswerTemplate | None:
    """The template for processing jobs' answers under `view`, or None where it is unproven."""
    if not _unlike_in_every_field(*SYNTHETIC_JOBS):
        return None  # a field the two jobs share could be one the template wrongly fixes
    pairs = list(zip(SYNTHETIC_JOBS, SYNTHETIC_BASE_URLS, strict=True))
    if any(base_url.encode() in full_answer(view, job, base_url) for job, base_url in pairs):
        return None  # a processing job's answer that names where it was asked from
    first, second = (view(job, base_url) for job, base_url in pairs)
    if list(first) != list(second):
        return None
    gaps = [key for key in first if encode_json(first[key]) != encode_json(second[key])]
    if any(key not in GAP_SOURCES for key in gaps):
        return None
    if any(type(seen[key]) not in _SCALARS for seen in (first, second) for key in gaps):
        return None
    text = _template_text(first, gaps)
    if text is None:
        return None
    template = AnswerTemplate(text, tuple(GAP_SOURCES[key] for key in gaps))
    if any(template.fill(job) != full_answer(view, job, base_url) for job, base_url in pairs):
        return None  # a source that does not give what the view shows
    return template


def _unlike_in_every_field(first: Job, second: Job) -> bool:
    """Whether the two jobs differ in every field but the status (both are processing)."""
    return all(
        getattr(first, field.name) != getattr(second, field.name)
        for field in dataclasses.fields(Job)
        if field.name != "status"
    )


def _template_text(view: dict[str, Any], gaps: list[str]) -> str | None:
    """`view`'s answer with `%s` for each gap's value (and `%%` for any `%`), or None if a
    gap's marker cannot be found exactly once in it."""
    markers = {key: f"\ue000gap{number}\ue001" for number, key in enumerate(gaps)}
    text = encode_json({"data": {"avatar": {**view, **markers}}}).replace("%", "%%")
    for marker in markers.values():
        encoded = encode_json(marker)
        if text.count(encoded) != 1:
            return None
        text = text.replace(encoded, "%s")
    return None if "\ue000" in text else text


class AvatarAnswer:
    """Encodes a job's REST answer: a processing job's from the template when one is proven,
    a finished one's in full once and then as kept (FinishedAnswers), and every job's in full
    when no template is proven."""

    def __init__(self, view: View = avatar_view) -> None:
        self._view = view
        self._template = derive_template(view)
        self._finished = FinishedAnswers()

    @property
    def templated(self) -> bool:
        """Whether processing jobs are answered from the template."""
        return self._template is not None

    def encode(self, job: Job, base_url: str) -> bytes:
        template = self._template
        if job.status is JobStatus.PROCESSING:
            return (
                full_answer(self._view, job, base_url) if template is None else template.fill(job)
            )
        return self._finished.answer(job, base_url, self._encode_in_full)

    def _encode_in_full(self, job: Job, base_url: str) -> bytes:
        return full_answer(self._view, job, base_url)
