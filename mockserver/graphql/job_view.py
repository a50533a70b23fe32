"""A resolver's answer about a job: the job's view, built only when something reads it.

The fast path writes most answers without reading the view: a processing job's from the job
itself (graphql.processing_answer), a finished job's poll from the answer kept for its body
(graphql.known_bodies); where it does need the view, it builds it from the job and the view
the resolver chose. So a resolver answers with a JobView, which builds the view on its first
read and keeps it; graphql-core's executor reads it as the mapping it is (its default resolver
reads a field of any Mapping by key). Nothing changes the job between the resolver and the
answer, so the view reads the same as if it had been built in the resolver."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..core.jobs import Job

View = Callable[[Job, str], dict[str, Any]]


class JobView(Mapping[str, Any]):
    """`view(job, base_url)`, built when first read."""

    __slots__ = ("_built", "base_url", "job", "view")

    def __init__(self, job: Job, view: View, base_url: str) -> None:
        self.job = job
        self.view = view
        self.base_url = base_url
        self._built: dict[str, Any] | None = None

    def built(self) -> dict[str, Any]:
        built = self._built
        if built is None:
            built = self._built = self.view(self.job, self.base_url)
        return built

    def __getitem__(self, key: str) -> Any:
        return self.built()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.built())

    def __len__(self) -> int:
        return len(self.built())

    def get(self, key: str, default: Any = None) -> Any:
        return self.built().get(key, default)
