"""The fitted artefacts the service reads back at start-up: the fusion's trees and the TF-IDF vocabulary as
arrays give scikit-learn's answers without scikit-learn, the retriever and the title index read back from the
cache answer as the fitted ones, and a process that only loads them never imports scikit-learn."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from pelliculum_lib.config import PROJECT_ROOT, Settings
from pelliculum_lib.data.titles import TitleResolver
from pelliculum_lib.recommending.fusion import TreeFusion
from pelliculum_lib.recommending.retrieval import Retriever, cached_retriever
from pelliculum_lib.recommending.terms import TermWeights


def test_tree_fusion_gives_the_probabilities_of_the_fitted_classifier():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 6))
    X[rng.random(X.shape) < 0.05] = np.nan  # missing values take the side the fit chose
    y = (np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 3]) + rng.normal(scale=0.5, size=2000)) > 0
    model = HistGradientBoostingClassifier(max_iter=40, max_leaf_nodes=15, random_state=0).fit(X, y)
    fusion = TreeFusion.from_arrays(TreeFusion.from_sklearn(model).arrays())
    test = rng.normal(size=(500, 6))
    test[::9, 2] = np.nan
    np.testing.assert_allclose(fusion.predict_proba(test), model.predict_proba(test), atol=1e-12)


def test_term_weights_weigh_text_as_the_fitted_vectorizer(sample_catalogue):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    texts = sample_catalogue.movies["overview"].dropna().astype(str).tolist()
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2, stop_words="english").fit(texts)
    terms = TermWeights.from_sklearn(vectorizer)
    asked = texts[:200] + ["A HEIST in space, heist!", "the and of", "", "l'été meurtrier"]
    expected, got = normalize(vectorizer.transform(asked)), terms.transform(asked)
    assert (expected != 0).sum() == (got != 0).sum() > 0
    assert abs(expected - got).max() < 1e-9
    with pytest.raises(ValueError, match="unsupported"):
        TermWeights.from_sklearn(TfidfVectorizer(ngram_range=(1, 2)).fit(texts[:50]))


@pytest.fixture(scope="module")
def retriever(sample_data, sample_catalogue) -> Retriever:
    """The sample's training-split retriever, fitted once into the test cache (see conftest)."""
    return cached_retriever(sample_catalogue, "train", Settings(dataset=str(sample_data)))


def test_a_retriever_read_back_answers_as_the_saved_one(sample_catalogue, retriever, tmp_path):
    again = Retriever.load(retriever.save(tmp_path / "retriever"))
    assert not again.graph.links.data.flags.owndata and not again.text.data.flags.owndata  # mapped, not copied
    for film in sample_catalogue.movies["id"].sample(30, random_state=3).tolist():
        assert again.candidates(film, 20) == retriever.candidates(film, 20)
    np.testing.assert_allclose(again.text_scores("a heist in space"), retriever.text_scores("a heist in space"))
    assert again.films_with_words(["space"]).tolist() == retriever.films_with_words(["space"]).tolist()
    (tmp_path / "retriever" / "meta.json").write_text('{"version": 0}')
    with pytest.raises(ValueError, match="version"):  # an old artifact is refused (cached_retriever then refits)
        Retriever.load(tmp_path / "retriever")


def test_a_title_index_read_back_resolves_as_a_fresh_one(sample_catalogue, tmp_path):
    fresh = TitleResolver.cached(sample_catalogue, tmp_path)
    again = TitleResolver.cached(sample_catalogue, tmp_path)
    assert again._distinct is None  # the fuzzy-search keys are read at the first fuzzy query only
    titles = sample_catalogue.movies["title"].astype(str)
    queries = titles.head(200).tolist() + titles.str.lower().sample(100, random_state=2).tolist()
    queries += [t[:-1] + "x" for t in titles.head(30)] + ["", "zzzzqqq", f"{titles.iloc[0]} 1999"]
    for query in queries:
        assert again.resolve(query) == fresh.resolve(query), query


def test_loading_the_fitted_retriever_imports_no_scikit_learn(sample_data, retriever):
    script = f"""
import sys
from pelliculum_lib.config import Settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.titles import TitleResolver
from pelliculum_lib.recommending.retrieval import cached_retriever
settings = Settings(dataset={str(sample_data)!r})
catalogue = Catalogue.load(settings=settings)
retriever = cached_retriever(catalogue, "train", settings)
TitleResolver.cached(catalogue, settings.cache_dir).resolve("heat")
retriever.candidates(int(catalogue.movies["id"].iloc[0]), 8)
retriever.text_scores("a space heist")
print("sklearn" in sys.modules)
"""  # the same test cache as the fixture (inherited environment): the artefacts are there, only read
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
