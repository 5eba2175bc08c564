"""Answering "Suggest movies similar to {title}" with the (fine-tuned) model."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .config import Settings, get_settings
from .constrained import TitleConstraint
from .modeling import END_OF_TURN
from .prompts import chat, recommendation_prompt

#: The seed's sampling settings (greedy is our default, for reproducibility).
SEED_SAMPLING = {"do_sample": True, "temperature": 0.2, "top_p": 0.45}


@dataclass
class Answer:
    text: str
    stopped: bool  # ended with the end-of-turn token before the token cap
    new_tokens: int
    tokens: list[int] = field(default_factory=list, repr=False)  # generated ids, end of turn excluded
    films: list[int] | None = None  # film ids, when decoding was constrained to catalogue titles


@torch.inference_mode()
def generate_answers(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, prompts: list[str],
                     settings: Settings | None = None, max_new_tokens: int = 96, batch_size: int = 8,
                     sampling: dict | None = None, constraint: TitleConstraint | None = None,
                     excluded: list[set[int]] | None = None, max_time: float | None = None) -> list[Answer]:
    """Answers for user prompts (batched, left-padded); greedy unless ``sampling`` is given.

    With a ``constraint``, decoding stays inside the catalogue-title trie and each answer
    carries its film ids; ``excluded`` gives, per prompt, films that must not come back
    (the query film). ``max_time`` (seconds) stops a batch that runs too long.
    """
    settings = settings or get_settings()
    tokenizer.padding_side = "left"
    eot = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    answers: list[Answer] = []
    for start in range(0, len(prompts), batch_size):
        texts = [tokenizer.apply_chat_template(chat(settings.system_prompt, p), tokenize=False,
                                               add_generation_prompt=True) for p in prompts[start:start + batch_size]]
        inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        extra = {"max_time": max_time} if max_time else {}
        if constraint is not None:
            rows = (excluded or [set()] * len(prompts))[start:start + batch_size]
            extra["prefix_allowed_tokens_fn"] = constraint.start(inputs["input_ids"].shape[1], list(rows))
        output = model.generate(**inputs, max_new_tokens=max_new_tokens, eos_token_id=eot,
                                 pad_token_id=tokenizer.pad_token_id, **(sampling or {"do_sample": False}), **extra)
        for row in output[:, inputs["input_ids"].shape[1]:]:
            ids = row.tolist()
            stopped = eot in ids
            ids = ids[:ids.index(eot)] if stopped else [i for i in ids if i != tokenizer.pad_token_id]
            films = constraint.films(ids + ([eot] if stopped else [])) if constraint is not None else None
            answers.append(Answer(tokenizer.decode(ids, skip_special_tokens=True).strip(), stopped, len(ids),
                                  ids, films))
    return answers


def suggest(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, titles: list[str],
            **kwargs) -> list[Answer]:
    """Answers to the seed's prompt for each title."""
    return generate_answers(model, tokenizer, [recommendation_prompt(t) for t in titles], **kwargs)
