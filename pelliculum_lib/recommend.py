"""``recommend(title)``: catalogue films, never invented strings.

The query is resolved against the catalogue (:mod:`.titles`); the fine-tuned model answers
the seed's prompt under the title-trie constraint (:mod:`.constrained`), so every returned
film exists, none repeats, the query film is excluded and at most ``max_titles`` come back.
``constrained=False`` keeps the seed's free decoding for comparison: its titles are parsed
back to films and the invented ones counted.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Settings, get_settings
from .constrained import TitleConstraint, TitleTrie
from .data import Catalogue, is_held_out
from .evaluation import TitleIndex, answer_titles, parse_answer
from .generation import SEED_SAMPLING, Answer, generate_answers
from .modeling import END_OF_TURN, load_model
from .prompts import recommendation_prompt
from .titles import Resolution, TitleResolver

POSTER_BASE = "https://image.tmdb.org/t/p/w342"
TMDB_MOVIE = "https://www.themoviedb.org/movie/{id}"
#: TMDb's fixed movie genre ids (``/genre/movie/list``). The data's "Foreign" has no id there: skipped.
TMDB_GENRE_IDS: dict[str, int] = {
    "Action": 28, "Adventure": 12, "Animation": 16, "Comedy": 35, "Crime": 80, "Documentary": 99, "Drama": 18,
    "Family": 10751, "Fantasy": 14, "History": 36, "Horror": 27, "Music": 10402, "Mystery": 9648,
    "Romance": 10749, "Science Fiction": 878, "TV Movie": 10770, "Thriller": 53, "War": 10752, "Western": 37,
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def genre_ids(genres: list[str]) -> list[int]:
    """TMDb ids of genre names, in order (names without an id skipped)."""
    return [TMDB_GENRE_IDS[g] for g in genres if g in TMDB_GENRE_IDS]


def _clean(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class Film:
    """A catalogue film with the metadata the service shows.

    Besides the service's own fields it carries the keys of a TMDb ``/search/movie`` result (the
    seed's API returned those, plus ``poster``): null where the catalogue does not know them.
    ``poster`` always mirrors ``poster_url``; ``original_title`` defaults to ``title`` (the catalogue
    has no other), ``vote_average`` to ``rating`` and ``genre_ids`` to the TMDb ids of ``genres``.
    """

    id: int
    title: str
    label: str
    year: int | None = None
    genres: list[str] = field(default_factory=list)
    overview: str | None = None
    rating: float | None = None
    popularity: float | None = None
    poster_url: str | None = None
    tmdb_url: str = ""
    # TMDb search-result keys (the seed client's shape)
    poster: str | None = None
    poster_path: str | None = None
    backdrop_path: str | None = None
    release_date: str | None = None  # YYYY-MM-DD
    vote_average: float | None = None
    vote_count: int | None = None
    original_language: str | None = None
    original_title: str | None = None
    genre_ids: list[int] | None = None
    adult: bool = False
    video: bool = False

    def __post_init__(self):
        self.poster = self.poster_url  # one source of truth, also after dataclasses.replace(poster_url=...)
        if self.original_title is None:
            self.original_title = self.title
        if self.vote_average is None:
            self.vote_average = self.rating
        if self.genre_ids is None:
            self.genre_ids = genre_ids(self.genres)

    @staticmethod
    def row_fields(row: pd.Series | dict) -> dict:
        """The constructor's arguments for a catalogue row."""
        genres = _clean(row.get("genres"))
        poster = _clean(row.get("poster_path"))
        date = _clean(row.get("release_date"))
        votes = _clean(row.get("vote_count"))
        return dict(
            id=int(row["id"]), title=str(row["title"]), label=str(row["label"]), year=_clean(row.get("year")),
            genres=[g for g in str(genres).split("-") if g] if genres else [],
            overview=_clean(row.get("overview")), rating=_clean(row.get("vote_average")),
            popularity=_clean(row.get("popularity")),
            poster_url=f"{POSTER_BASE}{poster}" if poster else None,
            tmdb_url=TMDB_MOVIE.format(id=int(row["id"])),
            poster_path=poster, backdrop_path=_clean(row.get("backdrop_path")),
            release_date=str(date) if date and _DATE.fullmatch(str(date)) else None,
            vote_count=int(votes) if votes is not None else None,
            original_language=_clean(row.get("original_language")),
        )

    @classmethod
    def from_row(cls, row: pd.Series | dict) -> "Film":
        return cls(**cls.row_fields(row))


def dash_list(value) -> list[str]:
    """A ``-``-joined catalogue column (credits, keywords, companies) as a list ([] when empty)."""
    value = _clean(value)
    return [part.strip() for part in str(value).split("-") if part.strip()] if value else []


@dataclass
class FilmDetails(Film):
    """A film with what ``GET /movies/{id}`` adds: cast, runtime, tagline, keywords, companies."""

    cast: list[str] = field(default_factory=list)  # the data's ``credits``, split on '-' (as the data joins them)
    runtime: int | None = None  # minutes; 0 in the data means unknown
    tagline: str | None = None
    keywords: list[str] = field(default_factory=list)
    production_companies: list[str] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: pd.Series | dict) -> "FilmDetails":
        runtime = _clean(row.get("runtime"))
        return cls(**cls.row_fields(row), cast=dash_list(row.get("credits")),
                   runtime=int(runtime) if runtime else None, tagline=_clean(row.get("tagline")),
                   keywords=dash_list(row.get("keywords")),
                   production_companies=dash_list(row.get("production_companies")))


@dataclass
class Recommendation:
    query: str
    resolution: Resolution
    film: Film | None
    films: list[Film]
    text: str = ""
    stopped: bool = True
    new_tokens: int = 0
    invented: list[str] = field(default_factory=list)  # unconstrained titles that are not real films
    seconds: float = 0.0


def candidate_films(catalogue: Catalogue, settings: Settings) -> list[int]:
    """Films constrained decoding may return (see ``Settings.candidates``)."""
    if settings.candidates == "catalogue":
        return catalogue.movies["id"].tolist()
    edges = catalogue.resolved_recommendations(settings.max_titles)
    train = ~is_held_out(edges["source_id"].to_numpy(), settings.eval_share, settings.seed)
    return pd.unique(edges.loc[train, "rec_id"]).tolist()


class Recommender:
    """The model, its tokenizer, the catalogue and the title trie, loaded once."""

    def __init__(self, model, tokenizer, catalogue: Catalogue, settings: Settings | None = None,
                 candidates: list[int] | None = None):
        self.settings = settings or get_settings()
        self.model, self.tokenizer, self.catalogue = model, tokenizer, catalogue
        self.resolver = TitleResolver(catalogue)
        self.index = TitleIndex.from_catalogue(catalogue)
        self.candidates = candidates if candidates is not None else candidate_films(catalogue, self.settings)
        labels = catalogue.labels.reindex(self.candidates).dropna().to_dict()
        eot = tokenizer.convert_tokens_to_ids(END_OF_TURN)
        self.trie = TitleTrie.build(labels, tokenizer, eot)
        self.constraint = TitleConstraint(self.trie, eot, self.settings.max_titles)

    @classmethod
    def load(cls, settings: Settings | None = None, adapter: str | Path | None = None,
             catalogue: Catalogue | None = None) -> "Recommender":
        """The configured base model + adapter (``adapter=""`` for the base model alone), on the
        configured backend.

        The adapter is merged into the weights (same answers, no LoRA overhead per token); the
        llama.cpp backend reads the merged model from a Q8_0 GGUF exported once to ``cache_dir``.
        """
        from .llamacpp import LlamaCppEngine, cached_gguf
        from .modeling import load_light_tokenizer

        settings = settings or get_settings()
        catalogue = catalogue if catalogue is not None else Catalogue.load(settings=settings)
        adapter = settings.adapter_dir if adapter is None else adapter
        if settings.backend == "llama.cpp":
            engine = LlamaCppEngine(cached_gguf(settings, adapter), threads=settings.threads, seed=settings.seed)
            return cls(engine, load_light_tokenizer(settings), catalogue, settings)
        import torch

        model, tokenizer = load_model(adapter=adapter, settings=settings, merge=True)
        if settings.inference_dtype == "bfloat16":
            model = model.to(torch.bfloat16)
        return cls(model, tokenizer, catalogue, settings)

    def film(self, film_id: int) -> Film:
        return Film.from_row(self.catalogue.movies.loc[film_id])

    def resolve(self, title: str) -> Resolution:
        return self.resolver.resolve(title)

    def answer_films(self, film_ids: list[int], constrained: bool = True, sampling: bool = False,
                     max_new_tokens: int | None = None, batch_size: int = 8,
                     max_time: float | None = None) -> list[tuple[list[int], Answer]]:
        """Recommended film ids (and the raw answer) for source films, batched."""
        labels = self.catalogue.labels.reindex(film_ids).tolist()
        answers = generate_answers(
            self.model, self.tokenizer, [recommendation_prompt(label) for label in labels], settings=self.settings,
            max_new_tokens=max_new_tokens or self.settings.max_new_tokens, batch_size=batch_size,
            sampling=SEED_SAMPLING if sampling else None,
            constraint=self.constraint if constrained else None, excluded=[{f} for f in film_ids], max_time=max_time)
        results = []
        for source, answer in zip(film_ids, answers):
            if answer.films is not None:
                films = answer.films
            else:
                parsed = [f for f in parse_answer(answer.text, self.index) if f is not None and f != source]
                films = list(dict.fromkeys(parsed))[:self.settings.max_titles]
            results.append((films, answer))
        return results

    def recommend(self, title: str, constrained: bool = True, sampling: bool = False) -> Recommendation:
        """Up to ``max_titles`` catalogue films similar to ``title`` (unknown titles: none, with suggestions)."""
        started = time.perf_counter()
        resolution = self.resolve(title)
        if not resolution.found:
            return Recommendation(title, resolution, None, [], seconds=time.perf_counter() - started)
        (films, answer), = self.answer_films([resolution.film_id], constrained=constrained, sampling=sampling)
        invented = []
        if not constrained:
            invented = [t for t in answer_titles(answer.text, self.index.labels) if self.index.lookup(t) is None]
        return Recommendation(title, resolution, self.film(resolution.film_id), [self.film(f) for f in films],
                              answer.text, answer.stopped, answer.new_tokens, invented,
                              time.perf_counter() - started)

