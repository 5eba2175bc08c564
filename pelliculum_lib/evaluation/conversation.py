"""How well the conversation layer understands and answers: per-slot parser accuracy on the
hand-labelled messages of ``tests/data/chat_messages.jsonl``, and whether answers keep every
hard constraint."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pandas as pd

from pelliculum_lib.config import PROJECT_ROOT
from pelliculum_lib.conversation import Dialogue, Parser, Request
from pelliculum_lib.data.messages import MESSAGES, load_messages  # noqa: F401 - re-exported for the notebooks

SLOTS = [f.name for f in fields(Request) if f.name not in Request.UNLABELLED]


def _normal(slot: str, value):
    if isinstance(value, list):
        return sorted(value)
    if isinstance(value, float) and value.is_integer():
        return float(value)
    return value


def parsed_slots(parser: Parser, message: str, labels: dict[int, str]) -> dict:
    """The parser's slots for one message, written like the labels (film as its catalogue label)."""
    return request_slots(parser.parse(message).request, labels)


def request_slots(request: Request, labels: dict[int, str]) -> dict:
    """A request's slots, written like the labels (films as their catalogue labels)."""
    values = {slot: getattr(request, slot) for slot in SLOTS}
    values["film"] = labels.get(values["film"]) if values["film"] is not None else None
    values["liked"] = [labels.get(f) for f in values["liked"]]
    return values


def slot_table(parser: Parser | None, messages: list[dict], labels: dict[int, str],
               requests: list[Request] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-slot accuracy (all messages, and only where the slot was expected or found) and per-message rows:
    of the ``parser``'s readings, or of ``requests`` already read (one per message, e.g. the phase-5 model's)."""
    default = {slot: getattr(Request(), slot) for slot in SLOTS}
    rows = []
    for i, item in enumerate(messages):
        got = request_slots(requests[i], labels) if requests is not None else parsed_slots(parser, item["message"], labels)
        expected = {**default, **item["expect"]}
        row = {"id": item["id"], "language": item["language"], "message": item["message"], "errors": []}
        for slot in SLOTS:
            want, have = _normal(slot, expected[slot]), _normal(slot, got[slot])
            row[f"{slot}_ok"] = want == have
            row[f"{slot}_used"] = want != _normal(slot, default[slot]) or have != _normal(slot, default[slot])
            if want != have:
                row["errors"].append(f"{slot}: expected {want!r}, got {have!r}")
        row["all_ok"] = all(row[f"{s}_ok"] for s in SLOTS)
        rows.append(row)
    frame = pd.DataFrame(rows)
    table = []
    for slot in SLOTS:
        used = frame[frame[f"{slot}_used"]]
        table.append({"slot": slot, "messages": int(used.shape[0]), "accuracy": frame[f"{slot}_ok"].mean(),
                      "accuracy where used": used[f"{slot}_ok"].mean() if len(used) else float("nan")})
    table.append({"slot": "every slot right", "messages": len(frame), "accuracy": frame["all_ok"].mean(),
                  "accuracy where used": frame["all_ok"].mean()})
    return pd.DataFrame(table), frame


def constraint_check(dialogue: Dialogue, messages: list[dict]) -> pd.DataFrame:
    """Each new request with hard constraints answered by ``dialogue``: did every film satisfy all of them,
    or did the reply say that fewer match?"""
    rows = []
    for item in messages:
        reply = dialogue.reply(item["message"])
        request = dialogue.store.open(reply.conversation_id).request
        if request is None or not request.hard:
            continue
        kept = all(dialogue.facts.satisfies(film, request) for film, _ in reply.films)
        rows.append({"id": item["id"], "language": item["language"], "message": item["message"],
                     "films": len(reply.films), "status": reply.status, "all_satisfied": kept,
                     "said_fewer": reply.status == "fewer", "reply_language": reply.language,
                     "ok": kept and (len(reply.films) == dialogue.n or reply.status == "fewer")})
    return pd.DataFrame(rows)


def more_repeats(dialogue: Dialogue, openers: list[str], turns: int = 5) -> pd.DataFrame:
    """Each opener followed by ``turns`` "more": films shown, and how many were shown twice."""
    rows = []
    for opener in openers:
        reply = dialogue.reply(opener)
        shown = [f for f, _ in reply.films]
        for _ in range(turns):
            reply = dialogue.reply("encore" if reply.language == "fr" else "more", reply.conversation_id)
            shown += [f for f, _ in reply.films]
        rows.append({"opener": opener, "films shown": len(shown), "repeats": len(shown) - len(set(shown))})
    return pd.DataFrame(rows)


def transcript(dialogue: Dialogue, messages: list[str]) -> str:
    """One conversation as Markdown: each message, the reply, the chips and the films with their reasons."""
    lines, conversation = [], None
    for message in messages:
        reply = dialogue.reply(message, conversation)
        conversation = reply.conversation_id
        chips = " ".join(f"`{c.label}`" for c in reply.constraints)
        lines += [f"**> {message}**", "", f"{reply.text}" + (f"  \n{chips}" if chips else ""), ""]
        for film, why in reply.films:
            row = dialogue.facts.row[film]
            year = dialogue.facts.year[row]
            label = dialogue.facts.labels[row]
            name = label + ("" if year != year or f"({int(year)})" in label else f" ({int(year)})")
            lines.append(f"- {name} — {why}")
        lines.append("")
    return "\n".join(lines)
