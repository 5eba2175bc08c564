"""Directional critiques of an answer: "lighter", "less scary", "funnier", "une pépite méconnue"...

One record per direction: the words that ask for it (English and French, over folded text), the
measure it moves, which way, its chip in both languages, and the threshold used when there is
nothing to compare with (an opening request: "a horror film that is not too scary").

A critique of an answer moves past that answer: "lighter" keeps films whose tone is lighter
than the median tone of the films just shown (or of the reference film, "like Alien but
lighter"). Tone, fun, fright and seriousness are genre shares: the mean weight of a film's
genres below (a horror comedy is lighter than a horror film, heavier than a comedy).
Popularity is the number of votes, rating the vote average. "Shorter", "longer", "older" and
"newer" are runtimes and years (``Request.relative``); "surprise me" draws well-rated,
less-known films at random (seeded: the same conversation gets the same surprise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Per measure, the weight of each genre (absent genres weigh 0); a film's value is the mean over its genres.
GENRE_WEIGHTS: dict[str, dict[str, float]] = {
    "tone": {"Comedy": 1.0, "Family": 1.0, "Animation": 0.8, "Music": 0.6, "Romance": 0.5, "Adventure": 0.3,
             "Fantasy": 0.3, "Horror": -1.0, "War": -0.9, "Thriller": -0.7, "Crime": -0.6, "Mystery": -0.3,
             "Drama": -0.3, "History": -0.3},
    "fun": {"Comedy": 1.0, "Animation": 0.4, "Family": 0.4, "Music": 0.2, "Adventure": 0.1, "Horror": -0.3,
            "Drama": -0.4, "History": -0.4, "Documentary": -0.3, "War": -0.6, "Thriller": -0.3},
    "scare": {"Horror": 1.0, "Thriller": 0.6, "Mystery": 0.3, "Science Fiction": 0.1, "Crime": 0.1,
              "Comedy": -0.5, "Family": -1.0, "Animation": -0.8, "Romance": -0.3, "Music": -0.5},
    "serious": {"Drama": 1.0, "History": 1.0, "War": 1.0, "Documentary": 1.0, "Crime": 0.4, "Comedy": -1.0,
                "Family": -0.8, "Animation": -0.8, "Fantasy": -0.3, "Adventure": -0.3},
}
#: A less-known film still has this many votes (below it, a film is unknown rather than a hidden gem).
MIN_VOTES = 20


@dataclass(frozen=True)
class Direction:
    name: str
    measure: str  # tone | fun | scare | serious | rating | popularity | surprise
    sign: int  # +1: the measure goes up; -1: down
    en: str
    fr: str
    absolute: float  # the threshold when there is nothing to compare with
    words: str  # a regular expression over folded text


DIRECTIONS: dict[str, Direction] = {d.name: d for d in (
    Direction("lighter", "tone", +1, "lighter", "plus léger", 0.3,
              r"lighter|more light-?hearted|less (?:dark|heavy|grim|bleak|depressing|sad|intense)|happier|"
              r"more (?:cheerful|upbeat|uplifting)|something light|"
              r"plus (?:legers?|legeres?|gais?|gaies?|joyeux|joyeuses?|lumineux|lumineuses?)|"
              r"moins (?:sombres?|lourds?|lourdes?|noirs?|noires?|deprimants?|deprimantes?|tristes?|glauques?|durs?|dures?)"),
    Direction("darker", "tone", -1, "darker", "plus sombre", -0.3,
              r"darker|grimmer|bleaker|edgier|more (?:dark|grim|disturbing|twisted|bleak)|"
              r"plus (?:sombres?|noirs?|noires?|glauques?|durs?|dures?|derangeants?|derangeantes?)|"
              r"moins (?:gais?|gaies?|joyeux|joyeuses?)"),
    Direction("funnier", "fun", +1, "funnier", "plus drôle", 0.5,
              r"funnier|more (?:fun|funny|comedic|humou?r)|sillier|less serious|"
              r"plus (?:droles?|marrants?|marrantes?|rigolos?|rigolotes?|fun)|avec plus d'humour|moins serieux|"
              r"moins serieuses?"),
    Direction("less_scary", "scare", -1, "less scary", "moins effrayant", 0.3,
              r"less (?:scary|frightening|gory|creepy|terrifying|violent)|not (?:too|so|as) (?:scary|frightening|"
              r"gory|creepy)|moins (?:effrayants?|effrayantes?|flippants?|flippantes?|gores?|terrifiants?|"
              r"terrifiantes?|angoissants?|angoissantes?|sanglants?|sanglantes?|violents?|violentes?)|"
              r"pas trop (?:flippants?|flippantes?|effrayants?|effrayantes?|gores?)"),
    Direction("scarier", "scare", +1, "scarier", "plus effrayant", 0.5,
              r"scarier|creepier|more (?:scary|frightening|terrifying|creepy|gory)|"
              r"plus (?:effrayants?|effrayantes?|flippants?|flippantes?|terrifiants?|terrifiantes?|angoissants?|"
              r"angoissantes?|gores?)"),
    Direction("more_serious", "serious", +1, "more serious", "plus sérieux", 0.5,
              r"more serious|less (?:silly|goofy|funny|comedic|light)|deeper|more (?:profound|thoughtful|meaningful)|"
              r"plus (?:serieux|serieuses?|profonds?|profondes?)|moins (?:droles?|betes?|legers?|legeres?)"),
    Direction("better_rated", "rating", +1, "better rated", "mieux noté", 7.5,
              r"better (?:rated|reviewed|ratings?|reviews|scores?)|higher (?:rated|ratings?|scores?)|more acclaimed|better ones|"
              r"better films|better movies|meilleures (?:notes|critiques)|"
              r"mieux (?:notes?|notees?|critiques?)|plus (?:acclames?|acclamees?)|de meilleurs films|des meilleurs"),
    Direction("less_known", "popularity", -1, "less known", "moins connu", 300.0,
              r"less (?:known|famous|popular|mainstream|obvious)|lesser[- ]known|more obscure|obscure ones?|underrated|"
              r"hidden gems?|(?:nobody|no one|no-one) (?:has |have )?(?:seen|heard of)|(?:not|nothing) (?:too |so )?(?:famous|"
              r"popular|mainstream|well[- ]known)|off the beaten track|"
              r"moins (?:connus?|connues?|populaires?|celebres?|grand public|evidents?)|meconnus?|meconnues?|"
              r"pepites?(?: (?:meconnues?|cachees?))?|que personne (?:n'a|na) vus?|peu connus?|peu connues?|"
              r"confidentiels?|confidentielles?|hors des sentiers battus|rien de (?:trop )?(?:connu|celebre|grand public)"),
    Direction("more_known", "popularity", +1, "better known", "plus connu", 2000.0,
              r"more (?:famous|popular|known|mainstream)|better[- ]known|(?:big |huge )?blockbusters?|crowd[- ]pleasers?|"
              r"plus (?:connus?|connues?|populaires?|celebres?|grand public)|grand public"),
    Direction("surprise", "surprise", +1, "surprise", "surprise", 0.0,
              r"surprise me|something (?:different|unexpected|original)|anything different|"
              r"surprend(?:s|re)[- ]moi|surprenez[- ]moi|quelque chose de (?:different|surprenant|original|inattendu)|"
              r"etonne[- ]moi|etonnez[- ]moi"),
)}

#: Directions that undo each other: asking for one drops the other.
OPPOSITE = {"lighter": "darker", "darker": "lighter", "less_scary": "scarier", "scarier": "less_scary",
            "funnier": "more_serious", "more_serious": "funnier", "less_known": "more_known",
            "more_known": "less_known"}

CUES = [(name, re.compile(r"\b(?:" + d.words + r")\b")) for name, d in DIRECTIONS.items()]
#: A critique said as a comparison ("lighter", "less known", "plus drôle") moves past the last answer; one said
#: absolutely ("hidden gems", "surprise me", "blockbusters") can open a request of its own.
COMPARATIVE = re.compile(r"\b(?:less|lesser|more|better|higher|plus|moins|mieux|meilleurs?|\w{3,}er)\b")


def label(name: str, french: bool) -> str:
    """The chip of a direction in the user's language."""
    direction = DIRECTIONS[name]
    return direction.fr if french else direction.en
