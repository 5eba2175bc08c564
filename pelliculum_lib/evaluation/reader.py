"""Phase 5 measured: the rules, the fine-tuned reader and their combination on the same labelled messages.

Each message is read once by the rules and once by the model (the state line is ``-``: every labelled message is
read alone, as the labels are written); the hybrid is the rules' reading where it explains the message, else the
rules' completed by the model's (:func:`~pelliculum_lib.conversation.reading.merged`). Per slot and per whole
message, with the paired bootstrap interval of the difference to the rules.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from pelliculum_lib.conversation.reading import explained, merged
from pelliculum_lib.conversation.request import Request
from pelliculum_lib.evaluation.ablation import bootstrap
from pelliculum_lib.evaluation.conversation import slot_table


def readings(dialogue, reader, messages: list[dict], progress: bool = True) -> dict[str, list]:
    """Per message: the rules' request, the model's (``None`` when it did not answer), the hybrid's, whether the
    hybrid asked the model, and the model's seconds."""
    out: dict[str, list] = {"rules": [], "model": [], "hybrid": [], "asked": [], "seconds": []}
    for item in tqdm(messages, desc="reading", disable=not progress):
        understood = dialogue.parser.parse(item["message"])
        started = time.perf_counter()
        read = reader(item["message"], None) if reader is not None else None
        out["seconds"].append(time.perf_counter() - started)
        rules = understood.request
        model = read if read is not None else Request()
        if read is not None and read.film is None and not read.people:
            model.description = rules.description
        ask = not explained(understood, item["message"])
        out["rules"].append(rules)
        out["model"].append(model)
        out["hybrid"].append(merged(rules, read, item["message"]) if ask and read is not None else rules)
        out["asked"].append(ask)
    return out


def compare(read: dict[str, list], messages: list[dict], labels: dict[int, str], resamples: int = 2000,
            seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
    """(whole-message accuracy per reader and language with intervals and the paired difference to the rules,
    per-slot accuracy where used, per-message rows of each reader)."""
    rows, slots, frames = [], {}, {}
    for name in ("rules", "model", "hybrid"):
        table, frame = slot_table(None, messages, labels, read[name])
        frames[name] = frame
        slots[name] = table.set_index("slot")["accuracy where used"]
    base = frames["rules"]["all_ok"].to_numpy(float)
    for name, frame in frames.items():
        for language in ("all", "en", "fr"):
            keep = np.ones(len(frame), bool) if language == "all" else (frame["language"] == language).to_numpy()
            if not keep.any():
                continue
            ok = frame["all_ok"].to_numpy(float)[keep]
            row = {"reader": name, "language": language, "messages": int(keep.sum())}
            row["every slot right"], row["lo"], row["hi"] = bootstrap(ok, resamples, seed)
            row["Δ vs rules"], row["Δ lo"], row["Δ hi"] = bootstrap(ok - base[keep], resamples, seed)
            rows.append(row)
    per_slot = pd.DataFrame(slots)
    per_slot["messages"] = slot_table(None, messages, labels, read["rules"])[0].set_index("slot")["messages"]
    return pd.DataFrame(rows), per_slot[per_slot["messages"] > 0], frames
