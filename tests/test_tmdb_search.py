"""TMDb title search (French and English) against a fake local TMDb: right ids, never an error, no key in logs."""

from __future__ import annotations

import asyncio
import logging

import pytest

from conftest import AMELIE, FakeTMDb
from pelliculum_lib.serving.tmdb import TMDbClient

KEY = "secret-test-key-4242"


@pytest.fixture
def tmdb(fake_tmdb, tmp_path):
    FakeTMDb.reset()
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
    FakeTMDb.mode = "slow"  # 0.3 s a request: asked one after the other, two requests would never overlap
    assert asyncio.run(tmdb.search_ids(AMELIE))[0] == 194
    assert len(FakeTMDb.requests) == 2 and FakeTMDb.most_at_once == 2


@pytest.mark.parametrize("mode, failure, answered", [
    ("error", "HTTPStatusError", 2), ("hang", "Timeout", 0), ("garbage", "JSONDecodeError", 2),
    ("no_results", "ValueError", 2)])
@pytest.mark.timeout(60)  # a client that waited for the hanging TMDb would wait 10 minutes
def test_errors_and_timeouts_give_an_empty_list(tmdb, mode, failure, answered, caplog):
    FakeTMDb.mode = mode
    caplog.set_level(logging.DEBUG)
    assert asyncio.run(tmdb.search_ids(AMELIE)) == []
    # both languages asked; a hanging TMDb answered neither: the client gave up through its own timeout
    assert (len(FakeTMDb.requests), FakeTMDb.answered) == (2, answered)
    assert f"TMDb search failed: {failure}" in caplog.text
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
