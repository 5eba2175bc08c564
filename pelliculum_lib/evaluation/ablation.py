"""Measuring the two-stage recommender: per-film metrics, bootstrap intervals, ablations by film
group, candidate recall curves and the "sibling walk" check. Used by notebook 07 and the
held-out HTTP benchmark; the report is ``reports/two_stage.md``.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from pelliculum_lib import reports
from pelliculum_lib.evaluation.metrics import hit_at_k, ndcg_at_k, recall_at_k
from pelliculum_lib.recommending.ranker import fused_lists

RANKING = ("ndcg@8", "recall@8", "hr@8")


def per_film(lists: dict[int, list[int]], references: dict[int, list[int]], k: int = 8,
             seconds: dict[int, float] | None = None) -> pd.DataFrame:
    """One row per source film: its ranking metrics against its reference list."""
    rows = []
    for source, films in lists.items():
        relevant = set(references.get(source, []))
        rows.append({"source": source, "ndcg@8": ndcg_at_k(films, relevant, k), "recall@8": recall_at_k(films, relevant, k),
                     "hr@8": hit_at_k(films, relevant, k), "films": len(films),
                     "seconds": (seconds or {}).get(source, np.nan)})
    return pd.DataFrame(rows).set_index("source")


def bootstrap(values: np.ndarray, resamples: int = 2000, seed: int = 42) -> tuple[float, float, float]:
    """Mean and 95 % percentile-bootstrap interval of ``values`` (resampling films)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return (np.nan, np.nan, np.nan)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (resamples, len(values)))].mean(axis=1)
    return float(values.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def interval(values: np.ndarray, keys: tuple[str, str, str], resamples: int = 2000, seed: int = 42) -> dict[str, float]:
    """:func:`bootstrap`'s mean, low and high under ``keys`` (a table row's cells)."""
    return dict(zip(keys, bootstrap(values, resamples, seed)))


def by_method(rows: dict[str, dict]) -> pd.DataFrame:
    """One row per method (the index, named ``method``)."""
    out = pd.DataFrame(rows).T
    out.index.name = "method"
    return out


def table(methods: dict[str, pd.DataFrame], baseline: str | None = None, films: list[int] | None = None,
          resamples: int = 2000, seed: int = 42) -> pd.DataFrame:
    """Mean [95 % CI] of every metric per method on the same ``films``, and the paired difference of
    NDCG@8 to ``baseline`` with its interval (same bootstrap resamples of films)."""
    films = films if films is not None else list(next(iter(methods.values())).index)
    rows = {}
    for name, frame in methods.items():
        frame = frame.reindex(films)
        row: dict[str, float] = {}
        for metric in RANKING:
            row |= interval(frame[metric], (metric, f"{metric} lo", f"{metric} hi"), resamples, seed)
        if baseline is not None and baseline in methods:
            diff = frame["ndcg@8"].to_numpy() - methods[baseline].reindex(films)["ndcg@8"].to_numpy()
            row |= interval(diff, ("Δndcg@8", "Δ lo", "Δ hi"), resamples, seed)
        row["s/answer"] = float(frame["seconds"].median()) if frame["seconds"].notna().any() else np.nan
        row["films"] = len(frame)
        rows[name] = row
    return by_method(rows)


def choose_weight(candidates: dict[int, list[int]], scores: dict[int, np.ndarray],
                  references: dict[int, list[int]], weights: list[float]) -> tuple[float, pd.Series]:
    """The fusion weight with the best mean NDCG@8 (``inf``, the retriever alone, is always tried; ties go to
    the smallest weight: the most LLM influence), and every weight's score."""
    choice = pd.Series({w: per_film(fused_lists(candidates, scores, w), references)["ndcg@8"].mean()
                        for w in [*weights, math.inf]}, name="validation ndcg@8")
    best = choice.max()
    return float(min(w for w, v in choice.items() if v >= best - 1e-12)), choice


def timed_lists(answer: Callable[[int], list[int]], films: list[int]) -> tuple[dict[int, list[int]], dict[int, float]]:
    """``answer(film)`` for every film, and the seconds each took."""
    lists, seconds = {}, {}
    for film in films:
        started = time.perf_counter()
        lists[film] = answer(film)
        seconds[film] = time.perf_counter() - started
    return lists, seconds


def formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """``0.568 [0.54, 0.60]`` cells for markdown."""
    out = pd.DataFrame(index=frame.index)
    for metric in RANKING:
        out[metric] = [f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in
                       zip(frame[metric], frame[f"{metric} lo"], frame[f"{metric} hi"])]
    if "Δndcg@8" in frame:
        out["Δndcg@8 vs baseline"] = [f"{m:+.3f} [{lo:+.3f}, {hi:+.3f}]" for m, lo, hi in
                                      zip(frame["Δndcg@8"], frame["Δ lo"], frame["Δ hi"])]
    out["s/answer (median)"] = [("–" if np.isnan(s) else f"{s:.4f}") for s in frame["s/answer"]]
    out["films"] = frame["films"].astype(int)
    return out


def candidate_recall(candidates: dict[int, list[int]], references: dict[int, list[int]],
                     ks: list[int]) -> pd.Series:
    """Mean share of each film's reference films found among its first ``k`` candidates."""
    return pd.Series({k: float(np.mean([recall_at_k(c, set(references[f]), k) for f, c in candidates.items()]))
                      for k in ks}, name="recall")


def first_words(label: str, n: int = 2) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", label.casefold())[:n])


def walks_siblings(query_label: str, labels: list[str], limit: int = 3) -> bool:
    """True when ``limit`` or more answer titles share their first two words and the query does not
    (a franchise the query belongs to is fine): the trie's "The Last ..." failure."""
    groups: dict[tuple[str, ...], int] = {}
    for label in labels:
        key = first_words(label)
        if len(key) == 2:
            groups[key] = groups.get(key, 0) + 1
    query = first_words(query_label)
    return any(count >= limit and key != query for key, count in groups.items())


def write_report(path: Path, sections: dict[str, pd.DataFrame], context: dict, extra_lines: list[str],
                 figures: list[str], title: str = "The two-stage recommender",
                 notebook: str = "07_two_stage_recommender.ipynb", as_is: bool = False) -> None:
    """A report, ``path`` (markdown) and the same name in ``.json``: its context, lines, one table per section
    (shown as ``mean [lo, hi]`` by :func:`formatted`, or ``as_is``) and figures."""
    shown = {name: (frame if as_is else formatted(frame)).to_markdown() for name, frame in sections.items()}
    reports.write_report(path, shown, context, title=title, origin=reports.written_by(notebook), lines=extra_lines,
                         figures=figures, data={"context": context, **reports.records(sections)})
