"""Optional live TMDb enrichment (posters), only when ``TMDB_API_KEY`` is set.

Lookups run in parallel (asyncio + httpx) under one overall deadline; answers are cached on
disk; any error, timeout or malformed reply leaves the catalogue's own data in place. The
service never waits on TMDb longer than ``Settings.tmdb_timeout``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from pathlib import Path

import httpx

from .recommend import POSTER_BASE, Film

log = logging.getLogger(__name__)
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
                    found[film.id] = f"{POSTER_BASE}{path}"
        return [replace(f, poster_url=found[f.id]) if f.id in found else f for f in films]
