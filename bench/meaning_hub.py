"""Experiment: does a hub correction help descriptions? (notebook 09's protocol, one setting changed).

A film close to any request of a language (a French title pulls every French description) is a *hub*;
:meth:`~pelliculum_lib.recommending.meaning.FilmVectors.hub` measures each film's mean similarity to neutral
requests of that language, and ``FilmFacts.hub_weight`` takes that much of it off a description's meaning score.
The weight is chosen on the dev themes (keyword-free vectors, the service's fusion weights, no feedback), then the
kept-aside themes are scored once with the chosen weight and with none, paired bootstrap intervals per language.

    PELLICULUM_DATASET=../shared/data/movies.parquet python bench/meaning_hub.py [--weights 0 0.25 0.5 0.75 1.0]

Writes reports/meaning_hub.{md,json}. Needs the keyword-free e5 vectors (built once, ~26 min here, cached).
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import pandas as pd

from pelliculum_lib.config import PROJECT_ROOT, Settings
from pelliculum_lib.conversation.facts import QUALITY_WEIGHT, WORDS_WEIGHT
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.evaluation.ablation import bootstrap
from pelliculum_lib.evaluation.meaning import ThemeBench, load_themes
from pelliculum_lib.modeling.encoder import load_encoder
from pelliculum_lib.recommending.meaning import cached_vectors, film_texts
from pelliculum_lib.recommending.retrieval import cached_retriever
from pelliculum_lib.reports import write_report


def score(bench: ThemeBench, requests: list[dict], weight: float) -> pd.DataFrame:
    bench.facts.hub_weight = weight
    return bench.score(requests, "fusion", WORDS_WEIGHT, QUALITY_WEIGHT, feedback_films=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.25, 0.5, 0.75, 1.0])
    args = parser.parse_args()
    settings = Settings(meaning="off")
    catalogue = Catalogue.load(settings=settings)
    retriever = cached_retriever(catalogue, "all", settings)
    vectors = cached_vectors(catalogue.movies["id"].to_numpy(), film_texts(catalogue.movies, keywords=False),
                             load_encoder("e5-small"), settings.cache_dir, progress=True)
    dev, kept = load_themes(split="dev"), load_themes(split="kept_aside")
    bench = ThemeBench.build(catalogue, retriever, vectors, dev + kept, settings)

    grid = {w: score(bench, dev, w) for w in args.weights}
    by_weight = pd.DataFrame({w: t.groupby("language")["precision@8"].mean() for w, t in grid.items()}).T
    by_weight["all"] = [t["precision@8"].mean() for t in grid.values()]
    best = by_weight["all"].max()
    # the smallest weight within 0.005 of the best: a larger one is no better
    chosen = min(w for w in args.weights if by_weight.loc[w, "all"] >= best - 0.005)
    rows = []
    for part, requests in (("dev", dev), ("kept aside", kept)):
        base, moved = (grid[0.0], grid[chosen]) if part == "dev" and 0.0 in grid else \
            (score(bench, requests, 0.0), score(bench, requests, chosen))
        for language in ("en", "fr"):
            keep = base["language"] == language
            diff = (moved["precision@8"] - base["precision@8"])[keep].to_numpy()
            delta, lo, hi = bootstrap(diff, 2000, 42)
            rows.append({"themes": part, "language": language, "requests": int(keep.sum()),
                         "p@8 no correction": base["precision@8"][keep].mean(),
                         f"p@8 weight {chosen}": moved["precision@8"][keep].mean(), "Δ": delta, "Δ lo": lo, "Δ hi": hi})
    table = pd.DataFrame(rows)
    print(by_weight.round(3), "\n", table.round(3))
    write_report(PROJECT_ROOT / "reports" / "meaning_hub.md",
                 {"Dev themes: precision@8 per weight": by_weight.round(3).to_markdown(),
                  "The chosen weight against none (paired, 95 % CI)": table.round(3).to_markdown(index=False)},
                 {"dataset": settings.dataset, "films": len(catalogue), "chosen on dev": chosen,
                  "machine": f"{platform.machine()}, {platform.system()}, CPU"},
                 title="Meaning: a hub correction for descriptions", origin="Written by `bench/meaning_hub.py`.",
                 data={"by_weight": by_weight.to_dict(), "table": table.to_dict("records"), "chosen": chosen})


if __name__ == "__main__":
    main()
