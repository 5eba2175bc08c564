"""Query resolution: exact, case/accent-insensitive, year-aware, fuzzy, unknown with suggestions."""

from __future__ import annotations

import pandas as pd
import pytest

from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.titles import TitleResolver, normalise


@pytest.fixture(scope="module")
def resolver() -> tuple[TitleResolver, Catalogue]:
    frame = pd.DataFrame({
        "id": [1, 2, 3, 4, 5, 6],
        "title": ["Amélie", "The Matrix", "Dune", "Dune", "Inception", "Se7en"],
        "popularity": [50.0, 90.0, 80.0, 20.0, 85.0, 60.0],
        "release_date": ["2001-04-25", "1999-03-30", "2021-09-15", "1984-12-14", "2010-07-15", "1995-09-22"],
        "recommendations": [None] * 6,
    })
    catalogue = Catalogue.from_frame(frame)
    return TitleResolver(catalogue), catalogue


def test_normalise_drops_case_accents_and_punctuation():
    assert normalise("  AMÉLIE! ") == "amelie"
    assert normalise("Fast & Furious") == "fast and furious"


@pytest.mark.parametrize("query, film", [("The Matrix", 2), ("the matrix", 2), ("amelie", 1), ("AMÉLIE", 1),
                                         ("matrix", 2), ("se7en", 6), ("seven", 6)])  # its French title
def test_exact_matches(resolver, query, film):
    result = resolver[0].resolve(query)
    assert result.status == "exact" and result.film_id == film


def test_shared_titles_go_to_the_popular_film_unless_a_year_is_given(resolver):
    res, catalogue = resolver
    plain = res.resolve("Dune")
    assert plain.film_id == 3 and plain.alternatives == [4]
    assert res.resolve("Dune (1984)").film_id == 4
    assert res.resolve("dune 1984").film_id == 4
    assert res.resolve(catalogue.movies.loc[4, "label"]).film_id == 4  # "Dune (1984)" is also its label


def test_typos_resolve_fuzzily(resolver):
    result = resolver[0].resolve("Incepton")
    assert result.status == "fuzzy" and result.film_id == 5 and result.score >= 86


@pytest.mark.parametrize("query", ["", "   ", "Qwxzv Plorb", "Totally Unknown Picture"])
def test_unknown_titles_are_never_guessed(resolver, query):
    result = resolver[0].resolve(query)
    assert result.status == "unknown" and result.film_id is None and not result.found


def test_unknown_titles_come_with_close_suggestions(resolver):
    result = resolver[0].resolve("The Matrox Reloaded")
    assert not result.found and 2 in result.suggestions


def test_real_catalogue(sample_catalogue):
    res = TitleResolver(sample_catalogue)
    title = sample_catalogue.movies["title"].iloc[0]
    assert res.resolve(title.upper()).film_id == sample_catalogue.movies["id"].iloc[0]


def test_a_year_hint_on_films_without_a_known_year_does_not_crash(sample_catalogue):
    """A title followed by a year, where the catalogue knows no year for the film (MovieLens-only rows)."""
    resolver = TitleResolver(sample_catalogue)
    movies = sample_catalogue.movies
    undated = movies[movies["year"].isna()]["title"].iloc[0]
    result = resolver.resolve(f"{undated} 1995")
    assert result.found and sample_catalogue.movies.loc[result.film_id, "title"] == undated


def test_french_release_titles_resolve_to_their_film(full_catalogue, full_resolver):
    labels = dict(zip(full_catalogue.movies["id"], full_catalogue.movies["label"]))
    for query, label in [("les évadés", "The Shawshank Redemption"), ("Le Parrain", "The Godfather"),
                         ("la liste de schindler", "Schindler's List"), ("là-haut", "Up"),
                         ("vice-versa", "Inside Out"), ("le parain", "The Godfather")]:
        assert labels[full_resolver.resolve(query).film_id] == label, query
    assert labels[full_resolver.resolve("Vice Versa (1988)").film_id] == "Vice Versa"  # a label stays its film
