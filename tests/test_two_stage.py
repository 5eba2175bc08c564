"""The two-stage recommender on the real sample data: the retriever (no own-list leakage,
determinism, every film gets candidates), the ranker's prompt, answer and letter constraint, the
committed ranker adapter end to end, and ``PELLICULUM_FIT_SPLIT``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pelliculum_lib.config import Settings
from pelliculum_lib.data.catalogue import Catalogue, is_held_out
from pelliculum_lib.data.catalogue import reference_lists
from pelliculum_lib.recommending.ranker import (LETTERS, LetterConstraint, build_phase4, fuse, ranker_answer,
                                                ranker_prompt, training_candidates)
from pelliculum_lib.recommending.retrieval import Retriever, cached_retriever

K = 20


@pytest.fixture(scope="module")
def fit_settings(sample_data) -> Settings:
    return Settings(dataset=str(sample_data))  # retriever fits kept in the test cache (see conftest)


@pytest.fixture(scope="module")
def train_retriever(sample_catalogue, fit_settings) -> Retriever:
    return cached_retriever(sample_catalogue, "train", fit_settings)


def _without_lists(catalogue: Catalogue) -> list[int]:
    """Films with no list of their own that no list mentions: no graph signal at all."""
    mentioned = set(catalogue.edges["rec_id"]) | set(catalogue.edges["source_id"])
    return [f for f in catalogue.movies["id"] if f not in mentioned]


# --------------------------------------------------------------------------- retriever


def test_retriever_is_fitted_on_the_training_split_only(sample_catalogue, train_retriever, fit_settings):
    held = is_held_out(train_retriever.edges["source_id"].to_numpy(), fit_settings.eval_share, fit_settings.seed)
    assert not held.any()
    held_out = [f for f in reference_lists(sample_catalogue) if is_held_out(np.array([f]), 0.1, 42)[0]]
    assert held_out and not set(held_out) & set(train_retriever.fit_sources.tolist())
    for film in held_out[:20]:  # a held-out film has no own list in the fitted graph
        assert train_retriever.graph.own[train_retriever.row[film]].nnz == 0


@pytest.mark.slow  # fits the retriever again (minutes on two shared cores)
def test_candidates_are_catalogue_films_without_the_query_and_deterministic(sample_catalogue, train_retriever,
                                                                           fit_settings, tmp_path):
    films = sample_catalogue.movies["id"].sample(40, random_state=1).tolist()
    first = {f: train_retriever.candidates(f, K) for f in films}
    for film, scored in first.items():
        ids = [c for c, _ in scored]
        assert len(ids) == K and len(set(ids)) == K and film not in ids
        assert set(ids) <= set(sample_catalogue.movies["id"])
        scores = [s for _, s in scored]
        assert scores == sorted(scores, reverse=True)
    refitted = Retriever.fit(sample_catalogue, "train", fit_settings, progress=False)
    assert {f: refitted.candidates(f, K) for f in films} == first
    reloaded = Retriever.load(refitted.save(tmp_path / "retriever"))
    assert {f: reloaded.candidates(f, K) for f in films} == first


def test_cold_films_get_candidates_from_content_and_popularity(sample_catalogue, train_retriever):
    cold = _without_lists(sample_catalogue)
    assert len(cold) > 50
    for film in cold[:30]:
        row = train_retriever.row[film]
        assert train_retriever.graph.links[row].nnz == 0
        ids = [c for c, _ in train_retriever.candidates(film, K)]
        assert len(ids) == K and film not in ids


@pytest.mark.slow  # fits the retriever again (minutes on two shared cores)
def test_training_candidates_never_see_the_films_own_list(sample_data, fit_settings):
    """Give one training film a list of films no other list mentions: if its own list leaked into
    its training candidates, those films would be there; with the fold refit, none is."""
    frame = pd.read_parquet(sample_data)
    catalogue = Catalogue.from_frame(frame)
    cold = _without_lists(catalogue)
    train_films = [f for f in reference_lists(catalogue) if not is_held_out(np.array([f]), 0.1, 42)[0]]
    film, planted = train_films[0], cold[:8]
    frame.loc[frame["id"] == film, "recommendations"] = "-".join(map(str, planted))
    catalogue = Catalogue.from_frame(frame)
    retriever = Retriever.fit(catalogue, "train", fit_settings, progress=False)
    # Positive control: the production retriever puts a film's own list first.
    assert [c for c, _ in retriever.candidates(film, 8)] == planted
    candidates = training_candidates(catalogue, retriever, [film] + train_films[1:40], K)
    assert not set(candidates[film]) & set(planted)
    dataset = build_phase4(catalogue, candidates, reference_lists(catalogue), keep_empty=True)
    prompt = dataset["messages"][dataset["source_id"].index(film)][1]["content"]
    assert not any(catalogue.labels[p] in prompt.split("candidates:")[1] for p in planted)


# --------------------------------------------------------------------------- ranker


def test_ranker_prompt_and_answer(sample_catalogue, train_retriever):
    film = int(sample_catalogue.movies["id"].iloc[0])
    candidates = [c for c, _ in train_retriever.candidates(film, K)]
    prompt = ranker_prompt(sample_catalogue, film, candidates)
    lines = prompt.split("candidates:\n")[1].split("\nmovie recommendations:")[0].splitlines()
    assert [line.split(". ")[0] for line in lines] == list(LETTERS[:K])
    assert prompt.startswith(f"Suggest movies similar to {sample_catalogue.labels[film]}")
    reference = [candidates[5], 999_999_999, candidates[0], candidates[12]]
    assert ranker_answer(candidates, reference) == "F, A, M"  # reference order; unknown films skipped
    with pytest.raises(ValueError, match="At most 20 candidates"):
        ranker_prompt(sample_catalogue, film, candidates + candidates[:1] * 5)


def test_letter_constraint_allows_only_unused_candidate_letters(tokenizer):
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    constraint = LetterConstraint(tokenizer, end, candidates=5, max_titles=3)
    first = constraint.allowed([])
    assert sorted(tokenizer.decode([t]) for t in first) == list("ABCDE")
    c = tokenizer("C", add_special_tokens=False).input_ids
    assert set(constraint.allowed(c)) == {constraint.comma, end}
    after_comma = constraint.allowed(c + [constraint.comma])
    assert sorted(tokenizer.decode([t]).strip() for t in after_comma) == list("ABDE")  # C is used
    three = tokenizer("C, A, E", add_special_tokens=False).input_ids
    assert constraint.letters(three) == [2, 0, 4]
    assert constraint.allowed(three) == [end]  # max_titles reached


def test_fuse_orders_by_llm_and_retriever_prior():
    scores = np.log(np.array([0.1, 0.6, 0.3]))
    assert fuse(scores, 0.0).tolist() == [1, 2, 0]
    assert fuse(scores, float("inf")).tolist() == [0, 1, 2]
    assert fuse(scores, 100.0).tolist() == [0, 1, 2]


@pytest.fixture(scope="module")
def ranker(sample_data, sample_catalogue, train_retriever):
    """The committed phase-4 adapter (transformers reference engine) over the training-split retriever."""
    from pelliculum_lib.recommending.two_stage import TwoStageRecommender

    settings = Settings(dataset=str(sample_data), backend="transformers", fit_split="train")
    return TwoStageRecommender.load(settings, sample_catalogue, retriever=train_retriever)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["two-stage", "llm", "generate", "retriever"])
def test_committed_ranker_returns_distinct_candidate_films(ranker, sample_catalogue, mode):
    for film in sample_catalogue.movies["id"].head(3).tolist():
        candidates = ranker.candidate_ids(film)
        films = ranker.rank(film, mode)
        assert len(films) == 8 and len(set(films)) == 8
        assert film not in films and set(films) <= set(candidates)


@pytest.mark.slow
def test_the_ranker_learned_to_rank_candidates(ranker, sample_catalogue):
    """The fine-tuned ranker puts reference films above the others among its candidates: the mean
    letter log-probability of reference candidates beats that of the rest on held-out films."""
    from pelliculum_lib.recommending.two_stage import scored_candidates

    references = reference_lists(sample_catalogue)
    held_out = [f for f in references if is_held_out(np.array([f]), 0.1, 42)[0]][:12]
    candidates, scores = scored_candidates(ranker, held_out)
    relevant, other = [], []
    for film in held_out:
        for candidate, score in zip(candidates[film], scores[film]):
            (relevant if candidate in set(references[film]) else other).append(score)
    assert relevant and np.mean(relevant) > np.mean(other) + 1.0


# --------------------------------------------------------------------------- the fit split in the service


@pytest.mark.slow
def test_fit_split_train_serves_held_out_films_as_films_without_a_list(sample_data, tmp_path_factory):
    """``PELLICULUM_FIT_SPLIT=train``: a held-out film's own list reaches neither its candidates
    nor its answer through the real HTTP path; with ``all`` (production) it comes first."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from pelliculum_lib.serving.service import RecommendationService

    answers = {}
    for split in ("train", "all"):
        settings = Settings(dataset=str(sample_data), fit_split=split, recommender_mode="retriever")
        service = RecommendationService.load(settings, answers_dir=tmp_path_factory.mktemp(f"answers-{split}"))
        catalogue = service.recommender.catalogue
        references = reference_lists(catalogue)
        held_out = [f for f in references if is_held_out(np.array([f]), 0.1, 42)[0]][:15]
        with TestClient(create_app(service)) as client:
            assert client.get("/health").json()["fit_split"] == split
            answers[split] = {f: [r["id"] for r in client.post("/recommend/", json={
                "title": catalogue.labels[f]}).json()["recommendations"]] for f in held_out}
    full_lists = catalogue.resolved_recommendations(8).groupby("source_id")["rec_id"].apply(list)
    assert all(answers["all"][f][:min(8, len(full_lists[f]))] == full_lists[f][:8] for f in held_out)
    assert sum(answers["train"][f] == answers["all"][f] for f in held_out) < len(held_out) / 2


@pytest.mark.slow
def test_llamacpp_ranker_scores_like_the_transformers_reference(ranker, sample_data, sample_catalogue,
                                                               train_retriever):
    """The service's engine (merged ranker as an F16 GGUF, llama.cpp) orders candidates as the
    reference does: same best candidate, close letter log-probabilities."""
    from pelliculum_lib.recommending.two_stage import TwoStageRecommender, scored_candidates

    settings = Settings(dataset=str(sample_data), backend="llama.cpp", fit_split="train")
    fast = TwoStageRecommender.load(settings, sample_catalogue, retriever=train_retriever)
    films = sample_catalogue.movies["id"].head(6).tolist()
    _, reference = scored_candidates(ranker, films)
    _, ours = scored_candidates(fast, films)
    for film in films:
        assert int(np.argmax(ours[film])) == int(np.argmax(reference[film]))
        assert np.abs(ours[film] - reference[film]).max() < 0.5
    for mode in ("two-stage", "generate"):
        films_out = fast.rank(films[0], mode)
        assert len(films_out) == 8 and films[0] not in films_out
