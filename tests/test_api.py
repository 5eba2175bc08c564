"""The HTTP API on the real service (default settings: the retriever answers): in-process, against a real uvicorn,
and bad input."""

from __future__ import annotations

import httpx
import pytest


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def popular_title(service):
    """A popular sample film that has recommendations."""
    movies = service.recommender.catalogue.movies
    return movies[movies["recommendations"].notna()]["label"].iloc[0]


def test_health_reports_model_adapter_and_catalogue(client, service):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["version"]
    # The default: two stages with the retriever's order (the ranker changed no held-out list, notebook 07).
    assert body["recommender"] == "two-stage" and body["ranking"] == "retriever" and body["fit_split"] == "all"
    assert body["adapter"] is None
    assert body["catalogue_films"] == 2300 and body["candidate_films"] == len(service.recommender.candidates)
    assert body["tmdb"] is False  # no TMDB_API_KEY: offline-first


def test_recommend_returns_catalogue_films_with_metadata(client, service, popular_title):
    response = client.post("/recommend/", json={"title": popular_title})
    assert response.status_code == 200
    body = response.json()
    assert body["film"]["label"] == popular_title and body["match"] == "exact"
    recommendations = body["recommendations"]
    assert 1 <= len(recommendations) <= 8
    ids = [f["id"] for f in recommendations]
    assert len(set(ids)) == len(ids) and body["film"]["id"] not in ids
    assert set(ids) <= set(service.recommender.candidates)
    for film in recommendations:
        assert {"id", "title", "year", "genres", "overview", "rating", "poster_url", "tmdb_url"} <= set(film)
        assert film["tmdb_url"] == f"https://www.themoviedb.org/movie/{film['id']}"
    again = client.post("/recommend/", json={"title": popular_title.upper()}).json()
    assert again["cached"] and [f["id"] for f in again["recommendations"]] == ids


def test_search_autocompletes_titles(client, popular_title):
    prefix = " ".join(popular_title.split()[:2])[:-1]
    results = client.get("/movies/search", params={"q": prefix}).json()
    assert any(f["label"] == popular_title for f in results)
    assert client.get("/movies/search", params={"q": ""}).status_code == 422


@pytest.mark.parametrize("message, language", [
    ("I loved {title}, what should I watch next?", "en"),
    ("Propose-moi des films comme {title}", "fr"),
])
def test_chat_finds_the_film_and_answers_in_its_language(client, popular_title, message, language):
    body = client.post("/chat", json={"message": message.format(title=popular_title)}).json()
    assert body["status"] == "ok" and body["language"] == language
    assert body["film"]["label"] == popular_title and body["recommendations"]
    assert ("Since you liked" in body["reply"]) == (language == "en")
    assert ("Puisque vous avez aimé" in body["reply"]) == (language == "fr")


def test_chat_tolerates_typos(client, service):
    movies = service.recommender.catalogue.movies
    with_recs = movies[movies["recommendations"].notna()]["label"]
    popular_title = next(t for t in with_recs if max(map(len, t.split())) >= 7 and "(" not in t)
    words = popular_title.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    typo = words[longest][:2] + words[longest][3:]  # drop one letter
    message = "films like " + " ".join(words[:longest] + [typo] + words[longest + 1:])
    body = client.post("/chat", json={"message": message}).json()
    assert body["status"] == "ok" and body["film"]["label"] == popular_title


def test_chat_unknown_film_asks_back_with_suggestions(client):
    body = client.post("/chat", json={"message": "Des films comme Qwxzv Plorbb"}).json()
    assert body["status"] == "unknown" and body["language"] == "fr" and body["recommendations"] == []
    assert body["reply"].startswith("Je ne trouve pas")
    small_talk = client.post("/chat", json={"message": "what should I watch tonight?"}).json()
    assert small_talk["status"] == "no_film" and "Tell me a film" in small_talk["reply"]


@pytest.mark.parametrize("payload, status, fragment", [
    ({}, 422, "title: Field required"),
    ({"title": ""}, 422, "must not be empty"),
    ({"title": " \t "}, 422, "must not be empty"),
    ({"title": "Alien\x00"}, 422, "control characters"),
    ({"title": "x" * 10_000}, 422, "at most 500 characters"),
    ({"title": 42}, 422, "title:"),
    ({"title": "Qwxzv Plorbb Zzyzx"}, 404, "Unknown film"),
])
def test_bad_recommend_input_is_a_clear_4xx(client, payload, status, fragment):
    response = client.post("/recommend/", json=payload)
    assert response.status_code == status
    assert fragment in response.json()["detail"]


def test_malformed_json_is_a_clear_4xx(client):
    response = client.post("/recommend/", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "invalid JSON" in response.json()["detail"]


def test_real_server_answers_over_loopback(live_server, popular_title):
    with httpx.Client(base_url=live_server, timeout=60) as http:
        assert http.get("/health").json()["status"] == "ok"
        body = http.post("/recommend/", json={"title": popular_title}).json()
        assert 1 <= len(body["recommendations"]) <= 8
        page = http.get("/")
        assert page.status_code == 200 and "Pelliculum" in page.text
        assert http.get("/docs").status_code == 200
        assert "/recommend/" in http.get("/openapi.json").json()["paths"]
