"""A compact, offline catalogue store for the service: SQLite with an FTS5 title index.

Built once from the catalogue (a few seconds), keyed by a fingerprint of the films, and
reused at every start. It answers ``get(ids)`` for enrichment and ``search(q)`` for
autocomplete with no network.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

import pandas as pd

from .data import Catalogue
from .recommend import Film
from .titles import normalise

COLUMNS = ["id", "title", "label", "year", "genres", "overview", "rating", "popularity", "poster_url", "tmdb_url"]


def fingerprint(catalogue: Catalogue) -> str:
    movies = catalogue.movies
    digest = hashlib.sha256(pd.util.hash_pandas_object(movies[["id", "label"]], index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


class CatalogueStore:
    """Film metadata and title search over an SQLite file (thread-safe, read-only once built)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        with self._connect() as db:
            self.size = db.execute("SELECT COUNT(*) FROM films").fetchone()[0]

    def _connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    @classmethod
    def build(cls, catalogue: Catalogue, cache_dir: Path) -> "CatalogueStore":
        """The store for ``catalogue`` under ``cache_dir`` (built if missing or stale)."""
        path = Path(cache_dir) / f"catalogue-{fingerprint(catalogue)}.sqlite"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            db = sqlite3.connect(partial)
            db.execute("CREATE TABLE films (id INTEGER PRIMARY KEY, rank INTEGER, title TEXT, label TEXT, year INTEGER,"
                       " genres TEXT, overview TEXT, rating REAL, popularity REAL, poster_url TEXT, tmdb_url TEXT)")
            db.execute("CREATE VIRTUAL TABLE titles USING fts5(key, content='', tokenize='unicode61 remove_diacritics 2')")
            rows, keys = [], []
            for rank, (_, movie) in enumerate(catalogue.movies.iterrows()):
                film = Film.from_row(movie)
                rows.append((film.id, rank, film.title, film.label, film.year, json.dumps(film.genres), film.overview,
                             film.rating, film.popularity, film.poster_url, film.tmdb_url))
                keys.append((film.id, normalise(film.label)))
            db.executemany("INSERT INTO films VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            db.executemany("INSERT INTO titles(rowid, key) VALUES (?, ?)", keys)
            db.commit()
            db.close()
            partial.rename(path)  # atomic: a crash never leaves a half-built store behind
        return cls(path)

    @staticmethod
    def _film(row: sqlite3.Row) -> Film:
        return Film(id=row["id"], title=row["title"], label=row["label"], year=row["year"],
                    genres=json.loads(row["genres"]), overview=row["overview"], rating=row["rating"],
                    popularity=row["popularity"], poster_url=row["poster_url"], tmdb_url=row["tmdb_url"])

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
