"""Optional live TMDb enrichment (posters) and title search, only when ``TMDB_API_KEY`` is set.

Lookups run in parallel (asyncio + httpx) under one overall deadline; answers are cached on
disk; any error, timeout or malformed reply leaves the catalogue's own data in place. The
service never waits on TMDb longer than ``Settings.tmdb_timeout``. One HTTP client (one
connection pool) serves every lookup, on an event loop of the client's own: the service's
event loop and the dialogue's synchronous code both reach it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from pelliculum_lib.data.film import POSTER_BASE, Film
from pelliculum_lib.data.titles import normalise

log = logging.getLogger(__name__)
#: The languages a title is searched in (French titles first: the catalogue knows the English ones).
SEARCH_LANGUAGES = ("fr-FR", "en-US")
logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines print request URLs, API key included


class TMDbClient:
    def __init__(self, api_key: str, base_url: str, timeout: float, cache_dir: Path):
        self.api_key, self.base_url, self.timeout = api_key, base_url.rstrip("/"), timeout
        self.cache_dir = Path(cache_dir) / "tmdb"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None  # created and used on ``_loop`` only

    # -- the HTTP client, on its own event loop ---------------------------------------------------
    def _submit(self, coroutine: Coroutine[Any, Any, Any]) -> Future:
        """Run ``coroutine`` on the client's event loop (a daemon thread started on first use)."""
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, name="tmdb", daemon=True)
                self._thread.start()
            return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def _http(self) -> httpx.AsyncClient:
        """The one HTTP client, created on first use (called on the client's event loop)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        return self._client

    async def _close_http(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def close(self) -> None:
        """Close the HTTP client and stop its event loop (both start again on next use)."""
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._close_http(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()

    # -- posters --------------------------------------------------------------------------------
    def _cached(self, film_id: int) -> dict | None:
        path = self.cache_dir / f"{film_id}.json"
        try:
            return json.loads(path.read_text()) if path.is_file() else None
        except (OSError, ValueError):
            return None

    async def _fetch(self, film_id: int) -> dict | None:
        if (cached := self._cached(film_id)) is not None:
            return cached
        try:
            response = await self._http().get(f"{self.base_url}/movie/{film_id}", params={"api_key": self.api_key})
            response.raise_for_status()
            data = response.json()
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            details = {"poster_path": data.get("poster_path") if isinstance(data.get("poster_path"), str) else None}
        except (httpx.HTTPError, ValueError) as error:
            log.warning("TMDb lookup of %s failed: %s", film_id, type(error).__name__)
            return None
        (self.cache_dir / f"{film_id}.json").write_text(json.dumps(details))
        return details

    async def _posters(self, film_ids: list[int]) -> dict[int, str]:
        """TMDb poster paths of the films found within ``timeout`` (looked up in parallel)."""
        tasks = [asyncio.ensure_future(self._fetch(film_id)) for film_id in film_ids]
        done, pending = await asyncio.wait(tasks, timeout=self.timeout)
        for task in pending:
            task.cancel()
        found = {}
        for film_id, task in zip(film_ids, tasks):
            if task in done and not task.cancelled() and task.exception() is None and task.result():
                path = task.result().get("poster_path")
                if path:
                    found[film_id] = path
        return found

    async def enrich(self, films: list[Film]) -> list[Film]:
        """Films with TMDb posters filled in where the catalogue has none (best effort, bounded time)."""
        missing = [f.id for f in films if f.poster_url is None]
        if not missing:
            return films
        found = await asyncio.wrap_future(self._submit(self._posters(missing)))
        return [replace(f, poster_url=f"{POSTER_BASE}{found[f.id]}", poster_path=found[f.id]) if f.id in found else f
                for f in films]

    # -- title search ---------------------------------------------------------------------------
    def _search_path(self, key: str) -> Path:
        return self.cache_dir / f"search-{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"

    async def _search(self, query: str, language: str) -> list[int]:
        """Ids of one ``/search/movie`` page, in TMDb's order (raises on any error or malformed reply)."""
        response = await self._http().get(f"{self.base_url}/search/movie", params={
            "api_key": self.api_key, "query": query, "language": language, "include_adult": "false", "page": 1})
        response.raise_for_status()
        results = response.json().get("results")
        if not isinstance(results, list):
            raise ValueError("no results list")
        return [r["id"] for r in results if isinstance(r, dict) and isinstance(r.get("id"), int)
                and not isinstance(r.get("id"), bool)]

    async def search_ids(self, query: str) -> list[int]:
        """TMDb ids of the films matching ``query``, searched in French and English (in parallel).

        French results first, then the English ones not already given, in TMDb's order. Bounded by
        ``timeout`` overall; cached on disk by normalised query (only complete answers). Never
        raises: any error, timeout or malformed reply gives what the other language found, or [].
        The catalogue's ids are TMDb ids: the caller keeps those in its catalogue.
        """
        return await asyncio.wrap_future(self._submit(self._search_ids(query)))

    def search_ids_sync(self, query: str) -> list[int]:
        """:meth:`search_ids` from synchronous code (e.g. a request handler run in a worker thread)."""
        return self._submit(self._search_ids(query)).result()

    async def _search_ids(self, query: str) -> list[int]:
        """:meth:`search_ids`, on the client's event loop."""
        key = normalise(query or "")
        if not key:
            return []
        path = self._search_path(key)
        try:
            if path.is_file():
                cached = json.loads(path.read_text())
                if isinstance(cached, list) and all(isinstance(i, int) for i in cached):
                    return cached
        except (OSError, ValueError):
            pass
        try:
            tasks = [asyncio.ensure_future(self._search(query.strip(), language)) for language in SEARCH_LANGUAGES]
            done, pending = await asyncio.wait(tasks, timeout=self.timeout)
            for task in pending:
                task.cancel()
        except Exception as error:  # noqa: BLE001 - search is best effort, never fatal
            log.warning("TMDb search failed: %s", type(error).__name__)
            return []
        ids, complete = [], True
        for task in tasks:
            if task in done and not task.cancelled() and task.exception() is None:
                ids.extend(task.result())
                continue
            complete = False
            error = "Timeout" if task.cancelled() or task not in done else type(task.exception()).__name__
            log.warning("TMDb search failed: %s", error)
        ids = list(dict.fromkeys(ids))
        if complete:
            self._remember_search(path, ids)
        return ids

    @staticmethod
    def _remember_search(path: Path, ids: list[int]) -> None:
        try:
            tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps(ids))
            tmp.replace(path)
        except OSError:
            pass
