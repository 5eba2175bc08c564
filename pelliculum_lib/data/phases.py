"""Training sets for every phase of the seed, as chat ``messages``.

=======  ====================================================================  =======================
phase    prompt -> answer                                                       rows kept
=======  ====================================================================  =======================
``1``    all metadata of the film -> recommended films with their metadata      films with recommendations
``2a``   seed prompt -> the raw recommended id list (``"27205-272-..."``)         films with recommendations
``2b``   seed prompt -> every recommended title, or ``"None"``                   every film (the collapse)
``3``    seed prompt -> at most 8 recommended titles, unknown ids skipped        films with >= 1 resolved title
=======  ====================================================================  =======================

Every builder is vectorised (pandas), so phase 3 for the full 722k-row wykonos/movies
takes seconds (see ``bench/bench_phase_build.py``).
"""

from __future__ import annotations

from typing import Literal

import datasets
import numpy as np
import pandas as pd

from pelliculum_lib.config import PHASES, Phase, Settings, get_settings
from pelliculum_lib.data.catalogue import Catalogue, is_held_out
from pelliculum_lib.data.prompts import NONE_ANSWER, TITLE_SEPARATOR, chat, metadata_prompt, recommendation_prompt
from pelliculum_lib.data.values import listed, missing

Split = Literal["train", "eval", "all"]


def _join(edges: pd.DataFrame, column: str, sep: str) -> pd.Series:
    """Per source film, the ``column`` values of its edges joined in rank order."""
    return edges.groupby("source_id", sort=False)[column].agg(sep.join)


def _metadata_line(movies: pd.DataFrame) -> pd.Series:
    year = movies["year"].astype("string").fillna("year unknown")
    genres = movies["genres"].map(lambda v: listed(v) or "unknown genres")
    rating = movies["vote_average"].map(lambda v: "unrated" if missing(v) else f"{v}/10")
    return movies["label"] + " | " + year + " | " + genres + " | " + rating


def phase_answers(catalogue: Catalogue, phase: Phase, max_titles: int = 8) -> pd.Series:
    """The answer text of ``phase`` per source film id (films without an answer are absent)."""
    if phase == "3":
        edges = catalogue.resolved_recommendations(max_titles)
        edges = edges.assign(label=catalogue.labels.reindex(edges["rec_id"]).to_numpy())
        return _join(edges, "label", TITLE_SEPARATOR)
    if phase == "2a":
        edges = catalogue.edges.assign(token=catalogue.edges["rec_id"].astype("string"))
        return _join(edges, "token", "-")
    if phase == "2b":
        edges = catalogue.resolved_recommendations()
        edges = edges.assign(label=catalogue.labels.reindex(edges["rec_id"]).to_numpy())
        answers = _join(edges, "label", TITLE_SEPARATOR)
        return answers.reindex(catalogue.movies["id"]).fillna(NONE_ANSWER)
    if phase == "1":
        edges = catalogue.resolved_recommendations()
        lines = _metadata_line(catalogue.movies)
        edges = edges.assign(line=lines.reindex(edges["rec_id"]).to_numpy())
        return _join(edges, "line", "\n")
    raise ValueError(f"Unknown phase {phase!r}: choose one of {', '.join(PHASES)}.")


def build_phase(
    catalogue: Catalogue,
    phase: Phase,
    split: Split = "all",
    settings: Settings | None = None,
    max_titles: int | None = None,
) -> datasets.Dataset:
    """The chat dataset of ``phase``: columns ``source_id``, ``title`` and ``messages``.

    ``split`` selects films by :func:`~pelliculum_lib.data.is_held_out`: a held-out
    film never appears as a training prompt.
    """
    settings = settings or get_settings()
    answers = phase_answers(catalogue, phase, max_titles or settings.max_titles)
    if split != "all":
        held_out = is_held_out(answers.index.to_numpy(), settings.eval_share, settings.seed)
        answers = answers[held_out if split == "eval" else ~held_out]
    movies = catalogue.movies.loc[answers.index]
    if phase == "1":
        prompts = [metadata_prompt(row) for _, row in movies.iterrows()]
    else:
        prompts = [recommendation_prompt(label) for label in movies["label"]]
    system = settings.system_prompt
    return datasets.Dataset.from_dict({
        "source_id": answers.index.to_numpy(dtype=np.int64),
        "title": movies["label"].tolist(),
        "messages": [chat(system, prompt, answer) for prompt, answer in zip(prompts, answers.tolist())],
    })


def to_prompt_completion(dataset: datasets.Dataset) -> datasets.Dataset:
    """Conversational prompt/completion columns, so TRL computes the loss on the answer only."""
    return dataset.map(
        lambda row: {"prompt": row["messages"][:-1], "completion": row["messages"][-1:]},
        remove_columns=dataset.column_names,
    )
