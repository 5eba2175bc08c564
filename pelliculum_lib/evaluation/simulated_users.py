"""Simulated users: the conversation judged end to end, offline, in English and French.

Each user has a *target* film it wants and never names. It knows only catalogue facts of the target
(through :class:`~pelliculum_lib.conversation.facts.FilmFacts`): a genre, its decade, an actor among the
first five credited, a theme word from its own TMDb keywords, and a well-known film it "liked" that shares
the most cast, genres and keywords with the target, and a second one it tells in a later turn ("I also loved
..."). In the manner of iEvaLM (Wang et al., 2023) and
InteRecAgent's simulator (Huang et al., 2023), but with rules instead of an LLM:

1. turn 1 opens with at most two facts (the liked film first when there is one);
2. after each answer, success when the target is among the films shown; otherwise a critique toward the
   target, by rules in this order: a shown film close to the target ("more like the second one"), years
   ("older" / "newer", median of the films shown vs the target's year ± 5), runtime ("shorter" / "longer",
   median vs the target's ± 20 min), tone ("lighter" / "darker", the genre tone of
   :mod:`~pelliculum_lib.conversation.critiques`, median vs the target's ± 0.5), fame ("less known" /
   "better known", median votes vs the target's, a factor 4), an actor in several shown films but not in the
   target ("not with ..."), one of the first three films shown sharing nothing with it ("not the first one");
   with the critique, the next fact (or, without a critique, the next two facts), or
   "more" once they are spent. The same critique is never said twice in a row;
3. at most ``turns`` (5) turns, all in one conversation (``conversation_id`` carried).

It measures success@k (the target shown within k turns), the turns needed (a failure counts as ``turns``),
per language and per popularity stratum, with 95 % bootstrap intervals (:func:`summary`). Users are
deterministic for a seed: :data:`DEV_SEED` for development, :data:`REPORT_SEED` for the reported numbers
only — never used to tune the users or the conversation. To switch a feature off (an ablation), pass
:func:`run` another ``dialogue``.
"""

from __future__ import annotations

import random
import re
import statistics
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np
import pandas as pd

from pelliculum_lib.conversation.facts import FilmFacts
from pelliculum_lib.conversation.lexicon import GENRE_FR, GENRE_WORDS, fold, french_mood
from pelliculum_lib.conversation.request import Language
from pelliculum_lib.data.values import missing
from pelliculum_lib.evaluation.ablation import interval

DEV_SEED = 7  # development: write and tune users and conversation on this seed
REPORT_SEED = 2026  # the reported numbers only: never used for tuning

#: Popularity strata by vote count (inclusive bounds).
STRATA: dict[str, tuple[int, float]] = {"top": (1000, np.inf), "middle": (100, 999), "tail": (20, 99)}

MAX_FACTS_PER_TURN = 2
TOP_CAST = 5  # actors a user may name: the first five credited
WELL_KNOWN = 200  # a "liked" film has more votes than this
YEAR_SLACK = 5  # "older" when the films shown are this many years newer (median) than the target
RUNTIME_SLACK = 20  # "shorter" when the films shown are this many minutes longer (median)
SEVERAL = 3  # "not with X" when X plays in this many films shown (and not in the target)
CLOSE_GENRES = 3  # a shown film sharing this many genres (or cast, or a keyword and a genre) is "close"
TONE_SLACK = 0.5  # "lighter" when the films shown are this much darker (median genre tone) than the target
FAME_FACTOR = 4.0  # "less known" when the films shown have this many times the target's votes (median)

#: Keywords that say nothing of a film's subject (never themes, never make two films close).
GENERIC_KEYWORDS = frozenset({
    "woman director", "independent film", "based on novel", "based on comic book", "based on book",
    "duringcreditsstinger", "aftercreditsstinger", "sequel", "remake", "nudity", "female nudity", "male nudity",
    "sex", "son relationship", "brother brother relationship", "sister sister relationship", "father", "mother",
    "daughter", "son", "biography", "3d", "anime", "short", "live action", "stop motion", "silent film",
    "black and white", "suspense", "musical", "sport", "family", "love", "film"})
#: Genres a user never asks for ("Foreign" is TMDb's bookkeeping, not a genre people say).
UNSAID_GENRES = frozenset({"Foreign"})

ORDINALS_EN = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
ORDINALS_FR = ("premier", "deuxième", "troisième", "quatrième", "cinquième", "sixième", "septième", "huitième")


@dataclass(frozen=True)
class Fact:
    """One thing a user may reveal: ``kind`` is genre | decade | actor | theme | film."""

    kind: str
    value: str | int  # a TMDb genre, a decade (1990), a cast name, a keyword, or the liked film's label
    film: int | None = None  # the liked film's id (kind "film")

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Said:
    """One user turn: the message, what kind of turn it was, and the facts it revealed."""

    text: str
    kind: str  # facts | close | older | newer | shorter | longer | lighter | darker | less_known | more_known |
    #            without | reject | more
    revealed: tuple[Fact, ...] = ()
    about: str = ""  # what a critique points at: the ordinal or the actor

    @property
    def key(self) -> tuple[str, str]:
        """The critique whatever its wording (never said twice in a row)."""
        return self.kind, self.about


# --------------------------------------------------------------------------- the target's facts


def _title(label: str) -> str:
    """A display label without its disambiguation ("Heat (1986)" -> "Heat")."""
    return re.sub(r"\s+\((?:\d{4}|TMDB \d+)\)$", "", label)


def names(text: str, title: str) -> bool:
    """True when ``text`` contains ``title`` as whole words (case- and accent-insensitive)."""
    words = re.findall(r"\w+", fold(title))
    return bool(words) and re.search(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", fold(text)) is not None


def _themes(keywords: Sequence[str]) -> list[str]:
    """Keywords a user could say as a theme: a word or two, letters only, neither generic nor a genre."""
    def usable(word: str) -> bool:
        folded = fold(word)
        return (word not in GENERIC_KEYWORDS and 3 <= len(word) <= 24 and len(word.split()) <= 2
                and re.fullmatch(r"[a-z][a-z ']*", folded) is not None
                and not any(re.search(pattern, folded) for pattern, _ in GENRE_WORDS))
    return [k for k in dict.fromkeys(keywords) if usable(k)]


def _specific(keywords: Sequence[str]) -> set[str]:
    return {k for k in keywords if k not in GENERIC_KEYWORDS}


@lru_cache(maxsize=4)
def _well_known(facts: FilmFacts) -> tuple[tuple[int, frozenset, frozenset, frozenset], ...]:
    """(row, genres, cast, specific keywords) of every film with more than :data:`WELL_KNOWN` votes."""
    rows = np.flatnonzero(facts.votes > WELL_KNOWN)
    return tuple((int(r), facts.genres[r], frozenset(facts.cast[r]), frozenset(_specific(facts.keywords[r])))
                 for r in rows)


def shared(facts: FilmFacts, a: int, b: int) -> tuple[int, int, int]:
    """(cast, genres, specific keywords) the films of rows ``a`` and ``b`` share."""
    return (len(set(facts.cast[a]) & set(facts.cast[b])), len(facts.genres[a] & facts.genres[b]),
            len(_specific(facts.keywords[a]) & _specific(facts.keywords[b])))


def close(facts: FilmFacts, a: int, b: int) -> bool:
    """Rows ``a`` and ``b`` share cast, :data:`CLOSE_GENRES` genres or a specific keyword."""
    cast, genres, keywords = shared(facts, a, b)
    return cast > 0 or genres >= CLOSE_GENRES or (keywords > 0 and genres > 0)


def liked_films(facts: FilmFacts, target: int, k: int = 2) -> list[int]:
    """The ``k`` well-known films sharing the most cast, genres and keywords with ``target`` (never the target,
    never a film whose title names it, never two of one title), best first; none when none shares anything."""
    row = facts.row[target]
    title = _title(facts.labels[row])
    genres, cast, keywords = facts.genres[row], set(facts.cast[row]), _specific(facts.keywords[row])
    scored = []
    for other, g, c, k_ in _well_known(facts):
        score = len(genres & g) + len(cast & c) + len(keywords & k_)
        if score and other != row and not names(facts.labels[other], title):
            scored.append(((score, float(facts.votes[other])), other))
    chosen: list[int] = []
    for _, other in sorted(scored, reverse=True):
        if all(_title(facts.labels[other]) != _title(facts.labels[c]) for c in chosen):
            chosen.append(other)
        if len(chosen) == k:
            break
    return [int(facts.ids[r]) for r in chosen]



def target_facts(facts: FilmFacts, target: int, rng: random.Random) -> list[Fact]:
    """What a user of ``target`` may reveal, in the order it will: the liked film first, the rest shuffled.

    One of each, where the catalogue knows it: a genre, the decade, an actor of the first :data:`TOP_CAST`, a
    theme (a keyword of its own), a liked film; none naming the target."""
    row = facts.row[target]
    title = _title(facts.labels[row])
    genres = sorted(g for g in facts.genres[row] if g not in UNSAID_GENRES)
    actors = [a for a in facts.cast[row][:TOP_CAST] if len(a.split()) >= 2 and not names(a, title)]
    themes = [t for t in _themes(facts.keywords[row]) if not names(t, title)]
    rest = [Fact("genre", rng.choice(genres))] if genres else []
    if facts.year[row] == facts.year[row]:
        rest.append(Fact("decade", int(facts.year[row]) // 10 * 10))
    rest += [Fact("actor", rng.choice(actors))] if actors else []
    rest += [Fact("theme", rng.choice(themes))] if themes else []
    rng.shuffle(rest)
    liked = [Fact("film", facts.labels[facts.row[f]], f) for f in liked_films(facts, target, 2)]
    # the closest film opens; the second is told after two more facts ("I also loved ...")
    return liked[:1] + rest[:1] + liked[1:] + rest[1:]


# --------------------------------------------------------------------------- phrasing

#: Critiques, several ways each. {ord}: an ordinal word; {actor}: a cast name.
CRITIQUES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "close": ("More like the {ord} one.", "Something more like the {ord} one?", "I want more like the {ord} one."),
        "older": ("Older, please.", "Something older?", "Anything older?"),
        "newer": ("Newer, please.", "Something more recent?", "Anything newer?"),
        "shorter": ("Shorter, please.", "Something shorter?", "Anything shorter?"),
        "longer": ("Longer ones, please.", "Something longer?", "Anything longer?"),
        "lighter": ("Something lighter.", "Lighter, please.", "Less dark, please."),
        "darker": ("Something darker.", "Darker, please.", "Anything darker?"),
        "less_known": ("Less known ones, please.", "Something less mainstream?", "Any hidden gems?"),
        "more_known": ("Better known ones, please.", "Something more popular?", "More famous ones?"),
        "without": ("Not with {actor}.", "But not with {actor}.", "Without {actor}, please."),
        "reject": ("Not the {ord} one.", "I've already seen the {ord} one.", "Not the {ord} one, please."),
        "more": ("Show me more.", "Any others?", "More, please."),
    },
    "fr": {
        "close": ("Plus dans le genre du {ord}.", "Quelque chose qui ressemble plus au {ord} ?",
                  "Je voudrais plus dans le genre du {ord}."),
        "older": ("Plus ancien, svp.", "Quelque chose de plus ancien ?", "Des films plus anciens ?"),
        "newer": ("Plus récent, svp.", "Quelque chose de plus récent ?", "Des films plus récents ?"),
        "shorter": ("Plus court, svp.", "Quelque chose de plus court ?", "Des films plus courts ?"),
        "longer": ("Plus long, svp.", "Quelque chose de plus long ?", "Des films plus longs ?"),
        "lighter": ("Quelque chose de plus léger.", "Plus léger, svp.", "Moins sombre, svp."),
        "darker": ("Quelque chose de plus sombre.", "Plus sombre, svp.", "Des films plus noirs ?"),
        "less_known": ("Des films moins connus, svp.", "Une pépite méconnue ?", "Quelque chose de moins connu ?"),
        "more_known": ("Des films plus connus, svp.", "Quelque chose de plus populaire ?", "Plus connus, svp."),
        "without": ("Pas avec {actor}.", "Mais pas avec {actor}.", "Sans {actor}, svp."),
        "reject": ("Pas le {ord}.", "Déjà vu le {ord}.", "Pas le {ord}, svp."),
        "more": ("D'autres ?", "Encore, svp.", "Tu en as d'autres ?"),
    },
}

#: Opening and follow-up frames. {film}: the liked film; {subject}: "a crime film" / "un film genre policier";
#: {mods}: "with Al Pacino from the 1990s" / "avec Al Pacino des années 90"; {frag}: subject or mods alone.
OPENINGS = {
    "en": {"film": ("I loved {film}.", "I really enjoyed {film}.", "{film} was great."),
           "also": ("I also loved {film}.", "I also really liked {film}.", "And I loved {film} too."),
           "film_more": ("I loved {film}. {Ask}", "{film} was great. {Ask}", "I really enjoyed {film}. {Ask}"),
           "ask": ("{Subject} {mods}?", "I'm looking for {subject} {mods}.", "Can you suggest {subject} {mods}?"),
           "follow": ("And {frag}?", "Also {frag}.", "Maybe {frag}?")},
    "fr": {"film": ("J'ai adoré {film}.", "J'ai beaucoup aimé {film}.", "J'ai vraiment aimé {film}."),
           "also": ("J'ai aussi adoré {film}.", "J'ai aussi beaucoup aimé {film}.", "Et j'ai aussi aimé {film}."),
           "film_more": ("J'ai adoré {film}, {ask}", "J'ai beaucoup aimé {film}. {Ask}", "J'ai adoré {film}. {Ask}"),
           "ask": ("{Subject} {mods} ?", "Je cherche {subject} {mods}.", "Tu aurais {subject} {mods} ?"),
           "follow": ("Et {frag} ?", "Et aussi {frag}.", "Et puis {frag} ?")},
}


def _genre_en(genre: str) -> str:
    return "TV movie" if genre == "TV Movie" else genre.lower()


def _decade(decade: int, language: Language, rng: random.Random) -> str:
    short = 1930 <= decade <= 1990 and rng.random() < 0.5  # "the 90s": "the 20s" would read as the 2020s
    if language == "fr":
        return f"des années {decade % 100 if short else decade}"
    return f"from the {decade % 100 if short else decade}s"


def _parts(said: Sequence[Fact], language: Language, rng: random.Random) -> tuple[str, str]:
    """(subject, modifiers) of the facts other than the liked film, in ``language``."""
    fr = language == "fr"
    genres = [GENRE_FR[f.value] if fr else _genre_en(f.value) for f in said if f.kind == "genre"]
    mods = []
    for fact in sorted((f for f in said if f.kind not in ("genre", "film")), key=lambda f: ("actor", "decade",
                                                                                             "theme").index(f.kind)):
        if fact.kind == "actor":
            mods.append(f"avec {fact.value}" if fr else rng.choice(("with", "starring")) + f" {fact.value}")
        elif fact.kind == "decade":
            mods.append(_decade(int(fact.value), language, rng))
        else:
            mods.append(f"sur {french_mood(str(fact.value))}" if fr else f"about {fact.value}")
    joined = (" et " if fr else " and ").join(genres)
    if fr:
        subject = rng.choice((f"un film genre {joined}", f"quelque chose genre {joined}")) if genres else \
            rng.choice(("un film", "quelque chose"))
    else:
        article = "an" if joined[:1] in "aeiou" else "a"
        subject = rng.choice((f"{article} {joined} film", f"something {joined}")) if genres else \
            rng.choice(("a film", "something"))
    return subject, " ".join(mods)


def _fill(frame: str, language: Language, **values: str) -> str:
    """``frame`` with its fields, spaces tidied; a capitalised field ({Subject}) gets a capitalised value."""
    for key, value in list(values.items()):
        values[key[:1].upper() + key[1:]] = value[:1].upper() + value[1:]
    text = re.sub(r"\s+", " ", frame.format(**values)).strip()
    return re.sub(r"\s+([.,])" if language == "fr" else r"\s+([?.!,])", r"\1", text)


def phrase(said: Sequence[Fact], language: Language, rng: random.Random, opening: bool) -> str:
    """A message revealing ``said`` (at most two facts), in one of several frames."""
    frames = OPENINGS[language]
    film = next((f for f in said if f.kind == "film"), None)
    subject, mods = _parts(said, language, rng)
    ask = _fill(rng.choice(frames["ask"]), language, subject=subject, mods=mods)
    if film is not None and not opening:  # a second liked film, later: "I also loved ..."
        rest = [f for f in said if f is not film]
        also = _fill(rng.choice(frames["also"]), language, film=str(film.value))
        return also if not rest else also + " " + phrase(rest, language, rng, False)
    if film is not None:
        frame = rng.choice(frames["film_more"] if len(said) > 1 else frames["film"])
        return _fill(frame, language, film=str(film.value), ask=ask[:1].lower() + ask[1:])
    if opening:
        return ask
    has_genre = any(f.kind == "genre" for f in said)
    frag = f"{subject} {mods}".strip() if has_genre or not mods else mods
    return _fill(rng.choice(frames["follow"]), language, frag=frag)


# --------------------------------------------------------------------------- the user


@dataclass
class SimulatedUser:
    """A user who wants ``target`` and reveals only ``facts`` of it, at most two a turn, never its title."""

    target: int
    language: Language
    seed: int
    facts: list[Fact]
    title: str  # the target's title: never said
    stratum: str = ""

    @classmethod
    def for_target(cls, facts: FilmFacts, target: int, language: Language = "en", seed: int = DEV_SEED,
                   stratum: str = "") -> "SimulatedUser":
        rng = random.Random(f"facts-{seed}-{target}")
        return cls(int(target), language, seed, target_facts(facts, int(target), rng),
                   _title(facts.labels[facts.row[int(target)]]), stratum)

    def session(self, facts: FilmFacts) -> "Session":
        """A fresh conversation of this user (its own random state: the same seed says the same things)."""
        return Session(self, facts)


@dataclass
class Session:
    """One conversation of a :class:`SimulatedUser`: what it has said, how it reacts to an answer."""

    user: SimulatedUser
    facts: FilmFacts
    told: int = 0  # facts revealed so far
    last: tuple[str, str] | None = None  # the previous critique (never repeated right away, in any words)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"turns-{self.user.seed}-{self.user.target}-{self.user.language}")

    @property
    def row(self) -> int:
        return self.facts.row[self.user.target]

    def opening(self) -> Said:
        return self._reveal(opening=True)

    def react(self, shown: Sequence[int]) -> Said | None:
        """``None`` when the target is among ``shown`` (success); else a critique or the next facts."""
        if self.user.target in shown:
            return None
        rows = [self.facts.row[f] for f in shown if f in self.facts.row]
        for critique in (self._close, self._years, self._runtime, self._tone, self._fame, self._without, self._far):
            said = critique(rows)
            if said is not None and said.key != self.last:
                self.last = said.key
                fact = self._reveal(opening=False, most=1) if self.told < len(self.user.facts) else None
                if fact is None:
                    return said
                return Said(f"{said.text} {fact.text}", said.kind, fact.revealed, said.about)
        self.last = None
        return self._reveal(opening=False)

    # -- turns --------------------------------------------------------------------------------
    def _reveal(self, opening: bool, most: int = MAX_FACTS_PER_TURN) -> Said:
        facts = self.user.facts[self.told:self.told + most]
        if not facts:
            return self._critique("more")
        text = phrase(facts, self.user.language, self.rng, opening)
        self.told += len(facts)
        if names(text, self.user.title):  # a frame's own words spell the title ("Up", "Something"): bare facts
            facts = [f for f in facts if not names(_said_value(f, self.user.language), self.user.title)]
            text = ", ".join(_said_value(f, self.user.language) for f in facts) or "..."
        return Said(text, "facts", tuple(facts))

    def _critique(self, kind: str, **values: str) -> Said:
        frames = [f for f in CRITIQUES[self.user.language][kind] if not names(f.format(**values), self.user.title)]
        return Said(self.rng.choice(frames or ["..."]).format(**values), kind, about=next(iter(values.values()), ""))

    def _close(self, rows: list[int]) -> Said | None:
        scored = [(sum(shared(self.facts, r, self.row)), -i) for i, r in enumerate(rows)
                  if close(self.facts, r, self.row)]
        if not scored:
            return None
        position = -max(scored)[1]
        ordinals = ORDINALS_FR if self.user.language == "fr" else ORDINALS_EN
        return self._critique("close", ord=ordinals[position])

    def _years(self, rows: list[int]) -> Said | None:
        year = self.facts.year[self.row]
        years = [y for r in rows if (y := self.facts.year[r]) == y]
        if not years or year != year:
            return None
        median = statistics.median(years)
        return self._critique("older") if median > year + YEAR_SLACK else \
            self._critique("newer") if median < year - YEAR_SLACK else None

    def _runtime(self, rows: list[int]) -> Said | None:
        runtime = self.facts.runtime[self.row]
        runtimes = [m for r in rows if (m := self.facts.runtime[r]) == m]
        if runtime != runtime or not runtimes:
            return None
        median = statistics.median(runtimes)
        return self._critique("shorter") if median > runtime + RUNTIME_SLACK else \
            self._critique("longer") if median < runtime - RUNTIME_SLACK else None

    def _tone(self, rows: list[int]) -> Said | None:
        tone = self.facts.measure("tone")
        if not rows:
            return None
        median = statistics.median(float(tone[r]) for r in rows)
        target = float(tone[self.row])
        return self._critique("lighter") if target > median + TONE_SLACK else \
            self._critique("darker") if target < median - TONE_SLACK else None

    def _fame(self, rows: list[int]) -> Said | None:
        votes = [float(self.facts.votes[r]) for r in rows if self.facts.votes[r] > 0]
        target = float(self.facts.votes[self.row])
        if not votes or target <= 0:
            return None
        median = statistics.median(votes)
        return self._critique("less_known") if median > FAME_FACTOR * target else \
            self._critique("more_known") if median * FAME_FACTOR < target else None

    def _without(self, rows: list[int]) -> Said | None:
        counts: dict[str, int] = {}
        for r in rows:
            for actor in dict.fromkeys(self.facts.cast[r]):
                counts[actor] = counts.get(actor, 0) + 1
        cast = set(self.facts.cast[self.row])
        several = [a for a, n in counts.items() if n >= SEVERAL and a not in cast and len(a.split()) >= 2
                   and not names(a, self.user.title)]
        if not several:
            return None
        return self._critique("without", actor=max(several, key=lambda a: (counts[a], -list(counts).index(a))))


    def _far(self, rows: list[int]) -> Said | None:
        """"Not the first one": the first of the three films shown first that shares nothing with the target."""
        for i, r in enumerate(rows[:3]):
            if not any(shared(self.facts, r, self.row)):
                ordinals = ORDINALS_FR if self.user.language == "fr" else ORDINALS_EN
                return self._critique("reject", ord=ordinals[i])
        return None


def _said_value(fact: Fact, language: Language) -> str:
    """A fact as a bare phrase ("crime", "1990", "Al Pacino", "braquage", "Heat")."""
    if fact.kind == "genre":
        return GENRE_FR[fact.value] if language == "fr" else _genre_en(str(fact.value))
    if fact.kind == "theme" and language == "fr":
        return french_mood(str(fact.value))
    return str(fact.value)


# --------------------------------------------------------------------------- sampling, running, summing up


def eligible(facts: FilmFacts, row: int) -> bool:
    """A film a user can describe: its year known, a genre, and cast or a usable theme."""
    genres = [g for g in facts.genres[row] if g not in UNSAID_GENRES]
    cast = [a for a in facts.cast[row][:TOP_CAST] if len(a.split()) >= 2]
    return facts.year[row] == facts.year[row] and bool(genres) and bool(cast or _themes(facts.keywords[row]))


def sample_users(facts: FilmFacts, n: int, seed: int = DEV_SEED, languages: Sequence[Language] = ("en", "fr"),
                 strata: dict[str, tuple[int, float]] = STRATA) -> list[SimulatedUser]:
    """``n`` users of distinct eligible targets, balanced over ``strata`` (by vote count) and, within each,
    over ``languages``; the same for the same seed."""
    rng = np.random.default_rng(seed)
    per = [n // len(strata) + (i < n % len(strata)) for i in range(len(strata))]
    users: list[SimulatedUser] = []
    for (name, (low, high)), count in zip(strata.items(), per):
        rows = np.flatnonzero((facts.votes >= low) & (facts.votes <= high))
        chosen = [int(r) for r in rng.permutation(rows) if eligible(facts, int(r))][:count] if count else []
        for i, row in enumerate(chosen):
            users.append(SimulatedUser.for_target(facts, int(facts.ids[row]), languages[i % len(languages)],
                                                  int(rng.integers(2**31)), name))
    return users


def converse(dialogue, facts: FilmFacts, user: SimulatedUser, turns: int = 5) -> dict:
    """One conversation of ``user`` with ``dialogue`` (anything with the :class:`Dialogue` ``reply``)."""
    session = user.session(facts)
    said: Said | None = session.opening()
    conversation_id, success = None, None
    record: dict[str, list] = {"messages": [], "kinds": [], "revealed": [], "shown": [], "statuses": [],
                               "understood": []}
    for turn in range(1, turns + 1):
        reply = dialogue.reply(said.text, conversation_id=conversation_id)
        conversation_id = reply.conversation_id
        shown = [int(f) for f, _ in reply.films]
        understood = [c.key for c in getattr(reply, "constraints", [])]
        for key, value in zip(record, (said.text, said.kind, [str(f) for f in said.revealed], shown,
                                       getattr(reply, "status", ""), understood)):
            record[key].append(value)
        said = session.react(shown)
        if said is None:
            success = turn
            break
    return {"target": user.target, "title": user.title, "language": user.language, "stratum": user.stratum,
            "seed": user.seed, "success_turn": success, "turns": success or turns, "max_turns": turns, **record}


def run(dialogue, facts: FilmFacts, users: Sequence[SimulatedUser], turns: int = 5) -> pd.DataFrame:
    """One row per user: target, language, stratum, success_turn (1..turns or None), turns used, and per turn
    the messages, their kinds, the facts revealed, the films shown, the reply's status and the constraint keys
    it understood.

    ``dialogue`` is any object with ``reply(message, conversation_id=...)``: pass one built without a feature
    to measure what the feature brings."""
    frame = pd.DataFrame([converse(dialogue, facts, user, turns) for user in users])
    if len(frame):
        frame["success_turn"] = pd.Series([None if missing(v) else int(v) for v in frame["success_turn"]],
                                          dtype=object, index=frame.index)
    return frame


def summary(frame: pd.DataFrame, resamples: int = 2000, seed: int = 42) -> pd.DataFrame:
    """success@1..k (mean and 95 % bootstrap interval) and mean turns, over all users, per language and per
    stratum. Mean turns counts a failure as the turn limit (``max_turns``, 5)."""
    limit = int(frame["max_turns"].max()) if len(frame) else 5
    groups = [("all", "all", frame)]
    for column in ("language", "stratum"):
        groups += [(column, value, part) for value, part in frame.groupby(column, sort=True)]
    rows = []
    for group, value, part in groups:
        row: dict[str, object] = {"group": group, "value": value, "users": len(part)}
        turn = part["success_turn"].map(lambda t: np.inf if missing(t) else t).to_numpy(dtype=np.float64)
        for k in range(1, limit + 1):
            row |= interval((turn <= k).astype(float), (f"success@{k}", f"success@{k} lo", f"success@{k} hi"),
                            resamples, seed)
        row |= interval(part["turns"].to_numpy(dtype=np.float64), ("mean turns", "mean turns lo", "mean turns hi"),
                        resamples, seed)
        rows.append(row)
    return pd.DataFrame(rows)


def ablation(frames: dict[str, pd.DataFrame], baseline: str, k: int = 5, resamples: int = 2000,
             seed: int = 42) -> pd.DataFrame:
    """Per variant and language: success@k and mean turns with 95 % intervals, and the paired difference of
    success@k to ``baseline`` (the same users, resampled together)."""
    base = frames[baseline].set_index(["target", "language"])
    rows = []
    for name, frame in frames.items():
        frame = frame.set_index(["target", "language"]).reindex(base.index)
        for language in ("all", "en", "fr"):
            keep = np.ones(len(frame), dtype=bool) if language == "all" else \
                (frame.index.get_level_values("language") == language)
            won = frame["success_turn"].map(lambda t: not missing(t) and t <= k).to_numpy(float)[keep]
            won_base = base["success_turn"].map(lambda t: not missing(t) and t <= k).to_numpy(float)[keep]
            row = {"variant": name, "language": language, "users": int(keep.sum())}
            row |= interval(won, (f"success@{k}", "lo", "hi"), resamples, seed)
            row |= interval(frame["turns"].to_numpy(float)[keep], ("mean turns", "turns lo", "turns hi"), resamples, seed)
            row |= interval(won - won_base, (f"Δ success@{k} vs {baseline}", "Δ lo", "Δ hi"), resamples, seed)
            rows.append(row)
    return pd.DataFrame(rows)
