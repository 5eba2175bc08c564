"""What a user asked for: a reference film and hard constraints, as one value object.

A :class:`Request` is what the parser produces from one message and what a conversation
keeps between turns; ``refined`` merges a follow-up into it, ``without`` drops one
constraint (a chip removed on the page), ``constraints`` lists what was understood.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Literal

from pelliculum_lib.conversation.critiques import OPPOSITE, label as direction_label
from pelliculum_lib.conversation.lexicon import GENRE_FR, LANGUAGES, french_mood

Action = Literal["new", "more", "refine", "why", "pivot", "reject"]
Language = Literal["en", "fr"]


@dataclass(frozen=True)
class Constraint:
    """One understood constraint, as the page shows it (a chip)."""

    key: str  # "genres:Horror", stable: the page sends it back to remove the constraint
    slot: str
    label: str


@dataclass
class Request:
    """The slots of one message (or of a whole conversation's current request)."""

    action: Action = "new"
    film: int | None = None  # reference film id
    liked: list[int] = field(default_factory=list)  # other liked films, combined with the reference film
    people: list[str] = field(default_factory=list)
    without_people: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    without_genres: list[str] = field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    min_rating: float | None = None
    max_runtime: int | None = None
    min_runtime: int | None = None
    original_language: str | None = None
    mood: list[str] = field(default_factory=list)
    relative: Literal["older", "newer", "shorter", "longer"] | None = None
    directions: list[str] = field(default_factory=list)  # critiques read ("lighter", "less_known"; see .critiques)
    leanings: dict[str, float] = field(default_factory=dict)  # directions resolved: name -> threshold (the dialogue)
    position: int | None = None
    only: bool = False  # "only"/"instead"/"sinon": its genres, people and moods replace the previous ones
    description: str | None = None  # what the films should be about or feel like, as the user said it (by meaning)
    vibe: bool = False  # "like X for its atmosphere", "dans le même esprit": neighbours of the film by meaning

    LIST_SLOTS = ("liked", "people", "without_people", "genres", "without_genres", "mood")

    def slots(self) -> dict:
        """The slots that differ from their defaults (how the labelled messages are written)."""
        default = Request()
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name)) != getattr(default, f.name)
                and f.name not in self.UNLABELLED}

    #: Slots the hand-labelled parser messages do not label (descriptions are judged by the theme set).
    UNLABELLED = ("only", "description", "vibe", "leanings")

    @property
    def has_constraints(self) -> bool:
        """True when anything narrows the films (beyond a reference film)."""
        return bool(self.people or self.without_people or self.genres or self.without_genres or self.mood
                    or self.description or self.year_min is not None or self.year_max is not None or self.min_rating is not None
                    or self.max_runtime is not None or self.min_runtime is not None
                    or self.original_language is not None or bool(self.leanings))

    @property
    def hard(self) -> bool:
        """True when a constraint must hold for every answer (moods only rank)."""
        return self.has_constraints and any(k.slot not in ("mood", "description", "surprise", "liked")
                                            for k in self.constraints("en"))

    def refined(self, follow_up: "Request") -> "Request":
        """This request narrowed by a follow-up ("only comedies", "without horror", "from the 90s")."""
        merged = replace(self, action="new", position=None, relative=None, directions=[], leanings=dict(self.leanings))
        for name in self.LIST_SLOTS:
            added = [v for v in getattr(follow_up, name) if v not in getattr(merged, name)]
            setattr(merged, name, getattr(merged, name) + added)
        if follow_up.only:  # "only comedies", "et sinon avec Jean Dujardin ?": replace what was asked before
            for name in ("genres", "people", "mood"):
                if getattr(follow_up, name):
                    setattr(merged, name, list(getattr(follow_up, name)))
        merged.genres = [g for g in merged.genres if g not in follow_up.without_genres]
        merged.without_genres = [g for g in merged.without_genres if g not in follow_up.genres]
        merged.people = [p for p in merged.people if p not in follow_up.without_people]
        merged.without_people = [p for p in merged.without_people if p not in follow_up.people]
        merged.liked = [f for f in merged.liked if f != merged.film]
        for name in ("year_min", "year_max", "min_rating", "max_runtime", "min_runtime", "original_language",
                     "description"):
            if getattr(follow_up, name) is not None:
                setattr(merged, name, getattr(follow_up, name))
        if follow_up.year_min is not None and follow_up.year_max is None and merged.year_max is not None \
                and merged.year_max < follow_up.year_min:
            merged.year_max = None
        if follow_up.year_max is not None and follow_up.year_min is None and merged.year_min is not None \
                and merged.year_min > follow_up.year_max:
            merged.year_min = None
        return merged

    def without(self, key: str) -> "Request":
        """The same request without the constraint ``key`` (see :meth:`constraints`)."""
        slot, _, value = key.partition(":")
        copy = replace(self, action="new", position=None, relative=None, directions=[], leanings=dict(self.leanings))
        if slot == "liked":
            copy.liked = [f for f in copy.liked if str(f) != value]
        elif slot in self.LIST_SLOTS:
            setattr(copy, slot, [v for v in getattr(copy, slot) if v != value])
        elif slot in ("leaning", "surprise"):
            copy.leanings.pop(value, None)
        elif slot == "years":
            copy.year_min = copy.year_max = None
        elif slot == "film":  # another liked film, if any, becomes the reference
            copy.film, copy.liked, copy.vibe = (copy.liked[0] if copy.liked else None), copy.liked[1:], False
        elif slot == "description":
            copy.description, copy.mood = None, []
        elif slot in ("min_rating", "max_runtime", "min_runtime", "original_language"):
            setattr(copy, slot, None)
        else:
            raise KeyError(key)
        return copy

    def lean(self, name: str, threshold: float) -> None:
        """Adds a resolved direction (its opposite, if asked before, is dropped)."""
        self.leanings.pop(OPPOSITE.get(name, ""), None)
        self.leanings[name] = threshold

    def constraints(self, language: Language, film_label: str | None = None,
                    liked_labels: dict[int, str] | None = None) -> list[Constraint]:
        """What was understood, one chip per constraint, labelled in ``language`` (``liked_labels``: the
        other liked films' labels)."""
        fr = language == "fr"
        chips: list[Constraint] = []
        if self.film is not None and film_label:
            label = (f"comme {film_label}" if fr else f"like {film_label}")
            if self.vibe:
                label += " (même esprit)" if fr else " (same feel)"
            chips.append(Constraint("film:", "film", label))
        for film in self.liked:
            name = (liked_labels or {}).get(film, str(film))
            chips.append(Constraint(f"liked:{film}", "liked", f"comme {name}" if fr else f"like {name}"))
        for person in self.people:
            chips.append(Constraint(f"people:{person}", "people", (f"avec {person}" if fr else f"with {person}")))
        for person in self.without_people:
            chips.append(Constraint(f"without_people:{person}", "without_people",
                                    f"sans {person}" if fr else f"without {person}"))
        for genre in self.genres:
            chips.append(Constraint(f"genres:{genre}", "genres", GENRE_FR[genre] if fr else genre))
        for genre in self.without_genres:
            name = GENRE_FR[genre] if fr else genre
            chips.append(Constraint(f"without_genres:{genre}", "without_genres", f"sans {name}" if fr else f"no {name}"))
        if self.year_min is not None or self.year_max is not None:
            chips.append(Constraint("years:", "years", year_label(self.year_min, self.year_max, language)))
        if self.min_rating is not None:
            chips.append(Constraint("min_rating:", "min_rating", (f"noté ≥ {self.min_rating:g}" if fr else
                                                                  f"rated ≥ {self.min_rating:g}")))
        if self.max_runtime is not None:
            chips.append(Constraint("max_runtime:", "max_runtime", (f"≤ {self.max_runtime} min")))
        if self.min_runtime is not None:
            chips.append(Constraint("min_runtime:", "min_runtime", (f"≥ {self.min_runtime} min")))
        if self.original_language is not None:
            known = LANGUAGES.get(self.original_language)
            english, french = (known.english, known.french) if known else (self.original_language,) * 2
            chips.append(Constraint("original_language:", "original_language",
                                    f"en {french}" if fr else f"in {english}"))
        if self.description:  # the moods were read from it: one chip, as the user said it
            chips.append(Constraint("description:", "description", f"« {self.description} »" if fr
                                    else f"“{self.description}”"))
        for name in self.leanings:
            chips.append(Constraint(f"{'surprise' if name == 'surprise' else 'leaning'}:{name}",
                                    "surprise" if name == "surprise" else "leaning", direction_label(name, fr)))
        for mood in ([] if self.description else self.mood):
            chips.append(Constraint(f"mood:{mood}", "mood", french_mood(mood) if fr else mood))
        return chips


def year_label(low: int | None, high: int | None, language: Language) -> str:
    fr = language == "fr"
    if low is not None and high is not None:
        if low == high:
            return f"en {low}" if fr else f"in {low}"
        if low % 10 == 0 and high == low + 9:
            return f"années {low % 100:02d}" if fr and low < 2000 else (f"années {low}" if fr else f"{low}s")
        return f"{low}–{high}"
    if low is not None:
        return f"depuis {low}" if fr else f"from {low}"
    return f"jusqu’à {high}" if fr else f"up to {high}"
