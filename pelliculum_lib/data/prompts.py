"""The prompts, exactly as the seed wrote them, and chat-message builders."""

from __future__ import annotations

import pandas as pd

from pelliculum_lib.data.values import listed, missing

#: The seed's final prompt (phases 2 and 3).
PROMPT_TEMPLATE = "Suggest movies similar to {title}\nmovie recommendations:"
#: The seed's phase-1 prompt: every piece of metadata at once (translated from French).
METADATA_TEMPLATE = (
    "Title: {title}\nGenres: {genres}\nActors: {credits}\nKeywords: {keywords}\n"
    "Budget: {budget}\nRating: {rating}\nOverview: {overview}\n"
    "Suggest movies similar to this one.\nmovie recommendations:"
)
#: What a phase-2b answer says for a film without recommendations (the seed's collapse).
NONE_ANSWER = "None"
TITLE_SEPARATOR = ", "


def chat(system: str, user: str, answer: str | None = None) -> list[dict[str, str]]:
    """Messages in the chat format that the tokenizer's template renders."""
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    return messages


def recommendation_prompt(title: str) -> str:
    return PROMPT_TEMPLATE.format(title=title)


def _text(value: object, default: str = "unknown", joined: bool = False) -> str:
    """A metadata value as text; ``joined`` turns wykonos' ``a-b-c`` lists into ``a, b, c``."""
    if missing(value):
        return default
    return listed(value) if joined else str(value)


def metadata_prompt(movie: pd.Series | dict) -> str:
    """The phase-1 prompt for one catalogue row."""
    budget = movie.get("budget")
    rating = movie.get("vote_average")
    return METADATA_TEMPLATE.format(
        title=movie["label"],
        genres=_text(movie.get("genres"), joined=True),
        credits=_text(movie.get("credits"), joined=True),
        keywords=_text(movie.get("keywords"), joined=True),
        budget=_text(None if missing(budget) or budget == 0 else f"${budget:,.0f}"),
        rating=_text(None if missing(rating) else f"{rating}/10"),
        overview=_text(movie.get("overview")),
    )


def split_titles(answer: str, known: set[str] | frozenset[str] | None = None) -> list[str]:
    """Titles from a comma-separated answer, in order, empty pieces dropped.

    Titles may contain commas ("The Good, the Bad and the Ugly"): with ``known`` labels,
    the longest run of consecutive pieces that forms a known label is taken as one title.
    """
    pieces = [piece.strip() for piece in answer.split(TITLE_SEPARATOR)]
    titles, i = [], 0
    while i < len(pieces):
        take = 1
        if known is not None:
            for j in range(min(len(pieces), i + 6), i + 1, -1):
                if ", ".join(pieces[i:j]) in known:
                    take = j - i
                    break
        title = ", ".join(pieces[i:i + take]).strip()
        if title:
            titles.append(title)
        i += take
    return titles
