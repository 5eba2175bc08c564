"""Metrics on tiny hand-computed cases, and the baselines on real data."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pelliculum_lib.recommending.baselines import Baselines
from pelliculum_lib.evaluation.comparison import summarise, train_edges
from pelliculum_lib.evaluation.metrics import hit_at_k, ndcg_at_k, recall_at_k


def test_ranking_metrics_by_hand():
    relevant = {1, 2, 3, 4}
    predicted = [9, 1, 8, 2]
    assert recall_at_k(predicted, relevant, 8) == 0.5
    assert hit_at_k(predicted, relevant, 8) == 1.0 and hit_at_k([9, 8], relevant, 8) == 0.0
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = sum(1 / math.log2(r + 2) for r in range(4))
    assert ndcg_at_k(predicted, relevant, 8) == pytest.approx(dcg / idcg)
    assert ndcg_at_k([1, 2, 3, 4], relevant, 8) == pytest.approx(1.0)
    assert recall_at_k([1, 2], relevant, 1) == 0.25  # only the first k count
    assert ndcg_at_k([], relevant, 8) == 0.0 and recall_at_k([1], set(), 8) == 0.0


def test_summary_rates_coverage_and_popularity_bias():
    rows = pd.DataFrame({
        "source": [10, 11], "films": [[1, 2], [1]], "recall": [0.5, 0.0], "ndcg": [0.6, 0.0], "hit": [1.0, 0.0],
        "valid_share": [1.0, 0.5], "duplicate_share": [0.0, 0.0], "none": [False, True], "stopped": [True, False],
        "seconds": [0.2, 0.4]})
    frequency = pd.Series({1: 10, 2: 2, 3: 1})
    table = summarise(rows, candidates=4, frequency=frequency, references={10: [3], 11: [3]}, k=8)
    assert table["recall@8"] == 0.25 and table["hr@8"] == 0.5
    assert table["valid_title_rate"] == 0.75 and table["none_rate"] == 0.5 and table["stop_rate"] == 0.5
    assert table["coverage"] == 0.5  # films 1 and 2 out of 4 candidates
    assert table["popularity_bias"] == pytest.approx((22 / 3) / 1)
    assert table["seconds_per_answer"] == pytest.approx(0.3)


def test_baselines_rank_candidates_and_never_return_the_query(sample_catalogue, settings):
    edges = train_edges(sample_catalogue, settings)
    candidates = pd.unique(edges["rec_id"]).tolist()
    baselines = Baselines(sample_catalogue, edges, candidates)
    source = int(edges["source_id"].iloc[0])
    for name in Baselines.NAMES:
        films = baselines.recommend(name, source, 8)
        assert len(films) == 8 and len(set(films)) == 8 and source not in films
        assert set(films) <= set(candidates)
    # A film's co-occurrence neighbours start with the film whose training list names it.
    counts = edges["rec_id"].value_counts()
    target = int(counts.index[counts == 1][0])
    lister = int(edges.loc[edges["rec_id"] == target, "source_id"].iloc[0])
    assert baselines.cooccurrence(target, 8)[0] == lister
    with pytest.raises(ValueError, match="Unknown baseline"):
        baselines.recommend("magic", source)
