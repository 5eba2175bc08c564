"""Why a film is recommended: a short sentence built only from catalogue facts.

Never generated text: the reason names what the two films share (viewers, cast, genres,
keywords, decade) or which of the user's constraints the film meets, in the user's language.
"""

from __future__ import annotations

import numpy as np

from pelliculum_lib.conversation.facts import FilmFacts
from pelliculum_lib.conversation.lexicon import FEELINGS, GENRE_FR, french_mood, mood_query
from pelliculum_lib.conversation.request import Language, Request


def _genres(genres, language: Language) -> str:
    names = sorted(genres)
    return ", ".join(GENRE_FR.get(g, g) for g in names) if language == "fr" else ", ".join(names)


def _decade(year: float) -> int | None:
    return None if np.isnan(year) else int(year) // 10 * 10


def _linked(facts: FilmFacts, a: int, b: int) -> bool:
    links = facts.retriever.graph.links
    return bool(links[a, b] > 0 or links[b, a] > 0)


def shared_facts(facts: FilmFacts, reference: int, film: int, language: Language) -> list[str]:
    """What ``film`` shares with ``reference``, most telling first (phrases, no final stop)."""
    fr = language == "fr"
    a, b = facts.row.get(reference), facts.row.get(film)
    if a is None or b is None:
        return []
    reasons: list[str] = []
    cast = [name for name in facts.cast[b] if name in set(facts.cast[a])]
    if cast:
        reasons.append("aussi avec " + " et ".join(cast[:2]) if fr else "also with " + " and ".join(cast[:2]))
    if _linked(facts, a, b):
        que = "qu’" if facts.labels[a][:1].casefold() in "aeiouyhéèêàâîïôû" else "que "  # qu’Inception
        reasons.append(f"souvent aimé par les mêmes spectateurs {que}{facts.labels[a]}" if fr else
                       f"often liked by the same viewers as {facts.labels[a]}")
    genres = facts.genres[a] & facts.genres[b]
    if genres:
        reasons.append(("aussi " if fr else "also ") + _genres(genres, language))
    keywords = [k for k in facts.keywords[b] if k in set(facts.keywords[a])]
    if keywords:
        reasons.append(("thèmes communs : " if fr else "shared themes: ") + ", ".join(keywords[:3]))
    decade_a, decade_b = _decade(facts.year[a]), _decade(facts.year[b])
    if decade_a is not None and decade_a == decade_b:
        reasons.append(f"des années {decade_a % 100:02d}" if fr and decade_a < 2000 else
                       (f"des années {decade_a}" if fr else f"also from the {decade_a}s"))
    return reasons


def constraint_facts(facts: FilmFacts, film: int, request: Request, language: Language) -> list[str]:
    """The facts of ``film`` that answer the user's constraints and moods."""
    fr = language == "fr"
    b = facts.row.get(film)
    if b is None:
        return []
    parts: list[str] = []
    people = [p for p in request.people if p in facts.cast[b]]
    if people:
        parts.append(("avec " if fr else "with ") + (" et " if fr else " and ").join(people))
    if request.genres:
        parts.append(_genres(set(request.genres) & facts.genres[b], language))
    if request.year_min is not None or request.year_max is not None or request.relative:
        if not np.isnan(facts.year[b]):
            parts.append(f"{'sorti en' if fr else 'released in'} {int(facts.year[b])}")
    if request.min_rating is not None and not np.isnan(facts.rating[b]):
        parts.append(f"{'noté' if fr else 'rated'} {facts.rating[b]:.1f}/10 ({int(facts.votes[b])} votes)")
    if request.max_runtime is not None and not np.isnan(facts.runtime[b]):
        parts.append(f"{int(facts.runtime[b])} min")
    if request.mood:
        words = set(" ".join(mood_query(m) for m in request.mood).split())
        themes = [k for k in facts.keywords[b] if set(k.split()) & words]
        if themes:
            parts.append(("thèmes : " if fr else "themes: ") + ", ".join(themes[:3]))
        for mood in request.mood:  # a theme its own text speaks of ("sharks" in Jaws's overview)
            if mood not in FEELINGS and not themes and facts.speaks_of(film, mood):
                name = french_mood(mood) if fr else mood
                parts.append((f"son résumé parle de {name}" if fr else f"its story involves {name}"))
    if request.description and not any(p.startswith(("themes", "thèmes", "its story", "son résumé")) for p in parts):
        # found by meaning: what the film is about, in its own catalogue words
        about = [k for k in facts.keywords[b] if k not in UNTELLING_KEYWORDS][:3]
        if about:
            parts.append(("sujets : " if fr else "about: ") + ", ".join(about))
        elif facts.genres[b]:
            parts.append(_genres(facts.genres[b], language))
    return [p for p in parts if p]


#: TMDb keywords that say nothing of what a film is about.
UNTELLING_KEYWORDS = frozenset({"woman director", "independent film", "duringcreditsstinger", "aftercreditsstinger",
                                "based on novel", "sequel", "remake", "3d", "imax", "nudity", "female nudity"})


def reason(facts: FilmFacts, film: int, request: Request, language: Language, limit: int = 3) -> str:
    """One sentence: the constraints the film meets, then what it shares with the reference film."""
    parts = constraint_facts(facts, film, request, language)
    if request.film is not None:
        parts += shared_facts(facts, request.film, film, language)
    elif request.min_rating is None and (b := facts.row.get(film)) is not None and facts.votes[b] > 0:
        # ranked by quality: say how it is rated
        parts.append(f"{'noté' if language == 'fr' else 'rated'} {facts.rating[b]:.1f}/10 ({int(facts.votes[b])} votes)")
    if not parts:
        b = facts.row.get(film)
        genres = _genres(facts.genres[b], language) if b is not None and facts.genres[b] else ""
        parts = [genres] if genres else []
        if b is not None and facts.votes[b] > 0:
            parts.append(f"{'noté' if language == 'fr' else 'rated'} {facts.rating[b]:.1f}/10")
    if not parts:
        return ""
    sentence = "; ".join(dict.fromkeys(parts[:limit] if limit else parts))
    return sentence[:1].upper() + sentence[1:] + "."
