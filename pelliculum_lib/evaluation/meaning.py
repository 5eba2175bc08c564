"""Does the chat find films by what a description means? And do meaning neighbours help cold films?

- **Theme set** (``tests/data/theme_requests.jsonl``, frozen before any method): requests that describe a
  TMDb keyword theme without its words, in English and French, split by theme into ``dev`` (tuning) and
  ``kept_aside`` (scored once). A film is relevant when its keywords hold the theme's; every method indexes
  the films **without their keywords** (:func:`keyword_free`), so that matching the tag is impossible.
  Each request goes through the real conversation (parser, masks, ranking): precision@8 and nDCG@8.
- **Cold start**: held-out source films with their own list *and every appearance in other lists* removed
  from the fit; their first 8 recommendations judged against content neighbours by TF-IDF, by the encoder,
  and the fused retriever (content + popularity) that serves cold films today.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pelliculum_lib.config import PROJECT_ROOT
from pelliculum_lib.conversation import Dialogue, FilmFacts, build_dialogue
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.values import dash_list
from pelliculum_lib.evaluation.ablation import interval
from pelliculum_lib.evaluation.metrics import ndcg_at_k
from pelliculum_lib.recommending.meaning import FilmVectors, meaning_neighbours
from pelliculum_lib.recommending.retrieval import Retriever

THEMES = PROJECT_ROOT / "tests" / "data" / "theme_requests.jsonl"
K = 8


def load_themes(path: Path = THEMES, split: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def keyword_free(catalogue: Catalogue) -> Catalogue:
    """The same catalogue with every film's TMDb keywords removed (what the methods may index)."""
    copy = Catalogue.__new__(Catalogue)
    copy.__dict__.update(catalogue.__dict__)
    copy.movies = catalogue.movies.assign(keywords=None)
    return copy


def tagged(catalogue: Catalogue, keywords: list[str]) -> set[int]:
    """Ids of the films whose TMDb keywords hold one of ``keywords``."""
    wanted = set(keywords)
    values = catalogue.movies["keywords"].tolist()
    ids = catalogue.movies["id"].tolist()
    return {int(f) for f, v in zip(ids, values)
            if wanted & set(dash_list(v))}


@dataclass
class ThemeBench:
    """The conversation over keyword-free indexes, ready to answer theme requests under several methods."""

    dialogue: Dialogue
    relevant: dict[str, set[int]]  # request id -> relevant film ids

    @classmethod
    def build(cls, catalogue: Catalogue, retriever: Retriever, vectors: FilmVectors | None, requests: list[dict],
              settings) -> "ThemeBench":
        free = keyword_free(catalogue)
        words_retriever = retriever.with_content(free.movies)
        dialogue = build_dialogue(free, words_retriever, _resolver(catalogue, settings),
                                  lambda film: [f for f, _ in words_retriever.candidates(film, K)], settings,
                                  meaning=vectors)
        return cls(dialogue, {r["id"]: tagged(catalogue, r["keywords"]) for r in requests})

    @property
    def facts(self) -> FilmFacts:
        return self.dialogue.facts

    def answer(self, text: str) -> list[int]:
        return [film for film, _ in self.dialogue.reply(text).films]

    def score(self, requests: list[dict], method: str, words_weight: float | None = None,
              quality_weight: float | None = None, vectors: FilmVectors | None = None,
              feedback_films: int | None = None) -> pd.DataFrame:
        """One row per request: precision@8 and nDCG@8 of the chat's answer under ``method``.

        ``words``: literal matching only (the moods the rules read as words, else TF-IDF of the description);
        ``meaning``: the encoder (plus the quality prior); ``fusion``: both, ``words_weight`` on the words."""
        facts = self.facts
        saved = facts.meaning, facts.words_weight, facts.quality_weight, facts.feedback_films
        try:
            if feedback_films is not None:
                facts.feedback_films = feedback_films
            facts.meaning = None if method == "words" else (vectors if vectors is not None else saved[0])
            facts.words_weight = 0.0 if method == "meaning" else (words_weight if words_weight is not None
                                                                  else saved[1])
            if quality_weight is not None:
                facts.quality_weight = quality_weight
            rows = []
            for request in requests:
                films = self.answer(request["text"])
                relevant = self.relevant[request["id"]]
                hits = [f in relevant for f in films[:K]]
                rows.append({"id": request["id"], "theme": request["theme"], "language": request["language"],
                             "split": request["split"], "precision@8": sum(hits) / K,
                             "ndcg@8": ndcg_at_k(films, relevant, K), "films": len(films)})
            return pd.DataFrame(rows).set_index("id")
        finally:
            facts.meaning, facts.words_weight, facts.quality_weight, facts.feedback_films = saved


def first_films(catalogue: Catalogue, n: int | None) -> Catalogue:
    """The ``n`` most popular films only (a tiny run of the notebook); the whole catalogue for ``None``."""
    if n is None or n >= len(catalogue):
        return catalogue
    from pelliculum_lib.data.catalogue import WYKONOS_COLUMNS

    return Catalogue.from_frame(catalogue.movies.head(n)[list(WYKONOS_COLUMNS)].reset_index(drop=True))


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """The first two principal components of ``vectors`` (a map of films by meaning)."""
    centred = np.asarray(vectors, dtype=np.float64) - np.asarray(vectors, dtype=np.float64).mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return centred @ axes[:2].T


def _resolver(catalogue: Catalogue, settings):
    from pelliculum_lib.data.titles import TitleResolver

    return TitleResolver.cached(catalogue, settings.cache_dir)


def summary(methods: dict[str, pd.DataFrame], baseline: str, by: str = "language",
            resamples: int = 2000, seed: int = 42) -> pd.DataFrame:
    """Mean [95 % CI] of precision@8 and nDCG@8 per method and group, and the paired difference of
    precision@8 to ``baseline`` (same resampled requests)."""
    rows = []
    groups = sorted(next(iter(methods.values()))[by].unique()) + ["all"]
    for name, frame in methods.items():
        for group in groups:
            part = frame if group == "all" else frame[frame[by] == group]
            base = methods[baseline].reindex(part.index)
            row = {"method": name, by: group, "requests": len(part)}
            for metric in ("precision@8", "ndcg@8"):
                row |= interval(part[metric], (metric, f"{metric} lo", f"{metric} hi"), resamples, seed)
            diff = part["precision@8"].to_numpy() - base["precision@8"].to_numpy()
            row |= interval(diff, ("Δp@8", "Δ lo", "Δ hi"), resamples, seed)
            words = float(base["precision@8"].mean())
            row["× words"] = row["precision@8"] / words if words > 0 else np.inf
            rows.append(row)
    return pd.DataFrame(rows)


def grid(bench: ThemeBench, requests: list[dict], words_weights: list[float], quality_weights: list[float],
         feedback_films: tuple[int, ...] = (0,)) -> pd.DataFrame:
    """Mean precision@8 and nDCG@8 of the fusion for each combination of weights (on dev requests only)."""
    rows = []
    for feedback in feedback_films:
        for words in words_weights:
            for quality in quality_weights:
                frame = bench.score(requests, "fusion", words, quality, feedback_films=feedback)
                rows.append({"feedback films": feedback, "words weight": words, "quality weight": quality,
                             "precision@8": frame["precision@8"].mean(), "ndcg@8": frame["ndcg@8"].mean(),
                             "se": frame["precision@8"].std(ddof=1) / np.sqrt(len(frame))})
    return pd.DataFrame(rows)


def one_standard_error(search: pd.DataFrame) -> pd.Series:
    """The simplest setting whose dev precision@8 is within one standard error of the best (Breiman's rule):
    no feedback before feedback, then the strongest quality prior (known films first), then the least word
    matching. Differences smaller than that are noise on 60 requests."""
    best = search.loc[search["precision@8"].idxmax()]
    near = search[search["precision@8"] >= best["precision@8"] - best["se"]]
    return near.sort_values(["feedback films", "quality weight", "words weight"], ascending=[True, False, True]).iloc[0]


# -- cold start -------------------------------------------------------------------------------------
def cold_start(retriever: Retriever, vectors: FilmVectors, quality: np.ndarray, films: list[int],
               references: dict[int, list[int]], quality_weight: float = 0.3,
               has_text: np.ndarray | None = None) -> dict[str, pd.DataFrame]:
    """nDCG@8 per held-out film of each way to find neighbours of a film no list mentions.

    ``retriever`` must already be fitted without these films' lists and appearances
    (:meth:`Retriever.without_films`)."""
    methods: dict[str, dict[int, list[int]]] = {"retriever (cold: TF-IDF content + popularity)": {},
                                                "TF-IDF content kNN": {}, "encoder kNN": {},
                                                "encoder kNN + quality prior": {}, "encoder + TF-IDF + quality": {}}
    for film in films:
        row = retriever.row[film]
        methods["retriever (cold: TF-IDF content + popularity)"][film] = \
            [f for f, _ in retriever.candidates(film, K, use_own_list=False)]
        tfidf = retriever.content_scores(film)
        tfidf[row] = -np.inf
        methods["TF-IDF content kNN"][film] = _top(retriever.ids, tfidf, K)
        methods["encoder kNN"][film] = _top(retriever.ids, vectors.similar(film), K)
        methods["encoder kNN + quality prior"][film] = meaning_neighbours(vectors, film, quality, K, quality_weight,
                                                                          has_text=has_text)
        methods["encoder + TF-IDF + quality"][film] = meaning_neighbours(vectors, film, quality, K, quality_weight,
                                                                         content=np.where(np.isfinite(tfidf), tfidf, 0),
                                                                         has_text=has_text)
    return {name: pd.DataFrame({"ndcg@8": {f: ndcg_at_k(lists[f], set(references[f]), K) for f in films}})
            for name, lists in methods.items()}


def _top(ids: np.ndarray, scores: np.ndarray, k: int) -> list[int]:
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    k = min(k, len(scores) - 1)
    top = np.argpartition(-scores, k)[:k]
    return [int(ids[i]) for i in top[np.lexsort((top, -scores[top]))]]


def cold_table(methods: dict[str, pd.DataFrame], baseline: str, resamples: int = 2000, seed: int = 42) -> pd.DataFrame:
    rows = []
    for name, frame in methods.items():
        row = {"method": name, "films": len(frame)}
        row |= interval(frame["ndcg@8"], ("ndcg@8", "lo", "hi"), resamples, seed)
        diff = frame["ndcg@8"].to_numpy() - methods[baseline].reindex(frame.index)["ndcg@8"].to_numpy()
        row |= interval(diff, ("Δ vs " + baseline.split(" (")[0], "Δ lo", "Δ hi"), resamples, seed)
        rows.append(row)
    return pd.DataFrame(rows).set_index("method")
