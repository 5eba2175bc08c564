"""Non-LLM baselines, fitted on the training split only and ranking the same candidate films.

- ``popularity``: the films most often recommended in training lists;
- ``genre``: most genres in common (Jaccard), ties by popularity;
- ``content``: TF-IDF kNN over overview, genres, keywords and credits (cosine);
- ``cooccurrence``: films that share training recommendation lists with the query film, or
  whose own list contains it, ties by popularity.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.values import dash_list


def _text(movies: pd.DataFrame) -> pd.Series:
    parts = [movies[c].fillna("").astype(str) for c in ("overview", "genres", "keywords", "credits")
             if c in movies]
    out = parts[0]
    for part in parts[1:]:
        out = out + " " + part.str.replace("-", " ")
    return out


class Baselines:
    """All baselines over ``candidates`` (film ids), trained on ``train_edges``."""

    NAMES = ("popularity", "genre", "content", "cooccurrence")

    def __init__(self, catalogue: Catalogue, train_edges: pd.DataFrame, candidates: list[int]):
        self.catalogue = catalogue
        counts = train_edges["rec_id"].value_counts()
        # Candidates ordered by how often training lists recommend them (the popularity prior).
        self.candidates = sorted(candidates, key=lambda f: (-counts.get(f, 0), f))
        self.position = {f: i for i, f in enumerate(self.candidates)}
        self.frequency = counts
        movies = catalogue.movies
        self.genres = {f: frozenset(dash_list(g)) for f, g in zip(movies["id"], movies["genres"])}
        lists = train_edges.groupby("source_id")["rec_id"].apply(list)
        self.pairs: dict[int, Counter] = defaultdict(Counter)
        for source, items in lists.items():
            for item in items:
                self.pairs[item][source] += 2  # the source's own list contains the item: a strong link
                for other in items:
                    if other != item:
                        self.pairs[item][other] += 1
        vectorizer = TfidfVectorizer(max_features=50_000, stop_words="english", sublinear_tf=True, min_df=2)
        self.text_matrix = normalize(vectorizer.fit_transform(_text(movies)))
        self.row = {f: i for i, f in enumerate(movies["id"])}
        self.candidate_rows = np.array([self.row[f] for f in self.candidates])

    def _top(self, scores: dict[int, float] | np.ndarray, source: int, k: int) -> list[int]:
        if isinstance(scores, np.ndarray):
            order = np.argsort(-scores, kind="stable")
            return [self.candidates[i] for i in order if self.candidates[i] != source][:k]
        ranked = sorted(scores, key=lambda f: (-scores[f], self.position.get(f, 1 << 30)))
        result = [f for f in ranked if f != source and f in self.position][:k]
        return result + [f for f in self.candidates if f != source and f not in result][:k - len(result)]

    def popularity(self, source: int, k: int = 8) -> list[int]:
        return [f for f in self.candidates[:k + 1] if f != source][:k]

    def genre(self, source: int, k: int = 8) -> list[int]:
        query = self.genres.get(source, frozenset())
        scores = np.array([len(query & self.genres[f]) / len(query | self.genres[f]) if query | self.genres[f] else 0.0
                           for f in self.candidates])
        return self._top(scores, source, k)

    def content(self, source: int, k: int = 8) -> list[int]:
        if source not in self.row:
            return self.popularity(source, k)
        similarity = (self.text_matrix[self.candidate_rows] @ self.text_matrix[self.row[source]].T).toarray().ravel()
        return self._top(similarity, source, k)

    def cooccurrence(self, source: int, k: int = 8) -> list[int]:
        return self._top(dict(self.pairs.get(source, {})), source, k)

    def recommend(self, name: str, source: int, k: int = 8) -> list[int]:
        if name not in self.NAMES:
            raise ValueError(f"Unknown baseline {name!r}: choose one of {', '.join(self.NAMES)}.")
        return getattr(self, name)(source, k)
