"""Words the conversation understands, English and French, written once.

Patterns are matched on *folded* text (lower case, accents removed, same length as the
message: see :func:`fold`), so "Années", "annees" and "ANNÉES" are one word.
"""

from __future__ import annotations

import unicodedata

#: TMDB's genre names as the catalogue writes them.
GENRES = ("Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy",
          "Foreign", "History", "Horror", "Music", "Mystery", "Romance", "Science Fiction", "TV Movie",
          "Thriller", "War", "Western")

#: Regular expressions (folded text) -> the genres they name. Longer phrases first.
GENRE_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (r"romantic comed(?:y|ies)|rom[- ]?coms?|comedies? romantiques?", ("Comedy", "Romance")),
    (r"comedies? musicales?|musicals?|films? musica(?:l|ux)", ("Music",)),
    (r"science[- ]?fiction|sci[- ]?fi|scifi|\bsf\b", ("Science Fiction",)),
    (r"animated|animation|cartoons?|dessins?[- ]animes?|\banime\b", ("Animation",)),
    (r"polars?|policiers?|\bcrimes?\b|gangster films?", ("Crime",)),
    (r"horror|horreur|epouvante|horrifique", ("Horror",)),
    # "family" names the genre ("a family film", "for the family"), not a plot's family ("a family moves in")
    (r"\bkids?\b|children'?s?|pour (?:les )?(?:enfants|petits)|\bfamily\b(?=[- ](?:[a-z]+ )?(?:films?|movies?|comed|animat|"
     r"adventure|fun|night|classics?|friendly|fantasy|drama|musical)|\s*[?.!,]|\s*$)|(?<=\ba )family\b(?! of)|"
     r"(?<=\bthe )family\b(?=\s*[?.!,]|\s*$)|familia(?:l|le|ux)|en famille|"
     r"(?:pour )?toute la famille|family[- ]friendly",
     ("Family",)),
    (r"documentar(?:y|ies)|documentaires?|\bdocus?\b", ("Documentary",)),
    (r"\bmusic\b|musique", ("Music",)),
    (r"historical|historiques?|\bhistory\b|period (?:drama|piece)s?|films? d'epoque", ("History",)),
    (r"\bwar\b|\bguerre\b", ("War",)),
    (r"thrillers?|suspense", ("Thriller",)),
    (r"dramas?|drames?|dramatiques?", ("Drama",)),
    (r"comed(?:y|ies)|comedies?|comiques?|\bcomic\b", ("Comedy",)),
    (r"\baction\b", ("Action",)),
    (r"adventures?|aventures?", ("Adventure",)),
    (r"fantasy|fantastiques?|fantasie", ("Fantasy",)),
    (r"myster(?:y|ies)|mysteres?|whodunn?its?", ("Mystery",)),
    (r"romances?|(?<!chose de )(?<!truc )romantiques?|love stor(?:y|ies)|histoires? d'amour|"
     r"romantic(?= (?:dramas?|thrillers?|fantasy|story|stories))", ("Romance",)),
    (r"westerns?", ("Western",)),
    (r"tv movies?|telefilms?|made for tv", ("TV Movie",)),
]

#: Canonical mood and theme terms (English: the catalogue's overviews are English) and how users say them.
MOODS: list[tuple[str, str]] = [
    ("feel-good", r"feel[- ]?good|qui fait du bien|reconfortants?|heart[- ]?warming|feelgood|chaleureux"),
    ("funny", r"funny|hilarious|droles?|marrants?|qui fait rire|rigolos?|hilarants?"),
    ("scary", r"scary|qui fait(?: tres)? peur|flippants?|effrayants?|terrifi(?:ying|ants?)|frightening|creepy"),
    ("sad", r"\bsad\b|tristes?|qui (?:me |nous |te )?fait? pleurer|tear[- ]?jerkers?|makes? (?:you|me|us) cry"),
    ("romantic", r"romantic|(?:chose de |truc )romantiques?"),
    ("uplifting", r"uplifting|inspiring|inspirants?|motivants?|inspirational|motivating"),
    ("mind-bending", r"mind[- ]?(?:bending|blowing)|plot twists?|\btwists?\b|retourne(?:nt)? (?:le|la) (?:cerveau|tete)"
                     r"|complex plot|intrigue complexe|casse[- ]tetes?|cerebral"),
    ("dark", r"\bdark\b|sombres?|glauques?|\bnoirs?\b|gritty|bleak"),
    ("violent", r"violente?s?"),
    ("slow", r"\bslow\b|\blents?\b|contemplati(?:f|fs|ve|ves)"),
    ("epic", r"\bepic\b|epiques?"),
    ("space", r"outer space|\bspace\b|l'espace|\bespace\b|spatial|spaceships?|vaisseaux? spatia(?:l|ux)"),
    ("heist", r"heists?|\bcasses?\b|braquages?|(?:bank )?robber(?:y|ies)|hold[- ]ups?"),
    ("time travel", r"time[- ]travel(?:l?ing)?|voyages? dans le temps|time machines?"),
    ("dinosaurs", r"dinosaur(?:s|es)?"),
    ("zombies", r"zombies?"),
    ("vampires", r"vampires?"),
    ("robots", r"robots?|androids?"),
    ("superhero", r"super[- ]?hero(?:s|es)?"),
    ("revenge", r"revenge|vengeances?|vendettas?"),
    ("prison", r"prisons?|\bjail\b|prisonniers?"),
    ("mafia", r"mafias?|\bmob\b|mobsters?|gangsters?"),
    ("serial killer", r"serial[- ]killers?|tueurs? en serie"),
    ("road trip", r"road[- ]?trips?|road[- ]?movies?"),
    ("sport", r"\bsports?\b|sportifs?"),
    ("christmas", r"christmas|\bxmas\b|\bnoel\b"),
    ("high school", r"high[- ]?school|\blycee\b|lyceens?"),
    ("wedding", r"weddings?|mariages?"),
    ("spy", r"\bspy\b|\bspies\b|espions?|espionnage"),
    ("survival", r"survival|\bsurvie\b"),
    ("dystopia", r"dystopi(?:a|an|e|que|ques)"),
    ("aliens", r"\baliens\b|extra[- ]?terrestres?|alien invasion"),
    ("friendship", r"friendship|amitie"),
]

#: The moods that are feelings (searched by content similarity); every other mood is a theme (searched as a word).
FEELINGS = frozenset({"feel-good", "funny", "scary", "sad", "romantic", "uplifting", "mind-bending", "dark", "violent",
                      "slow", "epic"})

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

#: Original languages, by the adjective or "in <language>".
LANGUAGES: list[tuple[str, str]] = [
    ("fr", r"french|francaise?s?"), ("es", r"spanish|espagnole?s?"), ("ja", r"japanese|japonaise?s?"),
    ("ko", r"korean|coreenn?e?s?"), ("it", r"italian|italienn?e?s?"), ("de", r"german|allemande?s?"),
    ("en", r"english|anglaise?s?|anglophones?"), ("zh", r"chinese|chinoise?s?"), ("hi", r"hindi|bollywood"),
    ("ru", r"russian|russes?"),
]
LANGUAGE_NAMES = {"fr": ("French", "français"), "es": ("Spanish", "espagnol"), "ja": ("Japanese", "japonais"),
                  "ko": ("Korean", "coréen"), "it": ("Italian", "italien"), "de": ("German", "allemand"),
                  "en": ("English", "anglais"), "zh": ("Chinese", "chinois"), "hi": ("Hindi", "hindi"),
                  "ru": ("Russian", "russe")}

GENRE_FR = {"Action": "action", "Adventure": "aventure", "Animation": "animation", "Comedy": "comédie",
            "Crime": "policier", "Documentary": "documentaire", "Drama": "drame", "Family": "famille",
            "Fantasy": "fantastique", "Foreign": "étranger", "History": "histoire", "Horror": "horreur",
            "Music": "musique", "Mystery": "mystère", "Romance": "romance", "Science Fiction": "science-fiction",
            "TV Movie": "téléfilm", "Thriller": "thriller", "War": "guerre", "Western": "western"}
MOOD_FR = {"feel-good": "qui fait du bien", "funny": "drôle", "scary": "qui fait peur", "sad": "triste",
           "romantic": "romantique", "uplifting": "inspirant", "mind-bending": "retors", "dark": "sombre",
           "violent": "violent", "slow": "contemplatif", "epic": "épique", "space": "espace", "heist": "braquage",
           "time travel": "voyage dans le temps", "dinosaurs": "dinosaures", "superhero": "super-héros",
           "revenge": "vengeance", "serial killer": "tueur en série", "christmas": "Noël", "high school": "lycée",
           "wedding": "mariage", "spy": "espionnage", "survival": "survie", "dystopia": "dystopie",
           "aliens": "extraterrestres", "friendship": "amitié"}

#: Words a mood is searched with in overviews, keywords and taglines (the catalogue's own words).
MOOD_QUERIES = {
    "feel-good": "heartwarming friendship family love comedy", "funny": "comedy hilarious funny",
    "scary": "horror terror haunted nightmare fear", "sad": "tragedy grief loss death cancer",
    "romantic": "love romance falls in love", "uplifting": "inspiring courage hope dream triumph",
    "mind-bending": "mind twist reality dream memory identity", "dark": "dark death murder violence evil",
    "violent": "violence brutal killer blood", "slow": "contemplative quiet", "epic": "epic battle kingdom",
    "space": "space astronaut planet spaceship galaxy", "heist": "heist robbery thieves bank vault",
    "time travel": "time travel future past", "dinosaurs": "dinosaur", "zombies": "zombie undead",
    "vampires": "vampire", "robots": "robot android artificial intelligence", "superhero": "superhero powers",
    "revenge": "revenge vengeance", "prison": "prison inmate escape", "mafia": "mafia mob gangster",
    "serial killer": "serial killer", "road trip": "road trip journey", "sport": "sports team coach",
    "christmas": "christmas santa", "high school": "high school teenagers", "wedding": "wedding bride",
    "spy": "spy agent espionage", "survival": "survival stranded wilderness", "dystopia": "dystopia dystopian",
    "aliens": "alien extraterrestrial invasion", "friendship": "friendship friends",
}

#: Genres a mood leans to (a soft boost in ranking, never a filter).
MOOD_GENRES = {
    "feel-good": ("Comedy", "Family"), "funny": ("Comedy",), "scary": ("Horror",), "sad": ("Drama",),
    "romantic": ("Romance",), "uplifting": ("Drama",), "mind-bending": ("Mystery", "Science Fiction", "Thriller"),
    "dark": ("Crime", "Thriller", "Horror"), "violent": ("Action", "Crime"), "epic": ("Adventure", "History", "War"),
    "space": ("Science Fiction",), "heist": ("Crime",), "superhero": ("Action",), "spy": ("Action", "Thriller"),
    "aliens": ("Science Fiction",), "robots": ("Science Fiction",), "dystopia": ("Science Fiction",),
    "zombies": ("Horror",), "vampires": ("Horror",), "serial killer": ("Crime", "Thriller"), "mafia": ("Crime",),
}

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
    "qui", "fait", "peur", "un", "film", "veux", "voudrais", "aimerais", "t'as", "stp", "svp", "dessin",
    "anime", "animes", "policier", "polar", "drame", "aventure", "guerre", "ou", "joue", "jouent", "au", "aux",
    "deuxieme", "premier", "troisieme", "dernier", "sortis", "sorti", "entre", "ce", "soir", "ans", "bonjour",
    "salut", "d'autres", "l'espace", "d'horreur", "d'animation", "c'est", "n'importe", "fais", "mon", "ma",
    "mes", "nous", "on", "il", "elle", "ils", "ya", "y", "leur", "tres", "vieux", "vieille", "marrant",
    "autre", "chose", "coucou", "espagnol", "francais", "anglais", "allemand", "italien", "japonais", "merci",
    "salut", "quoi", "stp", "svp", "des", "plein", "truc", "trucs", "genial", "super", "vraiment", "beaucoup",
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


#: The canonical mood and theme names (the values of :data:`MOODS`).
MOOD_NAMES = frozenset(name for name, _ in MOODS)

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
    "idees", "idee", "envie", "suggestions", "propositions", "conseils", "conseil", "regarder", "voir", "vu", "ce",
    "cette", "ces", "soir", "ceux", "celui", "celle", "ils", "elles", "leur", "leurs", "son", "sa", "ses", "dont",
    "ou", "quand", "comment", "aussi", "bien", "tres", "vraiment", "bon", "bons", "bonne", "bonnes", "sympa", "genre",
    "quelque", "chose", "choses", "truc", "trucs", "histoire", "histoires", "pourrais", "pourriez", "peux", "peut",
    "avez", "aurais", "auriez", "connais", "connaissez", "suggerer", "suggere", "recommander", "conseiller",
    "proposer", "cherche", "cherches", "voudrais", "aimerais", "veux", "svp", "stp", "merci", "hey", "hello",
    "bonjour", "salut", "bonsoir", "please", "pls", "avoir", "etre", "fait", "faire", "font", "est", "sont",
    "environ", "about", "around", "roughly", "humeur", "mood", "est-ce", "montrer", "montres", "conseilles",
    "proposes", "recommandes", "suggeres", "donner", "donnes", "sure", "else", "sais", "know", "think", "pense",
}


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
