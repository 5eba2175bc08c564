"""The hand-labelled chat messages: ``tests/data/chat_messages.jsonl`` (dev and kept-aside ``test`` splits, the
rules' evaluation), ``tests/data/reader_messages.jsonl`` (the phase-5 reader's first frozen set, scored once: spent)
and ``tests/data/reader_messages_2.jsonl`` (the second, committed before the reader's next round and scored only
when that round is done)."""

from __future__ import annotations

import json
from pathlib import Path

from pelliculum_lib.config import PROJECT_ROOT

MESSAGES = PROJECT_ROOT / "tests" / "data" / "chat_messages.jsonl"
READER_MESSAGES = PROJECT_ROOT / "tests" / "data" / "reader_messages.jsonl"
SECOND_READER_MESSAGES = PROJECT_ROOT / "tests" / "data" / "reader_messages_2.jsonl"


def load_messages(path: Path = MESSAGES, split: str | None = None) -> list[dict]:
    """The labelled messages of ``path`` (``split``: dev, test, frozen, frozen-2, or all)."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def held_out_messages() -> set[str]:
    """Every message that must never reach training: the kept-aside split and both frozen reader sets (folded)."""
    rows = load_messages(MESSAGES, "test") + load_messages(READER_MESSAGES) + load_messages(SECOND_READER_MESSAGES)
    return {" ".join(r["message"].split()).casefold() for r in rows}
