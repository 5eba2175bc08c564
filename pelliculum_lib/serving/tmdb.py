"""Optional live TMDb enrichment (posters) and title search, only when ``TMDB_API_KEY`` is set.

Lookups run in parallel (asyncio + httpx) under one overall deadline; answers are cached on
disk; any error, timeout or malformed reply leaves the catalogue's own data in place. The
service never waits on TMDb longer than ``Settings.tmdb_timeout``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

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

    def _cached(self, film_id: int) -> dict | None:
        path = self.cache_dir / f"{film_id}.json"
        try:
            return json.loads(path.read_text()) if path.is_file() else None
        except (OSError, ValueError):
            return None

    async def _fetch(self, client: httpx.AsyncClient, film_id: int) -> dict | None:
        if (cached := self._cached(film_id)) is not None:
            return cached
        try:
            response = await client.get(f"{self.base_url}/movie/{film_id}", params={"api_key": self.api_key})
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

    async def enrich(self, films: list[Film]) -> list[Film]:
        """Films with TMDb posters filled in where the catalogue has none (best effort, bounded time)."""
        missing = [f for f in films if f.poster_url is None]
        if not missing:
            return films
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            tasks = [asyncio.ensure_future(self._fetch(client, f.id)) for f in missing]
            done, pending = await asyncio.wait(tasks, timeout=self.timeout)
            for task in pending:
                task.cancel()
        found = {}
        for film, task in zip(missing, tasks):
            if task in done and not task.cancelled() and task.exception() is None and task.result():
                path = task.result().get("poster_path")
                if path:
                    found[film.id] = path
        return [replace(f, poster_url=f"{POSTER_BASE}{found[f.id]}", poster_path=found[f.id]) if f.id in found else f
                for f in films]

    # -- title search ---------------------------------------------------------------------------
    def _search_path(self, key: str) -> Path:
        return self.cache_dir / f"search-{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"

    async def _search(self, client: httpx.AsyncClient, query: str, language: str) -> list[int]:
        """Ids of one ``/search/movie`` page, in TMDb's order (raises on any error or malformed reply)."""
        response = await client.get(f"{self.base_url}/search/movie", params={
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
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                tasks = [asyncio.ensure_future(self._search(client, query.strip(), language))
                         for language in SEARCH_LANGUAGES]
                done, pending = await asyncio.wait(tasks, timeout=self.timeout)
                for task in pending:
                    task.cancel()
                if pending:
                    await asyncio.wait(pending)  # let them finish cancelling before the client closes
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
            try:
                tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
                tmp.write_text(json.dumps(ids))
                tmp.replace(path)
            except OSError:
                pass
        return ids

    def search_ids_sync(self, query: str) -> list[int]:
        """:meth:`search_ids` from synchronous code (e.g. a request handler run in a worker thread)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.search_ids(query))
        with ThreadPoolExecutor(1) as pool:  # called from inside an event loop: run in a thread of its own
            return pool.submit(asyncio.run, self.search_ids(query)).result()
