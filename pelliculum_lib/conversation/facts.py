"""The catalogue's facts as arrays: which films satisfy a request, and in which order.

Hard constraints (cast, genres, years, rating, runtime, original language) are boolean masks
over the whole catalogue; a film with an unknown year never satisfies "from the 80s". Moods
only rank, through the retriever's content TF-IDF. Ranking:

- with a reference film: the retriever's fused candidates first (its own order), then the
  other matching films by content similarity to the reference and quality;
- without one: mood relevance (when a mood was given) and quality (a vote-weighted rating
  plus how well-known the film is).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.values import dash_list, row_index
from pelliculum_lib.recommending.combination import combine
from pelliculum_lib.recommending.series import limit_series
from pelliculum_lib.conversation.critiques import DIRECTIONS, GENRE_WEIGHTS, MIN_VOTES
from pelliculum_lib.recommending.meaning import FilmVectors, MeaningBuild, quality_prior, standard
from pelliculum_lib.recommending.retrieval import Retriever
from pelliculum_lib.conversation.lexicon import FEELINGS, MOODS, mood_query
from pelliculum_lib.conversation.request import Request
from pelliculum_lib.conversation.understanding import detect_language

MOOD_MATCH = 0.35  # scaled mood relevance from which a film counts as matching the mood
#: A description's score: z(meaning) + WORDS_WEIGHT z(word matching) + QUALITY_WEIGHT z(quality), each standardised
#: over the films that satisfy the hard constraints. Chosen on the theme set's dev split (notebook 09).
WORDS_WEIGHT = 0.1
QUALITY_WEIGHT = 0.3
#: Films known only by title and genres come after every film whose text says what it is about: a description's
#: similarity to "Title. Genres: Drama." is noise (52k of the 63k offline films).
TEXTLESS_PENALTY = 4.0
#: How much of a film's closeness to any request of the description's language is taken off its meaning score
#: (0: none; see :meth:`~pelliculum_lib.recommending.meaning.FilmVectors.hub`).
HUB_WEIGHT = 0.0
#: Pseudo-relevance feedback of a description: its nearest described films pull the query towards them.
FEEDBACK_FILMS = 0
FEEDBACK_WEIGHT = 1.0
#: How strongly a directional critique reorders the films past its threshold (per standard deviation).
LEAN_WEIGHT = 0.5
#: A critique of tone changes the tone, not the audience: children's films come after the others when neither the
#: request nor its films are for children ("like Ocean's Eleven but funnier" is no call for Shrek).
CHILDREN = ("Animation", "Family")


class SplitColumn:
    """A ``-``-joined catalogue column, split per film only when a film is looked at (fast to build at 750k rows)."""

    def __init__(self, values: pd.Series, kind: type):
        self.values, self.kind = values, kind

    def __getitem__(self, row: int):
        return self.kind(dash_list(self.values.iat[row]))

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class Ranked:
    """A ranked answer: film ids and a relaxation hint."""

    ids: list[int]
    relax: tuple[str, int] | None = None  # (constraint key, films matching without it)


class FilmFacts:
    """Arrays over the catalogue rows (popularity order), built once per service."""

    def __init__(self, catalogue: Catalogue, retriever: Retriever,
                 meaning: MeaningBuild | FilmVectors | None = None):
        """``meaning``: film vectors (or their background build); without them descriptions are read as words."""
        movies = catalogue.movies
        self.retriever, self.meaning = retriever, meaning
        self.words_weight, self.quality_weight, self.textless_penalty = WORDS_WEIGHT, QUALITY_WEIGHT, TEXTLESS_PENALTY
        self.hub_weight = HUB_WEIGHT
        self.feedback_films, self.feedback_weight = FEEDBACK_FILMS, FEEDBACK_WEIGHT
        self.ids = movies["id"].to_numpy()
        same = len(retriever.ids) == len(self.ids) and bool(np.array_equal(retriever.ids, self.ids))
        self.row = retriever.row if same else row_index(self.ids)  # id -> row
        self.labels = movies["label"].astype(str).tolist()
        self.titles = movies["title"].astype(str).tolist()
        self.year = movies["year"].astype("float64").to_numpy()
        self.rating = movies["vote_average"].to_numpy(dtype=np.float64)
        self.votes = np.nan_to_num(movies["vote_count"].to_numpy(dtype=np.float64))
        runtime = movies["runtime"].to_numpy(dtype=np.float64)
        self.runtime = np.where(runtime > 0, runtime, np.nan)
        self.language = movies["original_language"].astype(object).where(movies["original_language"].notna(), None) \
            .to_numpy()
        self.has_text = (movies["overview"].notna() | movies["tagline"].notna() | movies["keywords"].notna()) \
            .to_numpy()  # the film's text says what it is about (not only title and genres)
        self.genres = SplitColumn(movies["genres"], frozenset)
        self.cast = SplitColumn(movies["credits"], tuple)
        self.keywords = SplitColumn(movies["keywords"], tuple)
        self._genres_column = movies["genres"]
        self.by_person = {name: np.asarray(rows) for name, rows in self._membership(movies["credits"], rows=True).items()}
        n = len(self.ids)
        frequency = retriever.graph.frequency if len(retriever.graph.frequency) == n else np.zeros(n)
        self.quality = quality_prior(self.votes, self.rating, frequency)
        self._measures: dict[str, np.ndarray] = {}
        self._avoided: dict[int, frozenset[int]] = {}

    @cached_property
    def genre_mask(self) -> dict[str, np.ndarray]:
        """Genre -> boolean mask over rows; built at the first request that needs it (kept out of the service's
        start)."""
        return self._membership(self._genres_column)

    # -- what directional critiques move ------------------------------------------------------
    def measure(self, name: str) -> np.ndarray:
        """A film property a critique moves: ``tone``, ``fun``, ``scare``, ``serious`` (mean genre weight, see
        :data:`~pelliculum_lib.conversation.critiques.GENRE_WEIGHTS`), ``rating``, ``popularity`` (votes),
        ``runtime`` or ``year``; NaN where unknown."""
        if name in ("rating", "popularity", "runtime", "year"):
            return {"rating": np.where(self.votes > 0, self.rating, np.nan), "popularity": self.votes,
                    "runtime": self.runtime, "year": self.year}[name]
        if name not in self._measures:
            total, count = np.zeros(len(self.ids)), np.zeros(len(self.ids))
            for genre, mask in self.genre_mask.items():
                count += mask
                total += GENRE_WEIGHTS[name].get(genre, 0.0) * mask
            self._measures[name] = np.divide(total, count, out=np.zeros(len(self.ids)), where=count > 0)
        return self._measures[name]

    def value(self, name: str, film: int) -> float:
        """:meth:`measure` of one film (NaN for a film the catalogue does not have)."""
        row = self.row.get(int(film))
        return float("nan") if row is None else float(self.measure(name)[row])

    def series_title(self, film: int) -> str:
        row = self.row.get(int(film))
        return self.titles[row] if row is not None else ""

    def leads(self, film: int) -> tuple[str, ...]:
        row = self.row.get(int(film))
        return self.cast[row][:3] if row is not None else ()

    def avoided(self, rejected: set[int], k: int = 10) -> set[int]:
        """The close neighbours of rejected films (their first ``k`` candidates): ranked after the others."""
        near: set[int] = set()
        for film in rejected:
            if film not in self._avoided:
                if len(self._avoided) > 4_096:
                    self._avoided.clear()
                self._avoided[film] = frozenset(f for f, _ in self.retriever.candidates(film, k))
            near |= self._avoided[film]
        return near

    @staticmethod
    def _membership(column: pd.Series, rows: bool = False) -> dict:
        """Each value of a ``-``-joined column -> a boolean mask over rows (or the row numbers holding it).

        Split, flattened and grouped by pyarrow and numpy: a second for 750k films."""
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pa.array(column, type=pa.string(), from_pandas=True)
        lists = pc.split_pattern(values, "-")
        names = pc.utf8_trim_whitespace(pc.list_flatten(lists)).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(lists).to_numpy()
        keep = names != ""
        codes, uniques = pd.factorize(names[keep])
        order = np.argsort(codes, kind="stable")
        bounds = np.cumsum(np.bincount(codes, minlength=len(uniques)))[:-1]
        positions = dict(zip(uniques.tolist(), np.split(parents[keep][order], bounds)))
        if rows:
            return positions
        masks = {}
        for name, where in positions.items():
            mask = np.zeros(len(column), dtype=bool)
            mask[where] = True
            masks[name] = mask
        return masks

    # -- constraints ------------------------------------------------------------------------
    def _person(self, name: str) -> np.ndarray:
        mask = np.zeros(len(self.ids), dtype=bool)
        mask[self.by_person.get(name, np.empty(0, dtype=int))] = True
        return mask

    def _masks(self, request: Request) -> dict[str, np.ndarray]:
        """One boolean mask per hard constraint, keyed like :meth:`Request.constraints`."""
        masks: dict[str, np.ndarray] = {}
        none = np.zeros(len(self.ids), dtype=bool)
        for person in request.people:
            masks[f"people:{person}"] = self._person(person)
        for person in request.without_people:
            masks[f"without_people:{person}"] = ~self._person(person)
        for genre in request.genres:
            masks[f"genres:{genre}"] = self.genre_mask.get(genre, none)
        for genre in request.without_genres:
            masks[f"without_genres:{genre}"] = ~self.genre_mask.get(genre, none)
        if request.year_min is not None or request.year_max is not None:
            low = -np.inf if request.year_min is None else request.year_min
            high = np.inf if request.year_max is None else request.year_max
            with np.errstate(invalid="ignore"):
                masks["years:"] = (self.year >= low) & (self.year <= high)
        if request.min_rating is not None:
            with np.errstate(invalid="ignore"):
                masks["min_rating:"] = (self.rating >= request.min_rating) & (self.votes > 0)
        if request.max_runtime is not None:
            with np.errstate(invalid="ignore"):
                masks["max_runtime:"] = self.runtime <= request.max_runtime
        if request.min_runtime is not None:
            with np.errstate(invalid="ignore"):
                masks["min_runtime:"] = self.runtime >= request.min_runtime
        if request.original_language is not None:
            masks["original_language:"] = self.language == request.original_language
        for name, threshold in request.leanings.items():
            direction = DIRECTIONS[name]
            if direction.measure == "surprise":
                continue
            values = self.measure(direction.measure)
            with np.errstate(invalid="ignore"):
                mask = values > threshold if direction.sign > 0 else values < threshold
            if direction.measure in ("rating", "popularity"):
                mask &= self.votes >= MIN_VOTES  # a hidden gem has been seen by some; a rating needs votes
            masks[f"leaning:{name}"] = mask
        return masks

    def mask(self, request: Request) -> np.ndarray:
        """Films satisfying every hard constraint of ``request`` (the reference film excluded)."""
        result = np.ones(len(self.ids), dtype=bool)
        for mask in self._masks(request).values():
            result &= mask
        for film in [request.film, *request.liked]:
            if film is not None and (row := self.row.get(film)) is not None:
                result[row] = False
        return result

    def satisfies(self, film_id: int, request: Request) -> bool:
        row = self.row.get(int(film_id))
        return row is not None and all(mask[row] for mask in self._masks(request).values())

    # -- ranking ------------------------------------------------------------------------------
    def mood_relevance(self, moods: list[str], allowed: np.ndarray | None = None) -> np.ndarray:
        """How well each film matches the moods and themes (mean over them, 0 to 1).

        A feeling ("dark", "feel-good") is a content similarity to its words, scaled so that the best-matching
        films (the top 5 % of those that match at all, among ``allowed``) reach 1, plus a lean towards its genres.
        A theme ("heist", "sharks", "time travel") is a word of the film's own text (overview, tagline, title,
        genres): 1 where it is there (singular or plural), a little less for films merely close to it."""
        if not moods:
            return np.zeros(len(self.ids))
        parts = []
        for mood in moods:
            text = self._feeling(mood, allowed)
            if mood in FEELINGS:
                parts.append(text)
                continue
            named = np.zeros(len(self.ids))
            for form in self._forms(mood):
                named[self.retriever.films_with_words(form.replace("-", " ").split())] = 1.0
            parts.append(np.maximum(named, 0.3 * text))
        return np.mean(parts, axis=0)

    @staticmethod
    def _forms(mood: str) -> set[str]:
        return {mood, mood[:-1] if mood.endswith("s") and len(mood) > 3 else mood, mood + "s"}

    def speaks_of(self, film: int, theme: str) -> bool:
        """True when the film's own text holds the theme's word (singular or plural)."""
        row = self.row.get(int(film))
        return row is not None and any(row in self.retriever.films_with_words(form.replace("-", " ").split())
                                       for form in self._forms(theme))

    def _feeling(self, mood: str, allowed: np.ndarray | None) -> np.ndarray:
        scores = self.retriever.text_scores(mood_query(mood))
        among = scores[(scores > 0) & (allowed if allowed is not None else True)]
        scale = float(np.percentile(among, 95)) if len(among) else 1.0
        leaning = np.zeros(len(self.ids))
        for genre in (MOODS[mood].genres if mood in MOODS else ()):
            leaning = np.maximum(leaning, self.genre_mask.get(genre, leaning > 0))
        return np.clip(scores / (scale or 1.0) + 0.4 * leaning, 0.0, 1.0)

    # -- meaning ----------------------------------------------------------------------------
    @property
    def vectors(self) -> FilmVectors | None:
        """The film vectors when they are ready (a background build may still be running)."""
        meaning = self.meaning
        vectors = meaning.vectors if isinstance(meaning, MeaningBuild) else meaning
        return vectors if vectors is not None and len(vectors) == len(self.ids) else None

    def _hub(self, vectors: FilmVectors, text: str) -> np.ndarray | float:
        """``hub_weight`` times each film's closeness to any request in the language of ``text`` (0 when off)."""
        return self.hub_weight * vectors.hub(detect_language(text)) if self.hub_weight else 0.0

    def _feedback(self, vectors: FilmVectors, query: np.ndarray, among: np.ndarray) -> np.ndarray:
        """Similarities to the query moved towards its best matches (pseudo-relevance feedback, Rocchio): the
        query plus ``feedback_weight`` times the mean vector of its ``feedback_films`` nearest described films."""
        scores = vectors.scores(query)
        if not self.feedback_films or not self.feedback_weight:
            return scores
        pool = np.where(among & self.has_text, scores, -np.inf)
        k = min(self.feedback_films, int(np.isfinite(pool).sum()))
        if k < 1:
            return scores
        top = np.argpartition(-pool, k - 1)[:k]
        moved = query + self.feedback_weight * np.asarray(vectors.vectors[np.sort(top)]).mean(axis=0)
        return vectors.scores(moved / (np.linalg.norm(moved) or 1.0))

    def word_relevance(self, request: Request, allowed: np.ndarray | None = None) -> np.ndarray:
        """Literal matching of a description: its moods and themes as words where some were read, else the TF-IDF
        similarity of its words to the films' texts."""
        if request.mood:
            return self.mood_relevance(request.mood, allowed)
        return self.retriever.text_scores(request.description or "")

    def described(self, request: Request, allowed: np.ndarray | None = None,
                  reference: np.ndarray | None = None) -> np.ndarray:
        """Scores of a description (or of a reference film's meaning, ``reference``): standardised meaning, word
        matching and quality, weighed by ``words_weight`` and ``quality_weight`` (see :data:`WORDS_WEIGHT`)."""
        among = allowed if allowed is not None else np.ones(len(self.ids), dtype=bool)
        vectors = self.vectors
        score = np.zeros(len(self.ids))
        if reference is not None:
            score += standard(reference, among)
        if request.description and vectors is not None:
            meaning = self._feedback(vectors, vectors.encode(request.description), among)
            score += standard(meaning - self._hub(vectors, request.description), among)
        words = self.words_weight if vectors is not None else 1.0  # without vectors, words are all there is
        if words and (request.description or request.mood):
            score += words * standard(self.word_relevance(request, allowed), among)
        score += self.quality_weight * standard(self.quality, among)
        return np.where(self.has_text, score, score - self.textless_penalty)

    def scores(self, request: Request, allowed: np.ndarray | None = None) -> np.ndarray:
        """A score per catalogue row for ``request`` (higher first); constraints are not applied here."""
        query = self.row.get(request.film) if request.film is not None else None
        if query is not None and request.vibe and self.vectors is not None:  # "like X for its atmosphere"
            score = self.described(request, allowed, reference=self.vectors.similar(request.film))
            score[query] = -np.inf
            return score
        if query is None and request.description:
            return self.described(request, allowed)
        mood = self.mood_relevance(request.mood, allowed)
        if request.description and self.vectors is not None:  # a film and a description: candidates by meaning
            meaning = self.vectors.text_scores(request.description) - self._hub(self.vectors, request.description)
            mood = np.clip(standard(meaning, allowed) / 4.0, 0.0, 1.0)
        if query is None:
            if not request.mood:
                return self.quality
            # films that match the mood well enough come first, best known and rated first among them
            return np.where(mood >= MOOD_MATCH, 1.0 + self.quality + 0.25 * mood, 0.25 * mood)
        liked = [f for f in [request.film, *request.liked] if f in self.row]
        content = np.mean([self.retriever.content_scores(f) for f in liked], axis=0)
        score = 0.6 * content + 0.2 * self.quality + mood
        order = combine(self.retriever, liked, k=400, vectors=self.vectors) if len(liked) > 1 else \
            [f for f, _ in self.retriever.candidates(request.film, k=400)]
        for rank, film in enumerate(order):
            row = self.row[film]
            score[row] = 10.0 - rank / 100.0 + 2.0 * mood[row]  # the retriever's order first, moods reorder it
        score[[self.row[f] for f in liked]] = -np.inf
        return score

    def _lean(self, request: Request, score: np.ndarray, top: int = 400) -> np.ndarray:
        """Past its threshold, a direction also orders, by ``LEAN_WEIGHT`` times its standardised measure: added
        to the score of a reference film's films (its candidates stay first), and, without a reference film, to
        the standardised quality of the ``top`` best films ("funnier" dramas: the best comedy-dramas first; "not
        too scary" horror: the horror comedies before the children's films); a film far past the threshold gains no
        more than one standard deviation."""
        finite = np.flatnonzero(np.isfinite(score))
        if request.film is None and len(finite) > top:
            finite = finite[np.argpartition(-score[finite], top - 1)[:top]]
        among = np.zeros(len(score), dtype=bool)
        among[finite] = True
        leaned = score.copy() if request.film is not None else standard(score, among)
        # a description's meaning leads its answer: the direction only breaks near-ties there
        weight = LEAN_WEIGHT if request.film is not None else LEAN_WEIGHT / 2 if request.description else 2 * LEAN_WEIGHT
        toned = False
        for name in request.leanings:
            direction = DIRECTIONS[name]
            if direction.measure not in ("surprise", "popularity"):
                z = np.nan_to_num(standard(self.measure(direction.measure), among))
                leaned += weight * np.clip(direction.sign * z, -1.0, 1.0)  # far past the threshold is not better
                toned = True
        if toned and (children := self._unasked_children(request)) is not None:
            leaned -= 4 * weight * children
        return np.where(among, leaned, -np.inf)

    def _unasked_children(self, request: Request) -> np.ndarray | None:
        """Which films are for children, when neither the request's genres nor its films are (else ``None``)."""
        said = set(request.genres)
        for film in [request.film, *request.liked]:
            if film is not None and (row := self.row.get(film)) is not None:
                said |= set(self.genres[row])
        if said & set(CHILDREN):
            return None
        none = np.zeros(len(self.ids), dtype=bool)
        return np.logical_or.reduce([self.genre_mask.get(genre, none) for genre in CHILDREN])

    def _surprise(self, request: Request, allowed: np.ndarray) -> np.ndarray:
        """"Surprise me": well-rated films with a text, less known first, drawn at random (the leaning's value
        seeds the draw: one conversation, one surprise)."""
        good = allowed & self.has_text & (self.rating >= 6.5) & (self.votes >= MIN_VOTES)
        among = good if good.sum() >= 8 else allowed
        rng = np.random.default_rng(int(request.leanings["surprise"]))
        score = standard(self.quality, among) - 0.5 * standard(np.log1p(self.votes), among) + \
            rng.gumbel(size=len(self.ids))
        return np.where(among, score, -np.inf)

    def rank(self, request: Request, n: int, exclude: set[int] = frozenset(),
             first: list[int] | None = None, avoid: set[int] = frozenset()) -> Ranked:
        """The ``n`` best films satisfying every hard constraint, ``first`` (already ranked ids) first; the close
        neighbours of ``avoid`` (rejected films) after the others; at most two films of one series."""
        allowed = self.mask(request)
        pool = 3 * n  # room for the series limit and the rejected films' neighbours
        chosen: list[int] = []
        for film in first or []:
            row = self.row.get(film)
            if row is not None and allowed[row] and film not in exclude and film not in chosen:
                chosen.append(film)
        if len(chosen) < pool:
            score = np.where(allowed, self.scores(request, allowed), -np.inf)
            if "surprise" in request.leanings:
                score = self._surprise(request, allowed)
            if any(DIRECTIONS[name].measure not in ("surprise", "popularity") for name in request.leanings):
                score = self._lean(request, score)
            candidates = np.flatnonzero(np.isfinite(score))
            need = pool + len(exclude) + len(chosen)
            if len(candidates) > 4 * need:  # only the best few need sorting (750k films otherwise)
                candidates = candidates[np.argpartition(-score[candidates], need)[:need]]
            order = candidates[np.lexsort((candidates, -score[candidates]))]
            for row in order:
                film = int(self.ids[row])
                if film not in exclude and film not in chosen:
                    chosen.append(film)
                    if len(chosen) >= pool:
                        break
        if avoid:
            near = self.avoided(set(avoid))
            chosen = [f for f in chosen if f not in near] + [f for f in chosen if f in near]
        chosen = limit_series(chosen, self.series_title, self.leads, n, request.film)
        relax = self.relaxation(request, n) if len(chosen) < n else None
        return Ranked(chosen, relax)

    #: Constraints a user gives up most easily first: a rating or a runtime before the actor they asked for.
    RELAX_ORDER = ("leaning", "min_rating", "max_runtime", "min_runtime", "years", "original_language", "without_genres", "genres",
                   "without_people", "people")

    def relaxation(self, request: Request, enough: int = 8) -> tuple[str, int] | None:
        """The hard constraint to drop: the first in :attr:`RELAX_ORDER` whose removal lets ``enough`` films
        through, else the one that lets the most through; and how many films would then match."""
        masks = self._masks(request)
        counts = {}
        for key in masks:
            others = [m for k, m in masks.items() if k != key]
            counts[key] = int(np.logical_and.reduce(others).sum()) if others else len(self.ids)
        if not counts:
            return None
        order = sorted(counts, key=lambda k: self.RELAX_ORDER.index(k.split(":")[0]))
        for key in order:
            if counts[key] >= enough:
                return key, counts[key]
        best = max(order, key=lambda k: counts[k])
        return best, counts[best]
