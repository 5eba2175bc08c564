"""A compact, offline catalogue store for the service: SQLite with an FTS5 title index.

Built once from the catalogue (a few seconds), keyed by a fingerprint of the films, and
reused at every start. It answers ``get(ids)`` for enrichment and ``search(q)`` for
autocomplete with no network.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import fields
from pathlib import Path

from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.film import Film, FilmDetails
from pelliculum_lib.data.titles import normalise
from pelliculum_lib.serving.connections import ReadOnlyConnections

#: Bump when what the store holds changes: the file name changes with it, so old stores are rebuilt.
SCHEMA_VERSION = 3  # 3: title keys drop a possessive's apostrophe (data.titles.normalise)
#: The stored columns: every field of :class:`FilmDetails` (lists as JSON) but ``poster``, a mirror of ``poster_url``.
COLUMNS = [f.name for f in fields(FilmDetails) if f.name != "poster"]
FILM_COLUMNS = {f.name for f in fields(Film)} & set(COLUMNS)
_LISTS = {f.name for f in fields(FilmDetails) if str(f.type).startswith("list")}
_BOOLS = {f.name for f in fields(FilmDetails) if str(f.type) == "bool"}


def fingerprint(catalogue: Catalogue) -> str:
    digest = hashlib.sha256(catalogue.digest("films"))
    digest.update(f"schema-{SCHEMA_VERSION}|{','.join(COLUMNS)}".encode())
    return digest.hexdigest()[:16]


def _quoted(name: str) -> str:
    return f'"{name}"'  # "cast" is an SQL keyword


def _decode(row: sqlite3.Row, names) -> dict:
    return {name: json.loads(row[name]) if name in _LISTS and row[name] is not None else
            bool(row[name]) if name in _BOOLS else row[name] for name in names}


class CatalogueStore:
    """Film metadata and title search over an SQLite file (thread-safe, read-only once built)."""

    def __init__(self, path: Path, size: int | None = None):
        """``size``: the films it holds when known (counting them reads the whole table: a second at 757k)."""
        self.path = Path(path)
        self._connections = ReadOnlyConnections(self.path, row_factory=sqlite3.Row)
        if size is None:
            with self._connect() as db:
                size = db.execute("SELECT COUNT(*) FROM films").fetchone()[0]
        self.size = size

    def _connect(self) -> sqlite3.Connection:
        return self._connections.get()

    def close(self) -> None:
        """Close every thread's connection (reopened on next use)."""
        self._connections.close()

    @classmethod
    def build(cls, catalogue: Catalogue, cache_dir: Path) -> "CatalogueStore":
        """The store for ``catalogue`` under ``cache_dir`` (built if missing or stale)."""
        path = Path(cache_dir) / f"catalogue-{fingerprint(catalogue)}.sqlite"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            db = sqlite3.connect(partial)
            others = [c for c in COLUMNS if c != "id"]
            columns = ", ".join(map(_quoted, others))
            db.execute(f"CREATE TABLE films (id INTEGER PRIMARY KEY, rank INTEGER, {columns})")
            db.execute("CREATE VIRTUAL TABLE titles USING fts5(key, content='', tokenize='unicode61 remove_diacritics 2')")
            rows, keys = [], []
            for rank, movie in enumerate(catalogue.movies.to_dict("records")):  # rows as dicts: 3x iterrows' speed
                film = FilmDetails.from_row(movie)
                values = {c: getattr(film, c) for c in COLUMNS}
                rows.append({**values, **{c: json.dumps(values[c]) for c in _LISTS}, "rank": rank})
                keys.append((film.id, normalise(film.label)))
            names = ["id", "rank", *others]
            db.executemany(f"INSERT INTO films ({', '.join(map(_quoted, names))}) "
                           f"VALUES ({', '.join(':' + n for n in names)})", rows)
            db.executemany("INSERT INTO titles(rowid, key) VALUES (?, ?)", keys)
            db.commit()
            db.close()
            partial.rename(path)  # atomic: a crash never leaves a half-built store behind
        return cls(path, size=len(catalogue))  # the fingerprint covers every film: the same count

    @staticmethod
    def _film(row: sqlite3.Row) -> Film:
        return Film(**_decode(row, FILM_COLUMNS))

    def details(self, film_id: int) -> FilmDetails | None:
        """Everything the store knows of one film (None for an id not in the catalogue)."""
        row = self._connect().execute("SELECT * FROM films WHERE id = ?", (film_id,)).fetchone()
        return FilmDetails(**_decode(row, COLUMNS)) if row is not None else None

    def get(self, ids: list[int]) -> list[Film]:
        """Films in the order of ``ids`` (unknown ids skipped)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._connect().execute(f"SELECT * FROM films WHERE id IN ({marks})", list(ids)).fetchall()
        by_id = {row["id"]: self._film(row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    def search(self, query: str, limit: int = 10) -> list[Film]:
        """Films whose title contains every word of ``query`` (the last one as a prefix), most popular first."""
        words = normalise(query).split()
        if not words:
            return []
        match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
        rows = self._connect().execute(
            "SELECT films.* FROM titles JOIN films ON films.id = titles.rowid WHERE titles MATCH ? "
            "ORDER BY films.rank LIMIT ?", (match.strip(), limit)).fetchall()
        return [self._film(row) for row in rows]
