"""Phase 5's compact reading of a message: one line the fine-tuned SmolLM2 writes, a grammar that makes every
output parse, and its grounding in the catalogue.

A reading is ``key=value`` fields joined by ``;`` in a fixed order, lists joined by ``|``::

    a=refine;f=heat|ronin;p=pacino;g=Crime;y=1990-1999;r=7;t=120;l=fr;m=dark;d=lighter;n=2

``a`` action, ``f`` liked films and ``p`` / ``xp`` people (in and out) *as the message writes them*, ``g`` /
``xg`` genres (in and out, TMDb names), ``y`` years (``1990-1999``, ``2006-``, ``-1969``), ``r`` minimum rating,
``t`` / ``tm`` maximum / minimum runtime (minutes), ``l`` original language, ``m`` moods and themes, ``rel``
older / newer / shorter / longer, ``d`` directional critiques, ``n`` a position (``-1``: the last). An empty
reading is ``-``.

:func:`grammar` is the GBNF grammar of that line (llama.cpp); :func:`parse` reads it back (never raises: a line
that does not parse is an empty reading); :func:`ground` turns the surface forms into catalogue ids and names —
through the title resolver (fuzzy) and the cast index (surnames too) — and drops what the message does not
contain, so a reading never adds a film or a person the message did not name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pelliculum_lib.conversation.critiques import DIRECTIONS
from pelliculum_lib.conversation import lexicon
from pelliculum_lib.conversation.lexicon import GENRE_FR, fold
from pelliculum_lib.conversation.request import Request
from pelliculum_lib.conversation.understanding import PARTICLES, surname_key

READER_PROMPT = "Read the film request into one line."  # short: every turn and training example carries it
ACTIONS = ("new", "more", "refine", "why", "pivot", "reject")
GENRES = tuple(sorted(g for g in GENRE_FR if g not in ("Foreign", "TV Movie")))
LANGUAGES = tuple(sorted(lexicon.LANGUAGES))
MOODS = tuple(sorted(lexicon.MOODS))
RELATIVE = ("older", "newer", "shorter", "longer")
FIELDS = ("a", "f", "p", "xp", "g", "xg", "y", "r", "t", "tm", "l", "m", "rel", "d", "n")
MAX_SURFACE = 60


@dataclass
class Reading:
    """A parsed line: the films as the message writes them, and the rest as a :class:`Request` whose people are
    still as written (:func:`ground` resolves both)."""

    films: list[str] = field(default_factory=list)
    request: Request = field(default_factory=Request)


def prompt(state: str, message: str) -> list[dict]:
    """The chat messages the reader is given (system, user): the state line and the message."""
    return [{"role": "system", "content": READER_PROMPT},
            {"role": "user", "content": f"state: {state}\nmessage: {message}"}]


def _alternatives(values) -> str:
    return " | ".join(f'"{v}"' for v in values)


def grammar() -> str:
    """The GBNF grammar of a reading line (every sampled line parses)."""
    lists = {"g": GENRES, "xg": GENRES, "m": MOODS, "d": tuple(DIRECTIONS)}
    rules = [
        'root ::= "-" | fields',
        'fields ::= action (";" field)*',
        f"action ::= \"a=\" ({_alternatives(ACTIONS)})",
        'field ::= surface-field | list-field | years | number-field | lang | rel | pos',
        'surface-field ::= ("f=" | "p=" | "xp=") surface ("|" surface)*',
        "surface ::= [^;|\\n] [^;|\\n]{0,59}",
        'list-field ::= ' + " | ".join(f'"{k}=" {k}-value ("|" {k}-value)*' for k in lists),
        *(f"{k}-value ::= {_alternatives(v)}" for k, v in lists.items()),
        'years ::= "y=" (year "-" year? | "-" year)',
        'year ::= [12] [0-9] [0-9] [0-9]',
        'number-field ::= ("r=" [0-9] ("." [0-9])?) | (("t=" | "tm=") [0-9] [0-9] [0-9]?)',
        f"lang ::= \"l=\" ({_alternatives(LANGUAGES)})",
        f"rel ::= \"rel=\" ({_alternatives(RELATIVE)})",
        'pos ::= "n=" ("-1" | [1-9] [0-9]?)',
    ]
    return "\n".join(rules) + "\n"


def _list(value: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    items = [v.strip() for v in value.split("|") if v.strip()]
    return [v for v in items if allowed is None or v in allowed]


def parse(line: str) -> Reading:
    """A reading line back into a :class:`Reading` (unknown or malformed fields are skipped)."""
    reading = Reading()
    request = reading.request
    line = (line or "").strip().splitlines()[0] if (line or "").strip() else ""
    if not line or line == "-":
        return reading
    lists = {"p": ("people", None), "xp": ("without_people", None), "g": ("genres", GENRES),
             "xg": ("without_genres", GENRES), "m": ("mood", MOODS), "d": ("directions", tuple(DIRECTIONS))}
    numbers = {"r": ("min_rating", float), "t": ("max_runtime", int), "tm": ("min_runtime", int),
               "n": ("position", int)}
    for part in line.split(";"):
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip()
        try:
            if not value:
                continue
            if key == "a" and value in ACTIONS:
                request.action = value
            elif key == "f":
                reading.films = [v[:MAX_SURFACE] for v in _list(value)]
            elif key in lists:
                name, allowed = lists[key]
                setattr(request, name, [v[:MAX_SURFACE] for v in _list(value, allowed)])
            elif key in numbers:
                name, kind = numbers[key]
                setattr(request, name, kind(value))
            elif key == "y":
                low, _, high = value.partition("-")
                request.year_min, request.year_max = (int(low) if low else None), (int(high) if high else None)
            elif key == "l" and value in LANGUAGES:
                request.original_language = value
            elif key == "rel" and value in RELATIVE:
                request.relative = value
        except ValueError:
            continue
    return reading


def _join(values) -> str:
    clean = (re.sub(r"\s+", " ", str(v)).strip().replace(";", ",").replace("|", "/")[:MAX_SURFACE] for v in values)
    return "|".join(v for v in clean if v)


def write(slots: dict) -> str:
    """A reading line from labelled slots (``film`` and ``liked`` as text, the rest as in :class:`Request`)."""
    parts = [f"a={slots.get('action', 'new')}"]
    films = ([slots["film"]] if slots.get("film") else []) + list(slots.get("liked", []))
    values = {"f": _join(films), "p": _join(slots.get("people", [])), "xp": _join(slots.get("without_people", [])),
              "g": _join(slots.get("genres", [])), "xg": _join(slots.get("without_genres", []))}
    low, high = slots.get("year_min"), slots.get("year_max")
    values["y"] = "" if low is None and high is None else f"{low or ''}-{high or ''}"
    rating = slots.get("min_rating")
    values["r"] = "" if rating is None else f"{float(rating):g}"
    values["t"] = "" if slots.get("max_runtime") is None else str(int(slots["max_runtime"]))
    values["tm"] = "" if slots.get("min_runtime") is None else str(int(slots["min_runtime"]))
    values["l"] = slots.get("original_language") or ""
    values["m"] = _join(slots.get("mood", []))
    values["rel"] = slots.get("relative") or ""
    values["d"] = _join(slots.get("directions", []))
    values["n"] = "" if slots.get("position") is None else str(int(slots["position"]))
    parts += [f"{key}={values[key]}" for key in FIELDS[1:] if values[key]]
    line = ";".join(parts)
    return "-" if line == "a=new" else line


def state_line(request: Request | None, label) -> str:
    """The conversation's current request, written as a reading (``-`` when there is none): the context."""
    if request is None:
        return "-"
    slots = {k: getattr(request, k) for k in ("people", "without_people", "genres", "without_genres", "year_min",
                                               "year_max", "min_rating", "max_runtime", "min_runtime",
                                               "original_language", "mood")}
    slots["film"] = label(request.film) if request.film is not None else None
    slots["liked"] = [label(f) for f in request.liked]
    slots["directions"] = list(request.leanings)
    return write(slots)


def _mentions(message: str, surface: str, threshold: float = 80.0) -> bool:
    """True when ``surface`` is (nearly) written in ``message``: a reading never adds what was not said."""
    from rapidfuzz import fuzz

    text, words = fold(message), fold(surface).strip()
    if not words:
        return False
    return words in text or fuzz.partial_ratio(words, text) >= threshold


#: Numbers a reading may carry, and the range each must fall in.
RANGES = {"year_min": (1870, 2030), "year_max": (1870, 2030), "min_rating": (0.1, 10.0), "max_runtime": (30, 400),
          "min_runtime": (30, 400), "position": (-1, 50)}


def ground(reading: Reading, message: str, resolve_title, resolve_person) -> Request:
    """The reading as a :class:`Request` of catalogue values: films through ``resolve_title`` (text -> film id or
    None), people through ``resolve_person`` (text -> cast name or None), numbers range-checked; a film or person
    the message does not contain (nearly) word for word is dropped."""
    read = reading.request
    request = Request(**{f: getattr(read, f) for f in read.__dataclass_fields__})
    films = [f for s in reading.films if _mentions(message, s) and (f := resolve_title(s)) is not None]
    films = list(dict.fromkeys(films))
    request.film, request.liked = (films[0] if films else None), films[1:]
    for name in ("people", "without_people"):
        names = [resolve_person(s) for s in getattr(read, name) if _mentions(message, s)]
        setattr(request, name, [n for n in dict.fromkeys(names) if n is not None])
    request.genres = [g for g in dict.fromkeys(read.genres) if g not in read.without_genres]
    request.without_genres = list(dict.fromkeys(read.without_genres))
    request.mood, request.directions = list(dict.fromkeys(read.mood)), list(dict.fromkeys(read.directions))
    for name, (low, high) in RANGES.items():
        value = getattr(request, name)
        if value is not None and not (low <= value <= high) or (name == "position" and value == 0):
            setattr(request, name, None)
    if request.year_min and request.year_max and request.year_min > request.year_max:
        request.year_min = request.year_max = None
    return request


# --------------------------------------------------------------------------- the model in the conversation


def person_resolver(people, surnames: bool = True):
    """Text -> a cast name the catalogue knows: exact, a surname alone (:meth:`PeopleIndex.surname`: the
    best-known person of that surname when unambiguous), then fuzzy; ``None`` otherwise."""
    def resolve(text: str) -> str | None:
        words = re.findall(r"[\w'’-]+", fold(text))
        if not words:
            return None
        found = people.exact(" ".join(words))
        if found is None and surnames and (len(words) == 1 or len(words) == 2 and words[0] in PARTICLES):
            found = people.surname(surname_key(words), min_films=1)
        return found or people.fuzzy(" ".join(words), 88.0)
    return resolve


def title_resolver(resolver):
    """Text -> a film id: the title resolver's exact or fuzzy match; ``None`` when unknown."""
    def resolve(text: str) -> int | None:
        found = resolver.resolve(text)
        return found.film_id if found.found else None
    return resolve


class Reader:
    """The phase-5 model reading one message into a grounded :class:`Request` (``None`` when it cannot)."""

    def __init__(self, model, resolver, people, label):
        """``model``: a :class:`~pelliculum_lib.modeling.reader.ModelReader`; ``label``: film id -> label."""
        self.model, self.resolve_title, self.resolve_person = model, title_resolver(resolver), person_resolver(people)
        self.label = label

    def __call__(self, message: str, state: Request | None) -> Request | None:
        line = self.model.read(prompt(state_line(state, self.label), message))
        if line is None:
            return None
        return ground(parse(line), message, self.resolve_title, self.resolve_person)


def merged(rules: Request, model: Request, message: str = "") -> Request:
    """The rules' reading completed by the model's where the rules are weakest and the model is grounded: a film,
    liked films and people the rules did not find (each written in the message, see :func:`ground`), and numbers
    (years, rating, runtimes) the rules did not read when the message has digits or number words. Genres, moods,
    languages and critiques stay the rules'; the rules' description is dropped when the model found a film or a
    person in it."""
    out = Request(**{f: getattr(rules, f) for f in rules.__dataclass_fields__})
    out.people, out.without_people = list(rules.people), list(rules.without_people)
    out.genres, out.without_genres, out.mood = list(rules.genres), list(rules.without_genres), list(rules.mood)
    out.liked, out.directions = list(rules.liked), list(rules.directions)
    if out.film is None and model.film is not None:
        out.film, out.liked = model.film, [f for f in model.liked if f != model.film] + out.liked
        out.description = None
    for name in ("people", "without_people"):
        if not getattr(out, name) and getattr(model, name):
            setattr(out, name, list(getattr(model, name)))
            out.description = None
    if re.search(r"\d|\b(?:hour|heure|demi|half|an hour)\b", fold(message)) or not message:
        for name in ("year_min", "year_max", "min_rating", "max_runtime", "min_runtime"):
            if getattr(out, name) is None and getattr(model, name) is not None:
                setattr(out, name, getattr(model, name))
    return out


def explained(understood, message: str) -> bool:
    """True when the rules account for the message: no title they could not find, and something understood
    unless the message is small talk (a word or two)."""
    request = understood.request
    if request.action in ("more", "why", "pivot", "reject"):
        return True  # a follow-up the rules understood: its words are no title
    if understood.attempted or understood.suggestions:
        return False
    if request.description and any(word[:1].isupper() for word in request.description.split()[1:]):
        return False  # capitalised words left in a description: a name or a title the rules missed
    words = re.findall(r"\w+", message)
    empty = request.action == "new" and request.film is None and not request.has_constraints and not request.directions \
        and request.relative is None
    return not (empty and len(words) >= 3)
