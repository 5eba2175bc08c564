"""The two-stage recommender: the retriever's ``K`` candidates, ranked by the fine-tuned SmolLM2.

Modes (``rank(..., mode=)``):

- ``two-stage``: the ranker's letter log-probabilities (one forward pass) plus the
  retriever prior ``-weight * log2(rank + 2)``; ``weight`` is chosen on validation films;
- ``llm``: the ranker's letter log-probabilities alone (``weight = 0``);
- ``generate``: letters generated greedily under the per-request candidate constraint,
  topped up from the retriever's order when fewer than ``max_titles`` come back;
- ``retriever``: stage 1 alone (no model call) — the service's default (``PELLICULUM_RECOMMENDER_MODE``): at the
  weight chosen on validation films the ranker changes no held-out list (notebook 07).

Every film returned is a catalogue film from the candidates, never the query, never twice.
It exposes the interface the service uses for the phase-3 :class:`~.phase3.Phase3Recommender`
(``resolve``, ``resolver``, ``catalogue``, ``answer_films``), so either can answer requests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.modeling.generation import Answer
from pelliculum_lib.modeling.loading import load_engine
from pelliculum_lib.recommending.ranker import fuse, generate_letters, letter_scores, ranker_prompt
from pelliculum_lib.recommending.retrieval import Retriever, cached_retriever
from pelliculum_lib.data.titles import Resolution, TitleResolver

MODES = ("two-stage", "llm", "generate", "retriever")


class TwoStageRecommender:
    generative = False  # ranks retrieved films; never writes titles (no free-decoding variant)

    def __init__(self, retriever: Retriever, model, tokenizer, catalogue: Catalogue, settings: Settings | None = None):
        self.settings = settings or get_settings()
        self.retriever, self.model, self.tokenizer, self.catalogue = retriever, model, tokenizer, catalogue
        self.resolver = TitleResolver.cached(catalogue, self.settings.cache_dir)
        self.candidates = catalogue.movies["id"].tolist()  # stage 1 may propose any catalogue film

    @classmethod
    def load(cls, settings: Settings | None = None, catalogue: Catalogue | None = None,
             retriever: Retriever | None = None, adapter: str | Path | None = None) -> "TwoStageRecommender":
        """The retriever fitted on ``settings.fit_split`` (cached) and the ranker adapter on the
        configured backend (``adapter=""``: retriever only, no model loaded)."""
        settings = settings or get_settings()
        catalogue = catalogue if catalogue is not None else Catalogue.load(settings=settings)
        retriever = retriever or cached_retriever(catalogue, settings.fit_split, settings)
        adapter = settings.ranker_adapter_dir if adapter is None else adapter
        if not adapter:
            return cls(retriever, None, None, catalogue, settings)
        return cls(retriever, *load_engine(settings, adapter), catalogue, settings)

    # -- the service's interface ------------------------------------------------------------
    def resolve(self, title: str) -> Resolution:
        return self.resolver.resolve(title)

    def answer_films(self, film_ids: list[int], max_time: float | None = None, mode: str | None = None,
                     **_) -> list[tuple[list[int], Answer]]:
        """Recommended film ids per source film, with an :class:`~.generation.Answer` record."""
        results = []
        for film_id in film_ids:
            films = self.rank(film_id, mode)
            results.append((films, Answer(text=", ".join(self.catalogue.labels.reindex(films).tolist()),
                                          stopped=True, new_tokens=0, films=films)))
        return results

    # -- ranking --------------------------------------------------------------------------
    def candidate_ids(self, film_id: int) -> list[int]:
        return [c for c, _ in self.retriever.candidates(film_id, self.settings.ranker_candidates)]

    def rank(self, film_id: int, mode: str | None = None, candidates: list[int] | None = None) -> list[int]:
        """Up to ``max_titles`` films for ``film_id`` (see the module docstring for ``mode``)."""
        mode = mode or self.settings.recommender_mode
        if mode not in MODES:
            raise ValueError(f"Unknown ranking mode {mode!r}: choose one of {', '.join(MODES)}.")
        candidates = self.candidate_ids(film_id) if candidates is None else candidates
        k = self.settings.max_titles
        if mode == "retriever" or self.model is None or len(candidates) <= 1:
            return candidates[:k]
        prompt = ranker_prompt(self.catalogue, film_id, candidates)
        if mode == "generate":
            chosen = [candidates[i] for i in generate_letters(self.model, self.tokenizer, prompt, len(candidates),
                                                              self.settings, k)]
            return list(dict.fromkeys(chosen + candidates))[:k]
        scores = letter_scores(self.model, self.tokenizer, [prompt], self.settings)[0][:len(candidates)]
        weight = 0.0 if mode == "llm" else self.settings.ranker_weight
        return [candidates[i] for i in fuse(scores, weight)][:k]


def scored_candidates(recommender: TwoStageRecommender, film_ids: list[int], batch_size: int = 8
                      ) -> tuple[dict[int, list[int]], dict[int, np.ndarray]]:
    """Candidates and letter log-probabilities of many films at once (batched on transformers)."""
    candidates = {f: recommender.candidate_ids(f) for f in film_ids}
    prompts = [ranker_prompt(recommender.catalogue, f, candidates[f]) for f in film_ids]
    scores = letter_scores(recommender.model, recommender.tokenizer, prompts, recommender.settings, batch_size)
    return candidates, {f: row[:len(candidates[f])] for f, row in zip(film_ids, scores)}
