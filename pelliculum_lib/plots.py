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
