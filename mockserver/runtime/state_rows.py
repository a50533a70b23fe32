"""The rows a state directory holds, encoded for the commit that follows every batch of requests.

A commit is on the path of every answer (`serve --state` answers once it is on disk), so its
encoding is kept small; reading puts each row back into the state document's own shape
(core.state_records, core.state_document), so what is loaded is what a snapshot holds:

- a job or a journal entry is a JSON array of its record's values in the record's field order
  (JOB_FIELDS, ENTRY_FIELDS, an entry's notes as NOTE_FIELDS), built from the object at once:
  no key is written, no record dictionary built. Rows an earlier mock-doitong wrote as objects
  read as they are.
- the small rest of the state keeps the document's shape, but a random stream's position (624
  words and an index, some 7 KB of JSON each) is its words as 32-bit little-endian numbers, in
  base64, and the inbox (up to 10,000 webhooks received) is encoded again only after it
  changed (it counts its changes).

tests/test_state_rows.py holds every row, read back, to the document's record of it.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from typing import Any

from ..core.inbox import Inbox
from ..core.jobs import Job
from ..core.journal_entry import Entry
from ..core.state_records import ENTRY_FIELDS, JOB_FIELDS, NOTE_FIELDS, received_document

# json.dumps(value, separators=(",", ":")) with its encoder made once, not once per row.
encode = json.JSONEncoder(separators=(",", ":")).encode
_WORDS = "<{}I"
_STREAMS = ("position", "webhookFaults")


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


# -- jobs and journal entries ----------------------------------------------------------------


def job_row(
    job: Job, request_id: int, planned_error: str | None, idempotency: tuple[bytes, bytes] | None
) -> str:
    """`state_records.job_document`'s values, in JOB_FIELDS order."""
    return encode(
        [
            job.id,
            job.api_key,
            job.text,
            job.avatar.id,
            job.voice,
            job.language,
            job.version,
            job.webhook_url,
            job.credit_cost,
            job.duration_ms,
            job.created_at,
            job.due_at,
            job.base_url,
            job.status.value,
            job.completed_at,
            job.error,
            planned_error,
            request_id,
            None if idempotency is None else [part.hex() for part in idempotency],
        ]
    )


def entry_row(entry: Entry) -> str:
    """`state_records.entry_document`'s values, in ENTRY_FIELDS order (its notes in NOTE_FIELDS
    order)."""
    notes = entry.notes
    return encode(
        [
            entry.id,
            entry.at,
            entry.method,
            entry.path,
            entry.operation,
            entry.api_key,
            entry.status,
            entry.duration_ms,
            entry.job_id,
            _b64(entry.raw_headers),
            _b64(entry.raw_body),
            entry.flags,
            entry.body_digest,
            [
                notes.code,
                notes.retry_after,
                notes.rate_limit,
                notes.credits_available,
                notes.latency_seconds,
                notes.idempotency_key,
                notes.operation_name,
            ],
        ]
    )


def job_record(row: Any) -> Any:
    """A job row as the document's record; anything else (an object row) as it is, for the
    document's checks to judge."""
    if type(row) is list and len(row) == len(JOB_FIELDS):
        return dict(zip(JOB_FIELDS, row, strict=True))
    return row


def entry_record(row: Any) -> Any:
    """A journal row as the document's record; anything else as it is."""
    if type(row) is not list or len(row) != len(ENTRY_FIELDS):
        return row
    record = dict(zip(ENTRY_FIELDS, row, strict=True))
    notes = record["notes"]
    if type(notes) is list and len(notes) == len(NOTE_FIELDS):
        record["notes"] = dict(zip(NOTE_FIELDS, notes, strict=True))
    return record


# -- the rest --------------------------------------------------------------------------------


class RestRow:
    """The small rest of the state as one row, re-encoding only the parts that changed."""

    def __init__(self) -> None:
        self._positions: dict[str, tuple[list[Any], str]] = {}
        self._inbox: tuple[Inbox, int] | None = None  # the inbox last encoded, at which change
        self._inbox_text = ""

    def text(self, rest: dict[str, Any], inbox: Inbox) -> str:
        """`rest` (state_document.rest_but_inbox) and `inbox`, as one row."""
        randomness = rest["randomness"]
        compact = {**randomness}
        for name in _STREAMS:
            compact[name] = self._position(name, randomness[name])
        head = encode({**rest, "randomness": compact})
        return f'{head[:-1]},"inbox":{self._inbox_of(inbox)}}}'

    def _position(self, name: str, position: list[Any]) -> list[Any]:
        version, words, gauss = position
        cached = self._positions.get(name)
        if cached is not None and cached[0] == words:
            return [version, cached[1], gauss]
        try:
            text = base64.b64encode(struct.pack(_WORDS.format(len(words)), *words)).decode()
        except struct.error:  # not 32-bit words: kept as they are
            return position
        self._positions[name] = (words, text)
        return [version, text, gauss]

    def _inbox_of(self, inbox: Inbox) -> str:
        if self._inbox is None or self._inbox[0] is not inbox or self._inbox[1] != inbox.changes:
            self._inbox = (inbox, inbox.changes)
            self._inbox_text = encode([received_document(item) for item in inbox])
        return self._inbox_text


def rest_document(row: str) -> dict[str, Any]:
    """The rest row as the document's part: its random streams' positions as lists of words.
    ValueError if it is not one."""
    rest: dict[str, Any] = json.loads(row)
    randomness = rest.get("randomness")
    if type(randomness) is dict:
        for name in _STREAMS:
            position = randomness.get(name)
            if type(position) is list and len(position) == 3 and type(position[1]) is str:
                try:
                    packed = base64.b64decode(position[1], validate=True)
                    words = struct.unpack(_WORDS.format(len(packed) // 4), packed)
                except (binascii.Error, struct.error):
                    raise ValueError(f"randomness.{name} is no list of 32-bit words") from None
                position[1] = list(words)
    return rest
