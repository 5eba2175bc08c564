"""One request, a title in and catalogue films out, answered by either recommender (phase 3 or two-stage)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.film import Film
from pelliculum_lib.data.titles import Resolution
from pelliculum_lib.modeling.answers import answer_titles

if TYPE_CHECKING:
    from pelliculum_lib.recommending.phase3 import Phase3Recommender
    from pelliculum_lib.recommending.two_stage import TwoStageRecommender


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


def catalogue_film(catalogue: Catalogue, film_id: int) -> Film:
    return Film.from_row(catalogue.movies.loc[film_id])


def recommend(recommender: Phase3Recommender | TwoStageRecommender, title: str, constrained: bool = True,
              sampling: bool = False) -> Recommendation:
    """Up to ``max_titles`` catalogue films similar to ``title`` (unknown titles: none, with suggestions).

    Free decoding (``constrained=False``, its invented titles reported) and the seed's ``sampling`` are the
    phase-3 recommender's: the two-stage one ranks catalogue films and writes no titles.
    """
    if not recommender.generative and (sampling or not constrained):
        raise ValueError("Free decoding and sampling need the phase-3 recommender (it writes titles; the "
                         "two-stage one ranks catalogue films).")
    started = time.perf_counter()
    resolution = recommender.resolve(title)
    if not resolution.found:
        return Recommendation(title, resolution, None, [], seconds=time.perf_counter() - started)
    (films, answer), = recommender.answer_films([resolution.film_id], constrained=constrained, sampling=sampling)
    invented = [] if constrained else [t for t in answer_titles(answer.text, recommender.index.labels)
                                       if recommender.index.lookup(t) is None]
    catalogue = recommender.catalogue
    return Recommendation(title, resolution, catalogue_film(catalogue, resolution.film_id),
                          [catalogue_film(catalogue, f) for f in films], answer.text, answer.stopped,
                          answer.new_tokens, invented, time.perf_counter() - started)
