"""Natural requests in English and French: find the film in the message, answer in its language.

"I loved The Matrix, what should I watch next?", "Propose-moi des films comme Inception",
typos included. The film is looked for in quotes first, then after cue phrases ("like",
"similar to", "comme", "j'ai adoré"...), then anywhere in the message; each candidate span is
resolved against the catalogue (exact, then fuzzy) and the best one wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .titles import Resolution, TitleResolver, normalise

Language = Literal["en", "fr"]

_QUOTED = re.compile(r"[\"“«‘']\s*([^\"”»’]{1,120}?)\s*[\"”»’]")
_CUES = re.compile(
    r"(?:similar to|similar with|films? like|movies? like|something like|anything like|like|such as|as good as|"
    r"fans? of|after|i (?:have )?(?:loved|liked|enjoyed|watched|saw|adored)|i love|i like|i enjoyed|"
    r"comme|similaires? (?:à|a)|semblables? (?:à|a)|proches? de|du genre(?: de)?|dans le style de|"
    r"dans la veine de|à la|j['’ ]?ai (?:adoré|adore|aimé|aime|vu|kiffé)|j['’]adore|j['’]aime|après)\s+",
    re.IGNORECASE)
_FRENCH = {"le", "la", "les", "des", "du", "de", "un", "une", "comme", "moi", "propose", "proposes", "propose-moi",
           "conseille", "conseille-moi", "recommande", "recommande-moi", "j'ai", "j’ai", "je", "tu", "vous", "quoi",
           "quel", "quels", "quelle", "regarder", "voir", "films", "similaires", "semblables", "aimé", "adoré",
           "merci", "pour", "avec", "et", "est", "suis", "ai", "des", "genre", "style", "après", "donne", "donne-moi",
           "peux", "pourrais", "cherche", "envie", "aime", "adore", "sympa", "bons", "bon"}
_ENGLISH = {"the", "a", "an", "i", "me", "you", "what", "should", "watch", "like", "similar", "to", "movies",
            "movie", "films", "suggest", "recommend", "loved", "liked", "enjoyed", "next", "some", "please", "with",
            "and", "is", "are", "can", "could", "give", "show", "find", "something", "want", "good"}
_STOP = _FRENCH | _ENGLISH | {"film", "movie", "films", "movies", "next", "more", "other", "others"}
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def detect_language(message: str) -> Language:
    """``"fr"`` when French cue words outnumber English ones, else ``"en"``."""
    words = [w.casefold() for w in _WORD.findall(message)]
    french = sum(w in _FRENCH for w in words) + sum(w.startswith(("j'", "j’", "qu'", "qu’")) for w in words)
    english = sum(w in _ENGLISH for w in words)
    return "fr" if french > english else "en"


@dataclass
class Found:
    resolution: Resolution
    span: str
    language: Language
    candidates: list[int] = field(default_factory=list)  # suggestions when nothing was found
    mentioned: bool = True  # False when the message names no film at all ("what should I watch?")


def _spans(text: str, max_words: int = 10) -> list[str]:
    """Word prefixes of ``text``, longest first ("The Matrix what" ... "The")."""
    words = text.split()
    return [" ".join(words[:n]).strip(" ,.;:!?") for n in range(min(len(words), max_words), 0, -1)]


def _meaningful(span: str) -> bool:
    words = normalise(span).split()
    return bool(words) and not all(w in _STOP for w in words)


def find_film(message: str, resolver: TitleResolver) -> Found:
    """The catalogue film a message talks about (or suggestions when there is none)."""
    language = detect_language(message)
    groups: list[list[str]] = [[m.group(1)] for m in _QUOTED.finditer(message)]
    for cue in _CUES.finditer(message):
        groups.append(_spans(message[cue.end():]))
    words = message.split()
    groups.append([" ".join(words[i:j]) for i in range(len(words)) for j in range(min(len(words), i + 10), i, -1)])
    best: tuple[tuple, Resolution, str] | None = None
    suggestions: list[int] = []
    for priority, spans in enumerate(groups):
        for span in spans:
            span = span.strip(" ,.;:!?¿¡\"'«»")
            if not _meaningful(span):
                continue
            exact = resolver.resolve_exact(span)
            if exact is not None:
                key = (1, -priority, len(span), span[:1].isupper())
                if best is None or key > best[0]:
                    best = (key, exact, span)
        if best is not None and best[0][1] == -priority and priority < len(groups) - 1:
            break  # a quoted or cued title beats matches anywhere else
    if best is None:
        # No exact title: fuzzy over the cued spans (or the whole message), the best score wins.
        fuzzy_spans = [s for spans in groups[:-1] for s in spans] or [message]
        for span in fuzzy_spans:
            span = span.strip(" ,.;:!?¿¡\"'«»")
            if not _meaningful(span):
                continue
            result = resolver.resolve(span)
            if result.found and (best is None or result.score > best[1].score):
                best = ((0, 0, len(span), True), result, span)
            suggestions += [s for s in result.suggestions if s not in suggestions]
    if best is None:
        # A title-like attempt (quoted, after a cue, or a short message) gets suggestions; small talk does not.
        attempted = len(groups) > 1 or len(message.split()) <= 4
        return Found(Resolution(message, "unknown", score=0.0), "", language,
                     suggestions[:5] if attempted else [], mentioned=attempted)
    return Found(best[1], best[2], language)


REPLIES = {
    "en": {
        "ok": "Since you liked {film}, here are {n} films you might enjoy:",
        "fuzzy": "I understood “{film}”. Here are {n} films you might enjoy:",
        "alternatives": "There are other films with this title: {others}. Add the year to choose one.",
        "unknown": "I could not find that film in my catalogue. Did you mean one of these: {suggestions}?",
        "unknown_alone": "I could not find that film in my catalogue. Could you check the title?",
        "nothing": "Which film did you like? Tell me a title, e.g. “Suggest movies similar to Inception”.",
        "empty": "I found {film} but have no recommendations for it yet.",
    },
    "fr": {
        "ok": "Puisque vous avez aimé {film}, voici {n} films qui pourraient vous plaire :",
        "fuzzy": "J’ai compris « {film} ». Voici {n} films qui pourraient vous plaire :",
        "alternatives": "D’autres films portent ce titre : {others}. Précisez l’année pour en choisir un.",
        "unknown": "Je ne trouve pas ce film dans mon catalogue. Vouliez-vous dire : {suggestions} ?",
        "unknown_alone": "Je ne trouve pas ce film dans mon catalogue. Pouvez-vous vérifier le titre ?",
        "nothing": "Quel film avez-vous aimé ? Donnez-moi un titre, par exemple « Des films comme Inception ».",
        "empty": "J’ai trouvé {film}, mais je n’ai pas encore de recommandations pour lui.",
    },
}


def reply(language: Language, kind: str, **values) -> str:
    return REPLIES[language][kind].format(**values)
