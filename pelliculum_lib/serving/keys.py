"""What an answer depends on, as a short key: the model and its settings, and the catalogue.

The answer caches and the precomputed answer store are keyed by :func:`answer_key`, so an answer of another model,
setting or catalogue is never served.
"""

from __future__ import annotations

import hashlib

from pelliculum_lib.config import Settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.modeling.loading import active_adapter, adapter_fingerprint
from pelliculum_lib.recommending.retrieval import RETRIEVER_VERSION
from pelliculum_lib.serving.store import fingerprint as catalogue_fingerprint


def model_fingerprint(settings: Settings) -> str:
    """Changes when the adapter, base model, recommender or generation settings change (the cache key's root)."""
    adapter = active_adapter(settings)
    digest = hashlib.sha256(("none" if adapter is None else adapter_fingerprint(settings, adapter)).encode())
    if settings.recommender == "phase3":
        digest.update(f"{settings.candidates}|{settings.max_new_tokens}".encode())
    else:
        digest.update(f"{settings.recommender_mode}|{settings.fit_split}|{settings.ranker_candidates}|"
                      f"{settings.ranker_weight}|{RETRIEVER_VERSION}".encode())
    digest.update(f"{settings.recommender}|{settings.base_model}|{settings.max_titles}|{settings.system_prompt}|"
                  f"{settings.backend}|{settings.inference_dtype}|{settings.gguf_type}".encode())
    return digest.hexdigest()[:12]


def answer_key(settings: Settings, catalogue: Catalogue) -> str:
    """What an answer depends on: the model and its settings, and the catalogue (the answer caches' key)."""
    return f"{model_fingerprint(settings)}-{catalogue_fingerprint(catalogue)}"
