"""Preferences on the full catalogue: several liked films (one message or across turns, EN/FR), directional
critiques that move their measure, rejected films that never come back and push their neighbours down, the
series limit, card actions, and clear replies to bad input on the new phrases."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from pelliculum_lib.conversation import NotShown
from pelliculum_lib.conversation.critiques import DIRECTIONS
from pelliculum_lib.evaluation.preferences import CRITIQUE_CHECKS, OPENINGS, critique_moves
from pelliculum_lib.recommending.series import crowded, limit_series, same_series, series_key


def _id(dialogue, label: str) -> int:
    return int(dialogue.facts.ids[dialogue.facts.labels.index(label)])


def _ids(reply) -> list[int]:
    return [f for f, _ in reply.films]


# -- several liked films ------------------------------------------------------------------------------
@pytest.mark.parametrize("message, first, second", [
    ("I loved Amélie and Midnight in Paris", "Amelie", "Midnight in Paris"),
    ("j'ai adoré Alien et The Thing", "Alien", "The Thing"),
    ("i loved alien and heat", "Alien", "Heat"),
    ("Des films comme Alien ou Predator des années 80", "Alien", "Predator"),
])
def test_several_films_in_one_message_are_all_liked(dialogue, message, first, second):
    reply = dialogue.reply(message)
    a, b = _id(dialogue, first), _id(dialogue, second)
    keys = [c.key for c in reply.constraints]
    assert reply.film == a and f"liked:{b}" in keys, (reply.text, keys)
    assert reply.films and not {a, b} & set(_ids(reply))
    assert dialogue._named(b).split(" (")[0] in reply.text  # the reply names both films
    alone = dialogue.reply(f"films like {first}" if "fr" != reply.language else f"des films comme {first}")
    assert _ids(alone) != _ids(reply), "the second film changes the answer"


def test_a_list_of_films_makes_the_first_the_reference(dialogue):
    reply = dialogue.reply("Heat, Ronin and Collateral")
    assert reply.film == _id(dialogue, "Heat")
    assert {f"liked:{_id(dialogue, 'Ronin')}", f"liked:{_id(dialogue, 'Collateral')}"} <= {c.key for c in reply.constraints}


@pytest.mark.parametrize("opener, follow_up, added", [
    ("films like Se7en", "j'ai aussi adoré Zodiac", "Zodiac"),
    ("films like Se7en", "I also loved Zodiac", "Zodiac"),
    ("a thriller from the 90s", "and I liked Heat too", "Heat"),
])
def test_a_liked_film_is_added_across_turns(dialogue, opener, follow_up, added):
    first = dialogue.reply(opener)
    reply = dialogue.reply(follow_up, first.conversation_id)
    film = _id(dialogue, added)
    assert film == reply.film or f"liked:{film}" in [c.key for c in reply.constraints], reply.text
    assert not set(_ids(first)) & set(_ids(reply)), "an added film brings new films"
    if opener.startswith("a thriller"):  # the constraints are kept
        assert {"genres:Thriller", "years:"} <= {c.key for c in reply.constraints}


def test_a_liked_film_chip_can_be_removed(dialogue):
    reply = dialogue.reply("I loved Amélie and Midnight in Paris")
    key = f"liked:{_id(dialogue, 'Midnight in Paris')}"
    after = dialogue.reply(None, reply.conversation_id, remove=key)
    assert key not in [c.key for c in after.constraints] and after.film == _id(dialogue, "Amelie")


# -- directional critiques --------------------------------------------------------------------------
def test_there_are_fifty_openings():
    assert len(OPENINGS) == 50


@pytest.mark.parametrize("name", list(CRITIQUE_CHECKS))
def test_each_directional_critique_moves_its_measure_the_asked_way(dialogue, name):
    moves = critique_moves(dialogue, [name])
    assert len(moves) == 50 and set(moves["language"]) == {"en", "fr"}
    if name in DIRECTIONS:
        assert all(f"leaning:{name}" in keys for keys in moves["keys"]), moves["keys"].tolist()[:3]
    misses = moves[~moves["moved"]][["opening", "said", "status", "keys"]].head(5).to_dict("records")
    assert moves["moved"].sum() >= 45, f"{name}: moved on {moves['moved'].sum()}/50; misses: {misses}"


@pytest.mark.parametrize("name", ["lighter", "less_known", "funnier"])
def test_a_direction_keeps_the_constraints_and_its_chip_undoes_it(dialogue, name):
    first = dialogue.reply("a horror film from the 80s")
    after = dialogue.reply(CRITIQUE_CHECKS[name][0], first.conversation_id)
    keys = [c.key for c in after.constraints]
    assert {"genres:Horror", "years:", f"leaning:{name}"} <= set(keys)
    assert all(dialogue.facts.satisfies(f, dialogue.store.open(after.conversation_id).request) for f in _ids(after))
    undone = dialogue.reply(None, after.conversation_id, remove=f"leaning:{name}")
    assert f"leaning:{name}" not in [c.key for c in undone.constraints] and {"genres:Horror", "years:"} <= \
        {c.key for c in undone.constraints}


@pytest.mark.parametrize("opener, critique", [("films like Ocean's Eleven", "funnier please"),
                                              ("j'ai adoré Eternal Sunshine of the Spotless Mind", "un truc plus léger")])
def test_a_lighter_or_funnier_answer_keeps_the_audience(dialogue, opener, critique):
    """Lighter than a film for grown-ups is not a children's film; for a children's film, children's films stay."""
    after = dialogue.reply(critique, dialogue.reply(opener).conversation_id)
    children = [f for f in _ids(after) if dialogue.facts.genres[dialogue.facts.row[f]] & {"Animation", "Family"}]
    assert len(_ids(after)) == 8 and children == [], [dialogue.facts.labels[dialogue.facts.row[f]] for f in children]
    kids = dialogue.reply("funnier please", dialogue.reply("films like Toy Story").conversation_id)
    assert any(dialogue.facts.genres[dialogue.facts.row[f]] & {"Animation", "Family"} for f in _ids(kids))


def test_opposite_directions_replace_each_other(dialogue):
    first = dialogue.reply("films like Heat")
    lighter = dialogue.reply("something lighter", first.conversation_id)
    darker = dialogue.reply("actually darker", lighter.conversation_id)
    keys = [c.key for c in darker.constraints]
    assert "leaning:darker" in keys and "leaning:lighter" not in keys


def test_an_opening_direction_uses_its_own_threshold(dialogue):
    reply = dialogue.reply("a horror film that is not too scary")
    assert {"genres:Horror", "leaning:less_scary"} <= {c.key for c in reply.constraints}
    scare = [dialogue.facts.value("scare", f) for f in _ids(reply)]
    assert len(scare) == 8 and max(scare) < DIRECTIONS["less_scary"].absolute


def test_surprise_me_shows_new_less_known_well_rated_films(dialogue):
    first = dialogue.reply("a comedy from the 90s")
    surprise = dialogue.reply("surprise me", first.conversation_id)
    assert len(surprise.films) == 8 and not set(_ids(first)) & set(_ids(surprise))
    votes = lambda r: statistics.median(dialogue.facts.value("popularity", f) for f in _ids(r))  # noqa: E731
    assert votes(surprise) < votes(first)
    assert all(dialogue.facts.value("rating", f) >= 6.5 for f in _ids(surprise))
    assert "surprise:surprise" in [c.key for c in surprise.constraints]


# -- rejected films ---------------------------------------------------------------------------------
def test_rejected_films_never_return_and_their_neighbours_come_last(dialogue):
    first = dialogue.reply("films like Heat")
    rejected = _ids(first)[0]
    reply = dialogue.reply("not the first one", first.conversation_id)
    assert f"rejected:{rejected}" in [c.key for c in reply.constraints]
    near = dialogue.facts.avoided({rejected})
    answer = _ids(reply)
    late = [i for i, f in enumerate(answer) if f in near]
    assert all(i >= len(answer) - len(late) for i in late), "the rejected film's neighbours come after the others"
    seen = set()
    for message in ("more", "more like the second one", "older", "more", "only dramas", "more"):
        reply = dialogue.reply(message, reply.conversation_id)
        seen |= set(_ids(reply))
    assert rejected not in seen


def test_a_rejected_chip_lets_the_film_come_back(dialogue):
    first = dialogue.reply("films like Heat")
    rejected = _ids(first)[0]
    reply = dialogue.reply("déjà vu le premier", first.conversation_id)
    key = f"rejected:{rejected}"
    assert key in [c.key for c in reply.constraints]
    back = dialogue.reply(None, reply.conversation_id, remove=key)
    assert key not in [c.key for c in back.constraints]
    assert rejected not in dialogue.store.open(reply.conversation_id).rejected


def test_card_actions_pivot_and_reject_by_film_id(dialogue):
    first = dialogue.reply("films like Heat")
    third = _ids(first)[2]
    pivot = dialogue.reply(None, first.conversation_id, more_like=third)
    assert pivot.film == third and not set(_ids(first)) & set(_ids(pivot))
    gone = _ids(pivot)[0]
    after = dialogue.reply(None, pivot.conversation_id, not_for_me=gone)
    assert gone not in _ids(after) and f"rejected:{gone}" in [c.key for c in after.constraints]
    earlier = _ids(first)[5]  # a card of an earlier answer still acts
    assert dialogue.reply(None, after.conversation_id, more_like=earlier).film == earlier
    with pytest.raises(NotShown):
        dialogue.reply(None, after.conversation_id, not_for_me=int(dialogue.facts.ids[-1]))


# -- series ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("a, b, same", [
    ("The Lord of the Rings: The Two Towers", "The Lord of the Rings: The Return of the King", True),
    ("Harry Potter and the Goblet of Fire", "Harry Potter and the Deathly Hallows: Part 2", True),
    ("Toy Story", "Toy Story 3", True), ("Rocky", "Rocky II", True), ("The Hangover", "The Hangover Part II", True),
    ("Kill Bill: Vol. 1", "Kill Bill: Vol. 2", True), ("Star Wars", "Star Wars: Episode I - The Phantom Menace", True),
    ("Beauty and the Beast", "Pride and Prejudice", False), ("Alien", "Aliens", False), ("Heat", "Heat Wave", False),
    ("2001: A Space Odyssey", "2010", False),
])
def test_series_of_titles(a, b, same):
    assert same_series(a, b) is same, (series_key(a), series_key(b))


def test_the_matrix_and_its_sequel_share_a_lead():
    assert same_series("The Matrix", "The Matrix Reloaded", ["Keanu Reeves"], ["Keanu Reeves", "Carrie-Anne Moss"])
    assert not same_series("Heat", "Heat Wave", ["Al Pacino"], ["Someone Else"])


def test_limit_series_keeps_two_per_series_and_fills_back():
    titles = {1: "Toy Story", 2: "Toy Story 2", 3: "Toy Story 3", 4: "Up", 5: "Cars"}
    order = limit_series([1, 2, 3, 4, 5], titles.get, lambda f: (), 4)
    assert order == [1, 2, 4, 5]
    assert limit_series([1, 2, 3], titles.get, lambda f: (), 3) == [1, 2, 3]  # nothing else: held back, then back
    assert limit_series([2, 3, 4], titles.get, lambda f: (), 3, query=1) == [2, 3, 4]  # the query's own series
    assert crowded([1, 2, 3, 4], titles.get, lambda f: ())


def test_no_answer_of_the_popular_films_holds_three_films_of_one_series(dialogue):
    facts = dialogue.facts
    crowded_answers = []
    popular = [int(f) for f in facts.ids[np.argsort(-facts.votes, kind="stable")[:100]]]
    for film in popular:
        reply = dialogue.reply(f"films like {dialogue._named(film)}")
        if reply.film == film and crowded(_ids(reply), facts.series_title, facts.leads, film):
            crowded_answers.append((dialogue._named(film), [facts.series_title(f) for f in _ids(reply)]))
    assert not crowded_answers


def test_gladiator_gets_at_most_two_lord_of_the_rings_films_but_the_fellowship_gets_its_sequels(dialogue):
    titles = [dialogue.facts.series_title(f) for f in _ids(dialogue.reply("films like Gladiator (2000)"))]
    assert sum(t.startswith("The Lord of the Rings") for t in titles) <= 2
    own = [dialogue.facts.series_title(f) for f in
           _ids(dialogue.reply("films like The Lord of the Rings: The Fellowship of the Ring"))]
    assert sum(t.startswith("The Lord of the Rings") for t in own) == 2  # both sequels, as the data's list says


# -- bad input on the new phrases -------------------------------------------------------------------
@pytest.mark.parametrize("message", ["more like the tenth one", "not the ninth one", "le dixième mais en plus récent",
                                     "something like #12"])
def test_a_position_beyond_the_answer_gets_a_clear_reply(dialogue, message):
    first = dialogue.reply("films like Heat")
    reply = dialogue.reply(message, first.conversation_id)
    assert reply.status == "explain" and ("no film number" in reply.text or "pas de film numéro" in reply.text)


@pytest.mark.parametrize("message", ["something lighter", "plus sombre", "surprise me", "I also loved Zodiac"])
def test_a_critique_opening_a_conversation_is_answered(dialogue, message):
    reply = dialogue.reply(message)
    assert reply.status in ("ok", "fewer") and reply.films, reply.text


def test_the_api_answers_card_actions_and_rejects_bad_ones(client):
    first = client.post("/chat", json={"message": "a comedy from the 90s"}).json()
    film = first["recommendations"][0]["id"]
    conversation = first["conversation_id"]
    rejected = client.post("/chat", json={"not_for_me": film, "conversation_id": conversation})
    assert rejected.status_code == 200, rejected.text
    assert f"rejected:{film}" in [c["key"] for c in rejected.json()["constraints"]]
    assert film not in [r["id"] for r in rejected.json()["recommendations"]]
    pivot = client.post("/chat", json={"more_like": rejected.json()["recommendations"][1]["id"],
                                       "conversation_id": conversation})
    assert pivot.status_code == 200 and pivot.json()["film"]["id"] == rejected.json()["recommendations"][1]["id"]
    for body, words in [({"more_like": 1}, "conversation_id"),
                        ({"more_like": film, "not_for_me": film, "conversation_id": conversation}, "one of"),
                        ({"not_for_me": 999_999_999, "conversation_id": conversation}, "not shown"),
                        ({"more_like": -3, "conversation_id": conversation}, "more_like")]:
        response = client.post("/chat", json=body)
        assert response.status_code == 422, (body, response.text)
        assert words in response.text.lower(), (body, response.text)
