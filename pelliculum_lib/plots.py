"""Figures written under ``reports/`` (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd


def save(fig: plt.Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_loss_curve(history: list[dict], path: Path, title: str = "training") -> Path:
    """Train (and eval, when logged) loss against optimizer steps."""
    fig, ax = plt.subplots(figsize=(7, 4))
    train = [(r["step"], r["loss"]) for r in history if "loss" in r]
    evals = [(r["step"], r["eval_loss"]) for r in history if "eval_loss" in r]
    if train:
        ax.plot(*zip(*train), label="train loss")
    if evals:
        ax.plot(*zip(*evals), "o-", label="held-out loss")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (answer tokens)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return save(fig, path)


def bar_chart(values: "pd.Series", path: Path, title: str, xlabel: str = "", horizontal: bool = True) -> Path:
    """A bar per index entry of ``values``."""
    fig, ax = plt.subplots(figsize=(7, max(3, 0.28 * len(values)) if horizontal else 4))
    if horizontal:
        ax.barh([str(i) for i in values.index], values.to_numpy())
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
    else:
        ax.bar([str(i) for i in values.index], values.to_numpy())
        ax.set_ylabel(xlabel)
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="x" if horizontal else "y")
    return save(fig, path)


def histograms(series: dict[str, "pd.Series"], path: Path, title: str, xlabel: str, bins: int = 30) -> Path:
    """Overlaid histograms, one per named series."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, values in series.items():
        ax.hist(values, bins=bins, alpha=0.6, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return save(fig, path)


def line_chart(values: "pd.Series", path: Path, title: str, xlabel: str, ylabel: str) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(values.index, values.to_numpy())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return save(fig, path)


def recall_curves(curves: "pd.DataFrame", k: int, path: Path, title: str) -> Path:
    """One line per method (columns) over K (the index), with a dotted mark at the K the ranker sees."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    curves.plot(ax=ax, marker="o")
    ax.axvline(k, color="grey", ls=":", label=f"K = {k}")
    ax.set(xlabel="K (candidates)", ylabel="reference films among the first K", title=title)
    ax.legend()
    return save(fig, path)


def grouped_bars(table: "pd.DataFrame", columns: list[str], path: Path, title: str) -> Path:
    """Horizontal bars of several metrics (``columns``) per method (the index of ``table``)."""
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, max(3.5, 0.55 * len(table))))
    rows = np.arange(len(table))
    height = 0.8 / len(columns)
    for i, column in enumerate(columns):
        ax.barh(rows + i * height, table[column].astype(float).fillna(0).to_numpy(), height, label=column)
    ax.set_yticks(rows + height * (len(columns) - 1) / 2, [str(i) for i in table.index])
    ax.invert_yaxis()
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="x")
    ax.legend()
    return save(fig, path)


def interval_bars(table: "pd.DataFrame", group: str, value: str, low: str, high: str, path: Path,
                  title: str) -> Path:
    """Bars of ``value`` per method (rows) and ``group`` (side by side), with ``low``–``high`` error bars."""
    import numpy as np

    methods = list(dict.fromkeys(table["method"]))
    groups = list(dict.fromkeys(table[group]))
    width = 0.8 / max(1, len(methods))
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, method in enumerate(methods):
        part = table[table["method"] == method].set_index(group).reindex(groups)
        x = np.arange(len(groups)) + i * width
        ax.bar(x, part[value], width, label=method)
        ax.errorbar(x, part[value], yerr=[part[value] - part[low], part[high] - part[value]], fmt="none",
                    ecolor="black", capsize=3, linewidth=1)
    ax.set_xticks(np.arange(len(groups)) + width * (len(methods) - 1) / 2, groups)
    ax.set_ylabel(value)
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return save(fig, path)


def meaning_map(points: "np.ndarray", labels: list[str], path: Path, title: str,
                names: list[str] | None = None) -> Path:
    """A 2-D scatter of films (``points``), coloured by ``labels``, a few ``names`` written beside their point."""
    fig, ax = plt.subplots(figsize=(8, 6))
    for label in sorted(set(labels)):
        mask = [l == label for l in labels]
        ax.scatter(points[mask, 0], points[mask, 1], s=10, alpha=0.6, label=label)
    for (x, y), name in zip(points, names or []):
        if name:
            ax.annotate(name, (x, y), fontsize=7, alpha=0.85)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    ax.legend(fontsize=8, markerscale=2)
    return save(fig, path)
