"""Dataset statistics: the numbers of ``pelliculum data stats`` and notebook 01."""

from __future__ import annotations

from pathlib import Path

import datasets
import pandas as pd
from tqdm.auto import tqdm

from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.data.catalogue import WYKONOS_COLUMNS, Catalogue
from pelliculum_lib.data.phases import build_phase, phase_answers
from pelliculum_lib.data.prompts import NONE_ANSWER
from pelliculum_lib.data.values import dash_pieces
from pelliculum_lib.reports import write_report


def dataset_stats(catalogue: Catalogue, settings: Settings | None = None) -> dict:
    """Headline numbers of a catalogue and of its phase-3 training set."""
    settings = settings or get_settings()
    movies, edges = catalogue.movies, catalogue.edges
    phase3 = phase_answers(catalogue, "3", settings.max_titles)
    # Titles may contain ", ": count titles through the edge table, not the joined text.
    kept = catalogue.resolved_recommendations(settings.max_titles).groupby("source_id").size()
    with_recs = int(edges["source_id"].nunique())
    shared = movies["title"].str.casefold().duplicated(keep=False)
    held_out = build_phase(catalogue, "3", split="eval", settings=settings).num_rows
    return {
        "rows": len(movies),
        "columns": len(movies.columns) - 2,  # without the derived year and label
        "cleaning": catalogue.cleaning,
        "rows_with_recommendations": with_recs,
        "share_with_recommendations": round(with_recs / max(1, len(movies)), 4),
        "recommended_ids": len(edges),
        "resolvable_recommendation_share": round(float(edges["resolved"].mean()) if len(edges) else 0.0, 4),
        "mean_recommendations_per_row": round(len(edges) / max(1, with_recs), 2),
        "phase3_examples": int(len(phase3)),
        "phase3_train_examples": int(len(phase3) - held_out),
        "phase3_eval_examples": int(held_out),
        "max_titles_per_example": int(kept.max()) if len(kept) else 0,
        "mean_titles_per_example": round(float(kept.mean()), 2) if len(kept) else 0.0,
        "phase3_none_answers": int((phase3 == NONE_ANSWER).sum()),
        "rows_sharing_a_title": int(shared.sum()),
        "titles_shared_by_several_films": int(movies.loc[shared, "title"].str.casefold().nunique()),
        "labels_with_year_suffix": int((movies["label"] != movies["title"]).sum()
                                       - movies["label"].str.contains(r"\(TMDB \d+\)$").sum()),
        "labels_with_tmdb_suffix": int(movies["label"].str.contains(r"\(TMDB \d+\)$").sum()),
        "max_titles_setting": settings.max_titles,
    }


def null_shares(catalogue: Catalogue) -> pd.Series:
    """Share of missing values per wykonos column."""
    return catalogue.movies[list(WYKONOS_COLUMNS)].isna().mean().sort_values()


def list_lengths(catalogue: Catalogue, max_titles: int = 8) -> pd.DataFrame:
    """Per film with recommendations: ids listed, ids resolved, titles kept in phase 3."""
    edges = catalogue.edges
    per_film = edges.groupby("source_id").agg(listed=("rec_id", "size"), resolved=("resolved", "sum"))
    per_film["kept"] = per_film["resolved"].clip(upper=max_titles)
    return per_film


def genre_counts(catalogue: Catalogue) -> pd.Series:
    """Films per genre (a film counts once per genre)."""
    return dash_pieces(catalogue.movies["genres"]).value_counts()


def year_counts(catalogue: Catalogue) -> pd.Series:
    return catalogue.movies["year"].dropna().astype(int).value_counts().sort_index()


def token_lengths(dataset: datasets.Dataset, tokenizer) -> pd.DataFrame:
    """Prompt and answer token counts of a chat dataset, rendered with the model's template."""
    rows = []
    for messages in tqdm(dataset["messages"], desc="tokenizing", leave=False):
        prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(messages, tokenize=False)
        n_prompt = len(tokenizer(prompt, add_special_tokens=False).input_ids)
        rows.append({"prompt_tokens": n_prompt,
                     "answer_tokens": len(tokenizer(full, add_special_tokens=False).input_ids) - n_prompt})
    return pd.DataFrame(rows)


def write_stats_report(stats: dict, reports_dir: str | Path, source: str) -> str:
    """``dataset_stats.md`` (a table of the scalar statistics) and ``dataset_stats.json``; returns the markdown."""
    rows = [(k, v) for k, v in stats.items() if not isinstance(v, dict)]
    table = "| statistic | value |\n| --- | --- |\n" + "\n".join(
        f"| {k} | {v:,} |" if isinstance(v, int) else f"| {k} | {v} |" for k, v in rows)
    return write_report(Path(reports_dir) / "dataset_stats.md", {}, {}, title="Dataset statistics",
                        origin=f"Source: `{source}` — written by `notebooks/01_dataset_analysis.ipynb`.",
                        lines=[table, "", "Figures: `reports/figures/01_*.png`."], data=stats)
