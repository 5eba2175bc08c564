"""``GET /movies/{id}``: a catalogue film with cast, runtime, tagline, keywords and companies."""

from __future__ import annotations

import pandas as pd
import pytest

from pelliculum_lib.serving import store as store_module
from pelliculum_lib.data.film import FilmDetails
from pelliculum_lib.data.values import dash_list

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def movies(service) -> pd.DataFrame:
    return service.recommender.catalogue.movies


def test_details_of_a_catalogue_film(client, movies):
    row = movies[movies["credits"].notna() & movies["runtime"].gt(0) & movies["tagline"].notna()
                 & movies["keywords"].notna() & movies["production_companies"].notna()].iloc[0]
    response = client.get(f"/movies/{row['id']}")
    assert response.status_code == 200
    film = response.json()
    assert film["id"] == row["id"] and film["title"] == row["title"] and film["label"] == row["label"]
    assert film["cast"] == [name for name in row["credits"].split("-") if name] and film["cast"]
    assert film["runtime"] == int(row["runtime"]) and isinstance(film["runtime"], int)
    assert film["tagline"] == row["tagline"]
    assert film["keywords"] == [k for k in row["keywords"].split("-") if k]
    assert film["production_companies"] == [c for c in row["production_companies"].split("-") if c]
    # Everything /movies/search (a FilmOut) gives for this film, the details give too, with the same values.
    listed = next(f for f in client.get("/movies/search", params={"q": row["label"], "limit": 50}).json()
                  if f["id"] == row["id"])
    assert {k: film[k] for k in listed} == listed
    assert film["release_date"] == row["release_date"] and film["poster"] == film["poster_url"]


def test_unknown_values_are_null_or_empty(client, movies):
    row = movies[movies["runtime"].isna() & movies["credits"].isna() & movies["tagline"].isna()].iloc[0]
    film = client.get(f"/movies/{row['id']}").json()
    assert film["runtime"] is None and film["tagline"] is None and film["cast"] == []
    assert film["keywords"] == ([] if pd.isna(row["keywords"]) else dash_list(row["keywords"]))


def test_a_runtime_of_zero_is_unknown():
    row = pd.Series({"id": 7, "title": "Zero", "label": "Zero", "runtime": 0.0, "credits": "A B-C D-",
                     "keywords": None, "production_companies": "X"})
    film = FilmDetails.from_row(row)
    assert film.runtime is None and film.cast == ["A B", "C D"] and film.keywords == []
    assert film.production_companies == ["X"] and film.original_title == "Zero" and film.genre_ids == []


def test_unknown_and_invalid_ids(client, movies):
    missing = int(movies["id"].max()) + 1
    response = client.get(f"/movies/{missing}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"No film with id {missing} in the catalogue."}
    for bad in ("abc", "1.5", "12abc"):
        response = client.get(f"/movies/{bad}")
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert "film_id" in detail and "valid integer" in detail
    for out_of_range in ("0", "-3", str(2**70)):
        response = client.get(f"/movies/{out_of_range}")
        assert response.status_code == 422 and "film_id" in response.json()["detail"]
    assert client.get("/movies/search", params={"q": "a"}).status_code == 200  # the search route still wins


def test_the_route_is_documented(client):
    paths = client.get("/openapi.json").json()["paths"]
    operation = paths["/movies/{film_id}"]["get"]
    assert {"200", "404", "422"} <= set(operation["responses"])


def test_store_schema_version_is_in_the_file_name(service, monkeypatch):
    catalogue = service.recommender.catalogue
    assert service.store.path.name == f"catalogue-{store_module.fingerprint(catalogue)}.sqlite"
    before = store_module.fingerprint(catalogue)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", store_module.SCHEMA_VERSION + 1)
    assert store_module.fingerprint(catalogue) != before  # an older store is never reused: it is rebuilt
