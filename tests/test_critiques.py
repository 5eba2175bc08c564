"""Critiques of an answer, on the full catalogue: "more like the second one" pivots on that film, "not the third
one" never comes back, "shorter" caps the runtime under the last answer's, "not with X" narrows the request — in
English and French, with a clear reply (never a 500) for a position the answer does not have."""

from __future__ import annotations

import statistics
import threading

import pytest


@pytest.mark.parametrize("opener, critique, position, genres", [
    ("a comedy from the 90s", "more like the second one", 2, ["Comedy"]),
    ("a comedy from the 90s", "something like #3", 3, ["Comedy"]),
    ("une comédie des années 90", "plus dans le genre du troisième", 3, ["Comedy"]),
    ("une comédie des années 90", "le premier mais en plus récent", 1, ["Comedy"]),
    ("films like Heat", "more like the fourth one", 4, []),
    ("des films comme Heat", "quelque chose qui ressemble plus au premier ?", 1, []),
])
def test_an_item_critique_pivots_on_that_film_and_keeps_the_constraints(dialogue, opener, critique, position,
                                                                         genres):
    first = dialogue.reply(opener)
    pivot = first.films[position - 1][0]
    asked = dialogue.parser.parse(critique).request
    assert asked.action == "pivot" and asked.position == position and asked.film is None  # "the fourth" is no film
    reply = dialogue.reply(critique, first.conversation_id)
    request = dialogue.store.open(reply.conversation_id).request
    assert request.film == pivot and reply.films and request.description is None  # the critique is no description
    shown = {f for f, _ in first.films}
    assert not shown & {f for f, _ in reply.films}  # new films
    assert dialogue.parser.parse(opener).request.genres == genres
    assert set(genres) <= set(request.genres)  # the opener's genres are kept
    assert all(dialogue.facts.satisfies(f, request) for f, _ in reply.films)


def test_like_the_first_but_newer_moves_the_years_past_that_film(dialogue):
    first = dialogue.reply("films like Alien")
    pivot = first.films[0][0]
    reply = dialogue.reply("like the first one but newer", first.conversation_id)
    request = dialogue.store.open(reply.conversation_id).request
    year = dialogue.facts.year[dialogue.facts.row[pivot]]
    assert request.film == pivot and request.year_min == int(year) + 1
    assert reply.films and all(dialogue.facts.year[dialogue.facts.row[f]] > year for f, _ in reply.films)


@pytest.mark.parametrize("critique", ["not the third one", "already seen the third one", "pas le troisième",
                                      "déjà vu le troisième"])
def test_a_rejected_film_never_comes_back(dialogue, critique):
    first = dialogue.reply("a comedy from the 90s")
    rejected = first.films[2][0]
    reply = dialogue.reply(critique, first.conversation_id)
    assert reply.films and rejected not in {f for f, _ in reply.films}
    assert reply.text.startswith(("Noted: not", "C’est noté : pas"))
    for _ in range(4):  # neither in "more" nor after a refinement
        reply = dialogue.reply("more", reply.conversation_id)
        assert rejected not in {f for f, _ in reply.films}
    reply = dialogue.reply("only the 90s ones with a good rating", reply.conversation_id)
    assert rejected not in {f for f, _ in reply.films}


def test_rejections_hold_under_concurrent_turns(dialogue):
    first = dialogue.reply("films like Heat")
    rejected = {first.films[0][0]}
    dialogue.reply("not the first one", first.conversation_id)
    seen: list[int] = []
    lock = threading.Lock()

    def more():
        reply = dialogue.reply("more", first.conversation_id)
        with lock:
            seen.extend(f for f, _ in reply.films)

    threads = [threading.Thread(target=more) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not rejected & set(seen) and len(seen) == len(set(seen))


@pytest.mark.parametrize("opener, critique", [("an epic adventure with Viggo Mortensen", "shorter"),
                                              ("films like The Lord of the Rings: The Return of the King",
                                               "something shorter"),
                                              ("des films comme Titanic", "plus courts")])
def test_shorter_caps_the_runtime_under_the_last_answer(dialogue, opener, critique):
    first = dialogue.reply(opener)
    runtimes = [dialogue.facts.runtime[dialogue.facts.row[f]] for f, _ in first.films]
    median = statistics.median([r for r in runtimes if r == r])
    reply = dialogue.reply(critique, first.conversation_id)
    request = dialogue.store.open(reply.conversation_id).request
    assert request.max_runtime is not None and request.max_runtime < median
    assert reply.films and all(dialogue.facts.runtime[dialogue.facts.row[f]] <= request.max_runtime
                               for f, _ in reply.films)
    assert "max_runtime:" in {c.key for c in reply.constraints}  # a chip: removing it undoes the critique


@pytest.mark.parametrize("critique", ["not with Robert De Niro", "pas avec Robert De Niro"])
def test_not_with_an_actor_narrows_the_last_request(dialogue, critique):
    first = dialogue.reply("crime films from the 90s")
    reply = dialogue.reply(critique, first.conversation_id)
    request = dialogue.store.open(reply.conversation_id).request
    assert request.without_people == ["Robert De Niro"] and "Crime" in request.genres
    assert reply.films and all("Robert De Niro" not in dialogue.facts.cast[dialogue.facts.row[f]]
                               for f, _ in reply.films)


@pytest.mark.parametrize("critique", ["more like the tenth one", "plus dans le genre du dixième", "not the ninth one"])
def test_a_position_beyond_the_answer_gets_a_clear_reply(dialogue, critique):
    first = dialogue.reply("a comedy from the 90s")
    reply = dialogue.reply(critique, first.conversation_id)
    assert reply.status == "explain" and not reply.films
    assert "no film number" in reply.text or "pas de film numéro" in reply.text


@pytest.mark.parametrize("message, title", [("looking for a movie with a twist like the sixth sense", "The Sixth Sense"),
                                            ("films like the first wives club", "The First Wives Club")])
def test_an_ordinal_inside_a_title_is_no_critique(dialogue, message, title):
    request = dialogue.parser.parse(message).request
    assert request.action != "pivot" and dialogue.facts.labels[dialogue.facts.row[request.film]] == title


def test_a_critique_before_any_answer_asks_for_films_first(dialogue):
    reply = dialogue.reply("more like the second one")
    assert reply.status == "no_film" and not reply.films
