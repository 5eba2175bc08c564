"""``recommend(title)``: catalogue films, never invented strings.

The query is resolved against the catalogue (:mod:`.titles`); the fine-tuned model answers
the seed's prompt under the title-trie constraint (:mod:`.constrained`), so every returned
film exists, none repeats, the query film is excluded and at most ``max_titles`` come back.
``constrained=False`` keeps the seed's free decoding for comparison: its titles are parsed
back to films and the invented ones counted.
"""

from __future__ import annotations

import math
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


def _clean(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class Film:
    """A catalogue film with the metadata the service shows."""

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

    @classmethod
    def from_row(cls, row: pd.Series) -> "Film":
        genres = _clean(row.get("genres"))
        poster = _clean(row.get("poster_path"))
        return cls(
            id=int(row["id"]), title=str(row["title"]), label=str(row["label"]), year=_clean(row.get("year")),
            genres=[g for g in str(genres).split("-") if g] if genres else [],
            overview=_clean(row.get("overview")), rating=_clean(row.get("vote_average")),
            popularity=_clean(row.get("popularity")),
            poster_url=f"{POSTER_BASE}{poster}" if poster else None,
            tmdb_url=TMDB_MOVIE.format(id=int(row["id"])),
        )


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

