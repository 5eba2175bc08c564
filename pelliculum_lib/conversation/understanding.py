"""One message -> a :class:`Request`: reference film, people, genres, years, rating, runtime,
original language, moods and follow-up actions, in English and French, typos tolerated.

Rules over the folded message (see :mod:`.lexicon`), grounded in the catalogue: people are
matched against the cast names the catalogue knows (exactly, then with rapidfuzz), films
against its titles. The order matters:

1. a film named in quotes or after a cue ("like Heat", "j'ai adoré Alien") is found first,
   so that words inside its title ("The *Dark* Knight") are not read as constraints;
2. constraints are read from the rest; a word sequence left over may still be a title
   ("heat 1995", "the matrix");
3. the action: "more", "why the second one?", a refinement ("only comedies", "plus récent")
   or a new request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable, NamedTuple

import pandas as pd
from rapidfuzz import fuzz, process

from pelliculum_lib.data.titles import Resolution, TitleResolver, normalise
from pelliculum_lib.conversation.critiques import COMPARATIVE, CUES as DIRECTION_CUES
from pelliculum_lib.conversation.lexicon import (DESCRIPTION_STOP, ENGLISH_WORDS, FILLER, FRENCH_WORDS,
                                                 GENRE_VOCABULARY, GENRE_WORDS, LANGUAGES, MOODS, NUMBER_WORDS,
                                                 ORDINALS, THEME_TRANSLATIONS, THEME_WORDS, fold)
from pelliculum_lib.conversation.request import Language, Request

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_QUOTED = re.compile(r"[\"“«‘]\s*([^\"”»’]{1,120}?)\s*[\"”»’]|(?<!\w)'([^']{1,120}?)'(?!\w)")
_CUES = re.compile(
    r"(?:apres avoir (?:vu|regarde|revu)|after (?:having )?(?:seen|watched)|similar to|similar with|films? like|movies? like|something like|anything like|(?<!-)\blike\b|such as|as good as|"
    r"fans? of|\bafter(?: watching| seeing)?|i (?:have |just |also |really |also really |'ve )?(?:loved|liked|enjoyed|watched|saw|adored)|i love|"
    r"(?:we|they|my \w+|our \w+) (?:have |just |all |both |really |'ve )?(?:loved|liked|enjoyed|watched|saw|adored)|"
    r"(?:my|our) \w+ (?:really |just )?(?:loves|adores|likes|enjoys)|if (?:you|u|we|they) (?:really )?(?:enjoyed|liked|loved)|"
    r"(?:^|(?<=[,.;!?] ))(?:just |finally |recently )?(?:watched|rewatched|saw|seen|loved|adored|enjoyed)|"
    r"(?:on a|nous avons|(?<!n')ont|avons) (?:bien |beaucoup |vraiment |tous |toutes )?(?:adore|aime|vu|revu|kiffe|regarde)|"
    r"i like|i enjoyed|(?:favou?rite|fave)(?: film| movie)? (?:is|was|ever is)|mon (?:film )?(?:prefere|favori) (?:c'est|est)|in the vein of|in the style of|along the lines of|reminds? me of|the same as|same vibe as|"
    r"\bcomme\b|\b(?:un |des )?(?:films?|trucs?|chose) genre|similaires? (?:a|au|aux)|semblables? (?:a|au|aux)|proches? de|du genre(?: de)?|dans le style de|"
    r"dans le genre d[e']|du style d[e']|"
    r"dans la veine de|facon|j['’ ]?ai (?:aussi |egalement |bien |beaucoup |vraiment |aussi beaucoup |aussi vraiment )?(?:adore|aime|vu|revu|kiffe|regarde)|j['’]adore|"
    r"j['’]aime|\bapres\b|qui ressemblent? a|qui ressemblent? au|a la|dans l'esprit d[e']|"
    r"(?:le|la|du|de la) meme (?:esprit|ambiance|atmosphere|style|veine|ton|genre|univers) qu(?:e|['’])|"
    r"(?:the )?same (?:vibe|feel|feeling|mood|atmosphere|tone|spirit) as)(?:\s+|(?<=['’]))", re.IGNORECASE)
#: Lowercase words after a cue that point back rather than name a film.
_PRONOUNS = frozenset("it them that this those these one ones ça ca lui eux celui celle ceux celles".split())
#: A title *before* these: "Zodiac was great", "Amélie c'est mon film préféré", "whiplash blew me away".
_POST_CUES = re.compile(
    r"\s+(?:was|is|were|blew|rocked|has been|c'est|c est|etait|m'a|m a|a ete|reste|est|etait)\b", re.IGNORECASE)
#: A language said not to be wanted: "not in english", "pas en anglais", "no french films".
_NOT_LANGUAGE = re.compile(r"(?:\bnot|\bno|\bpas|\bsauf|\bexcept|\bwithout|\bsans|\bjamais)\s+(?:in\s+|en\s+|a\s+|un\s+)?$")
#: Words after which a lowercase liked film has ended ("toy story avec les enfants", "heat from the 90s").
_RUNS_ON = frozenset("avec with from des for pour in en sorti sortis released made qui that but mais".split())
#: A critique beside a film of one's own ("like Fargo but funnier") asks for a mood, not a change of the answer.
_AS_MOOD = {"funnier": "funny", "darker": "dark", "scarier": "scary"}
_CUE_BEFORE = re.compile(r"(?:^|[,.;!?:]|\b(?:revu|vu|adore|aime|watched|seen|rewatched))\s*$")
YEAR = r"((?:19|20)\d\d)"
_DECADE_WORDS = {"sixties": 1960, "seventies": 1970, "eighties": 1980, "nineties": 1990,
                 "soixante": 1960, "soixante-dix": 1970, "soixante dix": 1970, "quatre-vingt": 1980,
                 "quatre vingt": 1980, "quatre-vingts": 1980, "quatre-vingt-dix": 1990, "quatre vingt dix": 1990}
#: "without", "pas de", "no more", "sauf": what follows (a genre, a person) is excluded.
_EXCLUDE_BEFORE = re.compile(
    r"(?:without|\bno\b|\bnot\b|except|excluding|avoid|anything but|rather than|instead of|\bhate\b|i dislike|"
    r"not a fan of|sans|\bpas\b|sauf|aucune?|\bni\b|jamais|deteste|evite|pas fan|hors|plutot que|no more|nothing|"
    r"\bdrop|\bremove|get rid of|\bskip|\benleve[rz]?|\bretire[rz]?|\bvire[rz]?|\bsupprime[rz]?)"
    r"(?:[\s']+(?:any|a|an|de|d|des|du|la|le|les|l|un|une|films?|movies?|trop|too|much|more|of|the|genre|type|"
    r"avec|with|fan|of|that|is|are|ca|c|est|en|mode|style)\b)*[\s']*$")
#: "no horror *or* animation": between two genre words, an exclusion carries along.
_CHAIN = re.compile(r"^[\s,]*(?:or|nor|ni|and|et|ou|,)[\s']*(?:(?:de|d|des|du|la|le|les|l|any|a|an)[\s']+)*$")
#: "not too scary", "rien de trop violent": a mood said not to be wanted.
_NOT_BEFORE = re.compile(r"(?:\bnot|\bpas|\bno|\bnothing|\brien de|\bsans|\bwithout)[\s']+"
                         r"(?:(?:too|trop|very|tres|de|d|a|an|the|la|le|les|des)[\s']+)*$")
#: "way too dark", "trop sombre": a complaint about the last answer, not a mood wanted.
_TOO_BEFORE = re.compile(r"(?:\b(?:way|far|much|bien|beaucoup|un peu|a bit|a little)\s+)?\b(?:too|trop)\s+$")
#: "like Heat for its atmosphere", "same vibe", "pour son ambiance", "dans le même esprit": neighbours by meaning.
_VIBE = re.compile(
    r"\b(?:for (?:its|the|their) (?:atmosphere|mood|vibes?|tone|feel|feeling|ambiance|ambience|style|spirit)|"
    r"(?:the )?same (?:vibes?|feel|feeling|mood|atmosphere|tone|spirit|energy|ambiance)(?: as)?|"
    r"similar (?:vibes?|feel|mood|atmosphere|tone)|with (?:that|the same|a similar) (?:vibe|feel|atmosphere|mood)|"
    r"pour (?:son|leur|l'|cette|son cote) ?(?:ambiance|atmosphere|esprit|style|ton|univers)|dans l'esprit d[e']|"
    r"(?:dans |de )?(?:le|la|cette) meme (?:esprit|ambiance|atmosphere|veine|ton|style|univers)|"
    r"(?:meme|une) (?:esprit|ambiance|atmosphere|vibe) (?:similaire|proche)?|meme (?:esprit|ambiance|atmosphere))\b")
#: Words next to an original language that make it the film's ("a korean thriller", "un polar coréen").
_FILM_WORDS = {"film", "films", "movie", "movies", "cinema", "polar", "polars", "comedy", "comedies", "comedie",
               "drama", "dramas", "drame", "drames", "thriller", "thrillers", "horror", "horreur", "western", "westerns",
               "animation", "anime", "documentary", "documentaire", "romance", "action", "classic", "classics",
               "classique", "classiques", "flick", "flicks", "cartoon", "cartoons", "dessin", "dessins", "something",
               "anything", "quelque", "truc", "mafia", "gangster", "gangsters", "fantasy", "musical", "war", "guerre",
               "crime", "sci-fi", "science-fiction", "adventure", "aventure", "mystery", "spy", "heist"}
_ORD = (r"(?:" + "|".join(sorted((re.escape(o) for o in ORDINALS), key=len, reverse=True)) +
        r"|#\s*\d{1,2}|(?:number|numero|no|n°)\s*\d{1,2})")
#: A critique of one film of the last answer: "more like the second one", "like #3 but older", "plus dans le genre
#: du troisième", "le premier mais en plus récent" (pivot); "not the third one", "déjà vu le deuxième" (reject).
_PIVOT = re.compile(
    r"\b(?:(?:more |something |anything |films? |movies? )?(?:like|similar to|in the vein of|along the lines of)\s+(?:the\s+)?(" + _ORD +
    r")(?:\s+(?:one|film|movie))?|(?:the\s+)?(" + _ORD + r")\s+(?:one|film|movie)\s+but\b|"
    r"(?:plus\s+)?(?:dans le genre|dans le style|dans la veine|dans l'esprit|du genre|comme)\s+(?:du|de la|le|la|de|des)\s*(" + _ORD +
    r")|\b(?:le|la)\s+(" + _ORD + r")\s+(?:mais|en plus)|ressembl\w*\s+(?:plus\s+)?(?:au|a la|a l')\s*(" + _ORD +
    r"))(?!\w)"
    r"(?=\s*(?:one|film|movie|but|mais|en plus|plus|with|avec|please|svp|stp|[?.!,;]|$))")  # not "like the sixth sense"
_REJECT = re.compile(
    r"\b(?:not|no|already (?:seen|watched)|seen|i'?ve seen|pas|deja vu|j'ai deja vu|vu)\s+(?:the\s+|le\s+|la\s+)?(" + _ORD +
    r"|(?:(?<=the )|(?<=le )|(?<=la ))\d{1,2})(?:\s+(?:one|film|movie))?(?!\w)(?=\s*(?:one|film|movie|please|svp|stp|already|deja|too|aussi|[?.!,;]|$))")
#: A film of the answer liked by its position, then more asked: "the second one looks great, more like that one",
#: "le 2 a l'air bien, montre m'en d'autres", "le dernier a l'air top, d'autres comme lui".
_PIVOT_LIKED = re.compile(
    r"\b(?:(?:the|le|la)\s+)?(" + _ORD + r"|(?:(?<=the )|(?<=le )|(?<=la ))\d{1,2})(?:\s+(?:one|film|movie))?\s+"
    r"(?:looks|sounds|seems|is|was|a l'air|a l air|semble|est|me tente|m'interesse|me plait)\b"
    r"(?=.*\b(?:more|others?|d'autres|autres|similar|same|pareils?|comme (?:lui|ca|celui-la|celui-ci)|ce style|"
    r"ce genre|like (?:that|it|this)|dans le meme)\b)")
#: Between liked films: "Amélie and Midnight in Paris", "Alien, Aliens et The Thing", "Heat; Ronin".
_SEPARATOR = re.compile(r"\s*(?:[,;&/+]|\band\b|\bet\b|\bor\b|\bou\b|\bas well as\b|\bainsi que\b|\bthen\b|\bpuis\b)\s*")
_PART_HEAD = re.compile(r"\s*(?:(?:and|et|also|aussi|then|puis)\s+)*(?:(?:i\s+)?(?:also\s+)?(?:really\s+)?(?:loved|liked|"
                        r"enjoyed|adored)\s+|j'?ai\s+(?:aussi\s+|egalement\s+|bien\s+|beaucoup\s+)?(?:adore|aime|kiffe)\s+|"
                        r"(?:something |films? |movies? )?like\s+|comme\s+)?")
_PART_TAIL = re.compile(r"\s*(?:\b(?:too|as well|also|aussi|a lot|so much|beaucoup|enormement|both|tous les deux|"
                        r"toutes les deux)\b|[.!?]).*$")
#: "I also loved X", "j'ai aussi adoré X", "and X too": a liked film added to the conversation's.
_ALSO_BEFORE = re.compile(r"\b(?:also|aussi|egalement)\b[^,.;!?]{0,25}$")
_ALSO_AFTER = re.compile(r"^[^,.;!?]{0,12}\b(?:too|as well|aussi|egalement)\b")
#: A film of the answer named by its position alone: "the tenth one?", "et le troisième ?", "#4".
_ORDINAL_ALONE = re.compile(r"\W*(?:and |what about |how about |et |quid du |et pour )?(?:the |le |la |du )?(" + _ORD +
                            r")(?: one| film| movie)?\W*")
#: Words before a person written in lowercase: "with de niro", "avec depardieu", "starring freeman and".
_PERSON_BEFORE = re.compile(r"(?:\b(?:with|avec|starring|featuring|by|de|and|et|sans|without|no|pas de|not|jouent|joue|"
                            r"plays?|stars?)|\bw/)\s*$")
#: Words that make a popular lowercase title mid-sentence a reference: "shaun of the dead level", "is my comfort
#: movie", "we loved back to the future" (not "a mission behind enemy lines, gadgets and double crosses").
_REFERENCE_WORDS = re.compile(r"\b(?:level|vibes?|than|loved?|liked?|enjoyed|favou?rite|comfort|similar|same|close|"
                              r"next|more|like (?:it|that|this)|style|genre|type|kind|adore|aime|prefere|kiffe|meme)\b")
#: A title right after these is not the reference film: "pas Star Wars", "not Titanic", "sauf Alien".
_NOT_TITLE = re.compile(r"(?:\bnot|\bpas|\bno|\bsans|\bexcept|\bsauf|\bother than|\bautre que|\bhors)\s+$")
#: A one-word title after these is a place of the story: "set in Paris", "qui se passe en France".
#: A title going on past the words the catalogue knows: "le silence| des agneaux", "the silence| of the lambs".
_TITLE_GOES_ON = re.compile(r"\s+(?:de la|de l'|des|du|de|d'|of the|of)\s*([^\W\d_][\w'’-]*)")
_NOT_A_COMPLEMENT = {"annees", "annee", "ans", "years", "films", "film", "movies", "movie", "acteurs", "genre", "style",
                     "meme", "same", "kind", "sort", "type"}
#: "animated films for grown ups", "un film pour les grands": an audience in lower case, not a title (but "looking
#: for the matrix" is one).
_AUDIENCE_BEFORE = re.compile(r"(?<!look )(?<!looking )(?<!search )(?<!searching )(?<!hunting )(?<!chercher )"
                              r"\b(?:for|pour)\s+$|"
                              r"\b(?:about|sur|a propos d[e']|autour d[eu']|set during|pendant)\s*(?:the\s+|la\s+|le\s+|les\s+|l')?$")
_PLACE_BEFORE = re.compile(r"(?:\bset in|takes? place in|\bpasse (?:en|a|au|dans)|\bse deroule (?:en|a|au|dans)|"
                           r"\b(?:in|en|au)) $")
#: The year of a film's version after its title: "de 2005", "from '98", "(the 1984 version)".
_VERSION = (r"(?:\(\s*)?(?:(?:from|of|de|du|en|sorti en|released in)\s+)?(?:the\s+|le\s+|la\s+)?(?:version\s+(?:de\s+)?)?"
            r"['’]?(?P<year>(?:19|20)\d\d|\d\d)(?![\w'’])(?:\s+(?:version|one|film))?\s*\)?")
_VERSION_AFTER = re.compile(r"\s*" + _VERSION, re.IGNORECASE)
#: A title with the year of its version: "Scarface from '83", "the thing from 82".
_TRAILING_VERSION = re.compile(r"(?P<title>.+?)[\s,]+" + _VERSION, re.IGNORECASE)
_MARKUP = re.compile(r"<[^<>]{0,300}>|&[a-z]+;|\b(?:on\w+|javascript|src|href)\s*=\s*\S*", re.IGNORECASE)
#: Asking words around a description ("can you recommend", "tu aurais") that say nothing of the films.
_ASK = re.compile(r"\b(?:can you|could you|would you|do you have|have you got|any (?:good )?(?:suggestions?|ideas?|"
                  r"recommendations?)|as-tu|tu aurais|auriez-vous|tu as|t'as|vous avez|tu connais|vous connaissez|"
                  r"i'?m in the mood for|i feel like|j'ai envie d[e']|je suis d'humeur|je cherche|i'?m looking for|"
                  r"looking for|je voudrais|i would like|i'd like|i want to see|i want|je veux)\b")
#: "forget that", "laisse tomber", "never mind": what follows is a new request, not a refinement.
_FORGET = re.compile(r"\b(?:forget (?:that|it|this|those|about it)|never ?mind|start (?:over|again)|scratch that|"
                     r"laisse(?:z)? tomber|oublie(?:z)? (?:ca|ces|tout|cela)|on oublie|on recommence|autre chose)\b")
_MORE_WORDS = {"more", "others", "other", "another", "next", "encore", "autres", "autre", "suite", "d'autres",
               "suivants", "suivant"}
_MORE_FILLER = {"show", "give", "me", "a", "few", "couple", "of", "quelques", "some", "please", "svp", "stp", "plus", "chose", "suggestions", "ones",
                "films", "movies", "film", "movie", "options", "again", "de", "des", "la", "les", "un", "une",
                "d", "donne", "donne-moi", "moi", "montre", "montre-moi", "ok", "okay", "thanks", "merci", "cool",
                "et", "and", "s'il", "te", "vous", "plait", "plaît", "like", "those", "that", "this", "these",
                "comme", "ca", "ça", "yes", "oui", "any", "idees", "ideas", "propositions", "titles", "titres",
                "je", "veux", "want", "i", "the", "recommendations", "recos", "go", "on", "continue", "keep",
                "going", "let's", "see", "voir", "encore", "s'", "pls", "plz", "autres", "choses", "?",
                "lot", "few", "quelques", "tu", "as", "t'as", "have", "you", "got", "can", "could", "of", "m'en"}
_REFINE_START = re.compile(
    r"^\W*(?:and|but|only|just|without|instead|also|now|ok|okay|maybe|actually|rather|no|nope|same but|not|pas|"
    r"et|mais|seulement|uniquement|que des|qu'avec|sans|plutot|plutôt|aussi|non|juste|pareil mais|"
    r"sauf|except|excluding|only the|more recent|older|newer|plus)\b")
_REFINE_ANY = re.compile(r"\b(?:only|just|instead|rather|seulement|uniquement|que des|qu'avec|sinon|keep it|keep them|"
                         r"(?:drop|remove|get rid of|skip) (?:the|those|them)|"
                         r"(?:enleve[rz]?|retire[rz]?|vire[rz]?|supprime[rz]?) (?:les|ceux|celles|ca)|"
                         r"make it|make them|plutot(?=\s+(?:avec|des|un|une|du|de la|les|le|la|en|sans|que|qu')\b|"
                         r"\s*[?.!,]*\s*$)|"
                         r"(?:older|newer|more recent|plus recents?|plus anciens?|plus vieux|earlier ones|later ones|"
                         r"plus recentes?|plus anciennes?|plus vieilles?)(?!\s+(?:than|que|qu')))\b")
_FRESH = re.compile(r"\b(?:i want|i'd like|i would like|suggest|recommend|show me|find me|looking for|give me|"
                    r"je veux|je voudrais|j'aimerais|propose|conseille|recommande|cherche|donne-moi|donne moi|"
                    r"t'as|tu as|tu aurais|vous avez|any good|des films|some films|some movies|films? (?:with|avec))")

#: How many characters before a genre its negation may start ("no horror", "pas de comédies").
GENRE_NEGATION_WINDOW = 40
#: How many characters before a person the negation may start ("without Tom Hanks", "sans Brad Pitt").
PEOPLE_NEGATION_WINDOW = 30
#: How many characters before a mood its negation may start ("not too scary", "rien de trop violent").
MOOD_NEGATION_WINDOW = 25
#: How many characters around an original language its film words ("a korean thriller") are looked for.
LANGUAGE_CONTEXT = 40
#: "recent", "nouveaux films": released from this year on.
RECENT_FROM = 2010
#: "old movies", "des vieux films", "classics": released up to this year.
OLD_UNTIL = 1979
#: What "recent" and "old movies" mean when no year is said beside them.
VAGUE_RECENT, VAGUE_OLD = (RECENT_FROM, None), (None, OLD_UNTIL)
#: "an hour and a half", "1h30": at most these minutes.
HOUR_AND_A_HALF = 90
#: "short", "pas trop long": at most these minutes.
SHORT_RUNTIME = 100
#: "well rated", "bonnes critiques": at least this rating (of 10).
WELL_RATED = 7.0
#: How many of the most popular titles count as "popular" (their words, a lowercase title mid-sentence).
POPULAR_TITLES = 3000
#: The rapidfuzz ratio from which words are a popular title with a typo ("the shawshank redemtion").
TITLE_TYPO_SCORE = 92
#: The rapidfuzz score from which a word is a typo of a genre word ("thriler", "commedy").
GENRE_TYPO_SCORE = 85


class Span(NamedTuple):
    """A constraint read in the message: characters ``start:end`` say ``slot`` is ``value``."""

    start: int
    end: int
    slot: str
    value: object

    @property
    def at(self) -> tuple[int, int]:
        return self.start, self.end


class FoundFilm(NamedTuple):
    """A film named in the message: how surely (``rank``, higher wins), what it resolved to, and where."""

    rank: tuple
    resolution: Resolution
    at: tuple[int, int]


@dataclass
class Understood:
    """A parsed message: its request, its language, and how the film was found."""

    request: Request
    language: Language
    said: Language | None  # what the message's own words say of its language, a film title's left out (None: nothing)
    film_span: str = ""
    resolution: Resolution | None = None
    attempted: str = ""  # a title-like span that matched no film ("unknown film" with suggestions)
    suggestions: list[int] = field(default_factory=list)


class PeopleIndex:
    """The cast names the catalogue knows, for exact and fuzzy lookup of folded word n-grams."""

    def __init__(self, films: dict[str, int]):
        """From ``{name: number of films}`` (one-word names are left out)."""
        counts = {name: n for name, n in films.items() if len(name.split()) >= 2}
        by_fold: dict[str, str] = {}
        for name in sorted(counts, key=lambda n: (-counts[n], n)):  # the better-known spelling wins a clash
            by_fold.setdefault(" ".join(_WORD.findall(fold(name))), name)
        self.by_fold = by_fold
        self.keys = list(by_fold)
        self.films = counts

    @cached_property
    def _surnames(self) -> dict[str, tuple[str, int, int]]:
        """Surname key -> (the best-known person of that surname, their films, the next one's films); built at
        the first surname looked up (not at start-up)."""
        table: dict[str, tuple[str, int, int]] = {}
        for name, films in self.films.items():
            parts = _WORD.findall(fold(name))
            keys = {surname_key(parts[-1:])}
            if len(parts) >= 3 and parts[-2] in PARTICLES:  # "Robert De Niro": "de niro" and "deniro"
                keys.add(surname_key(parts[-2:]))
            for key in keys:
                best, count, second = table.get(key, ("", 0, 0))
                table[key] = (name, films, count) if films > count else (best, count, max(second, films))
        return table

    def surname(self, key: str, min_films: int = 5) -> str | None:
        """The person a surname alone names ("Depardieu", "di caprio", "de niro"): the best-known one when they
        have at least ``min_films`` films and three times the films of the next of that surname; else ``None``."""
        name, count, second = self._surnames.get(key, ("", 0, 0))
        return name if count >= min_films and count >= 3 * max(second, 1) else None

    @cached_property
    def _first_names(self) -> dict[str, tuple[str, int, int]]:
        """First name -> (its best-known person, their films, the next one's films); built at the first use."""
        table: dict[str, tuple[str, int, int]] = {}
        for name, films in self.films.items():
            key = surname_key(_WORD.findall(fold(name))[:1])
            best, count, second = table.get(key, ("", 0, 0))
            table[key] = (name, films, count) if films > count else (best, count, max(second, films))
        return table

    def first_name(self, key: str, min_films: int = 15) -> str | None:
        """The person a rare first name alone names ("denzel", "keanu"): a well-known one, with five times the
        films of anyone else of that first name; else ``None`` ("tom", "emma" name many)."""
        name, count, second = self._first_names.get(key, ("", 0, 0))
        return name if count >= min_films and count >= 5 * max(second, 1) else None

    def exact(self, words: str) -> str | None:
        return self.by_fold.get(words)

    def fuzzy(self, words: str, cutoff: float = 90.0) -> str | None:
        if len(words) < 7:
            return None
        found = process.extractOne(words, self.keys, scorer=fuzz.ratio, score_cutoff=cutoff)
        return self.by_fold[found[0]] if found else None

    def named(self, words: list[str]) -> str | None:
        """The person these folded words name, exactly or (no filler at either end) with a typo; never fillers only."""
        if all(w in FILLER for w in words):
            return None
        text = " ".join(words)
        name = self.exact(text)
        if name is None and words[0] not in FILLER and words[-1] not in FILLER:
            name = self.fuzzy(text)
        return name


#: Surname particles: "De Niro", "Di Caprio", "Van Damme", "Del Toro".
PARTICLES = frozenset({"de", "di", "da", "del", "della", "van", "von", "le", "du", "mc", "mac", "st", "der", "den",
                       "dos", "das", "ter", "ten", "o"})


def surname_key(words: list[str]) -> str:
    """Folded surname words as one key: ["di", "caprio"] and ["dicaprio"] -> "dicaprio"."""
    return re.sub(r"[\s'’-]+", "", "".join(words))


def language_signal(message: str) -> Language | None:
    """``"fr"`` or ``"en"`` when the message's own words say so, ``None`` when they do not ("Heat", "ok")."""
    words = [w for w in _WORD.findall(fold(message))]
    french = sum(w in FRENCH_WORDS for w in words) + sum(w.startswith(("j'", "qu'", "d'", "l'", "c'", "t'", "n'"))
                                                         for w in words)
    english = sum(w in ENGLISH_WORDS for w in words)
    if french == english:
        return None
    return "fr" if french > english else "en"


def detect_language(message: str) -> Language:
    """``"fr"`` when French words outnumber English ones, else ``"en"``."""
    return language_signal(message) or "en"


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _negated(folded: str, start: int, window: int, cue: re.Pattern[str] = _EXCLUDE_BEFORE) -> bool:
    """True when a negation ``cue`` ends right before ``start``, within ``window`` characters."""
    return bool(cue.search(folded[max(0, start - window):start]))


# -- constraints: one reader per kind, in this order (a span read first blocks the later ones) ------------------------
class _Reading:
    """The constraints read so far; a new one may overlap neither them nor the blocked spans (a title, a critique)."""

    def __init__(self, blocked: list[tuple[int, int]]):
        self.blocked, self.spans = blocked, []

    def free(self, start: int, end: int) -> bool:
        return not any(_overlaps((start, end), b) for b in self.blocked) and \
            not any(_overlaps((start, end), s.at) for s in self.spans)

    def add(self, start: int, end: int, slot: str, value: object) -> None:
        if self.free(start, end):
            self.spans.append(Span(start, end, slot, value))

    def rules(self, folded: str, slot: str, rules: list[tuple[re.Pattern[str], object]]) -> None:
        """Every match of each rule, in order: its value, or ``value(match)`` (``None``: not this slot after all)."""
        for pattern, value in rules:
            for m in pattern.finditer(folded):
                found = value(m) if callable(value) else value
                if found is not None:
                    self.add(m.start(), m.end(), slot, found)


def _since(m: re.Match[str]) -> tuple[int, None] | None:
    """"since 2000", "from 2000 onwards" (not a bare "from 2000")."""
    words = m[0].split()
    onwards = words[0] in ("since", "depuis", "a", "starting") or len(words) > 2 and \
        words[-1] in ("onwards", "onward", "on", "later", "after", "apres", "plus")
    return (int(m[1]), None) if onwards else None


def _decade_word(m: re.Match[str]) -> tuple[int, int] | None:
    """"the eighties", "les années quatre-vingt" (a bare French number is no decade)."""
    if m[1] in ("sixties", "seventies", "eighties", "nineties") or m[0].startswith("annee"):
        start = _DECADE_WORDS[m[1]]
        return start, start + 9
    return None


#: A minimum's words just before a duration ("at least 1h30", "d'au moins une heure et demie").
_MIN_BEFORE = re.compile(r"(?:at least|au moins|minimum|more than|longer than|\bover|plus de|plus d'|pas moins d[e'])\s*$")


def _budget(m: re.Match[str], minutes: int) -> int | None:
    """A bare duration ("1h30", "an hour and a half") is a time budget (at most), unless a minimum's words say
    otherwise (then the minimum's rule reads it)."""
    return None if _MIN_BEFORE.search(m.string[max(0, m.start() - 16):m.start()]) else minutes


def _duration(m: re.Match[str]) -> int:
    """The minutes of a matched ``_NUMBER + _UNIT`` ("2h30", "90 min", "une heure et demie")."""
    return _minutes(m[1], m[2], m[3], "demi" in m[0] or "half" in m[0])


def _rating(text: str) -> float:
    return float(text.replace(",", "."))


#: "than 2005", "que 1980": what follows a comparative that makes it a bound on the years, not a critique.
_THAN_YEAR = r"(?!\s+(?:than|que|qu')\s*(?:19|20)\d\d)"
_RELATIVE = [
    (re.compile(r"\b(?:older|earlier ones|further back|plus (?:anciens?|anciennes?|vieux|vieilles?)|moins recents?|"
                r"plus loin dans le temps)\b" + _THAN_YEAR), "older"),
    (re.compile(r"\b(?:newer|more recent|later ones|plus recent(?:e|s|es)?|moins vieux|plus jeunes?)\b" + _THAN_YEAR),
     "newer"),
    # not "pas plus long que 1h40" (a runtime's bound, read by the runtime rules)
    (re.compile(r"\b(?:shorter|less long|plus courts?|plus courtes?|moins longs?|moins longues?)\b(?!\s+(?:than|que|qu'))"),
     "shorter"),
    (re.compile(r"\b(?:longer|plus longs?|plus longues?|moins courts?|moins courtes?)\b(?!\s+(?:than|que|qu'))"), "longer"),
]
#: "lighter", "moins flippant", "une pépite méconnue", "surprise me".
_DIRECTIONS = [(cue, name) for name, cue in DIRECTION_CUES]
_DECADE = r"((?:19|20)?\d0)"
#: Decades open on one side, read before the relative words: "the 80s or older", "des années 70 ou plus vieux".
_OPEN_DECADES = [
    (re.compile(r"\b(?:(?:des |les |the )?annees?\s+|the\s+|'|’)?" + _DECADE + r"\s*'?s?\s*(?:or|ou|and|et)\s+"
                r"(?:older|earlier|before|plus (?:vieux|vieilles?|anciens?|anciennes?|tot)|avant)\b"),
     lambda m: _open_decade(m, older=True)),
    (re.compile(r"\b(?:(?:des |les |the )?annees?\s+|the\s+|'|’)?" + _DECADE + r"\s*'?s?\s*(?:or|ou|and|et)\s+"
                r"(?:newer|later|after|more recent|plus recent(?:e|s|es)?|apres)\b"),
     lambda m: _open_decade(m, older=False)),
]
_YEARS = [
    (re.compile(r"\b(?:between|entre)\s+" + YEAR + r"\s+(?:and|et|-|to)\s+" + YEAR + r"\b"),
     lambda m: (int(m[1]), int(m[2]))),
    # two decades: "the 50s or 60s", "80s/90s", "des années 80 ou 90", "années 70-80"
    (re.compile(r"\b(?:the\s+|'|’)?" + _DECADE + r"'?s?\s*(?:or|and|to|-|/|&)\s*(?:the\s+)?['’]?" + _DECADE + r"'?s\b"),
     lambda m: _decades(m[1], m[2])),
    (re.compile(r"\bannees?\s+" + _DECADE + r"\s*(?:ou|et|a|-|/|&)\s*(?:les\s+|des\s+)?(?:annees?\s+)?" + _DECADE +
                r"\b"), lambda m: _decades(m[1], m[2])),
    (re.compile(r"\b" + YEAR + r"\s*(?:-|–|to|a)\s*" + YEAR + r"\b"), lambda m: (int(m[1]), int(m[2]))),
    # "nothing older than 2000", "not before 1990", "rien d'avant 2000": a minimum (and "nothing after 1980" a maximum)
    (re.compile(r"\b(?:nothing|not|no|none|rien|pas)\s+(?:(?:d'|de\s+)?(?:older|earlier)\s+than|(?:d'|de\s+)?avant|"
                r"before|(?:de\s+)?plus (?:vieux|anciens?|vieilles?|anciennes?) que|anterieurs? a)[\s-]+" + YEAR + r"\b"),
     lambda m: (int(m[1]), None)),
    (re.compile(r"\b(?:nothing|not|no|none|rien|pas)\s+(?:(?:newer|later|more recent)\s+than|(?:d')?apres|after|"
                r"(?:de\s+)?plus recents? que|posterieurs? a)[\s-]+" + YEAR + r"\b"),
     lambda m: (None, int(m[1]))),
    (re.compile(r"\b(?:after|apres|post|later than|newer than|more recent than|plus recents? que|posterieurs? a)"
                r"[\s-]+" + YEAR + r"\b"), lambda m: (int(m[1]) + 1, None)),
    (re.compile(r"\b(?:since|depuis|a partir de|starting(?: from| in)?|from)\s+" + YEAR +
                r"(?:\s+(?:onwards?|on|and later|or later|and after|ou apres|et apres|et plus))?\b"), _since),
    (re.compile(YEAR + r"\s+(?:and later|or later|and after|onwards?|ou apres|et apres|et plus|or newer|and newer|"
                r"ou plus recents?|(?:au )?minimum|mini(?:mum)?)\b"),
     lambda m: (int(m[1]), None)),
    (re.compile(r"\b(?:before|avant|pre|older than|earlier than|plus (?:vieux|anciens?) que|anterieurs? a|prior to)"
                r"[\s-]+" + YEAR + r"\b"),
     lambda m: (None, int(m[1]) - 1)),
    (re.compile(r"\b(?:until|up to|jusqu'(?:a|en)|au plus tard en)\s+" + YEAR + r"\b"), lambda m: (None, int(m[1]))),
    (re.compile(r"\b(?:(?:des |les |the |in the |from the |of the )?annees?\s+|the\s+|'|’)?((?:19|20)?\d0)\s*'?s\b"),
     lambda m: _decade(m[1])),
    (re.compile(r"\bannees?\s+((?:19|20)?\d0)\b"), lambda m: _decade(m[1])),
    (re.compile(r"\b(?:annees?\s+)?(" + "|".join(sorted(_DECADE_WORDS, key=len, reverse=True)) + r")\b"),
     _decade_word),
    (re.compile(r"\b" + YEAR + r"\b"), lambda m: (int(m[1]), int(m[1]))),
    (re.compile(r"\b(?:recent|recents|recente|recentes|latest|newest|nouveaux films|new (?:films?|movies?)"
                r"|derniers films)\b"), lambda m: VAGUE_RECENT),
    # "old" of films ("old movies", "something old"), not of a plot's "old mansion" or "vieille femme"
    (re.compile(r"\b(?:old(?= (?:films?|movies?|ones?|stuff|classics?|westerns?|comed\w*|horror|"
                r"black and white))|(?<!year )(?<!year-)old(?=\s*[?.!,]*\s*$)|oldies|classic|classics|classiques?|"
                r"vieux (?:films?|trucs?|classiques?)|(?:des |du )vieux(?=\s*[?.!,]*\s*$)|"
                r"vieilles? (?:comedies|films?)|old[- ]school|anciens films?|(?:in |en )?black and white|"
                r"(?:en )?noir et blanc)\b"), lambda m: VAGUE_OLD),
]
_NUMBER = r"(\d+(?:[.,]\d+)?|one|two|three|four|un|une|deux|trois|quatre)"
#: A duration's unit, its minutes after hours ("2h30", "1 h 45") or its half ("two and a half hours").
_UNIT = (r"\s*(h(?:ours?|rs?|eures?)?|min(?:utes?|s)?|mn)(?:\b|(?=\d))(?:\s*(\d\d|dix|quinze|vingt|trente|quarante|"
         r"cinquante)\b|\s*(?:and a half|et demie?))?")
#: Minutes said after the hours ("une heure quarante").
_MINUTE_WORDS = {"dix": 10, "quinze": 15, "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50}
#: Not a time budget when a bound comes before: "de plus de 2h30", "more than 1h30" are minimums.
_NOT_A_BOUND = (r"(?<!plus )(?<!plus de )(?<!plus d')(?<!moins )(?<!moins de )(?<!moins d')(?<!than )(?<!over )"
                r"(?<!least )(?<!moins )")
_RUNTIME = [
    (re.compile(r"\b(?:under|less than|shorter than|max(?:imum)?|at most|no more than|not more than|"
                r"(?:not|no|(?:is|are|was)n[’']?t) longer than|nothing (?:over|above|longer than|more than)|not over|"
                r"below|within|moins d'|moins de|pas plus de|pas plus d'|pas plus longs? que|au plus|"
                r"au maximum|maxi|en moins de|inferieure? a|(?:qui )?ne depass\w* pas|<=?)\s*" + _NUMBER + _UNIT),
     _duration),
    (re.compile(r"\b(\d)\s*h\s*(\d\d)?\s*(?:max(?:imum)?|maxi|at most|tops|au plus|grand max)\b"),
     lambda m: _minutes(m[1], "h", m[2], False)),
    # "remove the ones over 2 hours", "enlève les films de plus de 2h": what is removed is the longer films
    (re.compile(r"\b(?:remove|drop|get rid of|skip|no|without|enleve[rz]?|retire[rz]?|vire[rz]?|supprime[rz]?|sans|"
                r"pas de)\s+(?:the |les |des |those |ceux |celles )?(?:films? |movies? |ones? |trucs? )?"
                r"(?:de |of |that are |qui font )?"
                r"(?:over|more than|longer than|above|plus de|plus d'|au-dessus de)\s*" + _NUMBER + _UNIT),
     _duration),
    # "90 minutes or less", "two hours tops", "100 min maximum"
    (re.compile(r"\b" + _NUMBER + _UNIT + r"\s*(?:or less|or shorter|ou moins|max(?:imum)?|maxi|at most|tops|au plus|"
                r"grand max)\b"), _duration),
    (re.compile(r"\b(?:under|less than|moins d'|moins de)\s*(?:an|une)\s*(?:hour|heure)\s*(?:and a half|"
                r"et demie)\b"), HOUR_AND_A_HALF),
    (re.compile(r"\b(?:(?:only )?(?:have |got )?(?:about |around |roughly |environ |a peine |juste )?)"
                r"(?:an|one|une)\s+(?:hour|heure)\s+(?:and a half|et demie)\b"), lambda m: _budget(m, HOUR_AND_A_HALF)),
    (re.compile(_NOT_A_BOUND + r"\b(?:about |around |environ |en |de )?1\s*h\s*30\b"), lambda m: _budget(m, HOUR_AND_A_HALF)),
    # "genre 1h20", "about 1h40", "en 1h15": a time budget, so at most that
    (re.compile(_NOT_A_BOUND + r"\b(?:about|around|roughly|environ|genre|en|de|max|maxi)\s+([1-3])\s*h\s*([0-5]\d)\b"),
     lambda m: _budget(m, _minutes(m[1], "h", m[2], False))),
    (re.compile(r"\b(?:short|courts?|courte|(?:not|nothing|(?:is|are|was)n[’']?t) (?:too|that|very|so|overly) long|"
                r"(?:pas|rien de) (?:trop|tres|si) longs?|pas (?:trop|tres|si) longues?)\b"), SHORT_RUNTIME),
]
#: "at least 2h30", "d'au moins 1h45", "more than two hours", "2 hours or more": a minimum runtime (read before the
#: rating: "at least 2h30" is no rating of 2).
_MIN_RUNTIME = [
    (re.compile(r"(?:\bat least|\bau moins|\bminimum|\bmore than|\blonger than|\bover|\bplus de|\bplus d'|"
                r"\bupwards of|\bpas moins d[e']|>=?)\s*" + _NUMBER + _UNIT),
     _duration),
    (re.compile(r"\b" + _NUMBER + _UNIT + r"\s*(?:minimum|or more|ou plus|et plus|and up|or longer|at least|au moins)\b"),
     _duration),
    (re.compile(r"\b" + _NUMBER + _UNIT + r"\s*\+"), _duration),  # "a 2h+ epic"
]
_RATING = [
    (re.compile(r"\b(?:well|highly|high|top|best|tres bien|bien|mieux)[- ]?(?:rated|reviewed|notee?s?)\b|"
                r"\bgood (?:reviews|ratings?|scores?|notes)\b|\bcritically acclaimed\b|\bacclaimed\b|"
                r"\bacclamee?s?\b|\bbonnes? (?:critiques?|notes?)\b|\bbien accueillie?s?\b"), WELL_RATED),
    (re.compile(r"\b(?:rated|rating|notee?s?|note|score[ds]?|imdb|tmdb)\s*(?:of|de|d'|a|:)?\s*"
                r"(?:at least|au moins|above|over|plus de|more than|superieure? a|minimum|min|>=?)?\s*"
                r"(\d{1,2}(?:[.,]\d)?)(?:\s*/\s*10|\s*\+)?"),
     lambda m: value if (value := _rating(m[1])) <= 10 else None),
    (re.compile(r"(?:\babove|\bover|at least|au moins|plus de|more than|minimum|\bmin\b|superieure? a|"
                r"au[- ]dessus d[e']|>=?)"
                r"\s*(\d(?:[.,]\d)?)(?!\s*(?:h\b|hours?|heures?|min|minutes?|mn|ans|years?|films?|"
                r"movies?|\d))"), lambda m: _rating(m[1])),
    (re.compile(r"\b(\d(?:[.,]\d)?)\s*(?:\+|/\s*10\b|stars?\b|etoiles?\b|or more\b|ou plus\b)"),
     lambda m: _rating(m[1])),
]
#: The slots read by rules alone, in order: relative years before years ("plus récent"), the runtime before the
#: rating ("under 2 hours" is not a rating).
_RULES = [("years", _OPEN_DECADES), ("relative", _RELATIVE), ("direction", _DIRECTIONS), ("years", _YEARS), ("max_runtime", _RUNTIME),
          ("min_runtime", _MIN_RUNTIME), ("min_rating", _RATING)]
#: Original languages: "in korean", "un film coréen", "korean-language".
_LANGUAGE_WORDS = [(code, re.compile(r"\b(in |en )?(?:" + language.pattern + r")([- ]language|[- ]speaking)?\b"))
                   for code, language in LANGUAGES.items()]
_ABOUT = re.compile(r"\b(?:about|sur|qui parlent? d[e']|a propos d[e']|themed around|centered on)\s*"
                    r"(?:(?:the|a|an|les|la|le|l'|des|du|un|une|de|d')\s*)?([a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?)")
#: A theme word next to "films" or "with": "films de boxe", "boxing movies", "avec des dragons".
_THEME_NEAR = [re.compile(r"\b(?:films?|movies?) (?:de |d'|sur |about |with |avec des |avec )(?:la |le |les |l'|the )?"
                          r"([a-z]+)\b"), re.compile(r"\b([a-z]+) (?:films?|movies?)\b"),
               re.compile(r"\b(?:with|avec des|avec)\s+([a-z]+)\b")]


def _language(reading: _Reading, folded: str) -> None:
    """The film's original language ("a korean thriller", "en français"), not that of a plot's soldiers."""
    for code, pattern in _LANGUAGE_WORDS:
        for m in pattern.finditer(folded):
            before = re.findall(r"[a-z']+", folded[max(0, m.start() - LANGUAGE_CONTEXT):m.start()])[-3:]
            after = re.findall(r"[a-z']+", folded[m.end():m.end() + LANGUAGE_CONTEXT])[:2]
            last = not re.search(r"[a-z]", folded[m.end():])  # "revenge thriller, violent, korean"
            subtitles = re.match(r"\s*(?:subtitles?|subs|dub\w*)\b", folded[m.end():])
            if _NOT_LANGUAGE.search(folded[max(0, m.start() - 24):m.start()]) or subtitles or \
                    re.search(r"(?:sous[- ]titres?|sous[- ]titrees?|double|doublee?s?|vost)\s*(?:en\s+)?$",
                              folded[max(0, m.start() - 24):m.start()]):
                # "not in english please, something in spanish", "with english subtitles": said, not wanted
                reading.add(m.start(), m.end() + (subtitles.end() if subtitles else 0), "unwanted", code)
                continue
            if m[1] or m[2] or last or set(before) & _FILM_WORDS or set(after) & _FILM_WORDS:
                reading.add(m.start(), m.end(), "original_language", code)


def _genre_words(folded: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Every genre word of the message, typos included ("thriler", "commedy", "animted")."""
    found = [(m.start(), m.end(), genres) for pattern, genres in GENRE_WORDS for m in re.finditer(pattern, folded)]
    for m in _WORD.finditer(folded):
        word = _bare(m.group())  # "d'horeur" -> "horeur"
        if len(word) >= 5 and word not in FILLER and not any(s <= m.start() < e for s, e, _ in found):
            close = process.extractOne(word, list(GENRE_VOCABULARY), scorer=fuzz.ratio, score_cutoff=GENRE_TYPO_SCORE)
            if close is not None:
                found.append((m.start(), m.end(), GENRE_VOCABULARY[close[0]]))
    return found


def _genres(reading: _Reading, folded: str) -> None:
    """Genres, included or excluded; "no horror or animation": an exclusion carries along a list."""
    last: tuple[int, bool] | None = None  # the end of the previous genre word, and whether it was excluded
    for start, end, genres in sorted(_genre_words(folded), key=lambda g: (g[0], -g[1])):
        if not reading.free(start, end):
            continue
        excluded = _negated(folded, start, GENRE_NEGATION_WINDOW) or \
            (last is not None and last[1] and bool(_CHAIN.match(folded[last[0]:start])))
        last = (end, excluded)
        reading.add(start, end, "without_genres" if excluded else "genres", genres)


def _moods(reading: _Reading, folded: str) -> None:
    """Moods and themes by their words; a negated one ("not too scary") is read only to be skipped."""
    for mood in MOODS.values():
        for m in re.finditer(mood.pattern, folded):
            too = _TOO_BEFORE.search(folded[max(0, m.start() - 20):m.start()])
            negated = too is not None or _negated(folded, m.start(), MOOD_NEGATION_WINDOW, _NOT_BEFORE)
            start = m.start() - (len(too[0]) if too else 0)  # "way too dark" is said of the answer, all of it
            reading.add(start, m.end(), "skip" if negated else "mood", mood.name)


def _themes(reading: _Reading, folded: str) -> None:
    """Known themes: "about sharks", "un film sur les requins", "films de boxe", "avec des dragons"."""
    for m in _ABOUT.finditer(folded):
        words = m[1].split()
        two = " ".join(words[:2])
        theme, end = (THEME_TRANSLATIONS[two], m.end(1)) if two in THEME_TRANSLATIONS else \
            (THEME_TRANSLATIONS.get(words[0], words[0]), m.start(1) + len(words[0]))
        # a known theme only: any other subject ("about a great white...") is left to the description
        known = two in THEME_TRANSLATIONS or words[0] in THEME_WORDS or theme in MOODS
        if known and words[0] not in FILLER and len(words[0]) > 2:
            reading.add(m.start(1), end, "mood", theme)
    for pattern in _THEME_NEAR:
        for m in pattern.finditer(folded):
            if m[1] in THEME_WORDS:
                reading.add(m.start(1), m.end(1), "mood", THEME_TRANSLATIONS.get(m[1], m[1]))


def _people(reading: _Reading, folded: str, people: PeopleIndex, message: str = "",
            common: Callable[[str], bool] = lambda word: True) -> None:
    """Cast members (three words, then two, then a surname alone), included or excluded."""
    words = list(_WORD.finditer(folded))
    found = []
    for n in (3, 2):
        for i in range(len(words) - n + 1):
            start, end = words[i].start(), words[i + n - 1].end()
            if reading.free(start, end) and (name := people.named([w.group() for w in words[i:i + n]])) is not None:
                found.append((start, end, name))
                reading.add(start, end, "without_people" if _negated(folded, start, PEOPLE_NEGATION_WINDOW)
                            else "people", name)
    if message:
        for start, end, name in _named_by_surname(words, message, reading, people, common):
            reading.add(start, end, "without_people" if _negated(folded, start, PEOPLE_NEGATION_WINDOW)
                        else "people", name)


def _named_by_surname(words: list[re.Match], message: str, reading: _Reading, people: PeopleIndex,
              common: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    """People named by their surname alone ("un film avec Depardieu", "de niro and al pacino"): a well-known,
    unambiguous surname (see :meth:`PeopleIndex.surname`), written with a capital inside a sentence, or else not a
    word of the catalogue's popular titles after "with", "avec", "starring"… or opening the message ("a movie with
    freeman narrating", "hanks and a bit of comedy"; not
    "sleeps in a coffin"; "stone", "cage", "ford" must be capitalised mid-sentence)."""
    found = []
    for i, word in enumerate(words):
        for n in (2, 1):
            chunk = words[i:i + n]
            if len(chunk) < n or (n == 2 and chunk[0].group() not in PARTICLES):
                continue
            start, end, last = chunk[0].start(), chunk[-1].end(), chunk[-1].group()
            key = surname_key([w.group() for w in chunk])
            if len(key) < 4 or last in FILLER or last in GENRE_VOCABULARY or last in MOODS or last in THEME_WORDS \
                    or not reading.free(start, end) or any(s < end and start < e for s, e, _ in found):
                continue
            name, first = people.surname(key), False
            if name is None and n == 1:
                name, first = people.first_name(key), True  # "a crime movie with denzel"
            if name is None:
                continue
            capital = message[start:start + 1].isupper() and not re.search(r"(?:^|[.!?]\s*)$", message[:start])
            cued = bool(_PERSON_BEFORE.search(message[max(0, start - 24):start].lower())) or \
                (not message[:start].strip() and not first)  # "hanks and a bit of comedy": opening the message
            if (capital and not first) or (cued and len(key) >= 5 and not common(last)):
                found.append((start, end, name))
                break
    return found


def _constraints(folded: str, blocked: list[tuple[int, int]], people: PeopleIndex, message: str = "",
                 common: Callable[[str], bool] = lambda word: True) -> list[Span]:
    """The constraints of the message outside ``blocked``, the earlier kinds first (surnames alone are read when
    the original ``message`` is given: its capitals count)."""
    reading = _Reading(blocked)
    for slot, rules in _RULES:
        reading.rules(folded, slot, rules)
    for read in (_language, _genres, _moods, _themes):
        read(reading, folded)
    _people(reading, folded, people, message, common)
    return reading.spans


def _vague(span: Span) -> bool:
    return span.slot == "years" and span.value in (VAGUE_RECENT, VAGUE_OLD) or \
        span.slot == "max_runtime" and span.value == SHORT_RUNTIME


def _fill(request: Request, spans: list[Span]) -> None:
    """The request's slots from the constraints read (a genre also excluded is dropped); a vague word ("recent",
    "short", "black and white") gives way to a number said beside it ("short, about 1h20", "old sci-fi from the
    50s", "in black and white, made after 2015")."""
    said = {s.slot for s in spans if not _vague(s)}
    for span in (s for s in spans if not (_vague(s) and s.slot in said)):
        slot, value = span.slot, span.value
        if slot == "direction":
            if value not in request.directions:
                request.directions.append(value)
        elif slot in ("genres", "without_genres"):
            target = getattr(request, slot)
            target += [g for g in value if g not in target]
        elif slot in ("people", "without_people", "mood"):
            target = getattr(request, slot)
            if value not in target:
                target.append(value)
        elif slot == "years":
            low, high = value
            request.year_min = low if low is not None else request.year_min
            request.year_max = high if high is not None else request.year_max
        elif slot in ("min_rating", "max_runtime", "min_runtime", "original_language", "relative"):
            setattr(request, slot, value)
    request.genres = [g for g in request.genres if g not in request.without_genres]


class Parser:
    """Messages -> :class:`Understood`, with the catalogue's titles and cast names."""

    def __init__(self, resolver: TitleResolver, people: PeopleIndex, known_word: Callable[[str], bool] | None = None,
                 translations: Callable[[str], list[int]] | None = None):
        """``known_word``: whether a word occurs in the catalogue's texts (a one-word description must);
        ``translations``: films whose title means what a named, unknown title says in another language ("le silence
        des agneaux"), offered first among the suggestions."""
        self.resolver, self.people = resolver, people
        self.known_word = known_word or (lambda word: word in THEME_WORDS or word in MOODS)
        self.translations = translations

    # -- films --------------------------------------------------------------------------------
    def _title_spans(self, message: str) -> list[tuple[int, list[tuple[int, int]]]]:
        """Candidate title spans ``(priority, [(start, end), ...])``: quoted (0), after a cue (1)."""
        groups: list[tuple[int, list[tuple[int, int]]]] = []
        for match in _QUOTED.finditer(message):
            group = 1 if match.group(1) is not None else 2
            groups.append((0, [(match.start(group), match.end(group))]))
        folded = fold(message)
        for cue in _CUES.finditer(folded):
            words = [m for m in _WORD.finditer(message, cue.end())][:14]  # "The Lord of the Rings: The Fellowship of the Ring"
            if words and words[0].group() in _PRONOUNS:
                continue  # "another one like them", "more like it": no "Them!", no "It"
            spans = []
            for n in range(len(words), 0, -1):
                start, end = words[0].start(), words[n - 1].end()
                if re.search(r"[,.;!?]", message[start:end]):
                    continue  # a title rarely spans punctuation
                spans.append((start, end))
            groups.append((1, spans))
        for cue in _POST_CUES.finditer(folded):
            words = [m for m in _WORD.finditer(message, 0, cue.start())][-8:]
            spans = []
            for i in range(len(words)):  # suffixes that start a sentence (or follow "j'ai revu")
                start, end = words[i].start(), words[-1].end()
                if _CUE_BEFORE.search(folded[:start]) and not re.search(r"[,.;!?]", message[start:end]):
                    spans.append((start, end))
            if spans:
                groups.append((1, spans))
        return groups

    @cached_property
    def _title_words(self) -> frozenset[str]:
        """The words of the catalogue's most popular titles (read at the first surname that needs them)."""
        return frozenset(w for key in self.resolver.keys[:POPULAR_TITLES] for w in key.split())

    def _title_word(self, word: str) -> bool:
        return word in self._title_words

    def _meaningful(self, text: str) -> bool:
        words = _WORD.findall(fold(text))
        return bool(words) and not all(w in FILLER for w in words)

    def _exact(self, message: str, start: int, end: int) -> Resolution | None:
        span = message[start:end].strip(" ,.;:!?¿¡\"'«»")
        if re.fullmatch(r"(?:19|20)\d\d", span):  # "après 2010" is a year, not the film "2010"
            return None
        if not self._meaningful(span):
            return None
        found = self.resolver.resolve_exact(span)
        version = _TRAILING_VERSION.fullmatch(span) if found is None else None
        if version and re.search(r"[^\W\d]{3}", version["title"]):  # "Scarface from '83", "the thing from 82"
            titled = self.resolver.resolve_exact(version["title"])
            found = self._of_year(titled, version["year"]) if titled else None
        return found

    # -- the whole message ----------------------------------------------------------------------
    def parse(self, message: str) -> Understood:
        folded = fold(message)
        language = detect_language(message)
        # 0. a critique of one film of the last answer ("more like the second one"): its words are no title
        critique = _PIVOT.search(folded) or _PIVOT_LIKED.search(folded) or _REJECT.search(folded)
        alone = _ORDINAL_ALONE.fullmatch(folded)
        if critique is None and alone:  # "the tenth one?", "et le troisième ?": about that film of the answer
            return Understood(Request(action="why", position=_position(alone.group(1))), language,
                              language_signal(message))
        critiqued = [(critique.start(), critique.end())] if critique else []
        # 1. a quoted or cued title
        groups = [(p, [sp for sp in g if not any(_overlaps(sp, c) for c in critiqued)])
                  for p, g in self._title_spans(message)]
        film = self._cued_film(message, groups)
        # 1b. more liked films after it ("I loved Amélie and Midnight in Paris")
        linked = self._linked(message, folded, film.at, critiqued) if film else []
        # 2. constraints around it
        blocked = ([film.at] if film else []) + critiqued + [span for _, span in linked]
        spans = _constraints(folded, blocked, self.people, message, self._title_word)
        covered = [s.at for s in spans] + critiqued
        # 3. a title anywhere else in what is left ("heat 1995", "the matrix", a typo)
        attempted, attempted_span, suggestions = "", None, []  # a named film the catalogue does not know
        if film is None:
            film = self._leftover_title(message, covered, bool(spans), [s.at for s in spans if s.slot == "mood"])
        if film is None:
            film = self._typo_title(message, covered)
        if film is None:
            film, attempted, attempted_span, suggestions = self._guessed(message, groups, spans, covered)
        if film is not None:  # "King Kong de 2005", "the godzilla from '98": which film, not a constraint
            film = self._version(message, film)
        if film is not None and not linked:  # a film found in what was left ("Heat, Ronin and Collateral")
            linked = self._linked(message, folded, film.at, critiqued)
            spans = [s for s in spans if not any(_overlaps(s.at, span) for _, span in linked)]
        request = Request()
        if film is not None:
            spans = [s for s in spans if not _overlaps(s.at, film.at)]
            film, linked = _first_named(film, linked)
            request.film = film.resolution.film_id
        request.liked = list(dict.fromkeys(r.film_id for r, _ in linked if r.film_id != request.film))
        _fill(request, spans)
        if film is not None and _VIBE.search(folded):
            request.vibe = True
        request.description = self._description(message, folded, spans, film.at if film else attempted_span,
                                                critiqued + [span for _, span in linked])
        self._action(request, folded, film is not None)
        if film is not None and request.action == "new" and request.directions:  # "like fargo but funnier"
            request.mood += [m for d in request.directions if (m := _AS_MOOD.get(d)) and m not in request.mood]
            request.directions = [d for d in request.directions if d not in _AS_MOOD]
        if film is not None and request.action == "new" and (_ALSO_BEFORE.search(folded[:film.at[0]])
                                                              or _ALSO_AFTER.search(folded[film.at[1]:])):
            request.action = "refine"  # "j'ai aussi adoré X": one more liked film for the conversation
            request.liked, request.film = [request.film] + request.liked, None
        if critique is not None:  # "more like the second one" / "pas le troisième"
            request.action = "reject" if critique.re is _REJECT else "pivot"
            request.position = _position(next(g for g in critique.groups() if g))
        film_span = message[film.at[0]:film.at[1]] if film else ""
        # a title's words say nothing of the user's language ("des films comme The Lives of Others")
        said = language_signal(message[:film.at[0]] + " " + message[film.at[1]:] if film_span else message)
        return Understood(request, said or language, said, film_span, film.resolution if film else None, attempted,
                          suggestions[:5])

    @cached_property
    def _popular_keys(self) -> list[str]:
        return self.resolver.keys[:POPULAR_TITLES]

    def _typo_title(self, message: str, covered: list[tuple[int, int]]) -> FoundFilm | None:
        """A popular title written with a typo among the words no constraint took ("just finished the shawshank
        redemtion"): a run of 2-7 words holding a word the catalogue's texts do not know, within a ratio of
        :data:`TITLE_TYPO_SCORE` of one of the :data:`POPULAR_TITLES` most popular titles."""
        words = [w for w in _WORD.finditer(message) if not any(_overlaps((w.start(), w.end()), c) for c in covered)]
        unknown = {i for i, w in enumerate(words) if (f := fold(w.group())) not in FILLER and not f.isdigit()
                   and not self.known_word(f)}
        best = None
        for i in range(len(words)):
            for j in range(i + 2, min(len(words), i + 7) + 1):
                start, end = words[i].start(), words[j - 1].end()
                if re.search(r"[,.;!?]", message[start:end]) or any(start <= c[0] < end for c in covered):
                    break
                if not unknown & set(range(i, j)) or len(key := normalise(message[start:end])) < 10:
                    continue
                found = process.extractOne(key, self._popular_keys, scorer=fuzz.ratio, score_cutoff=TITLE_TYPO_SCORE)
                if found and found[1] < 100 and (best is None or (found[1], j - i) > best[0]):
                    best = ((found[1], j - i), found[0], (start, end))
        if best is None:
            return None
        films = self.resolver.films(best[1])
        resolution = Resolution(message[best[2][0]:best[2][1]], "fuzzy", films[0], best[0][0], films[1:])
        return FoundFilm((0, best[0]), resolution, best[2])

    def _popular(self, film_id: int | None) -> bool:
        popular = getattr(self.resolver, "popular", None)
        return film_id is not None and popular is not None and popular(film_id)

    def _version(self, message: str, film: FoundFilm) -> FoundFilm:
        """The film of the year said right after its title ("King Kong de 2005", "dune (the 1984 version)", "the
        godzilla from '98"), the year then taken with the title; the film as found when no film of that title has
        that year (the year is then a constraint)."""
        after = _VERSION_AFTER.match(message, film.at[1])
        chosen = self._of_year(film.resolution, after["year"]) if after else None
        return FoundFilm(film.rank, chosen, (film.at[0], after.end())) if chosen else film

    def _of_year(self, resolution: Resolution, year: str) -> Resolution | None:
        """The film of ``resolution`` (or one of its same-title alternatives) released in ``year`` ("1976", "'98",
        "82"), or ``None``."""
        years = getattr(self.resolver, "years", None)
        if years is None:
            return None
        year = int(year) if len(year) == 4 else 1900 + int(year) if int(year) >= 30 else 2000 + int(year)
        films = [resolution.film_id] + list(resolution.alternatives)
        for candidate in films:
            if (found := years.get(candidate)) is not None and found is not pd.NA and int(found) == year:
                return Resolution(resolution.query, resolution.status, candidate, resolution.score,
                                  [f for f in films if f != candidate])
        return None

    def _cued_film(self, message: str, groups: list[tuple[int, list[tuple[int, int]]]]) -> FoundFilm | None:
        """The exact title among the quoted and cued spans: quoted first, then the longest; not a title cut short
        ("comme le silence des agneaux" is no "The Silence")."""
        film = None
        for priority, spans in groups:
            for start, end in spans:
                if priority and self._goes_on(message, end):
                    continue
                found = self._exact(message, start, end)
                if found is not None:
                    rank = (-priority, end - start)
                    if film is None or rank > film.rank:
                        film = FoundFilm(rank, found, (start, end))
        return film

    def _goes_on(self, message: str, end: int) -> bool:
        """Whether a title span is followed by its own complement in lower case ("le silence| des agneaux", "the
        silence| of the lambs"): a word of no constraint, no filler and no known surname."""
        more = _TITLE_GOES_ON.match(message, end)
        if more is None or not more[1].islower():
            return False
        word = fold(more[1])
        return not (word in FILLER or word in GENRE_VOCABULARY or word in MOODS or word in THEME_WORDS
                    or word in _NOT_A_COMPLEMENT or self.people.surname(surname_key([word])) is not None)

    def _guessed(self, message: str, groups: list[tuple[int, list[tuple[int, int]]]], spans: list[Span],
                 covered: list[tuple[int, int]]) -> tuple[FoundFilm | None, str, tuple[int, int] | None, list[int]]:
        """A film named inexactly (the first cued span, or a short message, resolved with typos): the film, or what
        was attempted, where, and the titles it suggests."""
        cued = [(s, e) for p, group in groups for s, e in group[:1]] if groups else []
        candidates = [(s, e) for s, e in cued if self._meaningful(message[s:e])
                      and not self._covered(message, s, e, covered)]
        if not spans and not candidates and len(_WORD.findall(message)) <= 5 and self._meaningful(message):
            candidates = [(0, len(message))]
        best: tuple[float, Resolution, tuple[int, int]] | None = None
        attempted, attempted_span, suggestions = "", None, []
        for start, end in candidates:
            text = self._trim_to_uncovered(message, start, end, covered)
            if not text:
                continue
            result = self.resolver.resolve(text)
            if result.found and (best is None or result.score > best[0]):
                best = (result.score, result, (start, end))
            suggestions += [s for s in result.suggestions if s not in suggestions]
            if not attempted:
                attempted, attempted_span = text, (start, start + len(text))
        if best is not None:
            return FoundFilm((0, 0), best[1], best[2]), "", None, []
        if attempted and self.translations is not None:  # "des films comme le silence des agneaux"
            translated = self.translations(attempted)
            suggestions = translated + [s for s in suggestions if s not in translated]
        return None, attempted, attempted_span, suggestions

    def _linked(self, message: str, folded: str, first: tuple[int, int],
                taken: list[tuple[int, int]]) -> list[tuple[Resolution, tuple[int, int]]]:
        """Other liked films of the message: the parts between "and", "et", commas, each an exact title once its
        cue ("I loved", "j'ai aussi adoré") and its tail ("too", "as well") are cut. A lowercase part must be short
        and no genre or mood word ("i loved alien and heat" is two films; "alien and comedies" is one)."""
        found: list[tuple[Resolution, tuple[int, int]]] = []
        bounds = [0] + [x for m in _SEPARATOR.finditer(folded) for x in (m.start(), m.end())] + [len(message)]
        for start, stop in zip(bounds[::2], bounds[1::2]):
            head = _PART_HEAD.match(folded, start)
            start = head.end() if head else start
            tail = _PART_TAIL.search(folded, start, stop)
            stop = tail.start() if tail else stop
            text = message[start:stop].strip(" \"'«»“”")
            if not text or _overlaps((start, stop), first) or any(_overlaps((start, stop), t) for t in taken):
                continue
            words = _WORD.findall(text)
            lower = text == text.lower()
            if not words or len(words) > 8 or (lower and (
                    len(words) > 5 or fold(text) in GENRE_VOCABULARY or fold(text) in MOODS
                    or fold(text) in THEME_WORDS)):
                continue
            if re.fullmatch(r"(?:19|20)\d\d", text):
                continue
            offset = message.find(text, start)
            pieces = list(_WORD.finditer(text))
            # a part may run on into constraints ("Predator des années 80", "toy story avec les enfants"): its
            # longest titled start (lowercase: only before a word that starts a constraint)
            capital = text[:1].isupper()
            ends = [len(text)] + [w.end() for i, w in enumerate(pieces[:-1]) if capital or
                                  fold(pieces[i + 1].group()) in _RUNS_ON][::-1]
            for end in ends:
                resolution = self.resolver.resolve_exact(text[:end])
                if resolution is not None and resolution.found and not capital and all(
                        fold(w) in FILLER for w in _WORD.findall(text[:end])) and not self._popular(resolution.film_id):
                    continue  # "the thing" is a film when a well-known one; "a movie" never
                if resolution is not None and resolution.found:
                    found.append((resolution, (offset, offset + end)))
                    break
        return found[:4]

    def _describes(self, content: list[re.Match], title: list[re.Match]) -> bool:
        """True when words outside a lowercase title carry meaning of their own ("a heist movie where everything
        goes wrong", "robots that dream of being human"): the title is then words of a description."""
        inside = {w.start() for w in title}
        return any(w.start() not in inside and fold(w.group()) not in FILLER | DESCRIPTION_STOP
                   and len(w.group()) > 2 and not w.group().isdigit() for w in content)

    def _description(self, message: str, folded: str, spans: list[Span], film: tuple[int, int] | None,
                     critiqued: list[tuple[int, int]] = ()) -> str | None:
        """What the message says the films are about or feel like, in its own words: the words left once the
        film's title, the hard constraints (cast, years, rating, runtime, language, excluded genres) and the
        "same feel" cue are taken out; ``None`` when only genres, fillers or nothing remain.

        A single remaining word counts only when the catalogue's texts or the theme words know it (not "asdfgh")."""
        removed = [s.at for s in spans if s.slot not in ("genres", "mood")]
        removed += [(m.start(), m.end()) for m in _VIBE.finditer(folded)]
        removed += [(m.start(), m.end()) for m in _ASK.finditer(folded)] + list(critiqued)
        removed += [(m.start(), m.end()) for m in _MARKUP.finditer(message)]  # a tag is no description
        if film is not None:
            removed.append(film)
        kept = [s.at for s in spans if s.slot in ("genres", "mood")]
        genre_spans = [s.at for s in spans if s.slot == "genres"]
        words = [w for w in _WORD.finditer(folded) if not any(_overlaps((w.start(), w.end()), r) for r in removed)]
        moods = [s.at for s in spans if s.slot == "mood"]
        content = [w for w in words if any(_overlaps((w.start(), w.end()), m) for m in moods) or
                   (_bare(w.group()) not in FILLER | DESCRIPTION_STOP and len(_bare(w.group())) > 2
                    and not w.group().isdigit())]
        if not any(not any(_overlaps((w.start(), w.end()), g) for g in genre_spans) for w in content):
            return None  # only genres (hard constraints, shown as their own chips) or nothing
        if len(content) == 1 and not any(_overlaps((content[0].start(), content[0].end()), k) for k in kept) \
                and not self.known_word(content[0].group()):
            return None
        start, end = content[0].start(), content[-1].end()
        pieces, cursor = [], start
        for r_start, r_end in sorted(removed):  # the words between, the removed spans cut out
            if r_end <= cursor or r_start >= end:
                continue
            pieces.append(message[cursor:max(cursor, r_start)])
            cursor = max(cursor, r_end)
        pieces.append(message[cursor:end])
        text = re.sub(r"\s+", " ", " ".join(pieces)).strip(" ,.;:!?¿¡\"'«»“”-")
        if text and self.resolver.resolve_exact(text) is not None:
            return None  # a second film's exact title ("I loved Amélie and Midnight in Paris") is no description
        return text[:200] or None

    def _covered(self, message: str, start: int, end: int, covered: list[tuple[int, int]]) -> bool:
        """True when every non-filler word of the span lies inside a constraint."""
        for word in _WORD.finditer(message, start, end):
            if fold(word.group()) in FILLER:
                continue
            if not any(_overlaps((word.start(), word.end()), c) for c in covered):
                return False
        return True

    def _trim_to_uncovered(self, message: str, start: int, end: int, covered: list[tuple[int, int]]) -> str:
        """The span cut before its first constraint word ("the matrx from the 90s" -> "the matrx")."""
        for c_start, _ in sorted(covered):
            if start <= c_start < end:
                end = c_start
        text = message[start:end].strip(" ,.;:!?¿¡\"'«»")
        words = text.split()
        while words and fold(words[-1]) in FILLER - {"the", "a", "an", "le", "la", "les"}:
            words.pop()
        text = " ".join(words)
        return text if self._meaningful(text) else ""

    def _leftover_title(self, message: str, covered: list[tuple[int, int]], has_constraints: bool,
                        moods: list[tuple[int, int]] = ()) -> FoundFilm | None:
        """An exact title among the words no constraint took (longest first)."""
        words = [w for w in _WORD.finditer(message) if not any(_overlaps((w.start(), w.end()), c) for c in covered)]
        runs: list[list[re.Match]] = []
        for word in words:
            if runs and not re.search(r"[,.;!?]", message[runs[-1][-1].end():word.start()]) and \
                    not any(runs[-1][-1].end() <= c[0] < word.start() for c in covered):
                runs[-1].append(word)
            else:
                runs.append([word])
        best, folded = None, fold(message)
        content = [w for w in words if fold(w.group()) not in FILLER]
        felt = [w for w in _WORD.finditer(message) if any(_overlaps((w.start(), w.end()), m) for m in moods)]
        for run in runs:
            for i in range(len(run)):
                for j in range(min(len(run), i + 8), i, -1):
                    start, end = run[i].start(), run[j - 1].end()
                    found = self._exact(message, start, end)
                    if found is None:
                        continue
                    span_words = [w for w in run[i:j] if fold(w.group()) not in FILLER]
                    short = len(_WORD.findall(message)) <= 3
                    # a lowercase phrase inside a long description ("in the middle of nowhere", "nobody knows") is
                    # words, not a title: a film named mid-sentence follows a cue, quotes or capitals
                    if message[start:end] == message[start:end].lower() and \
                            (len(content) - len(span_words) >= 4 or self._describes(content + felt, span_words)) \
                            and not (j - i >= 3 and self._popular(found.film_id) and  # "shaun of the dead level"
                                     _REFERENCE_WORDS.search(folded[:start] + " " + folded[end:])):
                        continue
                    if _NOT_TITLE.search(folded[max(0, start - 14):start]) or \
                            len(span_words) == 1 and _PLACE_BEFORE.search(folded[max(0, start - 24):start]):
                        continue  # "pas Star Wars" is no reference; "qui se passe en France" is a setting
                    if message[start:end] == message[start:end].lower() and \
                            _AUDIENCE_BEFORE.search(folded[max(0, start - 24):start]):
                        continue  # "for grown ups", "pour les grands", "about the cold war": a subject
                    strong = len(span_words) >= 2 or (len(span_words) == len(content) and not has_constraints
                                                      and short) or \
                        (message[start:start + 1].isupper() and start > 0 and len(span_words[0].group()) > 3)
                    if not strong:
                        continue
                    key = ((len(span_words), end - start), found, (start, end))
                    if best is None or key[0] > best[0]:
                        best = key
        return FoundFilm((0, best[0]), best[1], best[2]) if best else None

    @staticmethod
    def _action(request: Request, folded: str, has_film: bool) -> None:
        words = [w.strip("!?.,;:") for w in folded.replace("?", " ").replace("!", " ").split()]
        words = [w for w in words if w]
        if re.search(r"\b(?:why|pourquoi|explain|explique[rz]?|how come|what makes|what made you|how did you (?:pick|choose)|"
                     r"qu'est[- ]ce qui t'a fait|qu'est[- ]ce qui vous a fait|reason|what'?s the (?:link|connection)|"
                     r"what does (?:the|it|that)\b.{0,30}\bhave to do|quel (?:rapport|lien)|le rapport|quoi le rapport)\b",
                     folded):
            request.action = "why"
            for word in words:
                if word in ORDINALS:
                    request.position = ORDINALS[word]
                    break
            else:
                number = re.search(r"(?:number|numero|n°|no\.?|#|le|la|the|film|movie)\s*(\d)\b", folded)
                if number:
                    request.position = int(number[1])
            if request.position is None and re.search(r"\b(?:last one|dernier|derniere)\b", folded):
                request.position = -1
            return
        if words and not has_film and not request.has_constraints and any(w in _MORE_WORDS for w in words) and \
                all(w in _MORE_WORDS or w in _MORE_FILLER or w.isdigit() or w in NUMBER_WORDS for w in words):
            request.action = "more"
            return
        if has_film or _FORGET.search(folded):
            return  # a film named, or "forget that, a western": a new request
        constraint = request.has_constraints or request.relative is not None or bool(request.directions)
        if not constraint:
            return
        # "hidden gems from the 80s": an absolute critique beside constraints of its own is a new request
        compared = any(COMPARATIVE.search(m[0]) for cue, name in _DIRECTIONS if name in request.directions
                       for m in cue.finditer(folded))
        own = replace(request, description=None).has_constraints  # a leftover word is no request of its own
        if request.relative is not None or (request.directions and (compared or not own)) or \
                _REFINE_ANY.search(folded) or (_REFINE_START.search(folded) and not _FRESH.search(folded)):
            request.action = "refine"
            request.only = bool(re.search(r"\b(?:only|just|seulement|uniquement|que des|qu'avec|juste|instead|rather|"
                                          r"sinon|plutot|what about|how about|et pour)\b", folded))


def _first_named(film: FoundFilm, linked: list[tuple[Resolution, tuple[int, int]]]
                 ) -> tuple[FoundFilm, list[tuple[Resolution, tuple[int, int]]]]:
    """The film named first is the reference, the others liked films ("Heat, Ronin and Collateral")."""
    named = sorted([(film.at, film.resolution)] + [(span, r) for r, span in linked], key=lambda x: x[0][0])
    if named[0][0] != film.at:
        film = FoundFilm(film.rank, named[0][1], named[0][0])
    return film, [(r, span) for span, r in named[1:]]


def _position(text: str) -> int:
    """1-based position of an ordinal ("second", "3e", "#4", "number 5"); -1 for "last"."""
    text = text.strip()
    return ORDINALS[text] if text in ORDINALS else int(re.sub(r"\D", "", text))


def _bare(word: str) -> str:
    """A folded word without its elided article or pronoun: "d'humeur" -> "humeur", "m'en" -> "en"."""
    return word.rsplit("'", 1)[-1].strip("-")


def _decade(text: str) -> tuple[int, int]:
    value = int(text)
    if value < 100:
        value += 1900 if value >= 30 else 2000
    return value, value + 9


def _open_decade(m: re.Match[str], older: bool) -> tuple[int | None, int | None] | None:
    """"the 80s or older" -> (None, 1989), "années 2000 ou plus récents" -> (2000, None); a bare number ("80 or
    more") is no decade."""
    if "annee" not in m[0] and not re.search(r"0\s*'?s\b", m[0]):
        return None
    low, high = _decade(m[1])
    return (None, high) if older else (low, None)


def _decades(first: str, second: str) -> tuple[int, int] | None:
    """"the 50s or 60s" -> (1950, 1969); ``None`` when the second comes first."""
    low, high = _decade(first)[0], _decade(second)[1]
    return (low, high) if low < high else None


def _minutes(amount: str, unit: str, extra: str | None, half: bool) -> int:
    value = float(NUMBER_WORDS[amount]) if amount in NUMBER_WORDS else float(amount.replace(",", "."))
    if unit.startswith("h"):
        minutes = value * 60 + (_MINUTE_WORDS.get(extra) or int(extra) if extra else 0) + (30 if half else 0)
    else:
        minutes = value
    return int(round(minutes))
