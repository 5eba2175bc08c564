"""The title trie: whatever the model picks among the allowed tokens, the answer is made of
catalogue titles, none repeated, never the query film, at most ``max_titles``, and it ends."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from pelliculum_lib.modeling.constrained import TitleConstraint, TitleTrie
from pelliculum_lib.modeling.answers import TitleIndex, answer_titles
from pelliculum_lib.modeling.loading import END_OF_TURN

TRICKY = {1: "Airplane!", 2: "The Good, the Bad and the Ugly", 3: "The Good", 4: "Alien", 5: "Aliens",
          6: "Se7en", 7: "20,000 Leagues Under the Sea", 8: "Amélie", 9: "Léon: The Professional", 10: "M"}


@pytest.fixture(scope="module")
def eot(tokenizer) -> int:
    return tokenizer.convert_tokens_to_ids(END_OF_TURN)


@pytest.fixture(scope="module")
def tricky(tokenizer, eot) -> TitleConstraint:
    return TitleConstraint(TitleTrie.build(TRICKY, tokenizer, eot), eot, max_titles=8)


@pytest.fixture(scope="module")
def real(tokenizer, eot, sample_catalogue) -> tuple[TitleConstraint, dict[int, str]]:
    labels = sample_catalogue.labels.head(1500).to_dict()
    return TitleConstraint(TitleTrie.build(labels, tokenizer, eot), eot, max_titles=8), labels


def walk(constraint: TitleConstraint, choose, excluded: set[int], limit: int = 400) -> tuple[list[int], bool]:
    bound = constraint.start(0, [excluded])
    tokens: list[int] = []
    for _ in range(limit):
        allowed = bound.allowed(0, tokens)
        assert allowed, "the constraint must always allow something"
        token = choose(allowed)
        tokens.append(token)
        if token == constraint.end:
            return tokens, True
    return tokens, False


def check(constraint, tokenizer, labels, tokens, excluded, max_titles=8):
    films = constraint.films(tokens)
    assert 1 <= len(films) <= max_titles
    assert len(set(films)) == len(films)
    assert not set(films) & excluded
    assert all(f in labels for f in films)
    text = tokenizer.decode(tokens, skip_special_tokens=True)
    assert text == ", ".join(labels[f] for f in films)  # the text is exactly the titles


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_walks_over_tricky_titles(tricky, tokenizer, data):
    excluded = data.draw(st.sets(st.sampled_from(sorted(TRICKY)), max_size=3))
    tokens, ended = walk(tricky, lambda allowed: data.draw(st.sampled_from(sorted(allowed))), excluded)
    assert ended
    check(tricky, tokenizer, TRICKY, tokens, excluded)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_walks_over_real_titles(real, tokenizer, data):
    constraint, labels = real
    excluded = {data.draw(st.sampled_from(sorted(labels)))}
    tokens, ended = walk(constraint, lambda allowed: data.draw(st.sampled_from(sorted(allowed))), excluded)
    assert ended
    check(constraint, tokenizer, labels, tokens, excluded)


def test_long_answers_stop_after_max_titles(tokenizer, eot):
    titles = {i: f"Film {i}" for i in range(1, 30)}
    constraint = TitleConstraint(TitleTrie.build(titles, tokenizer, eot), eot, max_titles=3)
    # Always prefer continuing: the third title must still end with the end of turn.
    tokens, ended = walk(constraint, lambda allowed: max(allowed, key=lambda t: (t != eot, t)), set())
    assert ended and len(constraint.films(tokens)) == 3


def test_a_title_containing_a_comma_and_its_prefix_title(tricky, tokenizer):
    answer = "The Good, the Bad and the Ugly, The Good, Airplane!" + END_OF_TURN
    tokens = tokenizer(answer, add_special_tokens=False).input_ids
    bound = tricky.start(0, [set()])
    for i in range(len(tokens)):
        assert tokens[i] in bound.allowed(0, tokens[:i]), tokenizer.decode(tokens[:i + 1])
    assert tricky.films(tokens) == [2, 3, 1]


def test_training_answers_are_inside_the_trie(real, tokenizer, sample_catalogue):
    """The trie holds titles exactly as the model saw them in its training answers."""
    from pelliculum_lib.data.phases import phase_answers

    constraint, labels = real
    index = TitleIndex.from_catalogue(sample_catalogue)
    checked = 0
    for answer in phase_answers(sample_catalogue, "3").head(300):
        films = [index.lookup(t) for t in answer_titles(answer, index.labels)]
        if not all(f in labels for f in films):
            continue
        tokens = tokenizer(answer + END_OF_TURN, add_special_tokens=False).input_ids
        bound = constraint.start(0, [set()])
        assert all(tokens[i] in bound.allowed(0, tokens[:i]) for i in range(len(tokens)))
        assert constraint.films(tokens) == films
        checked += 1
    assert checked >= 5
