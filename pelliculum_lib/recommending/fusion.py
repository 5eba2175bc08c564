"""The retriever's fitted fusion as plain arrays: scikit-learn fits it, NumPy answers with it.

A ``HistGradientBoostingClassifier`` (binary, numeric features) is a baseline plus a sum of
trees. Its nodes are copied once into flat arrays (every tree's nodes end to end), which the
service memory-maps and walks for all candidates and all trees at once — the same
probabilities as ``predict_proba`` without importing scikit-learn at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FIELDS = ("feature", "threshold", "missing_left", "left", "right", "leaf", "value")


@dataclass
class TreeFusion:
    """Nodes of every tree end to end (``roots``: each tree's first node); ``left``/``right`` are global."""

    baseline: float
    roots: np.ndarray
    depth: int
    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    value: np.ndarray

    @classmethod
    def from_sklearn(cls, model) -> "TreeFusion":
        """Copy a fitted binary ``HistGradientBoostingClassifier`` (no categorical features)."""
        trees = [predictors[0].nodes for predictors in model._predictors]
        if any(nodes["is_categorical"].any() for nodes in trees):
            raise ValueError("categorical splits are not supported")
        starts = np.cumsum([0] + [len(nodes) for nodes in trees[:-1]])
        nodes = np.concatenate(trees)
        offset = np.repeat(starts, [len(t) for t in trees])
        return cls(baseline=float(np.ravel(model._baseline_prediction)[0]), roots=starts.astype(np.int64),
                   depth=int(nodes["depth"].max()), feature=nodes["feature_idx"].astype(np.int64),
                   threshold=nodes["num_threshold"].astype(np.float64),
                   missing_left=nodes["missing_go_to_left"].astype(bool),
                   left=(nodes["left"] + offset).astype(np.int64), right=(nodes["right"] + offset).astype(np.int64),
                   leaf=nodes["is_leaf"].astype(bool), value=nodes["value"].astype(np.float64))

    def arrays(self) -> dict[str, np.ndarray]:
        return {"roots": self.roots, **{name: getattr(self, name) for name in FIELDS},
                "scalars": np.array([self.baseline, self.depth], dtype=np.float64)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "TreeFusion":
        baseline, depth = arrays["scalars"]
        return cls(baseline=float(baseline), roots=arrays["roots"], depth=int(depth),
                   **{name: arrays[name] for name in FIELDS})

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``[P(not), P(relevant)]`` per row, as scikit-learn's ``predict_proba``."""
        X = np.asarray(X, dtype=np.float64)
        node = np.tile(self.roots, len(X))
        cell = np.repeat(np.arange(len(X)) * X.shape[1], len(self.roots))  # each walk's row start in X.flat
        active = np.flatnonzero(~self.leaf[node])
        flat = X.ravel()
        for _ in range(self.depth):  # every walk still in an inner node moves down one level
            if not len(active):
                break
            at = node[active]
            x = flat[cell[active] + self.feature[at]]
            go_left = np.where(np.isnan(x), self.missing_left[at], x <= self.threshold[at])
            moved = np.where(go_left, self.left[at], self.right[at])
            node[active] = moved
            active = active[~self.leaf[moved]]
        raw = self.baseline + self.value[node].reshape(len(X), len(self.roots)).sum(axis=1)
        positive = np.exp(-np.logaddexp(0.0, -raw))  # the logistic function, without overflow
        return np.column_stack([1.0 - positive, positive])
