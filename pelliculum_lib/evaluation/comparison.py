"""The evaluation table: the fine-tuned model (constrained and free decoding), the base
model, and the baselines, on the same source films and the same candidate films.

Ranking metrics are against the dataset's first ``k`` recommendations (Recall/NDCG/HR@k);
answer metrics say whether the titles exist, repeat, say "None", and stop by themselves;
coverage and popularity bias say what share of the candidates ever comes back and how much
more popular than the truth the answers lean.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from pelliculum_lib.recommending.baselines import Baselines
from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.data.catalogue import Catalogue, is_held_out
from pelliculum_lib.modeling.answers import TitleIndex, answer_titles
from pelliculum_lib.evaluation.metrics import hit_at_k, ndcg_at_k, recall_at_k
from pelliculum_lib.data.catalogue import reference_lists
from pelliculum_lib.data.prompts import NONE_ANSWER
from pelliculum_lib.recommending.phase3 import Phase3Recommender
from pelliculum_lib.recommending.two_stage import TwoStageRecommender

METRICS = ["recall@8", "ndcg@8", "hr@8", "valid_title_rate", "duplicate_rate", "none_rate", "stop_rate",
           "coverage", "popularity_bias", "seconds_per_answer"]


@dataclass
class Comparison:
    table: pd.DataFrame  # one row per method
    answers: pd.DataFrame  # one row per (method, film)


def source_films(catalogue: Catalogue, settings: Settings, split: str, films: int | None) -> list[int]:
    """Source films with a reference list, on one side of the split, in a seeded random order."""
    references = reference_lists(catalogue, settings.max_titles)
    ids = np.array(sorted(references))
    held = is_held_out(ids, settings.eval_share, settings.seed)
    ids = ids[held if split == "eval" else ~held]
    rng = np.random.default_rng(settings.seed)
    ids = rng.permutation(ids)
    return [int(i) for i in (ids if films is None else ids[:films])]


def train_edges(catalogue: Catalogue, settings: Settings) -> pd.DataFrame:
    edges = catalogue.resolved_recommendations(settings.max_titles)
    return edges[~is_held_out(edges["source_id"].to_numpy(), settings.eval_share, settings.seed)]


def _answer_row(text: str, stopped: bool, index: TitleIndex) -> dict:
    none = text.strip() == NONE_ANSWER
    titles = [] if none else answer_titles(text, index.labels)
    real = [f for f in (index.lookup(t) for t in titles) if f is not None]
    return {"none": none, "stopped": stopped, "titles": len(titles),
            "valid_share": len(real) / len(titles) if titles else np.nan,
            "duplicate_share": 1 - len(set(real)) / len(real) if real else np.nan}


def summarise(rows: pd.DataFrame, candidates: int, frequency: pd.Series, references: dict[int, list[int]],
              k: int = 8) -> dict:
    """One table row from per-film rows (columns ``source``, ``films`` and the answer fields)."""
    recommended = [f for films in rows["films"] for f in films]
    truth = [f for s in rows["source"] for f in references.get(s, [])]
    freq = lambda items: float(np.mean([frequency.get(f, 0) for f in items])) if items else np.nan  # noqa: E731
    mean = lambda column: float(rows[column].mean()) if rows[column].notna().any() else np.nan  # noqa: E731
    return {
        f"recall@{k}": mean("recall"), f"ndcg@{k}": mean("ndcg"), f"hr@{k}": mean("hit"),
        "valid_title_rate": mean("valid_share"), "duplicate_rate": mean("duplicate_share"),
        "none_rate": mean("none"), "stop_rate": mean("stopped"),
        "coverage": len(set(recommended)) / candidates if candidates else np.nan,
        "popularity_bias": freq(recommended) / freq(truth) if truth and freq(truth) else np.nan,
        "mean_titles": float(rows["films"].map(len).mean()),
        "seconds_per_answer": mean("seconds"),
        "films": len(rows),
    }


def _rank(row: dict, films: list[int], relevant: set[int], k: int) -> dict:
    return {**row, "films": films, "recall": recall_at_k(films, relevant, k), "ndcg": ndcg_at_k(films, relevant, k),
            "hit": hit_at_k(films, relevant, k)}


def compare(catalogue: Catalogue, recommenders: dict[str, Phase3Recommender | TwoStageRecommender],
            settings: Settings | None = None, split: str = "eval", films: int | None = None, baselines: bool = True,
            batch_size: int = 8, unconstrained: bool = True) -> Comparison:
    """Evaluate every method on the same ``films`` source films of ``split``."""
    settings = settings or get_settings()
    k = settings.max_titles
    sources = source_films(catalogue, settings, split, films)
    references = reference_lists(catalogue, k)
    edges = train_edges(catalogue, settings)
    frequency = edges["rec_id"].value_counts()
    index = TitleIndex.from_catalogue(catalogue)
    any_model = next(iter(recommenders.values()), None)
    candidates = any_model.candidates if any_model else pd.unique(edges["rec_id"]).tolist()
    rows: list[dict] = []
    for name, recommender in recommenders.items():
        generative = getattr(recommender, "generative", True)  # the two-stage recommender ranks, never writes
        for constrained in (True, False) if unconstrained and generative else (True,):
            method = f"{name} ({'constrained' if constrained else 'free'})" if generative else name
            for start in tqdm(range(0, len(sources), batch_size), desc=method, leave=False):
                batch = sources[start:start + batch_size]
                began = time.perf_counter()
                results = recommender.answer_films(batch, constrained=constrained, batch_size=batch_size)
                seconds = (time.perf_counter() - began) / len(batch)
                for source, (film_ids, answer) in zip(batch, results):
                    row = {"method": method, "source": source, "text": answer.text, "seconds": seconds,
                           **_answer_row(answer.text, answer.stopped, index)}
                    if constrained:  # every title is a catalogue film by construction
                        row["valid_share"] = 1.0 if film_ids else np.nan
                        row["duplicate_share"] = 1 - len(set(film_ids)) / len(film_ids) if film_ids else np.nan
                    rows.append(_rank(row, film_ids, set(references.get(source, [])), k))
    if baselines:
        fitted = Baselines(catalogue, edges, candidates)
        for name in Baselines.NAMES:
            for source in tqdm(sources, desc=name, leave=False):
                began = time.perf_counter()
                film_ids = fitted.recommend(name, source, k)
                row = {"method": name, "source": source, "text": "", "seconds": time.perf_counter() - began,
                       "none": False, "stopped": True, "titles": len(film_ids), "valid_share": 1.0,
                       "duplicate_share": 0.0}
                rows.append(_rank(row, film_ids, set(references.get(source, [])), k))
    answers = pd.DataFrame(rows)
    table = pd.DataFrame({method: summarise(group, len(candidates), frequency, references, k)
                          for method, group in answers.groupby("method", sort=False)}).T
    table.index.name = "method"
    return Comparison(table, answers)


RANKING = ["recall@8", "ndcg@8", "hr@8"]


def verdict(table: pd.DataFrame, model: str = "fine-tuned (constrained)", base: str = "base (constrained)") -> list[str]:
    """Plain statements of where ``model`` wins and loses, computed from the table."""
    if model not in table.index:
        return []
    lines = []
    others = [m for m in table.index if m != model]
    for metric in RANKING:
        ours = table.loc[model, metric]
        best = table.loc[others, metric].astype(float).idxmax()
        beaten = [m for m in others if table.loc[m, metric] < ours]
        if ours >= table.loc[best, metric]:
            lines.append(f"{metric}: the fine-tuned model wins ({ours:.3f}; best other: {best} "
                         f"{table.loc[best, metric]:.3f}).")
        else:
            lines.append(f"{metric}: the fine-tuned model loses to {best} ({ours:.3f} vs "
                         f"{table.loc[best, metric]:.3f}); it beats {', '.join(beaten) or 'none of the others'}.")
    if "two-stage" in table.index:
        for metric in RANKING:
            others_best = table.loc[[m for m in table.index if m != "two-stage"], metric].astype(float)
            lines.append(f"{metric}: the two-stage recommender (retriever + fine-tuned ranker) scores "
                         f"{table.loc['two-stage', metric]:.3f}; best other method: {others_best.idxmax()} "
                         f"{others_best.max():.3f}.")
    if base in table.index:
        lines.append(f"Fine-tuning vs the base model (both constrained): recall@8 {table.loc[base, 'recall@8']:.3f}"
                     f" -> {table.loc[model, 'recall@8']:.3f}.")
    free = model.replace("constrained", "free")
    if free in table.index:
        lines.append(f"Constrained vs free decoding: valid-title rate {table.loc[free, 'valid_title_rate']:.1%} -> "
                     f"{table.loc[model, 'valid_title_rate']:.1%}, recall@8 {table.loc[free, 'recall@8']:.3f} -> "
                     f"{table.loc[model, 'recall@8']:.3f}.")
    lines.append(f"Popularity bias {table.loc[model, 'popularity_bias']:.2f} (1 = as popular as the reference lists) "
                 f"and catalogue coverage {table.loc[model, 'coverage']:.1%}.")
    return lines


def write_report(tables: dict[str, pd.DataFrame], reports_dir, context: dict) -> None:
    """``reports/evaluation.md`` and ``evaluation.json`` (+ figures) from per-split tables."""
    from pathlib import Path

    from pelliculum_lib import reports
    from pelliculum_lib.plots import grouped_bars

    folder = Path(reports_dir)
    sections = {}
    for split, table in tables.items():
        figure = f"figures/evaluation_{split.split()[0].lower()}.png"
        grouped_bars(table, RANKING, folder / figure, f"Ranking quality, {split}")
        sections[split] = "\n".join([table[METRICS].to_markdown(floatfmt=".3f"), "",
                                     *[f"- {line}" for line in verdict(table)], "", f"![{split}]({figure})"])
    reports.write_report(
        folder / "evaluation.md", sections, context, title="Evaluation", origin=reports.written_by("05_evaluation.ipynb"),
        lines=["Ranking metrics are against each film's first 8 resolvable dataset recommendations "
               "(MovieLens co-ratings, see the data README). Every method but `two-stage` ranks the same "
               "candidate films (those that appear in training answers); `two-stage` proposes films from the whole "
               "catalogue, from a retriever fitted on the training lists only (notebook 07, reports/two_stage.md). LLM timings are per answer in batches of 8 on the "
               "machine above; baselines are pure lookups."],
        data={"context": context, **reports.records(tables)})
