"""Phase 5's training data: messages generated from the catalogue, each with its reading line.

Templates over real titles and cast names, in English and French, with the ways people write: lowercase,
missing articles, typos, surnames alone, "1h30", "une heure et demie", slang, politeness and rambling, several
liked films, follow-ups in context (the conversation's current request as a state line). The project's dev
labelled messages and the spent frozen reader sets (each scored once, dev since) are added; the kept-aside ones
(``split: test``) and the unscored frozen set never are (``tests/test_reader.py`` checks it).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass

import datasets
import numpy as np

from pelliculum_lib.conversation.lexicon import fold
from pelliculum_lib.conversation.reading import GENRES, MOODS, prompt, write
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.messages import SPENT_READER_SETS, held_out_messages, load_messages
from pelliculum_lib.data.values import dash_list

GENRE_WORDS = {
    "Action": (["action film", "action movie", "action flick", "something with action"], ["film d'action", "film d'action", "truc d'action"]),
    "Adventure": (["adventure film", "adventure movie"], ["film d'aventure", "aventure"]),
    "Animation": (["animated film", "cartoon", "animation"], ["dessin animé", "film d'animation", "animé"]),
    "Comedy": (["comedy", "comedies", "funny film"], ["comédie", "comédies", "film comique"]),
    "Crime": (["crime film", "crime movie", "gangster film"], ["polar", "film policier", "film de gangsters"]),
    "Documentary": (["documentary", "docu"], ["documentaire", "docu"]),
    "Drama": (["drama", "dramas"], ["drame", "drames"]),
    "Family": (["family film", "something for kids", "film for the whole family"], ["film pour enfants", "film familial", "film à voir en famille"]),
    "Fantasy": (["fantasy film", "fantasy"], ["film fantastique", "fantasy"]),
    "History": (["historical film", "history movie"], ["film historique", "film d'époque"]),
    "Horror": (["horror film", "horror movie", "horror flick"], ["film d'horreur", "film d'épouvante", "horreur"]),
    "Music": (["musical", "music film"], ["comédie musicale", "film musical"]),
    "Mystery": (["mystery film", "whodunit"], ["film à énigme", "mystère"]),
    "Romance": (["romance", "love story", "romantic film"], ["film romantique", "histoire d'amour", "romance"]),
    "Science Fiction": (["sci-fi film", "science fiction movie", "sci fi", "scifi"], ["film de science-fiction", "SF", "science-fiction"]),
    "Thriller": (["thriller", "thrillers"], ["thriller", "thrillers"]),
    "War": (["war film", "war movie"], ["film de guerre", "guerre"]),
    "Western": (["western", "cowboy movie"], ["western", "film de cowboys"]),
}
MOOD_WORDS = {
    "dark": (["dark", "grim", "bleak"], ["sombre", "noir", "glauque"]),
    "funny": (["funny", "hilarious"], ["drôle", "marrant", "qui fait rire"]),
    "scary": (["scary", "terrifying"], ["qui fait peur", "flippant", "effrayant"]),
    "romantic": (["romantic"], ["romantique"]),
    "sad": (["sad", "that makes me cry"], ["triste", "qui fait pleurer"]),
    "feel-good": (["feel-good", "feel good", "heartwarming"], ["qui fait du bien", "feel-good", "réconfortant"]),
    "epic": (["epic"], ["épique"]),
    "mind-bending": (["mind-bending", "with a twist", "mind-blowing"], ["qui retourne le cerveau", "avec un twist", "tordu"]),
    "violent": (["violent", "brutal"], ["violent", "brutal"]),
    "uplifting": (["uplifting", "inspiring"], ["inspirant", "qui remonte le moral"]),
    "heist": (["heist", "about a robbery"], ["de braquage", "sur un casse"]),
    "zombies": (["zombie", "with zombies"], ["de zombies", "avec des zombies"]),
    "time travel": (["time travel", "about time travel"], ["sur le voyage dans le temps"]),
    "space": (["set in space", "space"], ["dans l'espace", "spatial"]),
    "vampires": (["vampire", "with vampires"], ["de vampires"]),
    "revenge": (["revenge", "about revenge"], ["de vengeance", "sur la vengeance"]),
    "road trip": (["road trip"], ["road trip", "road movie"]),
    "serial killer": (["serial killer", "about a serial killer"], ["de tueur en série"]),
    "prison": (["prison", "set in a prison"], ["de prison", "en prison"]),
    "christmas": (["christmas"], ["de Noël"]),
    "sport": (["sports", "about sport"], ["de sport", "sur le sport"]),
    "superhero": (["superhero"], ["de super-héros"]),
    "spy": (["spy"], ["d'espionnage"]),
    "mafia": (["mafia", "mob"], ["de mafia", "sur la mafia"]),
    "aliens": (["alien", "with aliens"], ["d'extraterrestres"]),
    "robots": (["robot", "with robots"], ["de robots"]),
    "dinosaurs": (["dinosaur", "with dinosaurs"], ["de dinosaures"]),
    "survival": (["survival"], ["de survie"]),
}
LANGUAGE_WORDS = {"fr": (["French", "in French"], ["français", "en français"]),
                  "es": (["Spanish", "in Spanish"], ["espagnol", "en espagnol"]),
                  "ja": (["Japanese", "in Japanese"], ["japonais", "en VO japonaise"]),
                  "ko": (["Korean"], ["coréen", "en coréen"]),
                  "it": (["Italian"], ["italien"]), "de": (["German"], ["allemand"]),
                  "zh": (["Chinese"], ["chinois"]), "hi": (["Bollywood", "Hindi"], ["bollywood", "indien en hindi"])}
DIRECTION_WORDS = {
    "lighter": (["something lighter", "less heavy pls", "a bit lighter"], ["plus léger", "un truc moins lourd", "moins sombre"]),
    "darker": (["darker", "something grimmer"], ["plus sombre", "plus noir"]),
    "funnier": (["funnier", "something funnier", "more fun"], ["plus drôle", "plus marrant"]),
    "less_scary": (["less scary", "not so scary"], ["moins flippant", "moins effrayant"]),
    "scarier": (["scarier", "creepier"], ["plus flippant", "plus effrayant"]),
    "more_serious": (["more serious", "deeper"], ["plus sérieux", "plus profond"]),
    "better_rated": (["better rated", "higher rated ones", "ones with better ratings"], ["mieux notés", "mieux noté",
                                                                                          "des films mieux notés"]),
    "less_known": (["less known", "hidden gems", "something obscure", "something less mainstream"],
                   ["moins connu", "une pépite méconnue", "peu connu", "un peu moins grand public"]),
    "more_known": (["more famous", "more popular"], ["plus connu", "plus populaire"]),
    "surprise": (["surprise me", "something different"], ["surprends-moi", "quelque chose de différent"]),
}
RELATIVE_WORDS = {"older": (["older", "older ones", "earlier"], ["plus anciens", "plus vieux"]),
                  "newer": (["newer", "more recent"], ["plus récent", "plus récents"]),
                  "shorter": (["shorter", "shorter ones"], ["plus court", "plus courts"]),
                  "longer": (["longer", "longer ones"], ["plus long", "plus longs"])}
ORDINAL_WORDS = {1: (["first", "1st", "#1"], ["premier", "1er"]), 2: (["second", "2nd", "#2"], ["deuxième", "2e"]),
                 3: (["third", "3rd", "#3"], ["troisième", "3e"]), 4: (["fourth", "4th"], ["quatrième", "4e"]),
                 5: (["fifth", "5th"], ["cinquième"]), 6: (["sixth"], ["sixième"]), 7: (["seventh"], ["septième"]),
                 8: (["eighth", "8th"], ["huitième"]), -1: (["last"], ["dernier"])}
OPEN = {"en": ["{x}", "i want {x}", "looking for {x}", "any {x}?", "can you recommend {x}", "got {x}?",
               "hey! {x} please", "smth like {x} pls", "tonight I'd like {x}", "in the mood for {x}",
               "my girlfriend and I want {x}, ideas?", "{x} thx"],
        "fr": ["{x}", "je cherche {x}", "tu aurais {x} ?", "un conseil : {x}", "salut, {x} stp",
               "j'ai envie de {x}", "vous avez {x} ?", "ce soir je veux {x}", "un truc genre {x}",
               "des idées pour {x} ?", "bonsoir, {x} svp", "{x} merci"]}
LIKED = {"en": ["I loved {f}", "i really liked {f}", "{f} was great", "films like {f}", "something like {f}",
                "just watched {f}, loved it", "similar to {f}", "in the vein of {f}", "fans of {f}?",
                "just watched {f} and loved it, what else?", "we liked {f}", "my favourite is {f}",
                "big fan of {f}", "anything in the same spirit as {f}", "if I enjoyed {f} what should I watch",
                "recommend me something like {f}", "more films like {f}", "{f} type of thing",
                "seen {f}, want more like that", "any recs if i liked {f}?"],
         "fr": ["j'ai adoré {f}", "des films comme {f}", "un truc comme {f}", "j'ai kiffé {f}",
                "dans le genre de {f}", "qui ressemble à {f}", "j'ai revu {f}, trop bien",
                "si j'ai aimé {f}, je regarde quoi ?", "on a adoré {f}", "mon film préféré c'est {f}",
                "des films proches de {f}", "dans l'esprit de {f}", "du style de {f}", "un film genre {f}",
                "quelque chose comme {f}", "je viens de voir {f}, j'ai adoré, autre chose ?"]}
#: Stories and settings in free words: a description, no slot (the reading must not invent a mood or a genre).
DESCRIPTIONS = {"en": ["about a lighthouse keeper", "where a family moves to a new town", "about two old friends",
                       "set in a small village", "about a chef", "about a musician on tour", "about a long winter",
                       "about a lawyer and a difficult case", "about growing old", "about a lost dog",
                       "set on a train", "about a big family dinner", "about a painter", "for a rainy sunday",
                       "to watch with my parents", "about a journalist", "set in new york", "about the ocean"],
                "fr": ["sur un gardien de phare", "où une famille déménage", "sur deux vieux amis",
                       "dans un petit village", "sur un cuisinier", "sur un musicien en tournée", "sur un long hiver",
                       "sur un avocat et un procès", "sur la vieillesse", "sur un chien perdu", "dans un train",
                       "sur un repas de famille", "sur un peintre", "pour un dimanche pluvieux",
                       "à regarder avec mes parents", "sur un journaliste", "à new york", "sur l'océan"]}
SMALL_TALK = {"en": ["hi", "hello there", "thanks!", "thank you so much", "ok cool", "good evening"],
              "fr": ["salut", "bonjour", "merci !", "merci beaucoup", "ok super", "bonsoir"]}
RAMBLE = {"en": ["ok so {x}, if that makes sense", "honestly {x} would be great", "hmm, {x}? thanks in advance",
                 "Could you please suggest {x}? Thank you.", "hey, long day... {x}"],
          "fr": ["alors voilà, {x}, merci d'avance", "franchement {x} ce serait top", "bon, {x} ?",
                 "Pourriez-vous me conseiller {x} ? Merci.", "grosse journée... {x}"]}
AND = {"en": [" and ", ", ", " & "], "fr": [" et ", ", "]}


def _typo(text: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 6:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1:]
    if kind < 0.7 and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + text[i] + text[i:]


def _case(text: str, rng: random.Random) -> str:
    return text.lower() if rng.random() < 0.45 else text


@dataclass
class Vocabulary:
    """Titles and people the generator draws from (the most-voted films and their leading actors)."""

    titles: list[tuple[str, str]]  # (label, title)
    people: list[str]
    surnames: dict[str, str]  # a surname that only one of these people has -> the person

    @classmethod
    def of(cls, catalogue: Catalogue, films: int = 4000, actors_from: int = 1500) -> "Vocabulary":
        movies = catalogue.movies
        order = np.argsort(-movies["vote_count"].fillna(0).to_numpy(), kind="stable")
        top = movies.iloc[order[:films]]
        titles = list(zip(top["label"].astype(str), top["title"].astype(str)))
        people = []
        for credits in top["credits"].iloc[:actors_from]:
            people += [p for p in dash_list(credits)[:3] if len(p.split()) >= 2]
        people = list(dict.fromkeys(people))
        counts = Counter(p.split()[-1] for p in people)
        surnames = {p.split()[-1]: p for p in people if counts[p.split()[-1]] == 1 and len(p.split()[-1]) > 3}
        return cls(titles, people, surnames)


class Generator:
    """Seeded messages and their readings."""

    def __init__(self, vocabulary: Vocabulary, seed: int = 0):
        self.v, self.rng = vocabulary, random.Random(seed)

    def _pick(self, pair: tuple[list[str], list[str]], language: str) -> str:
        return self.rng.choice(pair[0] if language == "en" else pair[1])

    def _film(self) -> tuple[str, str]:
        label, title = self.rng.choice(self.v.titles[:1500] if self.rng.random() < 0.7 else self.v.titles)
        surface = title
        if self.rng.random() < 0.25 and surface.lower().startswith("the "):
            surface = surface[4:]
        if self.rng.random() < 0.2:
            surface = _typo(surface, self.rng)
        return label, _case(surface, self.rng)

    def _person(self) -> tuple[str, str]:
        person = self.rng.choice(self.v.people)
        surface = person
        surname = person.split()[-1]
        if self.v.surnames.get(surname) == person and self.rng.random() < 0.3:
            surface = surname
        if self.rng.random() < 0.15:
            surface = _typo(surface, self.rng)
        return person, _case(surface, self.rng)

    def _years(self, language: str) -> tuple[str, int | None, int | None]:
        kind = self.rng.random()
        decade = self.rng.choice(range(1950, 2020, 10))
        en = language == "en"
        if kind < 0.4:
            short = decade % 100
            words = ([f"from the {short:02d}s", f"{short:02d}s", f"from the {decade}s", f"{decade}s"] if en
                     else [f"des années {short:02d}", f"années {decade}", f"des années {decade}"])
            return self.rng.choice(words), decade, decade + 9
        if kind < 0.47 and decade < 2010:
            short, after = decade % 100, (decade + 10) % 100
            return (f"from the {short:02d}s or {after:02d}s" if en else f"des années {short:02d} et {after:02d}"), \
                decade, decade + 19
        if kind < 0.53:
            return self.rng.choice(["recent", "new", "recent ones"] if en else ["récent", "récents"]), 2010, None
        if kind < 0.58:
            return self.rng.choice(["old", "classic"] if en else ["vieux", "classique"]), None, 1979
        year = self.rng.randint(1960, 2020)
        if kind < 0.7:
            return (self.rng.choice([f"after {year}", f"post-{year}", f"made after {year}"]) if en
                    else self.rng.choice([f"après {year}", f"sorti après {year}"])), year + 1, None
        if kind < 0.78:
            return (f"since {year}" if en else f"depuis {year}"), year, None
        if kind < 0.86:
            return (f"before {year}" if en else self.rng.choice([f"avant {year}", f"d'avant {year}"])), None, year - 1
        if kind < 0.93:
            last = year + self.rng.choice([5, 10, 15])
            return (f"between {year} and {last}" if en else f"sorti entre {year} et {last}"), year, last
        return (self.rng.choice([f"from {year}", f"in {year}", f"released in {year}"]) if en
                else self.rng.choice([f"de {year}", f"sorti en {year}"])), year, year

    def _runtime(self, language: str) -> tuple[str, str, int]:
        choices = ([("under 2 hours", 120), ("less than 90 minutes", 90), ("1h30 max", 90), ("under 100 min", 100),
                    ("not too long", 100), ("short", 100), ("an hour and a half max", 90), ("under 1h45", 105),
                    ("2 hours tops", 120), ("90 minutes or less", 90), ("not longer than 2 hours", 120),
                    ("that isn't too long", 100)]
                   if language == "en" else
                   [("moins de deux heures", 120), ("1h30 max", 90), ("pas trop long", 100), ("court", 100),
                    ("une heure et demie max", 90), ("moins de 90 minutes", 90), ("moins de 2h", 120),
                    ("de moins d'1h30", 90), ("pas plus d'1h45", 105), ("de moins d'une heure et demie", 90)])
        if self.rng.random() < 0.15:
            long = [("at least 2 hours", 120), ("over 2h30", 150), ("at least two hours long", 120)] \
                if language == "en" else [("au moins deux heures", 120), ("plus de 2h30", 150), ("d'au moins 2h", 120)]
            text, minutes = self.rng.choice(long)
            return text, "min_runtime", minutes
        text, minutes = self.rng.choice(choices)
        return text, "max_runtime", minutes

    def _rating(self, language: str) -> tuple[str, float]:
        if self.rng.random() < 0.6:
            return self.rng.choice(["well rated", "acclaimed", "highly rated", "with good reviews"] if language == "en"
                                   else ["bien noté", "bien notés", "acclamé", "avec de bonnes critiques"]), 7.0
        value = self.rng.choice([6.5, 7, 7.5, 8])
        number = f"{value:g}" if language == "en" else f"{value:g}".replace(".", ",")
        return self.rng.choice([f"rated above {number}", f"{number}+ rating", f"at least {number}/10",
                                f"rated {number} or more", f"with a rating above {number}", f"rated {number}+"]
                               if language == "en" else [f"noté plus de {number}", f"au moins {number}/10",
                                                         f"noté au-dessus de {number}", f"noté {number} ou plus",
                                                         f"noté au moins {number}"]), \
            float(value)

    def opening(self, language: str) -> tuple[str, dict]:
        """A first message and its slots (films as written)."""
        slots: dict = {}
        parts: list[str] = []
        kinds = self.rng.sample(["film", "people", "genre", "years", "rating", "runtime", "language", "mood",
                                 "without"], k=self.rng.choice([1, 1, 2, 2, 3]))
        if "film" in kinds:
            films = [self._film() for _ in range(self.rng.choice([1, 1, 1, 2, 3]))]
            joined = films[0][1]
            for _, surface in films[1:]:
                joined += self.rng.choice(AND[language]) + surface
            parts.append(self.rng.choice(LIKED[language]).format(f=joined))
            slots["film"], slots["liked"] = films[0][1], [s for _, s in films[1:]]
        if "genre" in kinds:
            genres = self.rng.sample(sorted(GENRE_WORDS), k=self.rng.choice([1, 1, 2]))
            words = [self._pick(GENRE_WORDS[g], language) for g in genres]
            words = [_typo(w, self.rng) if self.rng.random() < 0.1 else w for w in words]
            parts.append((" et " if language == "fr" else " ").join(words))
            slots["genres"] = genres
        if "people" in kinds:
            people = [self._person()[1] for _ in range(self.rng.choice([1, 1, 1, 1, 2]))]
            named = (" and " if language == "en" else " et ").join(people)
            parts.append(self.rng.choice(["with {p}", "starring {p}", "a {p} film", "with both {p}"] if language == "en"
                                         else ["avec {p}", "un film avec {p}", "où jouent {p}"]).format(p=named))
            slots["people"] = people
        if "without" in kinds:
            if self.rng.random() < 0.5:
                person, surface = self._person()
                parts.append(self.rng.choice(["but not with {p}", "without {p}"] if language == "en"
                                             else ["mais pas avec {p}", "sans {p}"]).format(p=surface))
                slots["without_people"] = [surface]
            else:
                genre = self.rng.choice(sorted(GENRE_WORDS))
                parts.append(("no " if language == "en" else "pas de ") + self._pick(GENRE_WORDS[genre], language))
                slots["without_genres"] = [genre]
        if "years" in kinds:
            text, low, high = self._years(language)
            parts.append(text)
            slots["year_min"], slots["year_max"] = low, high
        if "rating" in kinds:
            text, value = self._rating(language)
            parts.append(text)
            slots["min_rating"] = value
        if "runtime" in kinds:
            text, slot, minutes = self._runtime(language)
            parts.append(text)
            slots[slot] = minutes
        if "language" in kinds:
            code = self.rng.choice(sorted(LANGUAGE_WORDS))
            parts.append(self._pick(LANGUAGE_WORDS[code], language))
            slots["original_language"] = code
        if "mood" in kinds:
            mood = self.rng.choice(sorted(MOOD_WORDS))
            parts.append(self._pick(MOOD_WORDS[mood], language))
            slots["mood"] = [mood]
        if "film" not in kinds and "genre" not in kinds and self.rng.random() < 0.8:  # "a film with ...", "un truc ..."
            parts.insert(0, self.rng.choice(["a film", "a movie", "something", "smth", "a flick"] if language == "en"
                                            else ["un film", "quelque chose", "un truc", "un film"]))
        if self.rng.random() < 0.2:  # a story in free words beside the slots: no slot of its own
            parts.insert(self.rng.randint(0, len(parts)), self.rng.choice(DESCRIPTIONS[language]))
        body = self.rng.choice([", ", " ", ", "]).join(parts)
        message = self.rng.choice(OPEN[language]).format(x=body) if "film" not in kinds or self.rng.random() < 0.3 \
            else body
        if self.rng.random() < 0.08:
            message = self.rng.choice(RAMBLE[language]).format(x=message)
        return message, slots

    def follow_up(self, language: str) -> tuple[str, dict]:
        """A follow-up and its slots (its context is drawn separately)."""
        kind = self.rng.choice(["more", "why", "pivot", "reject", "direction", "relative", "refine", "also"])
        position = self.rng.choice(list(ORDINAL_WORDS))
        ordinal = self._pick(ORDINAL_WORDS[position], language)
        if kind == "more":
            return self.rng.choice(["more", "others?", "show me more", "next", "got any more like these?",
                                    "show me some more"] if language == "en"
                                   else ["encore", "d'autres ?", "la suite", "autre chose ?", "montre m'en d'autres",
                                         "encore des films stp"]), {"action": "more"}
        number = str(position) if position > 0 else ordinal
        if kind == "why":
            return (self.rng.choice([f"why the {ordinal} one?", f"why did you suggest the {ordinal} one?",
                                     f"what made you pick the {ordinal}?", f"tell me why you picked number {number}"])
                    if language == "en" else
                    self.rng.choice([f"pourquoi le {ordinal} ?", f"pourquoi tu as mis le {ordinal} ?",
                                     f"pourquoi tu as choisi le numéro {number} ?"])), \
                {"action": "why", "position": position}
        if kind == "pivot":
            return (self.rng.choice([f"more like the {ordinal} one", f"something like the {ordinal}",
                                     f"more along the lines of the {ordinal}"]) if language == "en"
                    else self.rng.choice([f"plus dans le genre du {ordinal}", f"plus comme le {ordinal}",
                                          f"plus dans l'esprit du {ordinal}"])), \
                {"action": "pivot", "position": position}
        if kind == "reject":
            return (self.rng.choice([f"not the {ordinal} one", f"already seen the {ordinal} one",
                                     f"I've seen number {number} already", f"nah not the {ordinal} one"])
                    if language == "en" else
                    self.rng.choice([f"pas le {ordinal}", f"déjà vu le {ordinal}", f"j'ai déjà vu le {number}",
                                     f"non pas le {ordinal}"])), \
                {"action": "reject", "position": position}
        if kind == "direction":
            name = self.rng.choice(sorted(DIRECTION_WORDS))
            return self._pick(DIRECTION_WORDS[name], language), {"action": "refine", "directions": [name]}
        if kind == "relative":
            name = self.rng.choice(sorted(RELATIVE_WORDS))
            return self._pick(RELATIVE_WORDS[name], language), {"action": "refine", "relative": name}
        if kind == "also":
            _, surface = self._film()
            return (self.rng.choice([f"I also loved {surface}", f"and {surface} too"]) if language == "en"
                    else f"j'ai aussi adoré {surface}"), {"action": "refine", "liked": [surface]}
        message, slots = self.opening(language)
        slots.pop("film", None)
        slots.pop("liked", None)
        if not slots:
            slots = {"genres": ["Comedy"]}
            message = "only comedies" if language == "en" else "que des comédies"
        lead = self.rng.choice(["and ", "only ", "but ", ""] if language == "en" else ["et ", "mais ", "plutôt ", ""])
        return lead + message, {"action": "refine", **slots}

    def example(self) -> dict:
        language = self.rng.choice(["en", "fr"])
        if self.rng.random() < 0.02:
            return {"language": language, "state": "-", "message": self.rng.choice(SMALL_TALK[language]),
                    "reading": "-"}
        if self.rng.random() < 0.35:
            context, context_slots = self.opening(language)
            message, slots = self.follow_up(language)
            state = write(context_slots)
        else:
            message, slots = self.opening(language)
            state = "-"
        return {"language": language, "state": state, "message": message, "reading": write(slots)}


def surface(name: str, message: str, person: bool = False, threshold: float = 75.0) -> str:
    """How ``message`` writes ``name``: the run of its words closest to the name (for a ``person``, also to one of
    the name's words: "denzel", "pacino"), when close enough; else the name itself. A reading carries films and
    people as the message writes them, so a labelled message teaches what generated ones do."""
    from rapidfuzz import fuzz

    words = re.findall(r"[\w'’.:&-]+", message)
    target, parts = fold(name), [fold(w) for w in name.split() if len(w) > 2]
    best, score = name, threshold
    for length in range(1, min(8, len(words)) + 1):
        for start in range(len(words) - length + 1):
            span = " ".join(words[start:start + length])
            folded = fold(span)
            value = fuzz.ratio(folded, target)
            if person and length == 1 and len(folded) > 3:
                value = max(value, 0.95 * max((fuzz.ratio(folded, p) for p in parts), default=0))
            if value > score:
                best, score = span, value
    return best


def labelled(messages: list[dict]) -> list[dict]:
    """Labelled messages as examples, films and people as the message writes them: the dev split and the spent
    frozen sets (never the kept-aside split)."""
    rows = []
    for item in messages:
        if item.get("split") == "test":
            continue  # kept-aside messages never reach training
        slots, text = dict(item["expect"]), item["message"]
        if slots.get("film"):
            slots["film"] = surface(slots["film"], text)
        for key in ("liked", "people", "without_people"):
            if slots.get(key):
                slots[key] = [surface(v, text, person=key != "liked") for v in slots[key]]
        for key, allowed in (("mood", MOODS), ("genres", GENRES), ("without_genres", GENRES)):
            slots[key] = [v for v in slots.get(key, []) if v in allowed]  # the grammar's values only
        rows.append({"language": item["language"], "state": "-", "message": text, "reading": write(slots)})
    return rows


def reader_dataset(catalogue: Catalogue, dev_messages: list[dict], examples: int = 6000, validation: int = 300,
                   seed: int = 5, repeats: int = 3) -> dict[str, datasets.Dataset]:
    """``train`` and ``validation`` datasets of chat ``messages`` (system, user, assistant reading)."""
    generator = Generator(Vocabulary.of(catalogue), seed)
    unseen = held_out_messages()  # a generated message equal to a held-out one ("more", "surprise me") is left out
    rows = [row for row in (generator.example() for _ in range(examples + validation))
            if " ".join(row["message"].split()).casefold() not in unseen]
    spent = [row for path in SPENT_READER_SETS for row in load_messages(path)]
    dev = [row for row in labelled(dev_messages + spent) if " ".join(row["message"].split()).casefold() not in unseen]
    held, rows = rows[:validation], rows[validation:] + dev * repeats
    random.Random(seed).shuffle(rows)

    def to_messages(items: list[dict]) -> datasets.Dataset:
        return datasets.Dataset.from_list([{"messages": prompt(r["state"], r["message"]) +
                                            [{"role": "assistant", "content": r["reading"]}],
                                            "message": r["message"], "language": r["language"]} for r in items])
    return {"train": to_messages(rows), "validation": to_messages(held)}


def messages_of(dataset: datasets.Dataset) -> set[str]:
    """Every user message in a dataset, folded like :func:`held_out_messages` (none of them may be there)."""
    return {" ".join(m.split()).casefold() for m in dataset["message"]}
