"""TMDb title search (French and English) against a fake local TMDb: right ids, never an error, no key in logs."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import JSONHandler, local_http_server
from pelliculum_lib.serving.tmdb import TMDbClient

KEY = "secret-test-key-4242"
AMELIE = "Le fabuleux destin d'Amélie Poulain"
#: What the fake TMDb knows: a French title, per language (Amélie is TMDb 194, also in the sample catalogue).
RESULTS = {
    "fr-FR": [{"id": 194, "title": AMELIE, "original_title": AMELIE}, {"id": 1_000_001, "title": "Amélie (court)"}],
    "en-US": [{"id": 194, "title": "Amélie", "original_title": AMELIE}, {"id": 1_000_002, "title": "Amelie Bis"}],
}


class FakeTMDb(JSONHandler):
    mode = "ok"  # ok | error | timeout | garbage | no_results | fr_error | slow
    requests: list[dict] = []

    def do_GET(self):  # noqa: N802 - http.server API
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).requests.append({"path": url.path, **params})
        mode = type(self).mode
        if mode == "timeout":
            time.sleep(3)
        if mode == "slow":
            time.sleep(0.3)
        if mode == "error" or (mode == "fr_error" and params.get("language") == "fr-FR"):
            return self.reply(b"", 500)
        if mode == "garbage":
            body = b"{not json"
        elif mode == "no_results":
            body = json.dumps({"page": 1, "results": "nope"}).encode()
        else:
            known = "amelie" in params.get("query", "").casefold().replace("é", "e")
            body = json.dumps({"page": 1, "results": RESULTS[params["language"]] if known else []}).encode()
        self.reply(body)


@pytest.fixture(scope="module")
def fake_tmdb():
    with local_http_server(FakeTMDb) as url:
        yield url


@pytest.fixture
def tmdb(fake_tmdb, tmp_path):
    FakeTMDb.mode, FakeTMDb.requests = "ok", []
    return TMDbClient(KEY, fake_tmdb, timeout=1.0, cache_dir=tmp_path)


def test_a_french_title_gives_its_tmdb_id(tmdb, sample_catalogue):
    ids = asyncio.run(tmdb.search_ids(AMELIE))
    assert ids == [194, 1_000_001, 1_000_002]  # French results first, deduplicated, in order
    assert [i for i in ids if i in sample_catalogue.movies.index] == [194]  # the catalogue's "Amelie"
    searches = [r for r in FakeTMDb.requests if r["path"] == "/search/movie"]
    assert sorted(r["language"] for r in searches) == ["en-US", "fr-FR"]
    assert all(r["include_adult"] == "false" and r["query"] == AMELIE and r["api_key"] == KEY for r in searches)
    assert asyncio.run(tmdb.search_ids("Qwxzv Plorbb")) == []


def test_answers_are_cached_by_normalised_query(tmdb):
    assert asyncio.run(tmdb.search_ids(AMELIE)) == [194, 1_000_001, 1_000_002]
    FakeTMDb.requests.clear()
    FakeTMDb.mode = "error"  # a cached answer needs no TMDb at all
    assert asyncio.run(tmdb.search_ids("  le FABULEUX destin d'amelie poulain! ")) == [194, 1_000_001, 1_000_002]
    assert FakeTMDb.requests == []


def test_both_languages_are_asked_in_parallel(tmdb):
    FakeTMDb.mode = "slow"  # 0.3 s a request
    started = time.perf_counter()
    assert asyncio.run(tmdb.search_ids(AMELIE))[0] == 194
    assert time.perf_counter() - started < 0.55


@pytest.mark.parametrize("mode", ["error", "timeout", "garbage", "no_results"])
def test_errors_and_timeouts_give_an_empty_list(tmdb, mode, caplog):
    FakeTMDb.mode = mode
    caplog.set_level(logging.DEBUG)
    started = time.perf_counter()
    assert asyncio.run(tmdb.search_ids(AMELIE)) == []
    assert time.perf_counter() - started < 1.0 + 1.0  # the budget plus slack, never the 3 s of a hanging TMDb
    assert "TMDb search failed" in caplog.text
    assert KEY not in caplog.text
    FakeTMDb.mode = "ok"  # failures are not cached
    assert asyncio.run(tmdb.search_ids(AMELIE))[0] == 194


def test_one_failing_language_keeps_the_other_uncached(tmdb, caplog):
    FakeTMDb.mode = "fr_error"
    caplog.set_level(logging.DEBUG)
    assert asyncio.run(tmdb.search_ids(AMELIE)) == [194, 1_000_002]
    assert KEY not in caplog.text
    FakeTMDb.mode = "ok"
    assert asyncio.run(tmdb.search_ids(AMELIE)) == [194, 1_000_001, 1_000_002]


def test_unreachable_tmdb_and_empty_queries(tmp_path):
    closed = TMDbClient(KEY, "http://127.0.0.1:9", timeout=0.5, cache_dir=tmp_path)
    assert asyncio.run(closed.search_ids(AMELIE)) == []
    assert asyncio.run(closed.search_ids("  !? ")) == []


def test_sync_helper_inside_and_outside_an_event_loop(tmdb):
    assert tmdb.search_ids_sync(AMELIE)[0] == 194

    async def inside():
        return tmdb.search_ids_sync("Amelie")

    assert asyncio.run(inside())[0] == 194
