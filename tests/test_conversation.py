"""The conversation layer on the real catalogue: the parser against 300 hand-labelled messages
(tests/data/chat_messages.jsonl, 220 dev + 80 kept aside), grounded answers, follow-ups,
explanations in the user's language, and bounded, hostile-proof conversations."""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from pelliculum_lib.evaluation.conversation import constraint_check, load_messages, slot_table
from pelliculum_lib.conversation import (ConversationFull, ConversationStore, Parser, PeopleIndex, Request,
                                         UnknownConversation)
from pelliculum_lib.conversation.dialogue import NothingToRemove
from pelliculum_lib.data.values import dash_list

from conftest import variant

ENGLISH_FACTS = ("also ", "often liked", "released in", "rated ", "with ", "shared themes", "themes:")


@pytest.fixture(scope="module")
def parser(full_catalogue, full_resolver):
    films = Counter(name for credits in full_catalogue.movies["credits"] for name in dash_list(credits))
    return Parser(full_resolver, PeopleIndex(films))


@pytest.fixture(scope="module")
def labels(full_catalogue):
    return dict(zip(full_catalogue.movies["id"], full_catalogue.movies["label"]))


def _label(dialogue, film):
    return dialogue.facts.labels[dialogue.facts.row[film]]


# --------------------------------------------------------------------------- the parser


def test_the_labelled_set_is_large_and_half_french():
    messages = load_messages()
    dev, test = [m for m in messages if m["split"] == "dev"], [m for m in messages if m["split"] == "test"]
    assert len(dev) >= 200 and len(test) >= 60
    for part in (dev, test):
        assert sum(m["language"] == "fr" for m in part) == len(part) // 2


def test_parser_accuracy_per_slot_on_the_development_messages(parser, labels):
    table, rows = slot_table(parser, load_messages(split="dev"), labels)
    by_slot = table.set_index("slot")
    assert by_slot.loc["every slot right", "accuracy"] >= 0.95, rows[~rows["all_ok"]][["message", "errors"]]
    for slot in ("film", "people", "genres", "year_min", "year_max", "min_rating", "max_runtime", "mood", "action"):
        assert by_slot.loc[slot, "accuracy where used"] >= 0.9, slot


def test_parser_accuracy_on_the_messages_kept_aside(parser, labels):
    """Never tuned on: measured once when the rules were written (0.94 of messages fully right)."""
    table, rows = slot_table(parser, load_messages(split="test"), labels)
    assert table.set_index("slot").loc["every slot right", "accuracy"] >= 0.85, rows[~rows["all_ok"]]


@pytest.mark.parametrize("message, expected", [
    ("a dark sci-fi thriller from the 90s", {"genres": ["Science Fiction", "Thriller"], "mood": ["dark"],
                                             "year_min": 1990, "year_max": 1999}),
    ("Je veux un film d'horreur des années 80", {"genres": ["Horror"], "year_min": 1980, "year_max": 1989}),
    ("films avec Tom Hanks", {"people": ["Tom Hanks"]}),
    ("une comédie bien notée de moins de 2 heures sans animation",
     {"genres": ["Comedy"], "min_rating": 7.0, "max_runtime": 120, "without_genres": ["Animation"]}),
    ("starring keanu reves, after 2000", {"people": ["Keanu Reeves"], "year_min": 2001}),
    ("more please", {"action": "more"}),
    ("pourquoi le deuxième ?", {"action": "why", "position": 2}),
    ("only comedies", {"action": "refine", "genres": ["Comedy"]}),
])
def test_the_issue_examples_are_understood(parser, message, expected):
    assert parser.parse(message).request.slots() == expected


@pytest.mark.parametrize("message, genre", [("horror films that aren't too long", "Horror"),
                                            ("a comedy that isn’t too long", "Comedy"),
                                            ("nothing too long please, a thriller", "Thriller"),
                                            ("un polar pas très long", "Crime"), ("rien de trop long, une comédie", "Comedy")])
def test_not_too_long_said_other_ways_is_a_short_runtime_not_a_title_word(parser, message, genre):
    request = parser.parse(message).request
    assert request.slots() == {"genres": [genre], "max_runtime": 100} and request.description is None


@pytest.mark.parametrize("message, expected", [
    ("a thriller that runs at least 2h15", {"genres": ["Thriller"], "min_runtime": 135}),
    ("une comédie de plus de deux heures", {"genres": ["Comedy"], "min_runtime": 120}),
    ("a drama, nothing longer than 1h50", {"genres": ["Drama"], "max_runtime": 110}),
    ("un polar qui ne dépasse pas 1h40", {"genres": ["Crime"], "max_runtime": 100}),
    ("quelque chose de court, environ 1h10", {"max_runtime": 70}),
    ("a western, 2 hours or more", {"genres": ["Western"], "min_runtime": 120}),
])
def test_runtimes_said_in_hours_and_minutes_bound_the_right_side(parser, message, expected):
    """Written for this rule, not taken from a labelled set: "1h40", "2h15", "at least", "ne dépasse pas"."""
    assert parser.parse(message).request.slots() == expected


@pytest.mark.parametrize("message, years", [
    ("westerns from the 60s or 70s", (1960, 1979)),
    ("un polar des années 70 ou 80", (1970, 1989)),
    ("sci-fi from the 80s or earlier", (None, 1989)),
    ("des comédies des années 2000 ou plus récentes", (2000, None)),
    ("pre-1970 musicals", (None, 1969)),
    ("des films plus récents que 2012", (2013, None)),
    ("an old comedy from the 40s", (1940, 1949)),
    ("un drame, 2015 minimum", (2015, None)),
])
def test_decade_pairs_open_decades_and_year_bounds(parser, message, years):
    request = parser.parse(message).request
    assert (request.year_min, request.year_max) == years and request.relative is None


@pytest.mark.parametrize("message, person", [
    ("un film avec Pacino", "Al Pacino"),
    ("something with di caprio in it", "Leonardo DiCaprio"),
    ("gangster films with de niro", "Robert De Niro"),
])
def test_a_well_known_surname_alone_names_the_person(parser, message, person):
    assert parser.parse(message).request.people == [person]


@pytest.mark.parametrize("message", ["a film about a stone cold killer", "Ford trucks and a road trip",
                                     "something dark with a cage fight", "a vampire who sleeps in a coffin all day"])
def test_common_words_and_sentence_starts_are_no_surnames(parser, message):
    assert parser.parse(message).request.people == []


@pytest.mark.parametrize("message, title", [
    ("my dad keeps rewatching the godfater, what else would he like", "The Godfather"),
    ("we saw jurasic park yesterday and the kids want more dinosaurs", "Jurassic Park"),
])
def test_a_popular_title_with_a_typo_inside_a_sentence_is_found(parser, labels, message, title):
    assert labels[parser.parse(message).request.film] == title


def test_a_popular_title_inside_a_description_stays_words(parser):
    request = parser.parse("a spy on a mission behind enemy lines, with gadgets and a double agent").request
    assert request.film is None and "behind enemy lines" in request.description


@pytest.mark.parametrize("message, title", [
    ("honestly pirates of the caribbean is my comfort movie, anything close?",
     "Pirates of the Caribbean: The Curse of the Black Pearl"),
    ("need something like kill bill", "Kill Bill: Vol. 1"),
    ("we loved back to the future so much, what next", "Back to the Future"),
])
def test_series_names_and_popular_lowercase_titles_mid_sentence_are_films(parser, labels, message, title):
    assert labels[parser.parse(message).request.film] == title


@pytest.mark.parametrize("message, label", [("King Kong de 1976, des idées ?", "King Kong (1976)"),
                                            ("the thing from 82 is my favourite, more like it", "The Thing"),
                                            ("Total Recall (the 2012 version), anything like it?", "Total Recall (2012)")])
def test_a_year_after_a_title_picks_that_version_and_is_no_constraint(parser, labels, message, label):
    request = parser.parse(message).request
    assert labels[request.film] == label and request.year_min is None and request.year_max is None


def test_a_title_said_not_to_be_wanted_is_no_reference(parser):
    request = parser.parse("a space adventure, but not Star Wars").request
    assert request.film is None and request.genres == ["Adventure"]


@pytest.mark.parametrize("message, expected", [
    ("the third one looks fun, show me more like it", {"action": "pivot", "position": 3}),
    ("le 4 me tente, d'autres dans ce genre ?", {"action": "pivot", "position": 4}),
    ("already seen the second too", {"action": "reject", "position": 2}),
    ("quel rapport entre le troisième et ma demande ?", {"action": "why", "position": 3}),
    ("give me 3 more", {"action": "more"}),
    ("never mind, a musical", {"genres": ["Music"]}),
    ("et au-dessus de 6.5 ?", {"action": "refine", "min_rating": 6.5}),
])
def test_follow_ups_said_in_other_words(parser, message, expected):
    assert parser.parse(message).request.slots() == expected


@pytest.mark.parametrize("message", ["something to watch with my 7 year old", "un film à voir avec les enfants"])
def test_watching_with_children_asks_for_family_films(parser, message):
    assert "Family" in parser.parse(message).request.genres


@pytest.mark.parametrize("message, expected", [
    ("a thriller, nothing older than 1995", {"genres": ["Thriller"], "year_min": 1995}),
    ("des comédies, rien d'avant 2005", {"genres": ["Comedy"], "year_min": 2005}),
    ("a musical, nothing after 1970", {"genres": ["Music"], "year_max": 1970}),
    ("two hours tops, a western", {"genres": ["Western"], "max_runtime": 120}),
    ("un film de guerre pas plus long que 1h50", {"genres": ["War"], "max_runtime": 110}),
    ("une pépite méconnue des années 70", {"year_min": 1970, "year_max": 1979, "directions": ["less_known"]}),
    ("less famous ones please", {"action": "refine", "directions": ["less_known"]}),
    ("far too violent, something lighter", {"action": "refine", "directions": ["lighter"]}),
    ("get rid of the westerns", {"action": "refine", "without_genres": ["Western"]}),
    ("vire les comédies", {"action": "refine", "without_genres": ["Comedy"]}),
    ("can you make it under 100 minutes?", {"action": "refine", "max_runtime": 100}),
    ("anything from further back?", {"action": "refine", "relative": "older"}),
    ("what made you choose the fourth?", {"action": "why", "position": 4}),
    ("qu'est-ce qui t'a fait mettre le deuxième ?", {"action": "why", "position": 2}),
    ("show me a couple more", {"action": "more"}),
    ("un film de 1h40 max, plutôt sombre", {"max_runtime": 100, "mood": ["dark"]}),
    ("on veut juste se marrer ce soir", {"mood": ["funny"]}),
    ("un truc qui fait flipper, pas trop long", {"mood": ["scary"], "max_runtime": 100}),
    ("un thriler des années 80", {"genres": ["Thriller"], "year_min": 1980, "year_max": 1989}),
    ("freeman and a bit of crime", {"people": ["Morgan Freeman"], "genres": ["Crime"]}),
    ("something along the lines of the third", {"action": "pivot", "position": 3}),
    ("un peu dans l'esprit du premier", {"action": "pivot", "position": 1}),
    ("déjà vu le 5, merci", {"action": "reject", "position": 5}),
    ("any with higher ratings?", {"action": "refine", "directions": ["better_rated"]}),
    ("get rid of the ones over 2 hours", {"action": "refine", "max_runtime": 120}),
    ("vire ceux de plus de 1h45", {"action": "refine", "max_runtime": 105}),
    ("a thriller about the cold war", {"genres": ["Thriller"]}),
    ("un polar à énigme", {"genres": ["Crime", "Mystery"]}),
    ("spaghetti westerns from the 60s", {"genres": ["Western"], "original_language": "it", "year_min": 1960,
                                         "year_max": 1969}),
])
def test_bounds_critiques_and_follow_ups_said_in_other_words(parser, message, expected):
    assert parser.parse(message).request.slots() == expected


@pytest.mark.parametrize("message, title", [
    ("a caper like oceans twelve", "Ocean's Twelve"),
    ("something like schindlers list", "Schindler's List"),
    ("a romcom in the vein of bridget jones", None),  # a series' head: one of its films
    ("des films dans le genre de memento", "Memento"),
    ("un truc du style de fargo", "Fargo"),
])
def test_titles_without_their_apostrophe_or_their_end(parser, labels, message, title):
    request = parser.parse(message).request
    assert request.film is not None
    assert labels[request.film] == title if title else labels[request.film].startswith("Bridget Jones")


def test_a_title_cut_short_is_no_title(parser, labels):
    """"le silence des agneaux" is not the film "The Silence" (the rest of the title is no constraint), it is the
    French title of The Silence of the Lambs."""
    assert labels[parser.parse("des films comme le silence des agneaux").request.film] == "The Silence of the Lambs"
    assert labels[parser.parse("something like the silence of the lambs").request.film] == "The Silence of the Lambs"
    assert labels[parser.parse("des films comme heat des années 90").request.film] == "Heat"


@pytest.mark.parametrize("message, film, liked", [
    ("des films comme les évadés", "The Shawshank Redemption", []),
    ("un truc comme le parrain, mais plus récent", "The Godfather", []),
    ("retour vers le futur c'est mon film préféré", "Back to the Future", []),
    ("un film comme seven, avec brad pitt", "Se7en", []),  # not the obscure "Seven"
    ("on a aimé là-haut et toy story avec les enfants", "Up", ["Toy Story"]),
    ("si j'ai aimé alien et the thing, je regarde quoi ?", "Alien", ["The Thing"]),
    ("just saw the departed, loved it", "The Departed", []),
    ("my favourite is the good the bad and the ugly", "The Good, the Bad and the Ugly", []),
    ("we liked heat and collateral", "Heat", ["Collateral"]),
])
def test_french_titles_and_liked_films_said_in_passing(parser, labels, message, film, liked):
    request = parser.parse(message).request
    assert labels[request.film] == film and [labels[f] for f in request.liked] == liked


@pytest.mark.parametrize("message, film, liked", [
    ("my brother loves the terminator, any ideas for him?", "The Terminator", []),
    ("if you liked zodiac, what comes next", "Zodiac", []),
    ("seen heat and ronin, more like them", "Heat", ["Ronin"]),  # "them" points back: no "Them!"
    ("un truc genre whiplash", "Whiplash", []),
    ("on cherche un film comme le voyage de chihiro", "Spirited Away", []),  # a film without TMDb facts
    ("fenêtre sur cour est mon préféré, d'autres idées ?", "Rear Window (TMDB 567)", []),
])
def test_liked_films_of_others_pronouns_and_french_titles_of_films_without_facts(parser, labels, message, film, liked):
    request = parser.parse(message).request
    assert labels[request.film] == film and [labels[f] for f in request.liked] == liked
    assert request.description is None


@pytest.mark.parametrize("message, expected", [
    ("un polar où jouent de niro et joe pesci", {"people": ["Joe Pesci", "Robert De Niro"], "genres": ["Crime"]}),
    ("un film de plus de 2h15", {"min_runtime": 135, "max_runtime": None}),
    ("something that runs more than 1h30", {"min_runtime": 90, "max_runtime": None}),
    ("a gangster movie from the 70s", {"mood": ["mafia"], "genres": [], "year_min": 1970}),
])
def test_actors_after_a_verb_a_minimum_before_a_duration_and_gangsters(parser, message, expected):
    request = parser.parse(message).request
    assert {slot: getattr(request, slot) for slot in expected} == expected


def test_a_lowercase_filler_part_is_no_liked_film_and_a_rare_first_name_is_a_person(parser):
    assert parser.parse("i loved heat and a movie").request.liked == []
    assert parser.parse("a crime movie with denzel").request.people == ["Denzel Washington"]
    assert parser.parse("un film avec keanu").request.people == ["Keanu Reeves"]
    assert parser.parse("something with tom").request.people == []  # Tom names many


@pytest.mark.parametrize("message, expected", [
    ("not in english please, something in spanish", {"original_language": "es"}),
    ("any french movies with english subtitles?", {"original_language": "fr"}),
    ("un film coréen sous-titré en français", {"original_language": "ko"}),
    ("un film qui dure moins d'une heure quarante", {"max_runtime": 100}),
    ("a 2h+ epic", {"min_runtime": 120, "mood": ["epic"]}),
    ("movies w/ denzel and ethan hawke", {"people": ["Ethan Hawke", "Denzel Washington"]}),
    ("je veux pleurer devant un film", {"mood": ["sad"]}),
])
def test_languages_not_wanted_subtitles_minutes_in_words_and_shorthand(parser, message, expected):
    request = parser.parse(message).request
    assert {slot: getattr(request, slot) for slot in expected} == expected


def test_words_about_subtitles_and_who_watched_leave_no_description(parser):
    assert parser.parse("any french movies with english subtitles? something romantic").request.description == "romantic"
    assert parser.parse("on a regardé là-haut avec les enfants, ils ont adoré").request.description is None


def test_a_comparison_with_ones_own_film_asks_for_a_mood(parser, labels):
    request = parser.parse("something like fargo but funnier").request
    assert labels[request.film] == "Fargo" and request.mood == ["funny"] and request.directions == []
    assert parser.parse("ok but funnier").request.directions == ["funnier"]  # a follow-up stays a critique


def test_an_audience_in_lower_case_is_no_title(parser):
    request = parser.parse("comedies for grown ups, from the 2000s").request
    assert request.film is None and request.genres == ["Comedy"] and request.year_min == 2000


def test_a_title_wins_over_the_constraint_words_inside_it(parser, labels):
    understood = parser.parse("something like The Dark Knight but from the 90s")
    assert labels[understood.request.film] == "The Dark Knight"
    assert understood.request.mood == [] and understood.request.year_min == 1990
    assert parser.parse("a thriller").request.film is None  # "Thriller" is also a film title


# --------------------------------------------------------------------------- grounded answers


def test_every_answer_keeps_every_hard_constraint_or_says_fewer_match(dialogue):
    checks = constraint_check(dialogue, load_messages())
    assert len(checks) >= 100
    assert checks["all_satisfied"].all(), checks[~checks["all_satisfied"]]
    assert checks["ok"].all(), checks[~checks["ok"]]


def test_fewer_matches_are_said_plainly_with_a_constraint_to_relax(dialogue):
    reply = dialogue.reply("a western with Tom Hanks from the 80s rated at least 8")
    assert reply.status == "fewer" and len(reply.films) < dialogue.n
    assert reply.text.startswith("No film") and "remove two or more" in reply.text
    fewer = dialogue.reply("a drama with Tom Hanks from the 80s")
    assert fewer.status == "fewer" and 0 < len(fewer.films) < dialogue.n
    assert fewer.text.startswith("Only") and "Without “1980s”" in fewer.text  # the decade goes before the actor
    french = dialogue.reply("un drame avec Tom Hanks des années 80")
    assert french.status == "fewer" and "Sans «" in french.text and french.language == "fr"


def test_constraints_alone_are_ranked_by_quality(dialogue):
    reply = dialogue.reply("a comedy from the 90s")
    titles = [_label(dialogue, f) for f, _ in reply.films]
    assert len(titles) == 8 and reply.status == "ok"
    votes = [dialogue.facts.votes[dialogue.facts.row[f]] for f, _ in reply.films]
    assert min(votes) >= 500  # well-known films first, not obscure ones
    assert [c.key for c in reply.constraints] == ["genres:Comedy", "years:"]


# --------------------------------------------------------------------------- follow-ups


@pytest.mark.parametrize("first", ["films like Heat", "a comedy from the 90s", "des films avec Tom Hanks"])
def test_more_never_repeats_a_film_in_a_conversation(dialogue, first):
    reply = dialogue.reply(first)
    seen = [f for f, _ in reply.films]
    for _ in range(5):
        reply = dialogue.reply("more", reply.conversation_id)
        assert reply.status in ("ok", "more_none")
        seen += [f for f, _ in reply.films]
    assert len(seen) == len(set(seen)) and len(seen) > 8


def test_refinements_narrow_the_last_request(dialogue):
    reply = dialogue.reply("films with Tom Hanks")
    conversation = reply.conversation_id
    comedies = dialogue.reply("only comedies", conversation)
    assert comedies.films and all("Comedy" in dialogue.facts.genres[dialogue.facts.row[f]] and
                                  "Tom Hanks" in dialogue.facts.cast[dialogue.facts.row[f]] for f, _ in comedies.films)
    years = [dialogue.facts.year[dialogue.facts.row[f]] for f, _ in comedies.films]
    older = dialogue.reply("older", conversation)
    assert older.films and max(dialogue.facts.year[dialogue.facts.row[f]] for f, _ in older.films) < sorted(years)[
        len(years) // 2]
    without = dialogue.reply("without romance", conversation)
    assert without.films and all("Romance" not in dialogue.facts.genres[dialogue.facts.row[f]]
                                 for f, _ in without.films)
    assert {c.key for c in without.constraints} >= {"people:Tom Hanks", "genres:Comedy", "without_genres:Romance"}


def test_like_a_film_then_newer_keeps_the_film_and_moves_the_years(dialogue):
    heat = dialogue.reply("Propose-moi des films comme Heat")
    assert heat.language == "fr" and _label(dialogue, heat.film) == "Heat"
    newer = dialogue.reply("plus récent", heat.conversation_id)
    assert newer.language == "fr" and newer.film == heat.film
    assert newer.films and all(dialogue.facts.year[dialogue.facts.row[f]] > 1995 for f, _ in newer.films)


def test_why_explains_the_chosen_film_from_facts(dialogue):
    reply = dialogue.reply("I loved Heat, what next?")
    second = reply.films[1][0]
    why = dialogue.reply("why the second one?", reply.conversation_id)
    assert why.status == "explain" and why.films[0][0] == second
    assert _label(dialogue, second) in why.text and "Heat" in why.text
    out = dialogue.reply("why number 9?", reply.conversation_id)
    assert "no film number 9" in out.text


def test_french_messages_get_french_replies_and_reasons(dialogue):
    for message in ("des films comme Heat", "un polar des années 70 bien noté", "des films avec Tom Hanks"):
        reply = dialogue.reply(message)
        assert reply.language == "fr" and reply.films
        for _, why in reply.films:
            assert why and not any(english in why.casefold() for english in ENGLISH_FACTS), why


def test_every_reason_is_a_fact_of_the_catalogue(dialogue):
    reply = dialogue.reply("films like Heat")
    assert all(why.endswith(".") for _, why in reply.films)
    shared = [(film, why) for film, why in reply.films if "also with " in why.casefold()]
    assert shared  # measured: "Also with Robert De Niro" (the reason's first words, capitalised)
    for film, why in shared:
        names = re.split("[Aa]lso with ", why)[1].split(";")[0].rstrip(".").split(" and ")
        assert all(name in dialogue.facts.cast[dialogue.facts.row[film]] for name in names)
        assert all(name in dialogue.facts.cast[dialogue.facts.row[reply.film]] for name in names)


def test_removing_a_chip_asks_again_without_it(dialogue):
    reply = dialogue.reply("a horror film from the 80s")
    keys = [c.key for c in reply.constraints]
    assert "genres:Horror" in keys
    again = dialogue.reply(None, reply.conversation_id, remove="genres:Horror")
    assert "genres:Horror" not in [c.key for c in again.constraints] and "years:" in [c.key for c in again.constraints]
    with pytest.raises(NothingToRemove):
        dialogue.reply(None, reply.conversation_id, remove="genres:Western")


def test_an_unknown_title_is_looked_up_on_tmdb_when_allowed(dialogue, full_catalogue):
    film = int(full_catalogue.movies.loc[full_catalogue.movies["title"] == "French Fried Vacation", "id"].iloc[0])
    offline = dialogue.reply("Propose-moi des films comme Les Bronzés font du ski")  # a French title outside the table
    assert offline.status == "unknown"
    searched = []
    dialogue.search_titles = lambda query: searched.append(query) or [film]
    try:
        online = dialogue.reply("Propose-moi des films comme Les Bronzés font du ski")
    finally:
        dialogue.search_titles = None
    assert online.status == "ok" and online.film == film and searched


# --------------------------------------------------------------------------- bounded and hostile


def test_conversations_are_bounded_in_number_age_and_turns():
    store = ConversationStore(limit=5, ttl=3600, max_turns=3)
    ids = [store.open(None).id for _ in range(20)]
    assert len(store) == 5 and len(set(ids)) == 20 and all(len(i) >= 24 for i in ids)
    with pytest.raises(UnknownConversation):
        store.open(ids[0])
    store.open(ids[-1])  # a recent one is kept
    expiring = ConversationStore(limit=5, ttl=0.0)
    old = expiring.open(None).id
    with pytest.raises(UnknownConversation):
        expiring.open(old)


def test_a_conversation_stops_at_its_turn_limit(dialogue):
    limited = type(dialogue)(dialogue.parser, dialogue.facts, dialogue.recommend, dialogue.n,
                             ConversationStore(max_turns=3))
    reply = limited.reply("films like Heat")
    limited.reply("more", reply.conversation_id)
    limited.reply("more", reply.conversation_id)
    with pytest.raises(ConversationFull):
        limited.reply("more", reply.conversation_id)


def test_concurrent_turns_of_one_conversation_never_repeat_a_film(dialogue):
    reply = dialogue.reply("a comedy from the 90s")
    answers: list[list[int]] = []

    def more():
        answers.append([f for f, _ in dialogue.reply("more", reply.conversation_id).films])

    threads = [threading.Thread(target=more) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    films = [f for answer in answers for f in answer] + [f for f, _ in reply.films]
    assert len(answers) == 8 and len(films) == len(set(films)) == 9 * 8


def test_hostile_chat_inputs_get_clear_4xx(service):
    from api.main import create_app

    with TestClient(create_app(service)) as client:
        first = client.post("/chat", json={"message": "a comedy from the 90s"}).json()
        assert first["conversation_id"] and first["constraints"]
        assert all(r["reason"] for r in first["recommendations"])
        cases = [
            ({"message": "x" * 20_000}, 413), ({"message": "a" * 600}, 422), ({"message": "hi\x00there"}, 422),
            ({"message": "more", "conversation_id": "not-a-real-conversation"}, 404),
            ({"message": "more", "conversation_id": "../../etc/passwd"}, 422),
            ({"conversation_id": first["conversation_id"]}, 422),
            ({"remove": "genres:Comedy"}, 422),
            ({"remove": "genres:Western", "conversation_id": first["conversation_id"]}, 422),
            ({"message": "more", "conversation_id": 12}, 422), ({"message": "more", "extra": 1}, 422),
        ]
        for payload, status in cases:
            response = client.post("/chat", json=payload)
            assert response.status_code == status, (payload, response.text)
            assert response.json()["detail"] and "Traceback" not in response.text
        removed = client.post("/chat", json={"remove": "genres:Comedy", "conversation_id": first["conversation_id"]})
        assert removed.status_code == 200
        assert "genres:Comedy" not in [c["key"] for c in removed.json()["constraints"]]


def test_hundreds_of_turns_end_in_409_and_memory_stays_bounded(service, tmp_path_factory):
    from api.main import create_app

    limited = variant(service, tmp_path_factory, conversation_turns=50, conversations=20, rate_limit_per_minute=0)
    with TestClient(create_app(limited)) as client:
        conversation = client.post("/chat", json={"message": "a drama"}).json()["conversation_id"]
        statuses = [client.post("/chat", json={"message": "more", "conversation_id": conversation}).status_code
                    for _ in range(60)]
        assert statuses[:49] == [200] * 49 and set(statuses[49:]) == {409}
        for _ in range(100):
            client.post("/chat", json={"message": "a comedy"})
        assert len(limited.dialogue.store) <= 20
        for shown in (c.shown for c in limited.dialogue.store._items.values()):
            assert len(shown) <= 50 * 8


def test_request_keeps_its_slots_through_refinement():
    base = Request(people=["Tom Hanks"], genres=["Drama"], year_min=1990, year_max=1999)
    refined = base.refined(Request(action="refine", genres=["Comedy"], only=True))
    assert refined.genres == ["Comedy"] and refined.people == ["Tom Hanks"] and refined.year_min == 1990
    assert base.refined(Request(without_genres=["Drama"])).genres == []
    assert base.without("years:").year_min is None and base.without("people:Tom Hanks").people == []
