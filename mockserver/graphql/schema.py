"""The GraphQL schema: SDL from `schema.graphql`, bound to resolvers that call the engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from typing import TYPE_CHECKING, Any

from ariadne import MutationType, QueryType, ScalarType, make_executable_schema
from graphql import GraphQLResolveInfo, GraphQLSchema

from ..core import job_request
from ..core.engine import Admission, Engine
from ..core.job_request import JobRequest
from ..core.jobs import Job, avatar_view, generation_view
from .job_view import JobView, View

if TYPE_CHECKING:
    from .known_bodies import KnownBody

Info = GraphQLResolveInfo[Any]


@dataclass(slots=True)
class RequestContext:
    """What resolvers need from the HTTP request that carried the operation, and the job they
    created or read, handed back for the journal."""

    engine: Engine
    admission: Admission
    base_url: str
    idempotency_key: str | None
    job_id: str | None = None
    # What the resolver answered about a job, when it did (its job, and the view it answers
    # with, built only when read): the fast path keeps a finished job's answer
    # (graphql.known_bodies) and writes a processing one's from what that view shares among
    # processing jobs (graphql.processing_answer).
    answered: JobView | None = None
    # The body these arguments came in, when it was read before (graphql.known_bodies): the
    # create they ask for is checked once for it, and kept with it.
    known: KnownBody | None = None

    def answer(self, job: Job, view: View) -> JobView:
        """What a resolver returns about `job`: `view` of it, from this request's base URL."""
        self.job_id = job.id
        answered = self.answered = JobView(job, view, self.base_url)
        return answered

    def create(self, check: Callable[[], JobRequest], view: View) -> JobView:
        """What a create's resolver does, and all it does: the job that `check()` gives (the
        resolver's arguments, checked), answered with `view` of it.

        For a body read before, the check runs once per catalog, and the create is kept with
        it (KnownBody.create): the executor makes the same create again for the same bytes
        without coercing them or calling the resolver (GraphQLExecutor._create_again), so
        this must stay all a create's resolver does."""
        known = self.known
        if known is None:
            request = check()
        else:
            request = known.checked_create(self.engine.fixtures.catalog, check, view).request
        return self.answer(self.create_job(request), view)

    def create_job(self, request: JobRequest) -> Job:
        """The job `request` asks for: created, or the one its idempotency key replays."""
        job = self.engine.create_job(self.admission, request, self.idempotency_key, self.base_url)
        self.job_id = job.id
        return job


def sdl() -> str:
    """The schema's source, shipped inside the package."""
    return (
        resources.files("mockserver.graphql").joinpath("schema.graphql").read_text(encoding="utf-8")
    )


query = QueryType()
mutation = MutationType()
json_scalar = ScalarType("JSON")


@query.field("avatar")
def resolve_avatar(_: Any, info: Info, id: str) -> JobView:
    context: RequestContext = info.context
    context.job_id = id  # asked for, found or not
    return context.answer(context.engine.get_job(context.admission.account, id), avatar_view)


@query.field("generation")
def resolve_generation(_: Any, info: Info, id: str) -> JobView:
    context: RequestContext = info.context
    context.job_id = id  # asked for, found or not
    return context.answer(context.engine.get_job(context.admission.account, id), generation_view)


@mutation.field("generate")
def resolve_generate(_: Any, info: Info, input: dict[str, Any]) -> JobView:
    context: RequestContext = info.context
    catalog = context.engine.fixtures.catalog
    return context.create(partial(job_request.from_generate, catalog, input), generation_view)


@mutation.field("generateAvatar")
def resolve_generate_avatar(_: Any, info: Info, input: dict[str, Any]) -> JobView:
    context: RequestContext = info.context
    catalog = context.engine.fixtures.catalog
    check = partial(job_request.from_avatar_input, catalog, input, "input", "generateAvatar")
    return context.create(check, avatar_view)


@cache
def executable_schema() -> GraphQLSchema:
    """Built once per process: the schema is immutable and holds no state of any mock."""
    return make_executable_schema(sdl(), query, mutation, json_scalar)
