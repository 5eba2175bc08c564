"""Several liked films at once: their candidate lists combined into one ranking.

"I loved Amélie and Midnight in Paris" asks for films close to both. Each liked film has the
retriever's fused candidates; the methods below combine them. Which one the service uses was
chosen by measurement (notebook 10: held-out pairs of films from one list, does the combination
find the rest of that list better than either film alone?):

- ``interleave``: first of each, then second of each, ...;
- ``rrf``: reciprocal-rank fusion, sum over films of 1 / (``RRF_K`` + rank);
- ``scores``: sum of the retriever's scores (a film absent from a list adds 0);
- ``meaning``: nearest films to the mean of the liked films' meaning vectors;
- ``rrf+meaning``: reciprocal-rank fusion of every film's list and the meaning list.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal, Sequence

import numpy as np

from pelliculum_lib.recommending.retrieval import Retriever

Method = Literal["interleave", "rrf", "scores", "meaning", "rrf+meaning"]
METHODS: tuple[Method, ...] = ("interleave", "rrf", "scores", "meaning", "rrf+meaning")
RRF_K = 60
#: The service's method, chosen on the development pairs (notebook 10, reports/preferences.json).
CHOSEN: Method = "scores"
POOL = 200  # candidates read per liked film


def _fused(lists: Sequence[Sequence[int]]) -> list[int]:
    score: dict[int, float] = defaultdict(float)
    for films in lists:
        for rank, film in enumerate(films):
            score[film] += 1.0 / (RRF_K + rank + 1)
    return sorted(score, key=lambda f: (-score[f], f))


def _meaning_list(vectors, films: Sequence[int], k: int, allowed: np.ndarray | None) -> list[int]:
    rows = [vectors.row[f] for f in films if f in vectors.row]
    if not rows:
        return []
    profile = np.asarray(vectors.vectors[sorted(rows)], dtype=np.float32).mean(axis=0)
    scores = vectors.scores(profile / (np.linalg.norm(profile) or 1.0))
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    scores[rows] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    if k < 1:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    return [int(vectors.ids[i]) for i in top[np.lexsort((top, -scores[top]))]]


def combine(retriever: Retriever, films: Sequence[int], k: int = 20, method: Method = CHOSEN,
            vectors=None, allowed: np.ndarray | None = None, pool: int = POOL,
            candidates: dict[int, list[tuple[int, float]]] | None = None) -> list[int]:
    """The ``k`` best films for someone who liked every film of ``films`` (they are excluded), best first.

    ``vectors`` (:class:`~pelliculum_lib.recommending.meaning.FilmVectors`) is needed by the meaning methods
    (without it they fall back to ``rrf``); ``allowed`` restricts the meaning list (a mask over rows);
    ``candidates``: each film's ``retriever.candidates`` already read (an evaluation reads them once)."""
    films = list(dict.fromkeys(int(f) for f in films))
    liked = set(films)
    scored = {film: (candidates or {}).get(film) or retriever.candidates(film, k=pool) for film in films}
    lists = [[f for f, _ in scored[film] if f not in liked] for film in films]
    if method in ("meaning", "rrf+meaning") and vectors is None:
        method = "rrf"
    if method == "interleave":
        order = [f for group in zip(*[lst + [None] * (pool - len(lst)) for lst in lists]) for f in group
                 if f is not None]
        result = list(dict.fromkeys(order))
    elif method == "rrf":
        result = _fused(lists)
    elif method == "scores":
        score: dict[int, float] = defaultdict(float)
        for film in films:
            for candidate, value in scored[film]:
                if candidate not in liked:
                    score[candidate] += value
        result = sorted(score, key=lambda f: (-score[f], f))
    elif method == "meaning":
        result = _meaning_list(vectors, films, pool, allowed)
    elif method == "rrf+meaning":
        result = _fused(lists + [_meaning_list(vectors, films, pool, allowed)])
    else:
        raise ValueError(f"Unknown combination method {method!r}; choose one of {', '.join(METHODS)}.")
    return result[:k]
