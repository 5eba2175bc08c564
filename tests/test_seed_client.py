"""The seed's client keeps working: every film the API returns has a TMDb search result's shape + ``poster``.

The original project's ``POST /recommend/`` answered ``{"recommendations": [...]}``, each item a TMDb
``/search/movie`` result plus ``poster`` (a full image URL or null). Checked here on real answers.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from conftest import JSONHandler, local_http_server
from api.main import create_app
from pelliculum_lib.data.film import TMDB_GENRE_IDS, genre_ids
from pelliculum_lib.serving.service import RecommendationService

pytestmark = pytest.mark.slow

#: The keys of a TMDb /search/movie result, as the seed's client read them
#: (https://developer.themoviedb.org/reference/search-movie).
TMDB_SEARCH_RESULT_KEYS = {"adult", "backdrop_path", "genre_ids", "id", "original_language", "original_title",
                           "overview", "popularity", "poster_path", "release_date", "title", "video", "vote_average",
                           "vote_count"}
SEED_ITEM_KEYS = TMDB_SEARCH_RESULT_KEYS | {"poster"}
#: The service's own fields, kept for its page and clients.
OWN_KEYS = {"id", "title", "label", "year", "genres", "overview", "rating", "poster_url", "tmdb_url"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def number_or_none(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def check_seed_item(film: dict) -> None:
    assert SEED_ITEM_KEYS | OWN_KEYS <= set(film), SEED_ITEM_KEYS - set(film)
    assert isinstance(film["id"], int) and isinstance(film["title"], str) and film["title"]
    assert film["adult"] is False and film["video"] is False
    assert isinstance(film["genre_ids"], list) and all(type(g) is int for g in film["genre_ids"])
    assert film["genre_ids"] == [TMDB_GENRE_IDS[g] for g in film["genres"] if g in TMDB_GENRE_IDS]
    assert film["release_date"] is None or (DATE.match(film["release_date"])
                                            and int(film["release_date"][:4]) == film["year"])
    assert film["poster"] is None or film["poster"].startswith("https://")
    assert film["poster"] == film["poster_url"]
    assert film["poster_path"] is None or (film["poster_path"].startswith("/")
                                           and film["poster"].endswith(film["poster_path"]))
    assert film["backdrop_path"] is None or film["backdrop_path"].startswith("/")
    assert number_or_none(film["vote_average"]) and film["vote_average"] == film["rating"]
    assert film["vote_count"] is None or (type(film["vote_count"]) is int and film["vote_count"] >= 0)
    assert number_or_none(film["popularity"])
    assert film["original_language"] is None or re.fullmatch(r"[a-z]{2,3}", film["original_language"])
    assert film["original_title"] == film["title"]  # the catalogue has no other title
    assert film["overview"] is None or isinstance(film["overview"], str)


@pytest.fixture(scope="module")
def titles(service):
    """Popular sample films with recommendations."""
    movies = service.recommender.catalogue.movies
    return movies[movies["recommendations"].notna()]["label"].iloc[:5].tolist()


def test_genre_table_is_tmdbs():
    assert len(TMDB_GENRE_IDS) == 19 and TMDB_GENRE_IDS["Science Fiction"] == 878
    assert TMDB_GENRE_IDS["Family"] == 10751 and TMDB_GENRE_IDS["TV Movie"] == 10770
    assert genre_ids(["Foreign", "Drama", "Action"]) == [18, 28]  # "Foreign" has no id in TMDb's table


def test_recommend_items_have_the_seed_clients_shape(client, titles):
    seen = 0
    for title in titles:
        response = client.post("/recommend/", json={"title": title})
        assert response.status_code == 200
        body = response.json()
        assert isinstance(body["recommendations"], list) and body["recommendations"]  # the seed's top-level key
        for film in [body["film"], *body["recommendations"], *body["alternatives"]]:
            check_seed_item(film)
            seen += 1
    assert seen >= 5 * 2
    # The sample data's metadata comes through: dates, votes, languages and genre ids are filled in.
    film = client.post("/recommend/", json={"title": titles[0]}).json()["film"]
    assert film["release_date"] and film["vote_count"] and film["genre_ids"] and film["original_language"]


def test_every_other_film_the_api_returns_has_it_too(client, titles):
    for film in client.get("/movies/search", params={"q": titles[0][:4]}).json():
        check_seed_item(film)
    unknown = client.post("/recommend/", json={"title": "Qwxzv Plorbb Zzyzx"}).json()
    for film in unknown.get("suggestions", []):
        check_seed_item(film)
    chat = client.post("/chat", json={"message": f"films like {titles[0]}"})
    if chat.status_code == 200:
        body = chat.json()
        for film in [*(body.get("recommendations") or []), *([body["film"]] if body.get("film") else [])]:
            check_seed_item(film)


class FakeTMDb(JSONHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        self.reply(b'{"poster_path": "/seed.jpg"}')


def test_posters_from_tmdb_fill_poster_and_poster_path(service, titles, tmp_path_factory):
    with local_http_server(FakeTMDb) as url:
        settings = service.settings.model_copy(update={
            "tmdb_api_key": "test-key", "tmdb_base_url": url,
            "tmdb_timeout": 2.0, "cache_dir": tmp_path_factory.mktemp("tmdb"), "rate_limit_per_minute": 0})
        with_tmdb = RecommendationService(service.recommender, service.store, settings,
                                          answers_dir=tmp_path_factory.mktemp("answers"))
        with TestClient(create_app(with_tmdb)) as client:
            body = client.post("/recommend/", json={"title": titles[0]}).json()
    for film in body["recommendations"]:
        check_seed_item(film)
        assert film["poster"] == "https://image.tmdb.org/t/p/w342/seed.jpg" and film["poster_path"] == "/seed.jpg"
