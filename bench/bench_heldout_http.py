"""Held-out films through the real HTTP path, as films without a list.

    python bench/bench_heldout_http.py [--films N] [--configs NAME ...]

Starts `pelliculum serve` with ``PELLICULUM_FIT_SPLIT=train`` (the retriever never sees a
held-out film's own list), asks ``POST /recommend/`` for every held-out film by its title, and
measures NDCG/Recall/HR@8 of the answers against each film's reference list, beside the
co-occurrence baseline fitted on the same training lists, with paired bootstrap intervals.
Writes ``reports/heldout_http.{md,json}``.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import httpx
import numpy as np

from live_server import serve
from pelliculum_lib import reports
from pelliculum_lib.evaluation import ablation
from pelliculum_lib.recommending.baselines import Baselines
from pelliculum_lib.evaluation.comparison import train_edges
from pelliculum_lib.config import PROJECT_ROOT, get_settings
from pelliculum_lib.data.catalogue import Catalogue, is_held_out
from pelliculum_lib.data.catalogue import reference_lists

CONFIGS = {"retriever ordering (default)": {"PELLICULUM_RECOMMENDER_MODE": "retriever"},
           "retriever + LLM ranker": {"PELLICULUM_RECOMMENDER_MODE": "two-stage"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--films", type=int, default=None, help="held-out films (default: all)")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    args = parser.parse_args()
    settings = get_settings()
    catalogue = Catalogue.load(settings=settings)
    references = reference_lists(catalogue, settings.max_titles)
    held_out = sorted(f for f in references if is_held_out(np.array([f]), settings.eval_share, settings.seed)[0])
    held_out = held_out[:args.films] if args.films else held_out
    baselines = Baselines(catalogue, train_edges(catalogue, settings), catalogue.movies["id"].tolist())
    methods = {"cooccurrence (library, same training lists)": ablation.per_film(
        {f: baselines.cooccurrence(f, 8) for f in held_out}, references)}
    ready = {}
    for name in args.configs:
        env = {"PELLICULUM_FIT_SPLIT": "train", "PELLICULUM_RATE_LIMIT_PER_MINUTE": "0", **CONFIGS[name]}
        with tempfile.TemporaryDirectory() as answers, serve({**env, "PELLICULUM_ANSWER_CACHE_DIR": answers},
                                                              ready_timeout=900) as (url, _, seconds):
            ready[name] = round(seconds, 1)
            lists, timings = {}, {}
            with httpx.Client(base_url=url, timeout=120) as http:
                assert http.get("/health").json()["fit_split"] == "train"
                for film in held_out:
                    started = time.perf_counter()
                    response = http.post("/recommend/", json={"title": catalogue.labels[film]})
                    timings[film] = time.perf_counter() - started
                    body = response.json()
                    if response.status_code != 200 or body["film"]["id"] != film:
                        raise RuntimeError(f"{catalogue.labels[film]!r} answered {response.status_code}: {body}")
                    lists[film] = [r["id"] for r in body["recommendations"]]
        methods[f"service: {name} (HTTP, fit on train)"] = ablation.per_film(lists, references, seconds=timings)
    baseline = next(iter(methods))
    table = ablation.table(methods, baseline=baseline, films=held_out)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    context = {"dataset": settings.dataset, "held-out films": len(held_out), "service starts (s, first fits)": ready,
               "machine": f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    ours = table.loc[f"service: {args.configs[0]} (HTTP, fit on train)"]
    goal = 1.10 * table.loc[baseline, "ndcg@8"]
    lines = [f"- {args.configs[0]}: NDCG@8 {ours['ndcg@8']:.3f} vs co-occurrence {table.loc[baseline, 'ndcg@8']:.3f} "
             f"({ours['ndcg@8'] / table.loc[baseline, 'ndcg@8']:.2f}x; goal 1.10x = {goal:.3f}: "
             f"{'met' if ours['ndcg@8'] >= goal and ours['Δ lo'] > 0 else 'not met'}), difference "
             f"{ours['Δndcg@8']:+.3f} [{ours['Δ lo']:+.3f}, {ours['Δ hi']:+.3f}]."]
    print(reports.write_report(
        PROJECT_ROOT / "reports" / "heldout_http.md", {}, context, title="Held-out films through the real service",
        origin="Written by `bench/bench_heldout_http.py`: `pelliculum serve` started with `PELLICULUM_FIT_SPLIT=train`, "
        "every held-out film asked by title through `POST /recommend/` (its own list was never fitted), answers "
        "scored against its reference list; 95 % bootstrap intervals over films, paired differences to co-occurrence.",
        lines=[*lines, "", ablation.formatted(table).to_markdown()],
        data={"context": context, **reports.records({"table": table})}))


if __name__ == "__main__":
    main()
