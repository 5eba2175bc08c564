"""Stage 1 of the two-stage recommender: scored candidates for any catalogue film.

Signals, fitted on the recommendation lists of the *fit* sources only (``fit_sources``):

- **graph**: rank-weighted co-occurrence over the full lists (up to 20 films): a film is
  linked to every source whose list holds it and to the films listed beside it, each link
  weighted ``1/sqrt(rank + 1)``;
- **item-kNN**: `implicit`'s BM25 item-item model over the (list x film) matrix;
- **content**: TF-IDF over overview, tagline, genres, keywords, cast and companies, for the
  whole catalogue (the films no list mentions get candidates through it);
- **popularity**: TMDB vote count and how often the lists recommend a film.

A gradient-boosted fusion (scikit-learn's ``HistGradientBoostingClassifier``) learns how to
weigh them from the fit sources themselves, with K-fold refits of the graph signals so that a
film's own list never scores its own candidates; a quarter of those queries is also shown
without any graph signal, so that cold films (no list mentions them) are ranked by content
and popularity. Everything is deterministic and saved once under the cache as a folder of
NumPy arrays that a later start memory-maps: the fusion's trees (``fusion.TreeFusion``) and the
TF-IDF vocabulary (``terms.TermWeights``) are kept as data, so scikit-learn is imported only
where a fit happens.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from tqdm.auto import tqdm

from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.data.catalogue import Catalogue, is_held_out
from pelliculum_lib.recommending.fusion import TreeFusion
from pelliculum_lib.recommending.terms import TermWeights
from pelliculum_lib.data.values import dash_pieces, row_index

log = logging.getLogger(__name__)

RETRIEVER_VERSION = 5  # 3: the TF-IDF vectorizer is kept; 4: the class moved; 5: arrays, not a pickle
FEATURES = ("graph", "graph_share", "lists_query", "bm25", "content", "genre_jaccard", "year_gap",
            "list_frequency", "votes", "rating", "query_degree", "query_in_lists")
FUSION_QUERIES = 6_000  # training queries of the fusion at most (the offline data has 4,331 sources: all used)
EDGE_COLUMNS = ("source_id", "rank", "source_row", "rec_row")
POOL = {"graph": 60, "bm25": 60, "content": 30, "popular": 20}  # candidates taken from each signal


def rank_weight(rank: np.ndarray | int) -> np.ndarray | float:
    return 1.0 / np.sqrt(np.asarray(rank, dtype=np.float64) + 1.0)


def fit_sources(catalogue: Catalogue, split: str, settings: Settings) -> np.ndarray:
    """Source films whose lists the retriever may use: ``all`` of them, or the ``train`` split only."""
    sources = catalogue.edges.loc[catalogue.edges["resolved"], "source_id"].unique()
    if split == "train":
        sources = sources[~is_held_out(sources, settings.eval_share, settings.seed)]
    elif split != "all":
        raise ValueError(f"fit split must be 'all' or 'train', not {split!r}")
    return np.sort(sources)


def _content_text(movies: pd.DataFrame) -> pd.Series:
    text = movies["title"].fillna("").astype(str)
    for column in ("overview", "tagline", "genres", "keywords", "credits", "production_companies"):
        if column in movies:
            values = movies[column].fillna("").astype(str)
            if column in ("genres", "keywords", "credits", "production_companies"):
                # "Tom Hanks-Tim Allen" -> tokens "tom_hanks tim_allen": names stay whole
                values = values.str.replace(" ", "_").str.replace("-", " ")
            text = text + " " + values
    return text


def _fit_content(movies: pd.DataFrame) -> tuple[TermWeights, sp.csr_matrix]:
    """The TF-IDF content index: the fitted vocabulary's weights and the films' normalised rows."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    vectorizer = TfidfVectorizer(max_features=100_000, sublinear_tf=True, min_df=2, stop_words="english",
                                 dtype=np.float32)
    text = normalize(vectorizer.fit_transform(_content_text(movies))).tocsr()
    return TermWeights.from_sklearn(vectorizer), text


@dataclass
class Graph:
    """The list-derived signals of one set of fit sources (rows/columns are catalogue rows)."""

    links: sp.csr_matrix  # graph score between films
    listed_in: sp.csr_matrix  # [film, source] = rank weight of film in source's list
    own: sp.csr_matrix  # [source, film] = rank weight of film in source's own list
    bm25: sp.csr_matrix  # item-item similarity
    frequency: np.ndarray  # lists that recommend each film
    popular: np.ndarray  # rows of the most recommended films, most first

    def cold(self) -> "Graph":
        """The same popularity with no links: how a film that no list mentions is seen."""
        empty = sp.csr_matrix(self.links.shape)
        return Graph(empty, empty, empty, empty, self.frequency, self.popular)

    @classmethod
    def fit(cls, edges: pd.DataFrame, n: int, bm25_neighbours: int = 100) -> "Graph":
        """``edges``: ``source_row, rank, rec_row`` of the fit lists (full lists, ranks from 0)."""
        from implicit.nearest_neighbours import BM25Recommender

        weight = rank_weight(edges["rank"].to_numpy())
        src, rec = edges["source_row"].to_numpy(), edges["rec_row"].to_numpy()
        listed_in = sp.csr_matrix((weight, (rec, src)), shape=(n, n))
        own = listed_in.T.tocsr()
        # Films listed together: W W^T over (film x list) weights, diagonal removed.
        lists, list_index = np.unique(src, return_inverse=True)
        member = sp.csr_matrix((weight, (rec, list_index)), shape=(n, len(lists)))
        together = (member @ member.T).tolil()
        together.setdiag(0)
        links = (together.tocsr() + 2.0 * listed_in)
        links.eliminate_zeros()
        rows = np.concatenate([list_index, np.arange(len(lists))])
        cols = np.concatenate([rec, lists])
        user_items = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(lists), n))
        model = BM25Recommender(K=bm25_neighbours)
        with warnings.catch_warnings():  # implicit converts its own BM25 weights (COO) to CSR and says so
            warnings.simplefilter("ignore")
            model.fit(user_items, show_progress=False)
        bm25 = model.similarity.tocsr()
        bm25.setdiag(0)
        bm25.eliminate_zeros()
        frequency = np.bincount(rec, minlength=n).astype(np.float64)
        popular = np.lexsort((np.arange(n), -frequency))[:POOL["popular"]]
        return cls(links.tocsr(), listed_in, own, bm25, frequency, popular)


def _top(row: sp.csr_matrix, k: int) -> np.ndarray:
    if row.nnz == 0:
        return np.empty(0, dtype=np.int64)
    order = np.lexsort((row.indices, -row.data))[:k]
    return row.indices[order]


def _value(row: sp.csr_matrix, columns: np.ndarray) -> np.ndarray:
    lookup = dict(zip(row.indices.tolist(), row.data.tolist()))
    return np.array([lookup.get(c, 0.0) for c in columns.tolist()])


class Retriever:
    """Scored candidates for any catalogue film (see the module docstring)."""

    def __init__(self, ids: np.ndarray, graph: Graph, text: sp.csr_matrix, genres: sp.csr_matrix,
                 years: np.ndarray, votes: np.ndarray, ratings: np.ndarray, fusion, fit_split: str,
                 edges: pd.DataFrame):
        self.ids, self.graph, self.text, self.genres = ids, graph, text, genres
        self.years, self.votes, self.ratings, self.fusion = years, votes, ratings, fusion
        self.fit_split, self.edges = fit_split, edges
        self.fit_sources = np.sort(edges["source_id"].unique())
        self.row = row_index(ids)
        self.terms: TermWeights | None = None

    # -- fitting --------------------------------------------------------------------------
    @classmethod
    def fit(cls, catalogue: Catalogue, split: str = "train", settings: Settings | None = None,
            folds: int = 5, progress: bool = True) -> "Retriever":
        settings = settings or get_settings()
        movies = catalogue.movies
        ids = movies["id"].to_numpy()
        n = len(ids)
        row = pd.Series(np.arange(n), index=ids)
        sources = fit_sources(catalogue, split, settings)
        edges = _edges(catalogue, row, sources)
        terms, text = _fit_content(movies)
        genres = _one_hot(dash_pieces(movies["genres"].reset_index(drop=True)), n)
        years = movies["year"].astype("float64").to_numpy()
        votes = np.log1p(movies["vote_count"].to_numpy(dtype=np.float64))
        ratings = movies["vote_average"].to_numpy(dtype=np.float64)
        retriever = cls(ids, Graph.fit(edges, n), text, genres, years, votes, ratings, None, split, edges)
        retriever.terms = terms
        retriever.fusion = retriever._fit_fusion(catalogue, edges, sources, folds, settings.seed, progress)
        return retriever

    def _fit_fusion(self, catalogue: Catalogue, edges: pd.DataFrame, sources: np.ndarray, folds: int, seed: int,
                    progress: bool) -> TreeFusion | None:
        """Learn the fusion on the fit sources, each scored by a graph refitted without its fold."""
        references = catalogue.resolved_recommendations(8).groupby("source_id")["rec_id"].apply(list)
        fold = fold_of(sources, folds, seed)
        cold = fold_of(sources, 4, seed + 1) == 0  # a quarter of queries is also shown as cold
        # At most FUSION_QUERIES training queries (a hash sample): the fusion has 12 features, and at the
        # wykonos scale (52k lists) featurising every source would take most of an hour.
        asked = np.ones(len(sources), dtype=bool)
        if len(sources) > FUSION_QUERIES:
            asked = fold_of(sources, len(sources), seed + 2) < FUSION_QUERIES
        features, labels = [], []
        for k in tqdm(range(folds), desc="retriever folds", disable=not progress):
            kept = edges[~edges["source_id"].isin(sources[fold == k])]
            graph = Graph.fit(kept, len(self.ids))
            chosen = (fold == k) & asked
            for source, as_cold in zip(sources[chosen], cold[chosen]):
                query = self.row[int(source)]
                relevant = {self.row[f] for f in references.get(source, []) if f in self.row}
                for graph_used in (graph, graph.cold()) if as_cold else (graph,):
                    pool = self._pool(query, graph_used)
                    if len(pool) == 0:
                        continue
                    features.append(self._features(query, pool, graph_used))
                    labels.append(np.isin(pool, list(relevant)))
        if not features:
            return None
        X, y = np.vstack(features), np.concatenate(labels)
        if y.all() or not y.any():
            return None
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, max_leaf_nodes=31,
                                               random_state=seed, early_stopping=False)
        return TreeFusion.from_sklearn(model.fit(X, y))

    def without(self, sources: np.ndarray) -> "Retriever":
        """The same retriever with its graph refitted without the lists of ``sources``."""
        return self._refitted(self.edges[~self.edges["source_id"].isin(np.asarray(sources))])

    def without_films(self, films: np.ndarray) -> "Retriever":
        """The same retriever with the graph refitted without ``films``' own lists *and* every appearance of
        them in other lists: to the graph they are then cold films, as the cold-start protocol asks."""
        films = np.asarray(films)
        rows = [self.row[int(f)] for f in films if int(f) in self.row]
        return self._refitted(self.edges[~self.edges["source_id"].isin(films) & ~self.edges["rec_row"].isin(rows)])

    def _refitted(self, kept: pd.DataFrame) -> "Retriever":
        copy = Retriever.__new__(Retriever)
        copy.__dict__.update(self.__dict__)
        copy.graph, copy.edges = Graph.fit(kept, len(self.ids)), kept
        copy.fit_sources = np.sort(kept["source_id"].unique())
        return copy

    def with_content(self, movies: pd.DataFrame) -> "Retriever":
        """The same retriever with its content index (TF-IDF) refitted on other texts of the same films, e.g.
        the films without their keywords (the theme evaluation); the fusion is kept as it is."""
        copy = Retriever.__new__(Retriever)
        copy.__dict__.update(self.__dict__)
        copy.__dict__.pop("_by_term", None)
        copy.terms, copy.text = _fit_content(movies)
        return copy

    # -- candidates -----------------------------------------------------------------------
    def _pool(self, query: int, graph: Graph) -> np.ndarray:
        parts = [_top(graph.links[query], POOL["graph"]), _top(graph.bm25[query], POOL["bm25"]),
                 self._content_top(query, POOL["content"]), graph.popular]
        pool = np.array(list(dict.fromkeys(np.concatenate(parts).tolist())), dtype=np.int64)
        return pool[pool != query]

    @property
    def by_term(self) -> sp.csr_matrix:
        """The content matrix transposed (term -> films), built once per process: a similarity then reads
        only the postings of the query's terms (2 ms instead of 28 ms over 757k films; same scores)."""
        if getattr(self, "_by_term", None) is None:
            self._by_term = self.text.T.tocsr()
        return self._by_term

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_by_term", None)  # derived: not stored in the artifact
        return state

    def _similarities(self, vector: sp.csr_matrix) -> np.ndarray:
        """Cosine similarity of every film's content text to one (normalised) row vector."""
        return (vector @ self.by_term).toarray().ravel()

    def _content_top(self, query: int, k: int) -> np.ndarray:
        if self.text[query].nnz == 0:
            return np.empty(0, dtype=np.int64)
        scores = self._similarities(self.text[query])
        scores[query] = -1.0
        k = min(k, len(scores) - 1)  # a catalogue smaller than the pool
        top = np.argpartition(-scores, k)[:k]
        return top[np.lexsort((top, -scores[top]))]

    def _features(self, query: int, pool: np.ndarray, graph: Graph) -> np.ndarray:
        n = len(pool)
        links = graph.links[query]
        graph_score = _value(links, pool)
        share = graph_score / (links.data.sum() or 1.0)
        lists_query = _value(graph.listed_in[query], pool)  # the candidate's own list holds the query
        bm25 = _value(graph.bm25[query], pool)
        degree, in_lists = math.log1p(links.nnz), float(graph.listed_in[query].nnz)
        content = (self.text[pool] @ self.text[query].T).toarray().ravel()
        g_query, g_pool = self.genres[query], self.genres[pool]
        common = (g_pool @ g_query.T).toarray().ravel()
        union = g_pool.getnnz(axis=1) + g_query.nnz - common
        jaccard = np.divide(common, union, out=np.zeros(n), where=union > 0)
        return np.column_stack([graph_score, share, lists_query, bm25, content, jaccard,
                                np.abs(self.years[pool] - self.years[query]), np.log1p(graph.frequency[pool]),
                                self.votes[pool], self.ratings[pool], np.full(n, degree), np.full(n, in_lists)])

    def candidates(self, film_id: int, k: int = 20, use_own_list: bool = True) -> list[tuple[int, float]]:
        """The ``k`` best candidates ``(film id, score)`` for ``film_id``, best first, the film excluded.

        A film whose own list was fitted (``fit_split='all'``, a source film) gets its own
        list first (the dataset's answer), then the fused candidates.
        """
        query = self.row.get(int(film_id))
        if query is None:
            return []
        pool = self._pool(query, self.graph)
        if len(pool) == 0:
            return []
        if self.fusion is not None:
            scores = self.fusion.predict_proba(self._features(query, pool, self.graph))[:, 1]
        else:
            scores = _value(self.graph.links[query], pool)
        own = self.graph.own[query]
        if use_own_list and own.nnz:  # the film's own list first, in list order (weights fall with rank)
            pool = np.concatenate([pool, np.setdiff1d(own.indices, pool)])
            scores = np.concatenate([scores, np.zeros(len(pool) - len(scores))])
            weight = _value(own, pool)
            scores = np.where(weight > 0, 2.0 + weight, scores)
        order = np.lexsort((pool, -scores))[:k]
        return [(int(self.ids[pool[i]]), float(scores[i])) for i in order]

    def text_scores(self, text: str) -> np.ndarray:
        """Cosine similarity of every catalogue film's content text to free words ("heist", "space station")."""
        if self.terms is None or not text.strip():
            return np.zeros(len(self.ids))
        query = self.terms.transform([text]).astype(self.text.dtype)
        return self._similarities(query)

    def films_with_words(self, words: list[str]) -> np.ndarray:
        """Rows of the films whose content text holds every one of ``words`` (as the TF-IDF tokenised it)."""
        if self.terms is None or not words:
            return np.empty(0, dtype=np.int64)
        vocabulary = self.terms.vocabulary
        rows: np.ndarray | None = None
        for word in words:
            column = vocabulary.get(word)
            if column is None:
                return np.empty(0, dtype=np.int64)
            postings = self.by_term.indices[self.by_term.indptr[column]:self.by_term.indptr[column + 1]]
            rows = postings if rows is None else np.intersect1d(rows, postings)
        return np.asarray(rows, dtype=np.int64)

    def content_scores(self, film_id: int) -> np.ndarray:
        """Cosine similarity of every catalogue film's content text to ``film_id``'s (0 for an unknown film)."""
        query = self.row.get(int(film_id))
        if query is None or self.text[query].nnz == 0:
            return np.zeros(len(self.ids))
        return self._similarities(self.text[query])

    def graph_top(self, film_id: int, k: int = 8) -> list[int]:
        """The ``k`` films with the strongest graph links alone (an ablation: no fusion, no content)."""
        query = self.row.get(int(film_id))
        return [] if query is None else [int(self.ids[i]) for i in _top(self.graph.links[query], k)]

    # -- artifact -------------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        """Write the retriever as a folder of arrays (replaced whole: a reader never sees half of one)."""
        folder = Path(folder)
        partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        arrays = {"ids": self.ids, "years": self.years, "votes": self.votes, "ratings": self.ratings,
                  "frequency": self.graph.frequency, "popular": self.graph.popular}
        arrays |= {f"edges.{c}": self.edges[c].to_numpy() for c in EDGE_COLUMNS}
        matrices = {"links": self.graph.links, "listed_in": self.graph.listed_in, "own": self.graph.own,
                    "bm25": self.graph.bm25, "text": self.text, "genres": self.genres, "by_term": self.by_term}
        for name, matrix in matrices.items():
            arrays |= {f"{name}.data": matrix.data, f"{name}.indices": matrix.indices, f"{name}.indptr": matrix.indptr}
        if self.fusion is not None:
            arrays |= {f"fusion.{k}": v for k, v in self.fusion.arrays().items()}
        if self.terms is not None:
            arrays["idf"] = self.terms.idf
            (partial / "terms.txt").write_text("\n".join(self.terms.terms), encoding="utf-8")
            (partial / "stop_words.txt").write_text("\n".join(sorted(self.terms.stop_words)), encoding="utf-8")
        for name, values in arrays.items():
            np.save(partial / f"{name}.npy", np.asarray(values), allow_pickle=False)
        meta = {"version": RETRIEVER_VERSION, "fit_split": self.fit_split, "fusion": self.fusion is not None,
                "terms": self.terms is not None, "shapes": {k: list(m.shape) for k, m in matrices.items()}}
        (partial / "meta.json").write_text(json.dumps(meta))  # written last: marks a complete folder
        if folder.exists():
            shutil.rmtree(folder)
        partial.replace(folder)
        return folder

    @staticmethod
    def load(folder: Path) -> "Retriever":
        """Read a saved retriever back, its arrays memory-mapped (no copy, no scikit-learn)."""
        folder = Path(folder)
        meta = json.loads((folder / "meta.json").read_text())
        if meta.get("version") != RETRIEVER_VERSION:
            raise ValueError(f"retriever artifact version {meta.get('version')} is not {RETRIEVER_VERSION}")
        arrays = {path.stem: np.load(path, mmap_mode="r", allow_pickle=False) for path in folder.glob("*.npy")}

        def matrix(name: str) -> sp.csr_matrix:
            return sp.csr_matrix((arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]),
                                 shape=tuple(meta["shapes"][name]), copy=False)

        graph = Graph(matrix("links"), matrix("listed_in"), matrix("own"), matrix("bm25"), arrays["frequency"],
                      arrays["popular"])
        fusion = TreeFusion.from_arrays({k.removeprefix("fusion."): v for k, v in arrays.items()
                                         if k.startswith("fusion.")}) if meta["fusion"] else None
        edges = pd.DataFrame({c: np.asarray(arrays[f"edges.{c}"]) for c in EDGE_COLUMNS})
        retriever = Retriever(arrays["ids"], graph, matrix("text"), matrix("genres"), arrays["years"], arrays["votes"],
                              arrays["ratings"], fusion, meta["fit_split"], edges)
        retriever._by_term = matrix("by_term")
        if meta["terms"]:
            read = lambda name: (folder / name).read_text(encoding="utf-8")  # noqa: E731
            terms = read("terms.txt")
            retriever.terms = TermWeights(terms.split("\n") if terms else [], np.asarray(arrays["idf"]),
                                          frozenset(read("stop_words.txt").split("\n")))
        return retriever


def _edges(catalogue: Catalogue, row: pd.Series, sources: np.ndarray) -> pd.DataFrame:
    edges = catalogue.resolved_recommendations()
    edges = edges[edges["source_id"].isin(sources)]
    return pd.DataFrame({"source_id": edges["source_id"].to_numpy(), "rank": edges["rank"].to_numpy(),
                         "source_row": row.reindex(edges["source_id"]).to_numpy(),
                         "rec_row": row.reindex(edges["rec_id"]).to_numpy()})


def _one_hot(pieces: pd.Series, n: int) -> sp.csr_matrix:
    """``n`` rows, one column per distinct piece (in order of first appearance); ``pieces`` indexed by row."""
    columns, vocabulary = pd.factorize(pieces)
    rows = pieces.index.to_numpy()
    return sp.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(n, max(1, len(vocabulary))))


def fold_of(ids: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """A deterministic fold per film id (hash of id and seed)."""
    salt = np.uint64(int.from_bytes(hashlib.sha256(f"pelliculum-fold-{seed}".encode()).digest()[:8], "little"))
    return (pd.util.hash_array(np.asarray(ids, dtype="int64").astype(np.uint64) ^ salt, categorize=False)
            % np.uint64(folds)).astype(np.int64)


def retriever_key(catalogue: Catalogue, split: str, settings: Settings) -> str:
    digest = hashlib.sha256()
    digest.update(catalogue.digest("films"))
    digest.update(catalogue.digest("edges"))
    digest.update(f"{split}|{settings.eval_share}|{settings.seed}|{RETRIEVER_VERSION}".encode())
    return digest.hexdigest()[:16]


def cached_retriever(catalogue: Catalogue, split: str = "all", settings: Settings | None = None,
                     progress: bool = False) -> Retriever:
    """The retriever for ``catalogue`` and fit ``split``, fitted once and saved under the cache."""
    settings = settings or get_settings()
    path = settings.cache_dir / "retrieval" / f"retriever-{split}-{retriever_key(catalogue, split, settings)}"
    if (path / "meta.json").is_file():
        try:
            return Retriever.load(path)
        except (OSError, ValueError, KeyError) as error:
            log.warning("Refitting the retriever: %s is unreadable (%s)", path, type(error).__name__)
    log.info("Fitting the retriever on %s lists (once): %s", split, path.name)
    retriever = Retriever.fit(catalogue, split, settings, progress=progress)
    retriever.save(path)
    return retriever
