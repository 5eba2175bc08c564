"""Measuring answers: grounding (do the titles exist?), format, and ranking quality.

Used by the phase notebooks to show each failure with numbers; the ranking metrics follow
recommender-research definitions (Recall/NDCG/HR@k against the dataset's first k
recommendations).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from pelliculum_lib.data.catalogue import Catalogue, reference_lists
from pelliculum_lib.data.prompts import NONE_ANSWER
from pelliculum_lib.modeling.answers import TitleIndex, parse_answer


def ndcg_at_k(predicted: list[int], relevant: set[int], k: int) -> float:
    gains = [1.0 / math.log2(rank + 2) for rank, item in enumerate(predicted[:k]) if item in relevant]
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return sum(gains) / ideal if ideal else 0.0


def recall_at_k(predicted: list[int], relevant: set[int], k: int) -> float:
    return len(set(predicted[:k]) & relevant) / len(relevant) if relevant else 0.0


def hit_at_k(predicted: list[int], relevant: set[int], k: int) -> float:
    return float(bool(set(predicted[:k]) & relevant))


def title_answer_metrics(answers: list[str], stopped: list[bool], source_ids: list[int],
                         catalogue: Catalogue, k: int = 8) -> dict:
    """Grounding, format and ranking metrics of title answers (phases 1, 2b, 3)."""
    index = TitleIndex.from_catalogue(catalogue)
    references = reference_lists(catalogue, k)
    rows = []
    for text, stop, source in zip(answers, stopped, source_ids):
        is_none = text.strip() == NONE_ANSWER
        films = [] if is_none else parse_answer(text, index)
        real = [f for f in films if f is not None]
        unique = list(dict.fromkeys(real))
        relevant = set(references.get(source, []))
        rows.append({
            "none": is_none,
            "stopped": stop,
            "titles": len(films),
            "valid_share": len(real) / len(films) if films else np.nan,
            "no_real_title": not is_none and not real,
            "duplicate_share": 1 - len(unique) / len(real) if real else np.nan,
            "recall": recall_at_k(unique, relevant, k),
            "ndcg": ndcg_at_k(unique, relevant, k),
            "hit": hit_at_k(unique, relevant, k),
        })
    table = pd.DataFrame(rows)
    return {
        "answers": len(table),
        "none_rate": float(table["none"].mean()),
        "stop_rate": float(table["stopped"].mean()),
        "no_real_title_rate": float(table["no_real_title"].mean()),
        "valid_title_rate": float(table["valid_share"].mean()) if table["valid_share"].notna().any() else 0.0,
        "duplicate_rate": float(table["duplicate_share"].mean()) if table["duplicate_share"].notna().any() else 0.0,
        "mean_titles": float(table["titles"].mean()),
        f"recall@{k}": float(table["recall"].mean()),
        f"ndcg@{k}": float(table["ndcg"].mean()),
        f"hr@{k}": float(table["hit"].mean()),
    }


def id_answer_metrics(answers: list[str], stopped: list[bool], source_ids: list[int],
                      catalogue: Catalogue, k: int = 8) -> dict:
    """Phase 2a: do generated ids exist, and are they the film's real recommendations?"""
    known = set(catalogue.movies["id"].tolist())
    truth = catalogue.edges.groupby("source_id")["rec_id"].apply(set).to_dict()
    references = reference_lists(catalogue, k)
    exist, correct, counts, hits, recalls = [], [], [], [], []
    for text, source in zip(answers, source_ids):
        ids = [int(t) for t in re.findall(r"\d+", text)]
        counts.append(len(ids))
        exist.extend(i in known for i in ids)
        correct.extend(i in truth.get(source, set()) for i in ids)
        unique = list(dict.fromkeys(ids))
        hits.append(hit_at_k(unique, set(references.get(source, [])), k))
        recalls.append(recall_at_k(unique, set(references.get(source, [])), k))
    return {
        "answers": len(answers),
        "stop_rate": float(np.mean(stopped)) if stopped else 0.0,
        "mean_ids": float(np.mean(counts)) if counts else 0.0,
        "existing_id_share": float(np.mean(exist)) if exist else 0.0,
        "correct_id_share": float(np.mean(correct)) if correct else 0.0,
        f"recall@{k}": float(np.mean(recalls)) if recalls else 0.0,
        f"hr@{k}": float(np.mean(hits)) if hits else 0.0,
    }


def evaluate_phase(model, tokenizer, catalogue: Catalogue, phase: str, settings=None, films: int = 40,
                   split: str = "eval", max_new_tokens: int = 128) -> tuple[dict, pd.DataFrame]:
    """Generate answers for ``films`` held-out films of ``phase`` and measure them.

    Phase 2b is asked about films *with* recommendations (the phase-3 prompts): the question
    is whether it still answers "None" for them.
    """
    from pelliculum_lib.config import get_settings
    from pelliculum_lib.modeling.generation import generate_answers
    from pelliculum_lib.data.phases import build_phase

    settings = settings or get_settings()
    data = build_phase(catalogue, "3" if phase == "2b" else phase, split=split, settings=settings)
    data = data.shuffle(seed=settings.seed).select(range(min(films, data.num_rows)))
    prompts = [m[1]["content"] for m in data["messages"]]
    answers = generate_answers(model, tokenizer, prompts, settings=settings, max_new_tokens=max_new_tokens)
    texts, stopped = [a.text for a in answers], [a.stopped for a in answers]
    measure = id_answer_metrics if phase == "2a" else title_answer_metrics
    metrics = measure(texts, stopped, data["source_id"], catalogue, settings.max_titles)
    examples = pd.DataFrame({"film": data["title"], "expected": [m[2]["content"] for m in data["messages"]],
                             "answer": texts, "stopped": stopped})
    return metrics, examples
