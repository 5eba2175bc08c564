"""Stage 2 of the two-stage recommender: the fine-tuned SmolLM2 ranks the retriever's candidates
("phase 4" of the research story).

The prompt keeps the seed's shape and adds the query film's compact facts and its ``K``
candidates, each behind a letter (LlamaRec's verbalizer idea)::

    Suggest movies similar to Up (2009; Animation, Comedy, Family; with Ed Asner, ...)
    candidates:
    A. Toy Story (1995)
    B. ...
    movie recommendations:

The answer is the letters of the dataset's reference films among the candidates, in the
reference's order (``"C, A, F"``). At inference the model either scores every candidate in
one forward pass (the log-probability of its letter as the first answer token:
:func:`letter_scores`) or generates letters under a per-request constraint
(:class:`LetterConstraint`: only unused candidate letters, so no sibling walk is possible).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.prompts import TITLE_SEPARATOR, chat
from pelliculum_lib.data.values import clean, listed

if TYPE_CHECKING:
    from pelliculum_lib.recommending.retrieval import Retriever

LETTERS = "ABCDEFGHIJKLMNOPQRST"  # at most 20 candidates, one token each (first answer token: no space)
RANKER_TEMPLATE = "Suggest movies similar to {film}\ncandidates:\n{candidates}\nmovie recommendations:"


def film_facts(row: pd.Series, cast: int = 3) -> str:
    """``Up (2009; Animation, Comedy; with Ed Asner, Christopher Plummer, Jordan Nagai)``: what is known."""
    parts = []
    if (year := clean(row.get("year"))) is not None:
        parts.append(str(int(year)))
    if genres := listed(row.get("genres"), 3):
        parts.append(genres)
    if credits := listed(row.get("credits"), cast):
        parts.append("with " + credits)
    label = str(row["label"])
    return f"{label} ({'; '.join(parts)})" if parts else label


def candidate_line(letter: str, row: pd.Series) -> str:
    year = clean(row.get("year"))
    label = str(row["label"])
    return f"{letter}. {label}" + (f" ({int(year)})" if year is not None and str(int(year)) not in label else "")


def ranker_prompt(catalogue: Catalogue, film_id: int, candidates: Sequence[int]) -> str:
    """The phase-4 user prompt for ``film_id`` and its candidates (in retriever order)."""
    if len(candidates) > len(LETTERS):
        raise ValueError(f"At most {len(LETTERS)} candidates fit the ranker prompt, got {len(candidates)}.")
    movies = catalogue.movies
    lines = "\n".join(candidate_line(letter, movies.loc[c]) for letter, c in zip(LETTERS, candidates))
    return RANKER_TEMPLATE.format(film=film_facts(movies.loc[film_id]), candidates=lines)


def ranker_answer(candidates: Sequence[int], reference: Sequence[int]) -> str:
    """The letters of the reference films found among the candidates, in the reference's order."""
    letter = {c: LETTERS[i] for i, c in enumerate(candidates)}
    return TITLE_SEPARATOR.join(letter[f] for f in reference if f in letter)


def letter_token_ids(tokenizer) -> tuple[list[int], list[int]]:
    """Token ids of each letter as the first answer token (``"C"``) and after a comma (``" C"``)."""
    first = [tokenizer(c, add_special_tokens=False).input_ids for c in LETTERS]
    later = [tokenizer(" " + c, add_special_tokens=False).input_ids for c in LETTERS]
    if any(len(ids) != 1 for ids in first + later):
        raise ValueError("The ranker needs every candidate letter to be a single token.")
    return [i[0] for i in first], [i[0] for i in later]


# --------------------------------------------------------------------------- training data


def training_candidates(catalogue: Catalogue, retriever: Retriever, film_ids: Sequence[int], k: int,
                        folds: int = 5, seed: int = 42) -> dict[int, list[int]]:
    """Candidates for films whose lists the retriever was fitted on, built exactly as at inference
    but **without each film's own list**: the graph is refitted without the film's fold."""
    from pelliculum_lib.recommending.retrieval import fold_of

    film_ids = np.asarray(film_ids, dtype=np.int64)
    fold = fold_of(film_ids, folds, seed)
    result: dict[int, list[int]] = {}
    for k_fold in range(folds):
        members = film_ids[fold == k_fold]
        if len(members) == 0:
            continue
        without = retriever.without(members)
        for film in members.tolist():
            result[film] = [c for c, _ in without.candidates(film, k)]
    return result


def build_phase4(catalogue: Catalogue, candidates: dict[int, list[int]], references: dict[int, list[int]],
                 settings: Settings | None = None, keep_empty: bool = False):
    """The phase-4 chat dataset (columns ``source_id``, ``title``, ``candidates``, ``messages``).

    Films whose candidates hold none of their reference films teach nothing to a ranker and are
    dropped unless ``keep_empty``.
    """
    import datasets

    settings = settings or get_settings()
    rows = {"source_id": [], "title": [], "candidates": [], "messages": []}
    for film, cands in candidates.items():
        answer = ranker_answer(cands, references.get(film, []))
        if not answer and not keep_empty:
            continue
        rows["source_id"].append(int(film))
        rows["title"].append(str(catalogue.labels[film]))
        rows["candidates"].append([int(c) for c in cands])
        rows["messages"].append(chat(settings.system_prompt, ranker_prompt(catalogue, film, cands), answer))
    return datasets.Dataset.from_dict(rows)


# --------------------------------------------------------------------------- inference


def letter_scores(model, tokenizer, prompts: list[str], settings: Settings | None = None,
                  batch_size: int = 8) -> np.ndarray:
    """Log-probabilities of each candidate letter as the first answer token, one row per prompt
    (one forward pass per prompt; columns beyond a prompt's candidates are meaningless)."""
    from pelliculum_lib.modeling.generation import prompt_text
    from pelliculum_lib.modeling.llamacpp import LlamaCppEngine

    settings = settings or get_settings()
    first, _ = letter_token_ids(tokenizer)
    texts = [prompt_text(tokenizer, p, settings) for p in prompts]
    rows = []
    if isinstance(model, LlamaCppEngine):
        for text in texts:
            logits = model.last_logits(tokenizer(text, add_special_tokens=False).input_ids)
            rows.append(_log_softmax(logits.astype(np.float64))[first])
        return np.array(rows)
    import torch

    tokenizer.padding_side = "left"
    for start in range(0, len(texts), batch_size):
        inputs = tokenizer(texts[start:start + batch_size], return_tensors="pt", padding=True,
                           add_special_tokens=False).to(model.device)
        with torch.inference_mode():
            logits = model(**inputs).logits[:, -1, :].float()
        rows.extend(torch.log_softmax(logits, dim=-1)[:, first].cpu().numpy())
    return np.array(rows)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


class LetterConstraint:
    """Allowed tokens for an answer made of distinct candidate letters: ``C, A, F<|im_end|>``."""

    def __init__(self, tokenizer, end_token_id: int, candidates: int, max_titles: int = 8):
        self.first, self.later = (ids[:candidates] for ids in letter_token_ids(tokenizer))
        self.comma = tokenizer(",", add_special_tokens=False).input_ids[0]
        self.end, self.max_titles = end_token_id, max_titles
        self.letter_of = {t: i for i, t in enumerate(self.first)} | {t: i for i, t in enumerate(self.later)}

    def letters(self, tokens: list[int]) -> list[int]:
        """Candidate positions named by generated ``tokens``, in order."""
        return [self.letter_of[t] for t in tokens if t in self.letter_of]

    def allowed(self, tokens: list[int]) -> list[int]:
        named = self.letters(tokens)
        if not tokens:
            return list(self.first)
        if tokens[-1] == self.comma:
            return [t for i, t in enumerate(self.later) if i not in named] or [self.end]
        if len(named) >= min(self.max_titles, len(self.first)):
            return [self.end]
        return [self.comma, self.end]


def generate_letters(model, tokenizer, prompt: str, candidates: int, settings: Settings | None = None,
                     max_titles: int = 8) -> list[int]:
    """Candidate positions chosen by greedy generation under :class:`LetterConstraint`."""
    from pelliculum_lib.modeling.generation import prompt_text
    from pelliculum_lib.modeling.llamacpp import LlamaCppEngine
    from pelliculum_lib.modeling.loading import END_OF_TURN

    settings = settings or get_settings()
    eot = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    constraint = LetterConstraint(tokenizer, eot, candidates, max_titles)
    ids = tokenizer(prompt_text(tokenizer, prompt, settings), add_special_tokens=False).input_ids
    budget = 2 * max_titles + 1
    if isinstance(model, LlamaCppEngine):
        tokens, _ = model.generate(ids, budget, eot, constraint.allowed)
        return constraint.letters(tokens)
    import torch

    inputs = torch.tensor([ids], device=model.device)
    with torch.inference_mode():
        output = model.generate(input_ids=inputs, attention_mask=torch.ones_like(inputs), max_new_tokens=budget,
                                do_sample=False, eos_token_id=eot, pad_token_id=tokenizer.pad_token_id,
                                prefix_allowed_tokens_fn=lambda _, row: constraint.allowed(row[len(ids):].tolist()))
    tokens = output[0, len(ids):].tolist()
    return constraint.letters(tokens[:tokens.index(eot)] if eot in tokens else tokens)


def fuse(letter_logprobs: np.ndarray, weight: float) -> np.ndarray:
    """Final candidate order: the LLM's letter log-probability plus a retriever prior
    ``-weight * log2(rank + 2)`` (``weight=0``: the LLM alone; ``inf``: the retriever alone)."""
    n = len(letter_logprobs)
    if math.isinf(weight):
        return np.arange(n)
    prior = -np.log2(np.arange(n) + 2.0)
    return np.lexsort((np.arange(n), -(letter_logprobs + weight * prior)))


def fused_lists(candidates: dict[int, Sequence[int]], scores: dict[int, np.ndarray], weight: float,
                n: int = 8) -> dict[int, list[int]]:
    """Each film's first ``n`` candidates in :func:`fuse` order (``scores`` cut to its candidates)."""
    return {f: [candidates[f][i] for i in fuse(np.asarray(scores[f])[:len(candidates[f])], weight)][:n]
            for f in candidates}


# --------------------------------------------------------------------------- the phase-4 data


def validation_films(film_ids: Sequence[int], seed: int) -> np.ndarray:
    """A tenth of the training films, kept out of the ranker's training to choose the fusion weight."""
    from pelliculum_lib.recommending.retrieval import fold_of

    return fold_of(np.asarray(film_ids, dtype=np.int64), 10, seed + 2) == 0


def phase4_splits(catalogue: Catalogue, settings: Settings | None = None, k: int = 20, progress: bool = False):
    """Candidates and datasets of phase 4, from a retriever fitted on the **training split only**.

    Returns ``{"train", "validation", "eval"}`` -> dataset: training films (candidates without
    their own list, see :func:`training_candidates`) minus a validation tenth, that tenth, and
    the held-out films (never seen by the retriever's lists nor by training).
    """
    from pelliculum_lib.data.catalogue import reference_lists
    from pelliculum_lib.recommending.retrieval import cached_retriever

    settings = settings or get_settings()
    retriever = cached_retriever(catalogue, "train", settings, progress=progress)
    references = reference_lists(catalogue, settings.max_titles)
    fitted = set(retriever.fit_sources.tolist())
    train_films = np.array(sorted(f for f in references if f in fitted), dtype=np.int64)
    held_out = sorted(f for f in references if f not in fitted)
    candidates = training_candidates(catalogue, retriever, train_films, k, seed=settings.seed)
    validation = validation_films(train_films, settings.seed)
    eval_candidates = {f: [c for c, _ in retriever.candidates(f, k)] for f in held_out}
    return {
        "train": build_phase4(catalogue, {f: candidates[f] for f in train_films[~validation].tolist()}, references,
                              settings),
        "validation": build_phase4(catalogue, {f: candidates[f] for f in train_films[validation].tolist()},
                                   references, settings, keep_empty=True),
        "eval": build_phase4(catalogue, eval_candidates, references, settings, keep_empty=True),
    }
