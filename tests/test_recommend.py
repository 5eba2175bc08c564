"""recommend(): the real model under the title trie returns catalogue films only."""

from __future__ import annotations

import pytest

from pelliculum_lib.cli import main
from pelliculum_lib.recommend import Recommender


@pytest.fixture(scope="module")
def base_recommender(settings, sample_catalogue):
    return Recommender.load(settings, adapter="", catalogue=sample_catalogue)


@pytest.mark.slow
def test_constrained_answers_are_catalogue_films(base_recommender, sample_catalogue):
    titles = sample_catalogue.movies["label"].head(4).tolist()
    for title in titles:
        result = base_recommender.recommend(title)
        assert result.resolution.status == "exact"
        ids = [f.id for f in result.films]
        assert 1 <= len(ids) <= 8 and len(set(ids)) == len(ids)
        assert result.film.id not in ids
        assert set(ids) <= set(base_recommender.candidates)
        assert all(f.tmdb_url.endswith(str(f.id)) for f in result.films)
        assert result.stopped


@pytest.mark.slow
def test_free_decoding_reports_invented_titles(base_recommender, sample_catalogue):
    result = base_recommender.recommend(sample_catalogue.movies["label"].iloc[0], constrained=False)
    real = {f.label for f in result.films}
    assert all(title not in real for title in result.invented)
    assert result.invented or result.films  # the base model talks prose: something is either real or invented


@pytest.mark.slow
def test_unknown_film_gets_no_recommendations(base_recommender):
    result = base_recommender.recommend("Qwxzv Plorb Zzyzx")
    assert result.films == [] and result.film is None and not result.resolution.found


@pytest.mark.slow
def test_cli_recommend_unknown_film_is_a_clear_error(capsys, sample_data):
    code = main(["recommend", "Qwxzv Plorb Zzyzx", "--base", "--dataset", str(sample_data)])
    assert code == 2
    assert "unknown film 'Qwxzv Plorb Zzyzx'" in capsys.readouterr().err
