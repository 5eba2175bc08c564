"""Precomputed answers in one SQLite file (WAL): written by ``pelliculum precompute``, read by every
service process.

One row per (answer key, film): the key is the service's cache key (model fingerprint and
catalogue), so answers of another model or catalogue are never served. The writer commits in
batches (an interrupted run loses at most its last batch, and rows are never duplicated: the
key is the primary key); readers open the file read-only, so any number of service processes
(``uvicorn --workers N``, several containers on one volume) can share it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pelliculum_lib.serving.connections import ReadOnlyConnections

SCHEMA = ("CREATE TABLE IF NOT EXISTS answers (key TEXT NOT NULL, film_id INTEGER NOT NULL, films TEXT NOT NULL, "
          "seconds REAL NOT NULL, PRIMARY KEY (key, film_id)) WITHOUT ROWID")


class AnswerWriter:
    """The one writer: creates the store (WAL), inserts answers in transactions, reports what is done."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(SCHEMA)
        self.db.commit()

    def done(self, key: str) -> set[int]:
        """Films already answered for ``key``."""
        return {row[0] for row in self.db.execute("SELECT film_id FROM answers WHERE key = ?", (key,))}

    def add(self, key: str, answers: list[tuple[int, list[int], float]]) -> int:
        """Insert ``(film, recommended ids, seconds)`` rows in one transaction; returns the rows added."""
        before = self.db.total_changes
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO answers VALUES (?, ?, ?, ?)",
                                [(key, int(film), json.dumps([int(i) for i in films]), float(seconds))
                                 for film, films, seconds in answers])
        return self.db.total_changes - before

    def close(self) -> None:
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()


class AnswerReader:
    """Read-only lookups, one connection per thread; a missing file simply has no answers."""

    def __init__(self, path: Path, key: str):
        self.path, self.key = Path(path), key
        self._connections = ReadOnlyConnections(self.path, timeout=5)

    def _db(self) -> sqlite3.Connection | None:
        return self._connections.get(missing_ok=True)

    def close(self) -> None:
        """Close every thread's connection (reopened on next use)."""
        self._connections.close()

    def get(self, film_id: int) -> list[int] | None:
        db = self._db()
        if db is None:
            return None
        try:
            row = db.execute("SELECT films FROM answers WHERE key = ? AND film_id = ?",
                             (self.key, int(film_id))).fetchone()
        except sqlite3.Error:  # a store being created or replaced: answer from the model instead
            return None
        return None if row is None else [int(i) for i in json.loads(row[0])]

    def count(self) -> int:
        db = self._db()
        if db is None:
            return 0
        try:
            return db.execute("SELECT COUNT(*) FROM answers WHERE key = ?", (self.key,)).fetchone()[0]
        except sqlite3.Error:
            return 0
