"""Answering "Suggest movies similar to {title}" with the (fine-tuned) model."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.modeling.constrained import TitleConstraint
from pelliculum_lib.modeling.llamacpp import LlamaCppEngine
from pelliculum_lib.modeling.loading import END_OF_TURN
from pelliculum_lib.data.prompts import chat, recommendation_prompt

if TYPE_CHECKING:  # torch loads only for the transformers backend
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

#: The seed's sampling settings (greedy is our default, for reproducibility).
SEED_SAMPLING = {"do_sample": True, "temperature": 0.2, "top_p": 0.45}


@dataclass
class Answer:
    text: str
    stopped: bool  # ended with the end-of-turn token before the token cap
    new_tokens: int
    tokens: list[int] = field(default_factory=list, repr=False)  # generated ids, end of turn excluded
    films: list[int] | None = None  # film ids, when decoding was constrained to catalogue titles


def generate_answers(model: PreTrainedModel | LlamaCppEngine, tokenizer: PreTrainedTokenizerBase, prompts: list[str],
                     settings: Settings | None = None, max_new_tokens: int = 96, batch_size: int = 8,
                     sampling: dict | None = None, constraint: TitleConstraint | None = None,
                     excluded: list[set[int]] | None = None, max_time: float | None = None) -> list[Answer]:
    """Answers for user prompts (batched, left-padded); greedy unless ``sampling`` is given.

    With a ``constraint``, decoding stays inside the catalogue-title trie and each answer
    carries its film ids; ``excluded`` gives, per prompt, films that must not come back
    (the query film). ``max_time`` (seconds) stops a batch that runs too long. ``model`` may
    also be a :class:`~.llamacpp.LlamaCppEngine` (the fast backend; one prompt at a time).
    """
    settings = settings or get_settings()
    eot = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    texts = [prompt_text(tokenizer, p, settings) for p in prompts]
    if isinstance(model, LlamaCppEngine):
        return _engine_answers(model, tokenizer, texts, eot, max_new_tokens, sampling, constraint, excluded, max_time)
    import torch

    tokenizer.padding_side = "left"
    answers: list[Answer] = []
    for start in range(0, len(texts), batch_size):
        inputs = tokenizer(texts[start:start + batch_size], return_tensors="pt", padding=True,
                           add_special_tokens=False).to(model.device)
        extra = {"max_time": max_time} if max_time else {}
        if constraint is not None:
            rows = (excluded or [set()] * len(prompts))[start:start + batch_size]
            extra["prefix_allowed_tokens_fn"] = constraint.start(inputs["input_ids"].shape[1], list(rows))
        with torch.inference_mode():
            output = model.generate(**inputs, max_new_tokens=max_new_tokens, eos_token_id=eot,
                                    pad_token_id=tokenizer.pad_token_id, **(sampling or {"do_sample": False}), **extra)
        for row in output[:, inputs["input_ids"].shape[1]:]:
            ids = row.tolist()
            stopped = eot in ids
            ids = ids[:ids.index(eot)] if stopped else [i for i in ids if i != tokenizer.pad_token_id]
            answers.append(_answer(tokenizer, ids, stopped, eot, constraint))
    return answers


def prompt_text(tokenizer: PreTrainedTokenizerBase, prompt: str, settings: Settings) -> str:
    """The user prompt inside the chat template, ready for the assistant's answer."""
    return tokenizer.apply_chat_template(chat(settings.system_prompt, prompt), tokenize=False,
                                         add_generation_prompt=True)


def _answer(tokenizer: PreTrainedTokenizerBase, ids: list[int], stopped: bool, eot: int,
            constraint: TitleConstraint | None) -> Answer:
    films = constraint.films(ids + ([eot] if stopped else [])) if constraint is not None else None
    return Answer(tokenizer.decode(ids, skip_special_tokens=True).strip(), stopped, len(ids), ids, films)


def _engine_answers(engine: LlamaCppEngine, tokenizer: PreTrainedTokenizerBase, texts: list[str], eot: int,
                    max_new_tokens: int, sampling: dict | None, constraint: TitleConstraint | None,
                    excluded: list[set[int]] | None, max_time: float | None) -> list[Answer]:
    """The same answers through llama.cpp, one prompt at a time (same prompt tokens, same trie)."""
    answers = []
    for row, text in enumerate(texts):
        prompt = tokenizer(text, add_special_tokens=False).input_ids
        allowed = None
        if constraint is not None:
            bound = constraint.start(0, [(excluded or [set()] * len(texts))[row]])
            allowed = lambda generated, bound=bound: bound.allowed(0, generated)  # noqa: E731
        deadline = time.perf_counter() + max_time if max_time else None
        ids, stopped = engine.generate(prompt, max_new_tokens, eot, allowed, sampling, deadline)
        answers.append(_answer(tokenizer, ids, stopped, eot, constraint))
    return answers


def suggest(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, titles: list[str],
            **kwargs) -> list[Answer]:
    """Answers to the seed's prompt for each title."""
    return generate_answers(model, tokenizer, [recommendation_prompt(t) for t in titles], **kwargs)
