"""Reading and checking a create request, whichever of the three documented shapes it came in.

GraphQL already enforces the input types; REST bodies arrive as raw JSON, so the checks here
cover types too. Every message names the field by its full path in the request, e.g.
`input.input.avatarId`, because that is what a person fixing the request searches for.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from . import billing
from .catalog import Catalog
from .errors import MAX_FIELD_CHARS, bad_request, shown
from .idempotency import digest
from .jobs import JOB_TYPE, PROVIDER
from .webhook_policy import WebhookTarget, parse_webhook_url


@dataclass(slots=True)  # not frozen: that triples the cost of making one, on every create
class JobRequest:
    """A checked create request: what to say, who says it, what it costs."""

    text: str
    avatar_id: str
    voice: str | None
    language: str | None
    version: str | None
    webhook_url: str | None
    quote: billing.Quote
    operation: str
    body: Any  # the request as sent, for telling an idempotent retry from a different request
    webhook: WebhookTarget | None = None  # webhook_url taken apart, for the engine's policy

    @property
    def fingerprint(self) -> bytes:
        """Computed only when an Idempotency-Key asks for it: most creates never need it."""
        return fingerprint(self.operation, self.body)


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


class _Fields:
    """Typed access to one JSON object, raising 400s that name the offending field."""

    def __init__(self, data: Any, prefix: str, allowed: frozenset[str]) -> None:
        if not isinstance(data, dict):
            where = prefix or "the request body"
            raise bad_request(f"{where} must be a JSON object", prefix or None)
        if not data.keys() <= allowed:
            field = _path(prefix, min(data.keys() - allowed))[:MAX_FIELD_CHARS]
            raise bad_request(f"Unknown field {field}", field)
        self._data = data
        self._dotted = prefix + "." if prefix else ""

    def path(self, name: str) -> str:
        return self._dotted + name

    def string(self, name: str) -> str | None:
        value = self._data.get(name)
        if value is None or isinstance(value, str):
            return value
        raise bad_request(f"{self.path(name)} must be a string", self.path(name))

    def required_string(self, name: str) -> str:
        value = self._data.get(name)
        if isinstance(value, str):
            return value
        if value is None:
            raise bad_request(f"{self.path(name)} is required", self.path(name))
        raise bad_request(f"{self.path(name)} must be a string", self.path(name))

    def nested(self, name: str, allowed: frozenset[str], *, required: bool) -> _Fields | None:
        value = self._data.get(name)
        if value is None:
            if required:
                raise bad_request(f"{self.path(name)} is required", self.path(name))
            return None
        return _Fields(value, self.path(name), allowed)


def _one_of(value: str, allowed: Collection[str], field: str, what: str) -> str:
    if value not in allowed:
        choices = ", ".join(sorted(allowed))
        raise bad_request(f"Unknown {what} {shown(value)} at {field}; available: {choices}", field)
    return value


def _check_exact(value: str, expected: str, field: str) -> None:
    if value != expected:
        raise bad_request(f"{field} must be {expected!r}, got {shown(value)}", field)


def _check_webhook_url(url: str | None, field: str) -> WebhookTarget | None:
    """An absolute http(s) URL with a valid host (see webhook_policy for where it may point)."""
    return None if url is None else parse_webhook_url(url, field)


# Characters that two minutes of speech can need: its 300 words at up to 20 characters each (a
# long word, its punctuation and the space after it). A longer text is refused before it is
# priced or kept, however few "words" it has: one 1 MiB word would otherwise be 50 credits.
MAX_TEXT_CHARS = 6000


def _quote(text: str, field: str) -> billing.Quote:
    if len(text) > MAX_TEXT_CHARS:
        raise bad_request(
            f"{field} is too long: {len(text)} characters; two minutes of speech need at most "
            f"{MAX_TEXT_CHARS}",
            field,
        )
    try:
        return billing.quote(text)
    except billing.TextEmpty:
        raise bad_request(f"{field} must contain words to speak", field) from None
    except billing.TextTooLong as error:
        raise bad_request(f"{field} is too long: {error}", field) from None


def fingerprint(operation: str, payload: Any) -> bytes:
    """A stable digest of a request body, to tell an idempotent retry from a different request.

    A digest, not the body: it is kept as long as the job, and bodies can be long.
    """
    return digest(operation + ":" + json.dumps(payload, sort_keys=True, separators=(",", ":")))


def _build(
    catalog: Catalog,
    *,
    text: tuple[str, str],
    avatar_id: tuple[str, str],
    voice: tuple[str | None, str],
    language: tuple[str | None, str],
    version: tuple[str | None, str],
    webhook_url: tuple[str | None, str],
    operation: str,
    body: Any,
) -> JobRequest:
    """Check each (value, field path) pair against the catalog and price the text."""
    quote = _quote(*text)
    _one_of(avatar_id[0], catalog.avatars.keys(), avatar_id[1], "avatar")
    if voice[0] is not None:
        _one_of(voice[0], catalog.voices, voice[1], "voice")
    if language[0] is not None:
        _one_of(language[0], catalog.languages, language[1], "language")
    if version[0] is not None:
        _one_of(version[0], catalog.versions, version[1], "version")
    webhook = _check_webhook_url(*webhook_url)
    return JobRequest(
        text=text[0],
        avatar_id=avatar_id[0],
        voice=voice[0],
        language=language[0],
        version=version[0],
        webhook_url=webhook_url[0],
        quote=quote,
        operation=operation,
        body=body,
        webhook=webhook,
    )


_GENERATE_FIELDS = frozenset({"type", "provider", "input", "options", "webhookUrl"})
_CONTENT_FIELDS = frozenset({"text", "avatarId"})
_OPTION_FIELDS = frozenset({"voice", "language", "version", "webhookUrl"})


def from_generate(catalog: Catalog, data: Any, prefix: str = "input") -> JobRequest:
    """The unified `generate(input: GenerateInput!)` shape."""
    top = _Fields(data, prefix, _GENERATE_FIELDS)
    _check_exact(top.required_string("type"), JOB_TYPE, top.path("type"))
    _check_exact(top.required_string("provider"), PROVIDER, top.path("provider"))
    content = top.nested("input", _CONTENT_FIELDS, required=True)
    assert content is not None
    options = top.nested("options", _OPTION_FIELDS, required=False)
    webhook = top.string("webhookUrl")
    webhook_field = top.path("webhookUrl")
    if webhook is None and options is not None:
        webhook, webhook_field = options.string("webhookUrl"), options.path("webhookUrl")

    def option(name: str) -> tuple[str | None, str]:
        if options is None:
            return None, _path(top.path("options"), name)
        return options.string(name), options.path(name)

    return _build(
        catalog,
        text=(content.required_string("text"), content.path("text")),
        avatar_id=(content.required_string("avatarId"), content.path("avatarId")),
        voice=option("voice"),
        language=option("language"),
        version=option("version"),
        webhook_url=(webhook, webhook_field),
        operation="generate",
        body=data,
    )


_AVATAR_FIELDS = frozenset({"service", "text", "avatarId", "voice", "version", "webhookUrl"})


def from_avatar_input(catalog: Catalog, data: Any, prefix: str, operation: str) -> JobRequest:
    """The flat shape of `generateAvatar(input:)` and of the REST body (`prefix` "")."""
    fields = _Fields(data, prefix, _AVATAR_FIELDS)
    _check_exact(fields.required_string("service"), PROVIDER, fields.path("service"))
    return _build(
        catalog,
        text=(fields.required_string("text"), fields.path("text")),
        avatar_id=(fields.required_string("avatarId"), fields.path("avatarId")),
        voice=(fields.string("voice"), fields.path("voice")),
        language=(None, fields.path("language")),
        version=(fields.string("version"), fields.path("version")),
        webhook_url=(fields.string("webhookUrl"), fields.path("webhookUrl")),
        operation=operation,
        body=data,
    )
