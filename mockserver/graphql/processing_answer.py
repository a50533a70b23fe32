"""A processing job's GraphQL answer, with what every processing job answers alike written in.

The fast path's answer template (graphql/answer_template.py) encodes each selected field of the
resolver's view on every request. While a job is processing most of those fields read the same
for every job (its status, type and provider, the nulls of a video not made yet, given through
a scalar's coercion), and only a few differ (its id, price, creation time). So for each fast
plan, once, the fields that read alike are written into the text, and a processing job's answer
encodes only the others, each read off the job (api.avatar_answer.GAP_SOURCES) and encoded by
the field's own encoder, as the template would have encoded it.

Which fields differ is found as REST's template finds them: the views of the two synthetic
processing jobs of api.avatar_answer, unlike in every field and asked from two base URLs, are
encoded field by field. The shortcut is used only where proven: every differing field has a
source, neither answer names the base URL it was asked from, and the shortcut rebuilds both
answers byte for byte. Otherwise, and for every finished job, the template fills in the view.
tests/test_graphql_processing_answer.py holds both to the same bytes over generated jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..api.avatar_answer import GAP_SOURCES, SYNTHETIC_BASE_URLS, SYNTHETIC_JOBS, Source
from ..core.jobs import Job
from .answer_template import AnswerTemplate, Encode

View = Callable[[Job, str], Mapping[str, Any]]

_GAP = "\ue000"  # where a value goes, while the text is put together


@dataclass(frozen=True, slots=True)
class ProcessingAnswer:
    """The answer's text with a `%s` for each field processing jobs differ in, and for each
    where its value comes from and how it is encoded."""

    text: str
    gaps: tuple[tuple[Source, Encode], ...]

    def fill(self, job: Job) -> bytes:
        return (self.text % tuple([encode(source(job)) for source, encode in self.gaps])).encode()


def processing_answer(template: AnswerTemplate, view: View) -> ProcessingAnswer | None:
    """The shortcut for processing jobs' answers under `template` and the resolver's `view`,
    or None where it is not proven."""
    pairs = list(zip(SYNTHETIC_JOBS, SYNTHETIC_BASE_URLS, strict=True))
    try:
        views = [view(job, base_url) for job, base_url in pairs]
        pieces: list[str] = []
        gaps: list[tuple[Source, Encode]] = []
        for name, encode in template.fields:
            first, second = (encode(seen.get(name)) for seen in views)
            if first == second:
                pieces.append(first)
            elif name in GAP_SOURCES:
                pieces.append(_GAP)
                gaps.append((GAP_SOURCES[name], encode))
            else:
                return None  # a field that differs and cannot be read off the job
        text = template.text % tuple(pieces)
        if text.count(_GAP) != len(gaps):
            return None  # a value that holds the marker itself
        answer = ProcessingAnswer(text.replace("%", "%%").replace(_GAP, "%s"), tuple(gaps))
        for (job, base_url), seen in zip(pairs, views, strict=True):
            full = template.fill(seen)
            if base_url.encode() in full or answer.fill(job) != full:
                return None
    except Exception:  # an encoder that refuses a synthetic value: nothing is proven
        return None
    return answer
