"""The fine-tuned SmolLM2 as a reader: one message (and the conversation's state) in, one reading line out.

The merged model runs in llama.cpp under a GBNF grammar (the conversation's reading format), so every line
parses; the system prompt is the same for every turn, so llama.cpp reuses its evaluated prefix.
A read that is busy (another turn holds the model), too slow (``seconds``) or fails returns ``None``: the
conversation then keeps the rules' reading.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from pelliculum_lib.modeling.loading import END_OF_TURN

log = logging.getLogger(__name__)


def chat_text(messages: list[dict]) -> str:
    """SmolLM2's chat template (ChatML), with the assistant's turn opened."""
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}{END_OF_TURN}\n" for m in messages)
    return text + "<|im_start|>assistant\n"


class ModelReader:
    """One llama.cpp context over the merged reader GGUF (calls are serialised by a lock)."""

    def __init__(self, path: str | Path, grammar: str, seconds: float = 2.0, threads: int | None = None,
                 n_ctx: int = 512, wait: float = 0.5):
        from llama_cpp import Llama, LlamaGrammar

        self.path, self.seconds, self.wait = Path(path), seconds, wait
        self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_batch=n_ctx, n_threads=threads or os.cpu_count() or 1,
                         n_threads_batch=threads or os.cpu_count() or 1, seed=0, verbose=False)
        self.grammar = LlamaGrammar.from_string(grammar, verbose=False)
        self.lock = threading.Lock()

    def read(self, messages: list[dict], max_tokens: int = 80) -> str | None:
        """The line the model writes for chat ``messages`` (system, user), or ``None``."""
        from llama_cpp import StoppingCriteriaList

        if not self.lock.acquire(timeout=self.wait):
            log.info("Reader busy: the rules' reading is kept")
            return None
        try:
            deadline = time.perf_counter() + self.seconds
            late = StoppingCriteriaList([lambda ids, logits: time.perf_counter() > deadline])
            out = self.llm.create_completion(chat_text(messages), max_tokens=max_tokens, temperature=0.0,
                                             grammar=self.grammar, stop=[END_OF_TURN, "\n"], stopping_criteria=late)
            choice = out["choices"][0]
            if time.perf_counter() > deadline or choice.get("finish_reason") == "length":
                log.info("Reader too slow or too long (%s): the rules' reading is kept", choice.get("finish_reason"))
                return None
            return choice["text"].strip()
        except Exception as error:  # noqa: BLE001 - a failed read is never an error for the user
            log.warning("Reader failed (%s): the rules' reading is kept", type(error).__name__)
            return None
        finally:
            self.lock.release()
