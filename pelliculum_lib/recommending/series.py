"""Series: films of one franchise, so that an answer holds at most two of them.

A film lover asking for films like *Gladiator* wants variety, not three *Lord of the Rings*
films. Two films are of one series when their titles share a franchise key — the title before
a colon or a dash ("The Lord of the Rings: …", "Mission: Impossible - …"), before "and the"
("Harry Potter and the …"), without a sequel number ("Toy Story 3", "Rocky II", "Part II",
"Vol. 2") — or when one key starts the other and the films share a lead actor ("The Matrix" /
"The Matrix Reloaded", "Rocky" / "Rocky Balboa", but not *Heat* / *Heat Wave*).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Sequence

from pelliculum_lib.data.titles import bare, normalise

#: At most this many films of one series in an answer (unless the query film belongs to it).
PER_SERIES = 2

_SEQUEL = re.compile(r"(?:\s+(?:part|vol|volume|chapter|chapitre|episode|partie))?"
                     r"\s+(?:\d{1,2}|i{1,3}|iv|v|vi{0,3}|ix|x|one|two|three|four)$")
_SPLIT = re.compile(r"\s*(?::|\s-\s|\s–\s)\s*")


@lru_cache(maxsize=65_536)
def series_key(title: str) -> str:
    """The franchise part of a title: "The Lord of the Rings: The Two Towers" -> "lord of the rings"."""
    head = _SPLIT.split(title.strip(), maxsplit=1)[0] or title
    key = bare(normalise(head))
    head, _, rest = key.partition(" and the ")
    if rest and " " in head:  # "harry potter and the …", "indiana jones and the …" (not "beauty and the beast")
        key = head
    while (shorter := _SEQUEL.sub("", key)) != key and shorter:
        key = shorter
    return key or normalise(title)


def same_series(title_a: str, title_b: str, cast_a: Sequence[str] = (), cast_b: Sequence[str] = ()) -> bool:
    """True when two films belong to one series (see the module docstring); ``cast_*``: lead actors."""
    a, b = series_key(title_a), series_key(title_b)
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return long.startswith(short + " ") and bool(set(cast_a) & set(cast_b))


def limit_series(films: Sequence[int], title: Callable[[int], str], leads: Callable[[int], Sequence[str]],
                 n: int, query: int | None = None, per_series: int = PER_SERIES) -> list[int]:
    """The first ``n`` of ``films`` with at most ``per_series`` of one series, except the query's own series;
    films held back come last when too few others are left (an actor's filmography may be one saga)."""
    kept: list[int] = []
    held: list[int] = []
    groups: list[tuple[int, int]] = []  # (first film of a series in the answer, how many so far)
    for film in films:
        if len(kept) >= n:
            break
        if query is not None and same_series(title(film), title(query), leads(film), leads(query)):
            kept.append(film)
            continue
        for i, (first, count) in enumerate(groups):
            if same_series(title(film), title(first), leads(film), leads(first)):
                if count >= per_series:
                    held.append(film)
                else:
                    groups[i] = (first, count + 1)
                    kept.append(film)
                break
        else:
            groups.append((film, 1))
            kept.append(film)
    return (kept + held)[:n]


def crowded(films: Sequence[int], title: Callable[[int], str], leads: Callable[[int], Sequence[str]],
            query: int | None = None, per_series: int = PER_SERIES) -> bool:
    """True when ``films`` hold more than ``per_series`` films of one series the query does not belong to."""
    return limit_series(films, title, leads, len(films), query, per_series) != list(films)
