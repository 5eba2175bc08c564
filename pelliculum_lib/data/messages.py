"""The hand-labelled chat messages: ``tests/data/chat_messages.jsonl`` (dev and kept-aside ``test`` splits, the
rules' evaluation), ``tests/data/reader_messages.jsonl`` (the phase-5 reader's first frozen set, scored once: spent)
``tests/data/reader_messages_2.jsonl`` (the second, scored once: spent), ``tests/data/reader_messages_3.jsonl`` (the
third, scored once: spent), ``tests/data/reader_messages_4.jsonl`` (the fourth, scored once: spent) and
``tests/data/reader_messages_5.jsonl`` (the fifth, committed before the next round of rules, and scored only when it
is done).

A spent set is dev data since its one scoring: the rules were mended on it and the reader may train on it. The
kept-aside split and the unscored set never reach training (:func:`held_out_messages`)."""

from __future__ import annotations

import json
from pathlib import Path

from pelliculum_lib.config import PROJECT_ROOT

MESSAGES = PROJECT_ROOT / "tests" / "data" / "chat_messages.jsonl"
READER_MESSAGES = PROJECT_ROOT / "tests" / "data" / "reader_messages.jsonl"
SECOND_READER_MESSAGES = PROJECT_ROOT / "tests" / "data" / "reader_messages_2.jsonl"
THIRD_READER_MESSAGES = PROJECT_ROOT / "tests" / "data" / "reader_messages_3.jsonl"
FOURTH_READER_MESSAGES = PROJECT_ROOT / "tests" / "data" / "reader_messages_4.jsonl"
FIFTH_READER_MESSAGES = PROJECT_ROOT / "tests" / "data" / "reader_messages_5.jsonl"
SPENT_READER_SETS = (READER_MESSAGES, SECOND_READER_MESSAGES, THIRD_READER_MESSAGES, FOURTH_READER_MESSAGES)
UNSCORED_READER_SETS = (FIFTH_READER_MESSAGES,)
FROZEN_READER_SETS = SPENT_READER_SETS + UNSCORED_READER_SETS


def load_messages(path: Path = MESSAGES, split: str | None = None) -> list[dict]:
    """The labelled messages of ``path`` (``split``: dev, test, frozen, frozen-2 … frozen-5, or all)."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def held_out_messages() -> set[str]:
    """Every message that must never reach training (folded): the kept-aside split and the unscored frozen set."""
    rows = load_messages(MESSAGES, "test") + [row for path in UNSCORED_READER_SETS for row in load_messages(path)]
    return {" ".join(r["message"].split()).casefold() for r in rows}
