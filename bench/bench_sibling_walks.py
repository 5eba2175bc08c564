"""Do the default answers walk sibling titles? The most popular films, retriever order.

    python bench/bench_sibling_walks.py [--films 100]

For each fit split, counts the answers holding three or more titles that share their first two
words while the query does not ("The Last Picture Show, The Last Samurai, ..."), beside the same
count for the films' own reference lists (franchise clusters the data itself recommends).
Writes ``reports/sibling_walks.md``.
"""

from __future__ import annotations

import argparse

from pelliculum_lib.evaluation.ablation import walks_siblings
from pelliculum_lib.config import PROJECT_ROOT, get_settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.catalogue import reference_lists
from pelliculum_lib.recommending.retrieval import cached_retriever


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--films", type=int, default=100)
    args = parser.parse_args()
    settings = get_settings()
    catalogue = Catalogue.load(settings=settings)
    labels, references = catalogue.labels, reference_lists(catalogue, settings.max_titles)
    popular = catalogue.movies["id"].head(args.films).tolist()
    lines = ["# Sibling walks in the default answers", "",
             f"Written by `bench/bench_sibling_walks.py`: the {len(popular)} most popular films, answered in the "
             "retriever's order (the service default); an answer walks when 3 or more of its titles share their "
             "first two words and the query does not.", "",
             "| answers | films | walking answers | which |", "| --- | --- | --- | --- |"]
    with_list = [f for f in popular if f in references]
    walking = [labels[f] for f in with_list if walks_siblings(labels[f], [labels[x] for x in references[f]])]
    lines.append(f"| the films' own reference lists | {len(with_list)} | {len(walking)} | {', '.join(walking)} |")
    for split in ("all", "train"):
        retriever = cached_retriever(catalogue, split, settings)
        walking = [labels[f] for f in popular
                   if walks_siblings(labels[f], [labels[c] for c, _ in retriever.candidates(f, settings.max_titles)])]
        lines.append(f"| service, fit split `{split}` | {len(popular)} | {len(walking)} | {', '.join(walking)} |")
    report = PROJECT_ROOT / "reports" / "sibling_walks.md"
    report.write_text("\n".join(lines) + "\n")
    print(report.read_text())


if __name__ == "__main__":
    main()
