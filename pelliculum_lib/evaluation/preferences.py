"""Measuring preferences: several liked films combined, and the series limit.

**Liked pairs.** A held-out film T (its own list never fitted) has a list of films that
MovieLens users rated with it. Two of them, A and B, stand for a user who liked both; the rest
of T's list, and T itself, are what such a user would also like. A combination of A and B
should find them better than A alone or B alone. Pairs are split by T into dev (to choose a
method) and test (scored once, at the end).

**Series.** Among the most popular films, how many answers hold three or more films of one
series, before and after :func:`~pelliculum_lib.recommending.series.limit_series`; and what
the limit costs in held-out NDCG@8.
"""

from __future__ import annotations

import statistics

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from pelliculum_lib.data.catalogue import Catalogue, is_held_out
from pelliculum_lib.data.values import dash_list
from pelliculum_lib.evaluation.ablation import bootstrap, by_method, interval
from pelliculum_lib.evaluation.metrics import ndcg_at_k, recall_at_k
from pelliculum_lib.recommending.combination import METHODS, POOL, combine
from pelliculum_lib.recommending.retrieval import Retriever
from pelliculum_lib.recommending.series import PER_SERIES, crowded, limit_series


def liked_pairs(catalogue: Catalogue, held_out: set[int], seed: int = 7, list_length: int = 10,
                films: int | None = None) -> pd.DataFrame:
    """One pair per held-out film with at least four films in its list: ``target``, ``a``, ``b``, the
    ``relevant`` films (T and the rest of its first ``list_length``) and its ``split`` (dev / test)."""
    lists = catalogue.resolved_recommendations(list_length).groupby("source_id")["rec_id"].apply(list)
    rng = np.random.default_rng(seed)
    rows = []
    for target in sorted(set(lists.index) & held_out):
        films_of = [int(f) for f in lists[target]]
        if len(films_of) < 4:
            continue
        a, b = (int(x) for x in rng.choice(films_of, 2, replace=False))
        relevant = {int(target), *films_of} - {a, b}
        split = "test" if bool(is_held_out(np.array([target]), 0.5, seed + 1)[0]) else "dev"
        rows.append({"target": int(target), "a": a, "b": b, "relevant": relevant, "split": split})
    frame = pd.DataFrame(rows)
    return frame.head(films) if films is not None else frame


def score_pairs(retriever: Retriever, pairs: pd.DataFrame, vectors=None, k: int = 8,
                methods: tuple[str, ...] = METHODS, progress: bool = True) -> pd.DataFrame:
    """NDCG@k and recall@k of each method per pair: ``a alone``, ``b alone`` and every combination."""
    rows = []
    for pair in tqdm(pairs.itertuples(), total=len(pairs), desc="liked pairs", disable=not progress):
        read = {f: retriever.candidates(f, k=POOL) for f in (pair.a, pair.b)}
        answers = {"a alone": [f for f, _ in read[pair.a] if f != pair.b][:k],
                   "b alone": [f for f, _ in read[pair.b] if f != pair.a][:k]}
        for method in methods:
            if method in ("meaning", "rrf+meaning") and vectors is None:
                continue
            answers[method] = combine(retriever, [pair.a, pair.b], k, method, vectors, candidates=read)
        for method, films in answers.items():
            rows.append({"target": pair.target, "split": pair.split, "method": method,
                         "ndcg@8": ndcg_at_k(films, pair.relevant, k), "recall@8": recall_at_k(films, pair.relevant, k)})
    return pd.DataFrame(rows)


def pair_table(scores: pd.DataFrame, split: str, baselines: tuple[str, ...] = ("a alone", "b alone"),
               resamples: int = 2000, seed: int = 42) -> pd.DataFrame:
    """Mean [95 % CI] per method on ``split``, and the paired NDCG@8 difference to each single film."""
    part = scores[scores["split"] == split]
    wide = part.pivot(index="target", columns="method", values="ndcg@8")
    recall = part.pivot(index="target", columns="method", values="recall@8")
    rows = {}
    for method in wide.columns:
        row = interval(wide[method].to_numpy(), ("ndcg@8", "ndcg lo", "ndcg hi"), resamples, seed)
        row["recall@8"] = float(recall[method].mean())
        for base in baselines:
            diff = wide[method].to_numpy() - wide[base].to_numpy()
            row |= interval(diff, (f"Δ vs {base}", f"Δ lo vs {base}", f"Δ hi vs {base}"), resamples, seed)
        row["pairs"] = len(wide)
        rows[method] = row
    return by_method(rows).sort_values("ndcg@8", ascending=False)


def _leads(catalogue: Catalogue):
    credits = dict(zip(catalogue.movies["id"].astype(int), catalogue.movies["credits"]))
    def leads(film: int) -> list[str]:
        value = credits.get(int(film))
        return dash_list(value)[:3]
    return leads


def series_counts(catalogue: Catalogue, retriever: Retriever, films: list[int], k: int = 8,
                  per_series: int = PER_SERIES) -> pd.DataFrame:
    """Per query film: whether its answer (the retriever's first ``k``) holds more than ``per_series`` films of
    one series, before and after the limit; with the answers' titles."""
    title = dict(zip(catalogue.movies["id"].astype(int), catalogue.movies["title"].astype(str))).get
    leads = _leads(catalogue)
    rows = []
    for film in films:
        pool = [f for f, _ in retriever.candidates(film, k=5 * k)]
        before, after = pool[:k], limit_series(pool, title, leads, k, film, per_series)
        rows.append({"film": film, "title": title(film), "crowded before": crowded(before, title, leads, film, per_series),
                     "crowded after": crowded(after, title, leads, film, per_series),
                     "before": " · ".join(title(f) for f in before), "after": " · ".join(title(f) for f in after)})
    return pd.DataFrame(rows)


def series_cost(catalogue: Catalogue, retriever: Retriever, references: dict[int, list[int]], films: list[int],
                k: int = 8, resamples: int = 2000, seed: int = 42) -> dict:
    """Held-out NDCG@k of the retriever's answer without and with the series limit, and the paired difference."""
    title = dict(zip(catalogue.movies["id"].astype(int), catalogue.movies["title"].astype(str))).get
    leads = _leads(catalogue)
    plain, limited = [], []
    for film in films:
        relevant = set(references.get(film, []))
        pool = [f for f, _ in retriever.candidates(film, k=5 * k)]
        plain.append(ndcg_at_k(pool[:k], relevant, k))
        limited.append(ndcg_at_k(limit_series(pool, title, leads, k, film), relevant, k))
    plain, limited = np.array(plain), np.array(limited)
    mean, lo, hi = bootstrap(limited - plain, resamples, seed)
    return {"films": len(films), "ndcg@8 without limit": float(plain.mean()), "ndcg@8 with limit": float(limited.mean()),
            "Δ": mean, "Δ lo": lo, "Δ hi": hi, "answers changed": int(np.sum(plain != limited))}


# --------------------------------------------------------------------------- directional critiques

#: Fifty opening requests: genre and decade, or a liked film.
OPENINGS = ([f"a {genre} film from the {decade}s" for genre in ("comedy", "drama", "thriller", "horror", "action")
             for decade in (1980, 1990, 2000, 2010)]
            + [f"films like {title}" for title in (
                "Heat", "Alien", "Amelie", "The Hangover", "Se7en", "Toy Story", "Gladiator", "Inception",
                "The Notebook", "Pulp Fiction", "Jaws", "Shrek", "The Matrix", "Titanic", "Fargo", "Up",
                "Mean Girls", "Casablanca", "Rocky", "Psycho", "Grease", "Zodiac", "Frozen", "Memento",
                "The Shining", "Braveheart", "Ghostbusters", "Juno", "Scream", "Goodfellas")])
#: Per critique: its English and French words, the measure it moves (see ``FilmFacts.measure``) and which way.
CRITIQUE_CHECKS: dict[str, tuple[str, str, str, int]] = {
    "lighter": ("something lighter", "plus léger", "tone", +1),
    "darker": ("darker, please", "plus sombre", "tone", -1),
    "funnier": ("funnier ones", "des films plus drôles", "fun", +1),
    "less_scary": ("less scary please", "moins flippant", "scare", -1),
    "more_serious": ("something more serious", "plus sérieux", "serious", +1),
    "better_rated": ("better rated ones", "mieux notés", "rating", +1),
    "less_known": ("something less known", "une pépite méconnue", "popularity", -1),
    "more_known": ("more famous ones", "plus connus", "popularity", +1),
    "shorter": ("shorter ones", "plus courts", "runtime", -1),
    "longer": ("something longer", "des films plus longs", "runtime", +1),
    "older": ("older ones", "plus anciens", "year", -1),
    "newer": ("newer ones", "plus récents", "year", +1),
}


def critique_moves(dialogue, names: list[str] | None = None, openings: list[str] = OPENINGS) -> pd.DataFrame:
    """Each critique after each opening (English on even openings, French on odd ones): the median of its
    measure over the answer before and after, and whether it moved the asked way."""
    rows = []
    for name in names or list(CRITIQUE_CHECKS):
        english, french, measure, sign = CRITIQUE_CHECKS[name]
        for i, opening in enumerate(openings):
            first = dialogue.reply(opening)
            critique = english if i % 2 == 0 else french
            after = dialogue.reply(critique, first.conversation_id)
            values = [[v for f, _ in reply.films if (v := dialogue.facts.value(measure, f)) == v]
                      for reply in (first, after)]
            before, now = (statistics.median(v) if v else np.nan for v in values)
            rows.append({"critique": name, "language": "en" if i % 2 == 0 else "fr", "opening": opening,
                         "said": critique, "measure": measure, "before": before, "after": now,
                         "films": len(after.films), "status": after.status,
                         "keys": [c.key for c in after.constraints],
                         "moved": bool(values[0] and values[1] and sign * (now - before) > 0)})
    return pd.DataFrame(rows)
