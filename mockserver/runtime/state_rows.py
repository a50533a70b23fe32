"""The rows a state directory holds, encoded for the commit that follows every batch of requests.

A commit is on the path of every answer (`serve --state` answers once it is on disk), so its
encoding is kept small; reading puts each row back into the state document's own shape
(core.state_records, core.state_document), so what is loaded is what a snapshot holds:

- a job or a journal entry is a JSON array of its record's values in the record's field order
  (JOB_FIELDS, ENTRY_FIELDS, an entry's notes as NOTE_FIELDS), built from the object at once:
  no key is written, no record dictionary built. Rows an earlier mock-doitong wrote as objects
  read as they are.
- the small rest of the state keeps the document's shape, but a random stream's position (624
  words and an index, some 7 KB of JSON each) holds only its index there: its words, which
  change once in 624 draws, are a row of their own (`words_row`), 32-bit little-endian numbers
  in base64, written only when they changed. Directories of version 2 held the words and the
  index together in the rest row, in that base64 form; they read as they are.
- a webhook the inbox received is a row of the inbox table (`inbox_row`), written once: version
  2 held the whole inbox (up to 10,000 webhooks) in the rest row, encoded again whenever one
  arrived; it reads as it is.

tests/test_state_rows.py holds every row, read back, to the document's record of it.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from typing import TYPE_CHECKING, Any

from ..core import state_document
from ..core.compact_json import compact_encoder
from ..core.inbox import Received
from ..core.jobs import Job
from ..core.journal import EntryValues
from ..core.journal_entry import NO_NOTES, Entry, Notes
from ..core.state_records import ENTRY_FIELDS, JOB_FIELDS, NOTE_FIELDS, received_document

if TYPE_CHECKING:
    from ..core.engine import Engine

# json.dumps(value, separators=(",", ":")) with its C encoder made once, not once per row.
encode = compact_encoder(json.JSONEncoder(separators=(",", ":")))
_WORDS = "<{}I"


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
            _notes_values(entry.notes),
        ]
    )


def _notes_values(notes: Notes) -> list[Any]:
    return [
        notes.code,
        notes.retry_after,
        notes.rate_limit,
        notes.credits_available,
        notes.latency_seconds,
        notes.idempotency_key,
        notes.operation_name,
    ]


_NO_NOTES_VALUES = _notes_values(NO_NOTES)
# Distinct headers and bodies whose base64 is kept between commits, each of up to so many bytes:
# the memory this takes stays small whatever the clients send.
_BASE64_KEPT = 256
_BASE64_BYTES = 2048


class EntryRows:
    """`entry_row` of the journal's entries, from their values (Journal.values_since), with no
    Entry built; the base64 of headers and bodies sent again and again (a client's requests
    differ in little) is kept for the next, at most _BASE64_KEPT short ones."""

    def __init__(self) -> None:
        self._base64: dict[bytes, str] = {}

    def rows(self, entries: list[EntryValues]) -> list[str]:
        kept = self._base64
        if len(kept) > _BASE64_KEPT:
            kept.clear()
        rows = []
        for values in entries:
            row = list(values)
            for column in (9, 10):  # headers, body: bytes, or None once let go of
                data = row[column]
                if data is not None:
                    text = kept.get(data)
                    if text is None:
                        text = base64.b64encode(data).decode("ascii")
                        if len(data) <= _BASE64_BYTES:
                            kept[data] = text
                    row[column] = text
            notes = row[13]
            row[13] = _NO_NOTES_VALUES if notes is NO_NOTES else _notes_values(notes)
            rows.append(encode(row))
        return rows


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


def words_row(stream: str) -> str:
    """The name of the meta row that holds a random stream's words (directory version 3)."""
    return f"words.{stream}"


class RestRow:
    """The small rest of the state as one row, and each random stream's words as a row of its
    own, written only when they changed."""

    def __init__(self) -> None:
        # Each stream's words as last handed out: a stream gives the same tuple only while its
        # words cannot have changed (Randomness.words_and_head), so no 624 words are compared.
        self._words: dict[str, tuple[int, ...]] = {}

    def forget(self) -> None:
        """Hand out every stream's words again: what was handed out may not be on disk (a
        commit failed, or one rewrites everything)."""
        self._words = {}

    def rows(self, engine: Engine) -> tuple[str, dict[str, str]]:
        """The engine's rest (state_document.rest_but_inbox) as one row, and the words rows
        (by name) that changed since the last call."""
        rest = state_document.rest_but_inbox(engine, positions=False)
        randomness = rest["randomness"]
        words_rows: dict[str, str] = {}
        for name, stream in state_document.random_streams(engine).items():
            words, head = stream.words_and_head()
            if words is not self._words.get(name):
                packed = struct.pack(_WORDS.format(len(words)), *words)
                words_rows[words_row(name)] = base64.b64encode(packed).decode("ascii")
                self._words[name] = words
            randomness[name] = head
        return encode(rest), words_rows


def inbox_row(received: Received) -> str:
    """`state_records.received_document`, encoded."""
    return encode(received_document(received))


def rest_document(row: str, words: dict[str, str]) -> dict[str, Any]:
    """The rest row as the document's part, its random streams' positions as lists of words
    (`words`: the words rows by name); a row of version 2 holds the inbox too. ValueError if
    it is not one."""
    rest: dict[str, Any] = json.loads(row)
    randomness = rest.get("randomness")
    if type(randomness) is dict:
        for name in state_document.RANDOM_STREAMS:
            position = randomness.get(name)
            if type(position) is not list or len(position) != 3:
                continue
            if type(position[1]) is int:  # version 3: the index here, the words in their row
                stored = words.get(words_row(name))
                if stored is None:
                    raise ValueError(f"randomness.{name} has no row of words")
                position[1] = [*_unpacked(name, stored), position[1]]
            elif type(position[1]) is str:  # version 2: words and index together
                position[1] = _unpacked(name, position[1])
    return rest


def _unpacked(name: str, text: str) -> list[int]:
    try:
        packed = base64.b64decode(text, validate=True)
        return list(struct.unpack(_WORDS.format(len(packed) // 4), packed))
    except (binascii.Error, struct.error):
        raise ValueError(f"randomness.{name} is no list of 32-bit words") from None
