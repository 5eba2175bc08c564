"""The phase-3 recommender: the fine-tuned model writes catalogue titles, never invented strings.

The query is resolved against the catalogue (:mod:`.titles`, :func:`.recommendation.recommend`); the model answers
the seed's prompt under the title-trie constraint (:mod:`.constrained`), so every returned
film exists, none repeats, the query film is excluded and at most ``max_titles`` come back.
``constrained=False`` keeps the seed's free decoding for comparison: its titles are parsed
back to films and the invented ones counted.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.modeling.constrained import TitleConstraint, TitleTrie
from pelliculum_lib.data.catalogue import Catalogue, is_held_out
from pelliculum_lib.modeling.answers import TitleIndex, parse_answer
from pelliculum_lib.modeling.generation import SEED_SAMPLING, Answer, generate_answers
from pelliculum_lib.modeling.loading import END_OF_TURN, load_engine
from pelliculum_lib.data.prompts import recommendation_prompt
from pelliculum_lib.data.titles import Resolution, TitleResolver


def candidate_films(catalogue: Catalogue, settings: Settings) -> list[int]:
    """Films constrained decoding may return (see ``Settings.candidates``)."""
    if settings.candidates == "catalogue":
        return catalogue.movies["id"].tolist()
    edges = catalogue.resolved_recommendations(settings.max_titles)
    train = ~is_held_out(edges["source_id"].to_numpy(), settings.eval_share, settings.seed)
    return pd.unique(edges.loc[train, "rec_id"]).tolist()


class Phase3Recommender:
    """The model, its tokenizer, the catalogue and the title trie, loaded once."""

    generative = True  # writes titles (under the trie, or freely)

    def __init__(self, model, tokenizer, catalogue: Catalogue, settings: Settings | None = None,
                 candidates: list[int] | None = None):
        self.settings = settings or get_settings()
        self.model, self.tokenizer, self.catalogue = model, tokenizer, catalogue
        self.resolver = TitleResolver.cached(catalogue, self.settings.cache_dir)
        self.index = TitleIndex.from_catalogue(catalogue)
        self.candidates = candidates if candidates is not None else candidate_films(catalogue, self.settings)
        labels = catalogue.labels.reindex(self.candidates).dropna().to_dict()
        eot = tokenizer.convert_tokens_to_ids(END_OF_TURN)
        self.trie = TitleTrie.build(labels, tokenizer, eot)
        self.constraint = TitleConstraint(self.trie, eot, self.settings.max_titles)

    @classmethod
    def load(cls, settings: Settings | None = None, adapter: str | Path | None = None,
             catalogue: Catalogue | None = None) -> "Phase3Recommender":
        """The configured base model + adapter (``adapter=""`` for the base model alone), merged, on the
        configured backend (:func:`~pelliculum_lib.modeling.loading.load_engine`)."""
        settings = settings or get_settings()
        catalogue = catalogue if catalogue is not None else Catalogue.load(settings=settings)
        model, tokenizer = load_engine(settings, settings.adapter_dir if adapter is None else adapter)
        return cls(model, tokenizer, catalogue, settings)

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
