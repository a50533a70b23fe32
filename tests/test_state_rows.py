"""The state directory's compact rows read back to exactly the document's records."""

from __future__ import annotations

import base64
import json
import sqlite3
import struct
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from test_state_snapshots import HOOK, busy_day

from mockserver import create_app
from mockserver.core import state_document
from mockserver.core.engine import Engine
from mockserver.core.inbox import Received
from mockserver.core.journal import Journal
from mockserver.core.journal_entry import NO_NOTES, Notes
from mockserver.core.state_records import entry_document
from mockserver.runtime.config import MockConfig
from mockserver.runtime.durable_state import DurableState, keep_state
from mockserver.runtime.mock_runtime import MockRuntime
from mockserver.runtime.state_dir import (
    DATABASE,
    DIRECTORY_VERSION,
    Batch,
    StateDir,
    StateDirError,
)
from mockserver.runtime.state_rows import (
    EntryRows,
    RestRow,
    encode,
    entry_record,
    entry_row,
    inbox_row,
    job_record,
    job_row,
    rest_document,
    words_row,
)

from conftest import Api, rest_body, virtual_config

KEY = "test_unlimited_key"
STARTER = "test_starter_key"  # a plan with a low rate limit, and no fault scripted for it
LONG = 5_000  # characters: a text the journal cuts, so its entry holds a cut body
# Bodies cut at 512 bytes, and the oldest let go of: entries of every kind.
JOURNAL = {"journal_body_bytes": 512, "journal_body_budget": 1024}


@pytest.fixture
def api() -> Iterator[Api]:
    app = create_app(virtual_config(**JOURNAL))
    with TestClient(app, base_url="http://mock.test") as client:
        yield Api(client)


def engine_of(api: Api) -> Engine:
    engine: Engine = api.client.app.state.runtime.engine  # type: ignore[attr-defined]
    return engine


class CommittedByHand(DurableState):
    """Commits only when the test writes a batch. The TestClient's loop, on its own thread,
    would otherwise commit after each request on the same connection as the test, and two
    transactions at once on one connection fail."""

    def _ask(self) -> None:
        pass


def eventful(api: Api) -> Engine:
    """A mock with jobs of every kind (ended, failed, keyed, with a webhook) and journal entries
    of every kind (refused with notes, cut, unicode), as `busy_day` and a few more make them."""
    busy_day(api)
    api.rest_create(rest_body(text='naïve ☃ \u2028 "quoted" \\ ' + "x" * LONG))
    api.client.post("/v1/avatar", content=b"{not json", headers={"X-API-Key": "YOUR_API_KEY"})
    api.client.post("/v1/avatar", json=rest_body(), headers={"X-API-Key": "nobody"})
    api.rest_create(rest_body(webhookUrl=HOOK), **{"Idempotency-Key": "order-2"})
    options = {"voice": "en-GB-neural", "version": "hedra-1.0"}
    assert api.rest_create(rest_body(**options)).status_code == 200
    starter = {"X-API-Key": STARTER}
    assert api.client.put(f"/__mock/accounts/{STARTER}", json={"credits": 1}).status_code == 200
    assert api.client.post("/v1/avatar", json=rest_body(), headers=starter).status_code == 402
    for _ in range(1_000):  # the plan's limit per minute is far below
        if api.client.post("/v1/avatar", json=rest_body(), headers=starter).status_code == 429:
            break
    return engine_of(api)


def test_every_job_row_reads_back_as_the_documents_record(api: Api) -> None:
    engine = eventful(api)
    memory = state_document.memory_of(engine)
    jobs = list(engine.jobs.values())
    kinds = {(job.status.value, job.webhook_url is not None) for job in jobs}
    assert len(kinds) >= 3, kinds  # processing, completed and failed, with and without a webhook
    assert any(memory.idempotency.of_job(job.id) for job in jobs)
    assert any(job.voice and job.version for job in jobs)
    assert any(engine.planned_failure(job.id) for job in jobs) or any(job.error for job in jobs)
    for job, request_id in zip(jobs, memory.ledger.request_ids(), strict=True):
        expected = state_document.job_of(engine, job, request_id)
        planned, digests = engine.planned_failure(job.id), memory.idempotency.of_job(job.id)
        row = job_row(job, request_id, planned, digests)
        read = job_record(json.loads(row))
        assert read == expected
        assert encode(read) == encode(expected)  # the same keys in the same order, the same text


def test_every_journal_row_reads_back_as_the_documents_record(api: Api) -> None:
    entries = eventful(api).journal.entries()
    assert any(entry.notes.code for entry in entries)  # refused: notes kept
    assert any(entry.notes.credits_available is not None for entry in entries)  # a 402
    assert any(entry.notes.rate_limit for entry in entries)  # a 429
    assert any(entry.truncated for entry in entries)
    assert any(entry.raw_body is None for entry in entries)  # let go of, within the budget
    for entry in entries:
        expected = entry_document(entry)
        read = entry_record(json.loads(entry_row(entry)))
        assert read == expected
        assert encode(read) == encode(expected)


def test_journal_rows_from_the_journals_values_are_those_of_its_entries(api: Api) -> None:
    """EntryRows writes from the columns what entry_row writes from an Entry, byte for byte,
    its kept base64 included (each row is written twice)."""
    journal = eventful(api).journal
    rows = EntryRows()
    expected = [entry_row(entry) for entry in journal.entries()]
    assert rows.rows(journal.values_since(0)) == expected
    assert rows.rows(journal.values_since(0)) == expected
    for count in (0, 1, journal.recorded - 3, journal.recorded, journal.recorded + 1):
        since = [entry_row(entry) for entry in journal.recorded_since(count)]
        assert rows.rows(journal.values_since(count)) == since


def test_journal_values_follow_the_ring_once_it_is_full() -> None:
    """Bodies too long for their base64 to be kept among them."""
    journal = Journal(capacity=5)
    for number in range(13):
        journal.record(
            at=float(number), method="GET", path=f"/v1/avatar/{number}", operation="rest.get",
            api_key=KEY, status=200 + number, duration_ms=0.5, headers=b"h%d" % number,
            body=b"x" * 3_000 if number % 3 else b"", request_id=number,
            notes=Notes(code="NOT_FOUND") if number % 2 else NO_NOTES,
        )  # fmt: skip
        for count in range(number + 2):
            assert EntryRows().rows(journal.values_since(count)) == [
                entry_row(entry) for entry in journal.recorded_since(count)
            ]


def test_the_rest_row_reads_back_as_the_snapshots_rest_after_each_change(api: Api) -> None:
    """One RestRow across changes: a part kept from the last commit is never stale."""
    engine = engine_of(api)
    rest = RestRow()
    steps = [
        lambda: None,
        lambda: busy_day(api),
        api.rest_create,
        lambda: api.client.post("/__mock/inbox/second", content=b"more"),
        lambda: api.client.delete("/__mock/inbox"),
        lambda: api.client.post("/__mock/inbox/third", content=b"again"),
        lambda: api.advance(100),
        lambda: api.client.post("/__mock/reset"),
    ]
    stored: dict[str, str] = {}  # the words rows as a directory would hold them
    for number, step in enumerate(steps):
        step()
        expected = state_document.rest_but_inbox(engine)
        text, words = rest.rows(engine)
        if number == 0:  # the first rows: every stream's words
            assert set(words) == {words_row("position"), words_row("webhookFaults")}
        stored.update(words)
        read = rest_document(text, stored)
        assert read == expected
        assert encode(read) == encode(expected)
        assert type(json.loads(text)["randomness"]["position"][1]) is int  # the index alone
    # Nothing drawn since: no words rows to write; forgotten, all of them again.
    assert rest.rows(engine)[1] == {}
    rest.forget()
    assert rest.rows(engine)[1] == stored


def test_a_streams_words_are_handed_out_exactly_when_they_change(api: Api) -> None:
    """Every draw moves the index; the words change once in 624 words drawn."""
    engine = engine_of(api)
    rest, handed = RestRow(), 0
    rest.rows(engine)
    for _ in range(400):  # ids of 72 bits, three words each: the words change twice or so
        before = engine.randomness.position()[1]
        engine.randomness.token()
        after = engine.randomness.position()[1]
        words = rest.rows(engine)[1]
        assert (words_row("position") in words) == (before[:-1] != after[:-1])
        handed += bool(words)
    assert handed >= 1


def test_a_random_position_that_is_no_list_of_words_stops_the_load_naming_the_file(
    tmp_path: Path,
) -> None:
    runtime = MockRuntime(MockConfig(seed=1))
    directory = StateDir(tmp_path)
    directory.write(DurableState(runtime.engine, directory, None)._batch())
    directory.close()
    with sqlite3.connect(tmp_path / DATABASE) as db:
        rest = json.loads(db.execute("SELECT value FROM meta WHERE name = 'rest'").fetchone()[0])
        rest["randomness"]["position"][1] = "abcdef"  # three bytes: no whole 32-bit word
        db.execute("UPDATE meta SET value = ? WHERE name = 'rest'", (json.dumps(rest),))
    with pytest.raises(StateDirError, match=f"{tmp_path / DATABASE} holds a damaged state"):
        StateDir(tmp_path).load()


@pytest.mark.parametrize("words", ["abcdef", None])
def test_a_words_row_damaged_or_missing_stops_the_load_naming_the_file(
    tmp_path: Path, words: str | None
) -> None:
    runtime = MockRuntime(MockConfig(seed=1))
    directory = StateDir(tmp_path)
    directory.write(DurableState(runtime.engine, directory, None)._batch())
    directory.close()
    with sqlite3.connect(tmp_path / DATABASE) as db:
        if words is None:
            db.execute("DELETE FROM meta WHERE name = ?", (words_row("webhookFaults"),))
        else:
            db.execute("UPDATE meta SET value = ? WHERE name = ?", (words, words_row("position")))
    with pytest.raises(StateDirError, match=f"{tmp_path / DATABASE} holds a damaged state"):
        StateDir(tmp_path).load()


def object_rows(tmp_path: Path, document: dict[str, Any]) -> None:
    """A directory as the first `serve --state` wrote it: every row a JSON object."""
    directory = StateDir(tmp_path)
    directory.close()
    rest = {name: value for name, value in document.items() if name not in state_document_lists}
    with sqlite3.connect(tmp_path / DATABASE) as db:
        for table in state_document_lists:
            db.executemany(
                f"INSERT INTO {table} VALUES (?, ?)",
                [(seq, json.dumps(record)) for seq, record in enumerate(document[table])],
            )
        db.execute("INSERT INTO meta VALUES ('rest', ?)", (json.dumps(rest),))
        db.execute("UPDATE meta SET value = '1' WHERE name = 'version'")


state_document_lists = ("jobs", "deliveries", "journal")


def test_a_directory_of_version_1_loads_as_the_same_state_and_is_version_2_once_written(
    api: Api, tmp_path: Path
) -> None:
    """Version 1 held every row as an object; they read as they are."""
    engine = eventful(api)
    document = state_document.snapshot(engine)
    object_rows(tmp_path, document)
    runtime = MockRuntime(virtual_config(**JOURNAL))
    durable = keep_state(runtime, tmp_path)
    try:
        assert state_document.snapshot(runtime.engine) == document
        directory = durable.directory
        directory.write(durable._batch())
    finally:
        durable.directory.close()
    with sqlite3.connect(tmp_path / DATABASE) as db:
        version = db.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()[0]
    assert version == str(DIRECTORY_VERSION) == "3"


def version_2_rows(tmp_path: Path) -> None:
    """The directory's rest row as version 2 wrote it: each random stream's words and index
    together, in base64, and no words rows; the inbox in it too, and no inbox table."""
    with sqlite3.connect(tmp_path / DATABASE) as db:
        rest = json.loads(db.execute("SELECT value FROM meta WHERE name = 'rest'").fetchone()[0])
        inbox = [json.loads(row[0]) for row in db.execute("SELECT record FROM inbox ORDER BY seq")]
        assert inbox  # the eventful day's webhooks
        rest["inbox"] = inbox
        db.execute("DROP TABLE inbox")
        words = dict(db.execute("SELECT name, value FROM meta WHERE name LIKE 'words.%'"))
        for name in ("position", "webhookFaults"):
            position = rest["randomness"][name]
            packed = base64.b64decode(words[words_row(name)]) + struct.pack("<I", position[1])
            position[1] = base64.b64encode(packed).decode()
        db.execute("UPDATE meta SET value = ? WHERE name = 'rest'", (json.dumps(rest),))
        db.execute("DELETE FROM meta WHERE name LIKE 'words.%'")
        db.execute("UPDATE meta SET value = '2' WHERE name = 'version'")


def test_a_directory_of_version_2_loads_as_the_same_state_and_is_version_3_once_written(
    api: Api, tmp_path: Path
) -> None:
    engine = eventful(api)
    document = state_document.snapshot(engine)
    durable = DurableState(engine, StateDir(tmp_path), None)
    durable.directory.write(durable._batch())
    durable.directory.close()
    version_2_rows(tmp_path)
    for _ in range(2):  # read as version 2, then as the version 3 its first commit wrote
        runtime = MockRuntime(virtual_config(**JOURNAL))
        durable = keep_state(runtime, tmp_path)
        try:
            assert state_document.snapshot(runtime.engine) == document
            durable.directory.write(durable._batch())
        finally:
            durable.directory.close()
        with sqlite3.connect(tmp_path / DATABASE) as db:
            version = db.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()[0]
            names = {row[0] for row in db.execute("SELECT name FROM meta")}
            inbox = db.execute("SELECT count(*) FROM inbox").fetchone()[0]
        assert version == "3"
        assert {words_row("position"), words_row("webhookFaults")} <= names
        assert inbox == len(document["inbox"])


def test_the_inbox_is_a_row_per_webhook_written_once_and_let_go_of_with_it(
    api: Api, tmp_path: Path
) -> None:
    """Webhooks arriving, the oldest leaving a full inbox, a clear, a reset: after each
    commit the directory holds the inbox's webhooks, no more, and loads as the same state."""
    engine = engine_of(api)
    inbox = state_document.memory_of(engine).inbox
    durable = CommittedByHand(engine, StateDir(tmp_path), None)
    directory = durable.directory

    def commit() -> Batch:
        batch = durable._batch()
        directory.write(batch)
        return batch

    def stored() -> list[str]:
        found = directory._db.execute("SELECT record FROM inbox ORDER BY seq").fetchall()
        return [row[0] for row in found]

    def post(number: int) -> None:
        api.client.post(f"/__mock/inbox/hook{number}", content=b"%d" % number).raise_for_status()

    commit()
    written = []
    for step in range(12):
        if step == 3:
            inbox._received = deque(inbox._received, maxlen=4)  # a small inbox, to overflow
        if step == 8:
            api.client.delete("/__mock/inbox").raise_for_status()
        if step == 10:
            api.client.post("/__mock/reset").raise_for_status()
        for number in range(step % 3):
            post(step * 10 + number)
        written.append(len(commit().rows["inbox"]))
        assert stored() == [inbox_row(received) for received in inbox]
    assert written[:3] == [0, 1, 2]  # only the new ones
    create = api.rest_create()
    assert create.status_code == 200
    assert commit().rows["inbox"] == []  # nothing arrived: nothing written
    document = state_document.snapshot(engine)
    directory.close()
    runtime = MockRuntime(virtual_config(**JOURNAL))
    loaded = keep_state(runtime, tmp_path)
    try:
        assert state_document.snapshot(runtime.engine)["inbox"] == document["inbox"]
        # One more after the restart: its row follows those loaded.
        runtime.engine.inbox.record(Received(at=1.0, path="/again", headers={}, body=b"!"))
        batch = loaded._batch()
        loaded.directory.write(batch)
        assert len(batch.rows["inbox"]) == 1
        found = loaded.directory._db.execute("SELECT record FROM inbox ORDER BY seq").fetchall()
        assert [row[0] for row in found] == [
            inbox_row(received) for received in runtime.engine.inbox
        ]
    finally:
        loaded.directory.close()


def test_the_rows_read_the_random_streams_the_rest_row_writes(api: Api) -> None:
    """The reader names the streams apart from the engine (it has none); both lists agree."""
    streams = state_document.random_streams(engine_of(api))
    assert set(state_document.RANDOM_STREAMS) == set(streams)
