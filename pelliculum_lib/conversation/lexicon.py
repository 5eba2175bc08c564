"""Words the conversation understands, English and French, written once.

Patterns are matched on *folded* text (lower case, accents removed, same length as the
message: see :func:`fold`), so "Années", "annees" and "ANNÉES" are one word.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: Regular expressions (folded text) -> the genres they name. Longer phrases first.
GENRE_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (r"romantic comed(?:y|ies)|rom[- ]?coms?|comedies? romantiques?", ("Comedy", "Romance")),
    (r"comedies? musicales?|musicals?|films? musica(?:l|ux)", ("Music",)),
    (r"science[- ]?fiction|sci[- ]?fi|scifi|\bsf\b", ("Science Fiction",)),
    (r"animated|animation|cartoons?|dessins?[- ]animes?|\banime\b", ("Animation",)),
    (r"polars?|policiers?|\bcrimes?\b", ("Crime",)),
    (r"horror|horreur|epouvante|horrifique", ("Horror",)),
    # "family" names the genre ("a family film", "for the family"), not a plot's family ("a family moves in")
    (r"\bkids?\b|children'?s?|pour (?:les )?(?:enfants|petits)|\bfamily\b(?=[- ](?:[a-z]+ )?(?:films?|movies?|comed|animat|"
     r"adventure|fun|night|classics?|friendly|fantasy|drama|musical)|\s*[?.!,]|\s*$)|(?<=\ba )family\b(?! of)|"
     r"(?<=\bthe )family\b(?=\s*[?.!,]|\s*$)|familia(?:l|le|ux)|en famille|"
     r"(?:pour )?toute la famille|family[- ]friendly|"
     r"(?:avec|pour) (?:les|mes|nos) (?:enfants|gamins|petits)|(?:with|for) (?:the|my|our) (?:children|little ones)|"
     r"\bmy \d{1,2}[- ]?(?:year[- ]old|yo)\b|\b\d{1,2}[- ]year[- ]olds?\b|(?:mon fils|ma fille|mes enfants) de \d{1,2} ans",
     ("Family",)),
    (r"documentar(?:y|ies)|documentaires?|\bdocus?\b", ("Documentary",)),
    (r"\bmusic\b|musique", ("Music",)),
    (r"historical|historiques?|\bhistory\b|period (?:drama|piece)s?|films? d'epoque", ("History",)),
    (r"(?<!cold )(?<!star )\bwar\b(?! of the worlds)|\bguerre\b(?! froide| des etoiles| des mondes)", ("War",)),  # not the cold war
    (r"thrillers?|suspense", ("Thriller",)),
    (r"dramas?|drames?|dramatiques?", ("Drama",)),
    (r"comed(?:y|ies)|comedies?|comiques?|\bcomic\b", ("Comedy",)),
    (r"\baction\b", ("Action",)),
    (r"adventures?|aventures?", ("Adventure",)),
    (r"fantasy|fantastiques?|fantasie", ("Fantasy",)),
    (r"myster(?:y|ies)|mysteres?|whodunn?its?|\ba enigmes?\b", ("Mystery",)),
    (r"romances?|(?<!chose de )(?<!truc )romantiques?|love stor(?:y|ies)|histoires? d'amour|"
     r"romantic(?= (?:dramas?|thrillers?|fantasy|story|stories))", ("Romance",)),
    (r"westerns?", ("Western",)),
    (r"tv movies?|telefilms?|made for tv", ("TV Movie",)),
]


@dataclass(frozen=True)
class Mood:
    """A mood or theme the conversation understands, in English (the catalogue's overviews are English)."""

    name: str  # canonical: what a request's ``mood`` holds
    pattern: str  # how users say it (a regular expression over folded text)
    query: str  # the catalogue's words it is searched with in overviews, keywords and taglines
    french: str | None = None  # its French name (None: the theme's French word, else the name itself)
    genres: tuple[str, ...] = ()  # genres it leans to (a soft boost in ranking, never a filter)
    feeling: bool = False  # a feeling (searched by content similarity), else a theme (searched as a word)


#: Every mood and theme by name, in matching order.
MOODS: dict[str, Mood] = {mood.name: mood for mood in (
    Mood("feel-good", "feel[- ]?good|qui fait du bien|reconfortants?|heart[- ]?warming|feelgood|chaleureux",
         "heartwarming friendship family love comedy", french="qui fait du bien", genres=("Comedy", "Family"),
         feeling=True),
    Mood("funny", "funny|hilarious|droles?|marrants?|qui fait rire|rigolos?|hilarants?|envie de rire|"
         "(?:pour|de quoi|nous faire|me faire|faire) rire|se marrer|a laugh|make (?:me|us) laugh",
         "comedy hilarious funny", french="drôle", genres=("Comedy",), feeling=True),
    Mood("scary", "scary|qui fait(?: tres)? peur|flippants?|effrayants?|terrifi(?:ying|ants?)|frightening|creepy|"
         "(?:fait|faire|qui fait) flipper",
         "horror terror haunted nightmare fear", french="qui fait peur", genres=("Horror",), feeling=True),
    Mood("sad", r"\bsad\b|tristes?|qui (?:me |nous |te )?fait? pleurer|tear[- ]?jerkers?|makes? (?:you|me|us) cry|"
         r"(?:envie de|veux|besoin de|want to|need to|wanna) (?:pleurer|cry)",
         "tragedy grief loss death cancer", french="triste", genres=("Drama",), feeling=True),
    Mood("romantic", "romantic|(?:chose de |truc )romantiques?",
         "love romance falls in love", french="romantique", genres=("Romance",), feeling=True),
    Mood("uplifting", "uplifting|inspiring|inspirants?|motivants?|inspirational|motivating",
         "inspiring courage hope dream triumph", french="inspirant", genres=("Drama",), feeling=True),
    Mood("mind-bending", r"mind[- ]?(?:bending|blowing)|plot twists?|\btwists?\b|"
                         r"retourne(?:nt)? (?:le|la) (?:cerveau|tete)|complex plot|intrigue complexe|"
                         r"casse[- ]tetes?|cerebral",
         "mind twist reality dream memory identity", french="retors", genres=("Mystery", "Science Fiction", "Thriller"),
         feeling=True),
    Mood("dark", r"\bdark\b|sombres?|glauques?|\bnoirs?\b|gritty|bleak",
         "dark death murder violence evil", french="sombre", genres=("Crime", "Thriller", "Horror"), feeling=True),
    Mood("violent", "violente?s?",
         "violence brutal killer blood", french="violent", genres=("Action", "Crime"), feeling=True),
    Mood("slow", r"\bslow\b|\blents?\b|contemplati(?:f|fs|ve|ves)",
         "contemplative quiet", french="contemplatif", feeling=True),
    Mood("epic", r"\bepic\b|epiques?",
         "epic battle kingdom", french="épique", genres=("Adventure", "History", "War"), feeling=True),
    Mood("space", r"outer space|\bspace\b|l'espace|\bespace\b|spatial|spaceships?|vaisseaux? spatia(?:l|ux)",
         "space astronaut planet spaceship galaxy", french="espace", genres=("Science Fiction",)),
    Mood("heist", r"heists?|\bcasses?\b|braquages?|(?:bank )?robber(?:y|ies)|hold[- ]ups?",
         "heist robbery thieves bank vault", french="braquage", genres=("Crime",)),
    Mood("time travel", "time[- ]travel(?:l?ing)?|voyages? dans le temps|time machines?",
         "time travel future past", french="voyage dans le temps"),
    Mood("dinosaurs", "dinosaur(?:s|es)?", "dinosaur", french="dinosaures"),
    Mood("zombies", "zombies?", "zombie undead", genres=("Horror",)),
    Mood("vampires", "vampires?", "vampire", genres=("Horror",)),
    Mood("robots", "robots?|androids?", "robot android artificial intelligence", genres=("Science Fiction",)),
    Mood("superhero", "super[- ]?hero(?:s|es)?", "superhero powers", french="super-héros", genres=("Action",)),
    Mood("revenge", "revenge|vengeances?|vendettas?", "revenge vengeance", french="vengeance"),
    Mood("prison", r"prisons?|\bjail\b|prisonniers?", "prison inmate escape"),
    Mood("mafia", r"mafias?|\bmob\b|mobsters?|gangsters?", "mafia mob gangster", genres=("Crime",)),
    Mood("serial killer", "serial[- ]killers?|tueurs? en serie",
         "serial killer", french="tueur en série", genres=("Crime", "Thriller")),
    Mood("road trip", "road[- ]?trips?|road[- ]?movies?", "road trip journey"),
    Mood("sport", r"\bsports?\b|sportifs?", "sports team coach"),
    Mood("christmas", r"christmas|\bxmas\b|\bnoel\b", "christmas santa", french="Noël"),
    Mood("high school", r"high[- ]?school|\blycee\b|lyceens?", "high school teenagers", french="lycée"),
    Mood("wedding", "weddings?|mariages?", "wedding bride", french="mariage"),
    Mood("spy", r"\bspy\b|\bspies\b|espions?|espionnage",
         "spy agent espionage", french="espionnage", genres=("Action", "Thriller")),
    Mood("survival", r"survival|\bsurvie\b", "survival stranded wilderness", french="survie"),
    Mood("dystopia", "dystopi(?:a|an|e|que|ques)",
         "dystopia dystopian", french="dystopie", genres=("Science Fiction",)),
    Mood("aliens", r"\baliens\b|extra[- ]?terrestres?|alien invasion",
         "alien extraterrestrial invasion", french="extraterrestres", genres=("Science Fiction",)),
    Mood("friendship", "friendship|amitie", "friendship friends", french="amitié"),

)}

#: The moods that are feelings; every other mood is a theme.
FEELINGS = frozenset(name for name, mood in MOODS.items() if mood.feeling)

#: "a film about sharks" / "un film sur les requins": the free theme, translated where known.
THEME_TRANSLATIONS = {
    "requins": "sharks", "requin": "shark", "chevaux": "horses", "cheval": "horse", "chiens": "dogs",
    "chien": "dog", "chats": "cats", "chat": "cat", "pirates": "pirates", "sorcieres": "witches",
    "sorciere": "witch", "fantomes": "ghosts", "fantome": "ghost", "mer": "sea", "ocean": "ocean",
    "dragons": "dragons", "chevaliers": "knights", "samourais": "samurai", "boxe": "boxing",
    "football": "football", "echecs": "chess", "sorciers": "wizards", "magie": "magic", "art": "art",
    "cuisine": "cooking", "mode": "fashion", "drogue": "drugs", "argent": "money", "ecole": "school",
    "famille": "family", "montagne": "mountain", "desert": "desert", "jungle": "jungle", "ile": "island",
    "loups": "wolves", "loup": "wolf", "ours": "bears", "insectes": "insects", "espace": "space",
    "politique": "politics", "journalisme": "journalism", "journalistes": "journalists", "avocats": "lawyers",
    "medecins": "doctors", "hopital": "hospital", "police": "police", "flics": "cops", "ninjas": "ninjas",
    "cowboys": "cowboys", "sorcellerie": "witchcraft", "demons": "demons", "fin du monde": "apocalypse",
    "apocalypse": "apocalypse", "catastrophe": "disaster", "catastrophes": "disasters", "volcans": "volcano",
    "tornades": "tornado", "pandemie": "pandemic", "virus": "virus", "bateau": "boat", "avions": "planes",
    "trains": "trains", "voitures": "cars", "courses": "racing", "course automobile": "racing",
    "danse": "dance", "peinture": "painting", "ecrivains": "writers", "musiciens": "musicians",
}

#: English theme -> the French word a French user used ("sharks" -> "requins"), for French reasons.
FRENCH_THEMES = {english: french for french, english in reversed(list(THEME_TRANSLATIONS.items()))}

#: Theme words understood in "films de boxe", "boxing movies", "avec des dragons" (not only after "about").
THEME_WORDS = set(THEME_TRANSLATIONS) | set(THEME_TRANSLATIONS.values()) | {"boxe", "boxing", "dragons", "sharks"}

#: Single words that name genres, for typos ("thriler", "commedy", "horor", "animted").
GENRE_VOCABULARY = {
    "comedy": ("Comedy",), "comedies": ("Comedy",), "comedie": ("Comedy",), "horror": ("Horror",),
    "horreur": ("Horror",), "thriller": ("Thriller",), "thrillers": ("Thriller",), "animated": ("Animation",),
    "animation": ("Animation",), "documentary": ("Documentary",), "documentaire": ("Documentary",),
    "western": ("Western",), "westerns": ("Western",), "fantasy": ("Fantasy",), "romance": ("Romance",),
    "mystery": ("Mystery",), "adventure": ("Adventure",), "aventure": ("Adventure",), "drama": ("Drama",),
    "dramas": ("Drama",), "science-fiction": ("Science Fiction",), "musical": ("Music",),
    "fantastique": ("Fantasy",), "policier": ("Crime",), "historical": ("History",), "historique": ("History",),
}


@dataclass(frozen=True)
class SpokenLanguage:
    """An original language a request may ask for."""

    code: str  # ISO 639-1, as the catalogue writes it
    pattern: str  # its adjective as users say it (folded text)
    english: str
    french: str


#: Original languages by code, named by their adjective or "in <language>".
LANGUAGES: dict[str, SpokenLanguage] = {language.code: language for language in (
    SpokenLanguage("fr", r"french|francaise?s?", "French", "français"),
    SpokenLanguage("es", r"spanish|espagnole?s?", "Spanish", "espagnol"),
    SpokenLanguage("ja", r"japanese|japonaise?s?", "Japanese", "japonais"),
    SpokenLanguage("ko", r"korean|coreenn?e?s?", "Korean", "coréen"),
    SpokenLanguage("it", r"italian|italienn?e?s?|spaghetti(?= westerns?)|(?<=western )spaghetti|"
                   r"(?<=westerns )spaghetti", "Italian", "italien"),
    SpokenLanguage("de", r"german|allemande?s?", "German", "allemand"),
    SpokenLanguage("en", r"english|anglaise?s?|anglophones?", "English", "anglais"),
    SpokenLanguage("zh", r"chinese|chinoise?s?", "Chinese", "chinois"),
    SpokenLanguage("hi", r"hindi|bollywood", "Hindi", "hindi"),
    SpokenLanguage("ru", r"russian|russes?", "Russian", "russe"),
)}

GENRE_FR = {"Action": "action", "Adventure": "aventure", "Animation": "animation", "Comedy": "comédie",
            "Crime": "policier", "Documentary": "documentaire", "Drama": "drame", "Family": "famille",
            "Fantasy": "fantastique", "Foreign": "étranger", "History": "histoire", "Horror": "horreur",
            "Music": "musique", "Mystery": "mystère", "Romance": "romance", "Science Fiction": "science-fiction",
            "TV Movie": "téléfilm", "Thriller": "thriller", "War": "guerre", "Western": "western"}

#: Number words (for "under two hours", "moins de deux heures").
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4}

#: Ordinals for "why the second one?" / "pourquoi le deuxième ?".
ORDINALS = {"first": 1, "1st": 1, "premier": 1, "premiere": 1, "1er": 1, "1ere": 1, "second": 2, "2nd": 2,
            "deuxieme": 2, "seconde": 2, "2e": 2, "2eme": 2, "third": 3, "3rd": 3, "troisieme": 3, "3e": 3,
            "3eme": 3, "fourth": 4, "4th": 4, "quatrieme": 4, "4e": 4, "4eme": 4, "fifth": 5, "5th": 5,
            "cinquieme": 5, "5e": 5, "5eme": 5, "sixth": 6, "6th": 6, "sixieme": 6, "6e": 6, "6eme": 6,
            "seventh": 7, "7th": 7, "septieme": 7, "7e": 7, "7eme": 7, "eighth": 8, "8th": 8, "huitieme": 8,
            "8e": 8, "8eme": 8, "ninth": 9, "9th": 9, "neuvieme": 9, "9e": 9, "9eme": 9, "tenth": 10, "10th": 10,
            "dixieme": 10, "10e": 10, "10eme": 10, "last": -1, "dernier": -1, "derniere": -1}

FRENCH_WORDS = {
    "le", "la", "les", "des", "du", "de", "un", "une", "comme", "moi", "propose", "proposes", "propose-moi",
    "conseille", "conseille-moi", "recommande", "recommande-moi", "j'ai", "je", "tu", "vous", "quoi", "quel",
    "quels", "quelle", "regarder", "voir", "similaires", "semblables", "aime", "adore", "merci", "pour", "avec",
    "et", "est", "suis", "ai", "genre", "style", "apres", "donne", "donne-moi", "peux", "pourrais", "cherche",
    "envie", "sympa", "bons", "bon", "sans", "annees", "note", "notes", "bien", "encore", "autres", "pourquoi",
    "plus", "ancien", "anciens", "recent", "recents", "seulement", "uniquement", "que", "mais", "pas", "trop",
    "comedie", "comedies", "drole", "droles", "horreur", "avant", "depuis", "moins", "heures", "heure", "sur",
    "qui", "fait", "peur", "film", "veux", "voudrais", "aimerais", "t'as", "stp", "svp", "dessin",
    "anime", "animes", "policier", "polar", "drame", "aventure", "guerre", "ou", "joue", "jouent", "au", "aux",
    "deuxieme", "premier", "troisieme", "dernier", "sortis", "sorti", "entre", "ce", "soir", "ans", "bonjour",
    "salut", "d'autres", "l'espace", "d'horreur", "d'animation", "c'est", "n'importe", "fais", "mon", "ma",
    "mes", "nous", "on", "il", "elle", "ils", "ya", "y", "leur", "tres", "vieux", "vieille", "marrant",
    "autre", "chose", "coucou", "espagnol", "francais", "anglais", "allemand", "italien", "japonais", "plein",
    "truc", "trucs", "genial", "super", "vraiment", "beaucoup",
}
ENGLISH_WORDS = {
    "the", "a", "an", "i", "me", "you", "what", "should", "watch", "like", "similar", "to", "movies", "movie",
    "suggest", "recommend", "loved", "liked", "enjoyed", "next", "some", "please", "with", "and", "is",
    "are", "can", "could", "give", "show", "find", "something", "want", "good", "without", "but", "from",
    "before", "after", "since", "only", "more", "older", "newer", "why", "one", "ones", "rated", "under",
    "hours", "less", "than", "about", "any", "funny", "scary", "well", "starring", "in", "of", "for", "my",
    "tonight", "just", "not", "no", "other", "others", "thanks", "hello", "hi", "that", "this", "those",
    "these", "which", "was", "it", "had", "have", "at", "least", "comedy", "comedies", "horror", "recent",
    "old", "classic", "looking", "need", "would", "love", "anything", "else", "second", "first", "third",
}

#: Words that carry no title: a span made only of them is never a film.
FILLER = FRENCH_WORDS | ENGLISH_WORDS | {
    "film", "movie", "films", "movies", "next", "more", "other", "others", "watch", "tonight", "ce", "soir",
    "something", "quelque", "chose", "truc", "trucs", "please", "svp", "stp", "ok", "okay", "yes", "oui", "non",
    "some", "everything", "thing", "things", "kind", "type", "sort", "lol", "hey", "bonsoir", "cool", "great",
    "super", "genial", "top", "nice", "mode", "mood", "vibe", "vibes", "feel", "feeling", "ambiance", "regarde",
    "maybe", "peut-etre", "also", "aussi", "again", "now", "maintenant", "plutot", "instead", "rather", "then",
    "alors", "donc", "bah", "ben", "euh", "hmm", "wow", "merci", "thank", "thanks", "you", "u", "pls", "plz",
}


#: Words that say nothing of what a film is about: a description is what remains without them and :data:`FILLER`.
DESCRIPTION_STOP = {
    "want", "wanna", "looking", "look", "find", "recommend", "recommendation", "recommendations", "suggestion",
    "suggestions", "idea", "ideas", "something", "anything", "someone", "kind", "sort", "type", "watch", "watching",
    "see", "seen", "tonight", "evening", "night", "weekend", "today", "please", "thank", "thanks", "where", "who",
    "whose", "which", "what", "when", "there", "their", "they", "them", "his", "her", "its", "into", "onto", "over",
    "very", "really", "quite", "pretty", "good", "great", "nice", "best", "cool", "film", "films", "movie",
    "movies", "flick", "flicks", "story", "stories", "one", "ones", "lot", "lots", "have", "has", "had", "get",
    "got", "gets", "been", "being", "would", "could", "should", "will", "can", "may", "might", "must", "also",
    "then", "than", "that", "this", "these", "those", "such", "some", "any", "all", "each", "every", "other",
    "idees", "idee", "envie", "propositions", "conseils", "conseil", "regarder", "voir", "vu", "ce",
    "cette", "ces", "soir", "ceux", "celui", "celle", "ils", "elles", "leur", "leurs", "son", "sa", "ses", "dont",
    "ou", "quand", "comment", "aussi", "bien", "tres", "vraiment", "bon", "bons", "bonne", "bonnes", "sympa", "genre",
    "quelque", "chose", "choses", "truc", "trucs", "histoire", "histoires", "pourrais", "pourriez", "peux", "peut",
    "avez", "aurais", "auriez", "connais", "connaissez", "suggerer", "suggere", "recommander", "conseiller",
    "proposer", "cherche", "cherches", "voudrais", "aimerais", "veux", "svp", "stp", "merci", "hey", "hello",
    "bonjour", "salut", "bonsoir", "pls", "avoir", "etre", "fait", "faire", "font", "est", "sont",
    "environ", "about", "around", "roughly", "humeur", "mood", "est-ce", "montrer", "montres", "conseilles",
    "proposes", "recommandes", "suggeres", "donner", "donnes", "sure", "else", "sais", "know", "think", "pense",
    "remove", "drop", "skip", "enleve", "enlever", "retire", "retirer", "vire", "virer", "supprime", "qqch", "qqc",
    "way", "stuff", "bit", "dans", "ont", "avons", "on", "adore", "adores", "kiffe",
    "subtitles", "subtitled", "subs", "sous-titres", "sous-titre", "vost", "vostfr",
    # who liked a film: "my wife adores notting hill, what would she like?" has no description
    "she", "he", "him", "loves", "likes", "enjoys", "enjoyed", "liked", "loved", "wife", "husband", "girlfriend",
    "boyfriend", "partner", "dad", "mum", "mom", "father", "mother", "kids", "son", "daughter", "copine", "copain",
    "femme", "mari", "papa", "maman", "pere", "mere", "enfants", "fils", "fille",
}


def mood_query(mood: str) -> str:
    """The words a mood is searched with (a free theme: itself)."""
    return MOODS[mood].query if mood in MOODS else mood


def french_mood(mood: str) -> str:
    """A mood's or a theme's French name ("funny" -> "drôle", "sharks" -> "requins"), else the name itself."""
    known = MOODS.get(mood)
    return (known.french if known else None) or FRENCH_THEMES.get(mood, mood)


def fold(text: str) -> str:
    """Lower case without accents, *same length* as ``text`` (so spans found in it index the message)."""
    out = []
    for char in text:
        if char.isascii():
            out.append(char.lower())
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        folded = base.lower()[:1] if base else " "
        out.append(folded if folded else " ")
    text = "".join(out)
    return text.replace("’", "'").replace("‘", "'").replace("`", "'")
