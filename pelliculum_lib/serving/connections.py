"""Read-only SQLite connections, one per thread, all closed at once when the service stops."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class ReadOnlyConnections:
    """One read-only connection to ``path`` per calling thread; :meth:`close` closes them all (the next call
    opens a new one: a test may serve one loaded service from several apps)."""

    def __init__(self, path: Path, row_factory=None, timeout: float = 5.0):
        self.path, self.row_factory, self.timeout = Path(path), row_factory, timeout
        self._open: dict[int, sqlite3.Connection] = {}
        self._lock = threading.Lock()

    def get(self, missing_ok: bool = False) -> sqlite3.Connection | None:
        """This thread's connection, opened on first use (``None`` then if ``missing_ok`` and there is no file)."""
        thread = threading.get_ident()
        db = self._open.get(thread)
        if db is None:
            if missing_ok and not self.path.is_file():
                return None
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, timeout=self.timeout)
            db.row_factory = self.row_factory
            with self._lock:
                self._open[thread] = db
        return db

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            connections, self._open = list(self._open.values()), {}
        for db in connections:
            db.close()
