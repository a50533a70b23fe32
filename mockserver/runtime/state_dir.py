"""`serve --state DIR`: where one mock's state lives on disk, an SQLite database in WAL mode.

The database holds a state document (core.state_document) cut in four: the long lists (jobs,
deliveries, journal) a row per item, so a batch of changes writes only the items it changed,
and the rest (accounts, faults, counters, the clock's position...) as one small document
rewritten with every batch, each in the compact form of state_rows. Loading puts the pieces
back together as the document a snapshot would be, and loads that, so the directory and `PUT
/__mock/state` read alike.

A directory belongs to one process at a time (an `flock` on DIR/lock). A file that is not this
mock's database, or one of a format version this mock cannot read, stops `serve` with a message
naming it, and is left exactly as it was.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.state_document import FORMAT, VERSION
from .state_rows import entry_record, job_record, rest_document

# The directory's own format version, and the state document's version each one holds. 1: every
# row a JSON object; 2: rows as state_rows writes them, a random stream's words and the inbox
# in the rest row; 3: as 2, but each stream's words in a meta row of their own and the inbox a
# table of its own. Directories of versions 1 and 2 read as they are (their rows are rewritten
# as they change), and a mock-doitong that reads only an older version refuses a newer
# directory saying to upgrade.
DIRECTORY_VERSION = 3
_DOCUMENT_VERSIONS = {1: 1, 2: 1, 3: VERSION}
_VERSION = str(DIRECTORY_VERSION)
# A meta row set in place: INSERT OR REPLACE would delete the row and insert it anew, under a
# new rowid, so every commit would also rewrite a page of the table's index on `name`.
_IN_PLACE = "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
_SET_REST = f"INSERT INTO meta VALUES ('rest', ?), ('version', ?) {_IN_PLACE}"
_SET_META = f"INSERT INTO meta VALUES (?, ?) {_IN_PLACE}"
_WORDS_ROWS = "words.%"  # the meta rows of the random streams' words (state_rows.words_row)
# Pages of log (4 KiB each) between two checkpoints; SQLite's default is 1,000.
CHECKPOINT_PAGES = 4_000
DATABASE = "state.sqlite3"
LOCK = "lock"
_SQLITE_HEADER = b"SQLite format 3\x00"
_TABLES = ("jobs", "deliveries", "journal")  # every version's
_LISTS = (*_TABLES, "inbox")  # a row per item; the inbox's since version 3
_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    *(f"CREATE TABLE {table} (seq INTEGER PRIMARY KEY, record TEXT NOT NULL)" for table in _LISTS),
)
# An older directory has no inbox table: made by its first commit, so that a directory that
# cannot be loaded is left as it was.
_INBOX_TABLE = _SCHEMA[-1].replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")


class StateDirError(Exception):
    """Why a state directory cannot be used, said for the person who started the mock."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """A directory's state: the document, and each long list's row numbers (in its order)."""

    document: dict[str, Any]
    job_rows: list[int]
    delivery_rows: list[int]
    journal_rows: list[int]
    inbox_rows: list[int]  # none in a directory of version 2 (its inbox is in the rest row)


@dataclass(slots=True)
class Batch:
    """One commit's worth of changes, encoded already: rows to write and rows to delete."""

    rest: str  # the small part of the document, whole
    meta: dict[str, str] = field(default_factory=dict)  # more meta rows, by name: the words
    everything: bool = False  # the state was replaced: every row goes first
    rows: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    gone: dict[str, list[int]] = field(default_factory=dict)
    journal_before: int = 0  # journal rows below this number have left the journal
    inbox_before: int = 0  # inbox rows below this number have left the inbox

    def size(self) -> int:
        """Rows to write or delete."""
        return sum(map(len, self.rows.values())) + sum(map(len, self.gone.values()))


class StateDir:
    """An open, locked state directory; `write` is for one thread at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = path / DATABASE
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StateDirError(f"cannot use {path} as the state directory: {error}") from None
        self._lock_fd = self._lock()
        try:
            self._check_file()
            self._db = self._open()
        except BaseException:
            os.close(self._lock_fd)  # a directory refused is let go at once
            raise

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.file, check_same_thread=False, isolation_level=None)
        try:
            self._check_or_create(db)  # before WAL mode, which a foreign file must not be put in
            db.execute("PRAGMA journal_mode=WAL")
            # Each commit is in the operating system's hands before the answers it covers go
            # out: in WAL mode, NORMAL writes the commit to the log file and leaves syncing it
            # to the checkpoints, so a killed process (kill -9, a crash of the mock) loses
            # nothing answered, while a power cut or a crash of the machine may lose the last
            # commits (never the database's consistency). FULL would wait for the disk at every
            # commit, which the promise, surviving the process, does not need.
            db.execute("PRAGMA synchronous=NORMAL")
            # A checkpoint copies each page the log holds once, however many commits
            # rewrote it (the rest row's, the tables' last pages): a longer log between two
            # copies the pages rewritten most fewer times (README, Durable state). The log
            # stays bounded: it starts over once a checkpoint has copied it all.
            db.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
        except sqlite3.DatabaseError as error:
            db.close()
            raise StateDirError(
                f"{self.file} is not a mock-doitong state database ({error}); it was left as "
                "it is: move it away, or give --state another directory"
            ) from None
        except BaseException:
            db.close()
            raise
        return db

    def _lock(self) -> int:
        lock = self.path / LOCK
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StateDirError(
                f"{self.path} is in use by another mock-doitong (pid {holder}): stop that one, "
                "or give this one another --state directory"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        return fd

    def _check_file(self) -> None:
        if not self.file.exists():
            return
        with self.file.open("rb") as existing:
            header = existing.read(len(_SQLITE_HEADER))
        if header and header != _SQLITE_HEADER:
            raise StateDirError(
                f"{self.file} is not an SQLite database (a foreign or corrupt file); it was "
                "left as it is: move it away, or give --state another directory"
            )

    def _check_or_create(self, db: sqlite3.Connection) -> None:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if not tables:
            db.execute("BEGIN")
            for statement in _SCHEMA:
                db.execute(statement)
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("format", FORMAT), ("version", str(DIRECTORY_VERSION))],
            )
            db.execute("COMMIT")
            return
        self._has_inbox = "inbox" in tables
        meta = dict(db.execute("SELECT name, value FROM meta")) if "meta" in tables else {}
        if meta.get("format") != FORMAT or not set(_TABLES) <= tables:
            raise StateDirError(
                f"{self.file} holds no mock-doitong state (another program's database?); it "
                "was left as it is: move it away, or give --state another directory"
            )
        version = meta.get("version", "")
        if not version.isdigit() or int(version) > DIRECTORY_VERSION:
            raise StateDirError(
                f"{self.file} is in format version {version}, newer than this mock-doitong "
                f"reads ({DIRECTORY_VERSION}): upgrade mock-doitong, or give --state another "
                "directory"
            )
        # A version before the first holds no known document: the document's check says so.
        document_version = _DOCUMENT_VERSIONS.get(int(version), int(version))
        if document_version < VERSION:  # read through the document's migrations, rewritten
            self.older_version = document_version

    older_version: int | None = None
    _has_inbox = True
    # The journal's rows below this are gone already (a batch that rewrites everything writes
    # only the entries kept): most batches, before the journal is full, delete none.
    _journal_before = -1
    _inbox_before = -1

    def load(self) -> Loaded | None:
        """The stored state, or None for a directory that holds none yet."""
        rest = self._db.execute("SELECT value FROM meta WHERE name = 'rest'").fetchone()
        if rest is None:
            return None
        try:
            words = dict(
                self._db.execute("SELECT name, value FROM meta WHERE name LIKE ?", (_WORDS_ROWS,))
            )
            document = rest_document(rest[0], words)
            rows: dict[str, list[int]] = {"inbox": []}
            earlier_inbox = document.pop("inbox", [])  # a rest row of version 2 holds it
            for table in _LISTS if self._has_inbox else _TABLES:
                numbers, records = self._rows(table)
                rows[table] = numbers
                # One decode of the whole list: far faster than one per row.
                document[table] = json.loads("[" + ",".join(records) + "]")
            document["jobs"] = [job_record(row) for row in document["jobs"]]
            document["journal"] = [entry_record(row) for row in document["journal"]]
            if type(earlier_inbox) is not list:
                raise ValueError("inbox is no list")
            document["inbox"] = earlier_inbox + document.get("inbox", [])
        except (ValueError, TypeError) as error:
            raise StateDirError(
                f"{self.file} holds a damaged state ({error}); it was left as it is"
            ) from None
        if self.older_version is not None:
            document["version"] = self.older_version
        return Loaded(document, rows["jobs"], rows["deliveries"], rows["journal"], rows["inbox"])

    def _rows(self, table: str) -> tuple[list[int], list[str]]:
        found = self._db.execute(f"SELECT seq, record FROM {table} ORDER BY seq").fetchall()
        return [row[0] for row in found], [row[1] for row in found]

    def write(self, batch: Batch) -> None:
        """Commit one batch, on one thread at a time: durable when this returns."""
        db = self._db
        db.execute("BEGIN")
        try:
            if not self._has_inbox:
                db.execute(_INBOX_TABLE)
            if batch.everything:
                for table in _LISTS:
                    db.execute(f"DELETE FROM {table}")
            for table, rows in batch.rows.items():
                if rows:
                    db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)", rows)
            for table, gone in batch.gone.items():
                if gone:
                    db.executemany(f"DELETE FROM {table} WHERE seq = ?", [(seq,) for seq in gone])
            if batch.journal_before > self._journal_before:
                db.execute("DELETE FROM journal WHERE seq < ?", (batch.journal_before,))
            if batch.inbox_before > self._inbox_before:
                db.execute("DELETE FROM inbox WHERE seq < ?", (batch.inbox_before,))
            db.execute(_SET_REST, (batch.rest, _VERSION))
            if batch.meta:
                db.executemany(_SET_META, batch.meta.items())
            db.execute("COMMIT")
            self._journal_before, self._inbox_before = batch.journal_before, batch.inbox_before
            self._has_inbox = True
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()
        os.close(self._lock_fd)


def table_rows(numbers: Sequence[int]) -> int:
    """The row number after the last of `numbers` (0 for none)."""
    return numbers[-1] + 1 if numbers else 0
