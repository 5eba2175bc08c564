"""Simulated users on the real sample catalogue: deterministic, grounded in the target's facts, never
naming it, at most two new facts a turn, critiques in their own language, and a summary with intervals."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import pytest

from pelliculum_lib.config import Settings
from pelliculum_lib.conversation import build_dialogue, detect_language
from pelliculum_lib.data.titles import TitleResolver
from pelliculum_lib.evaluation.simulated_users import (CRITIQUES, DEV_SEED, ORDINALS_EN, ORDINALS_FR, REPORT_SEED,
                                                       STRATA, TOP_CAST, WELL_KNOWN, names, run, sample_users,
                                                       summary)

from conftest import SAMPLE_DATA


@pytest.fixture(scope="module")
def dialogue(sample_catalogue):
    """The conversation layer over the sample catalogue and its own retriever (fitted once, in the test cache)."""
    from pelliculum_lib.recommending.retrieval import cached_retriever

    settings = Settings(dataset=str(SAMPLE_DATA), meaning="off")
    retriever = cached_retriever(sample_catalogue, "all", settings)
    return build_dialogue(sample_catalogue, retriever, TitleResolver(sample_catalogue),
                          lambda film: [f for f, _ in retriever.candidates(film, 8)], settings)


@pytest.fixture(scope="module")
def facts(dialogue):
    return dialogue.facts


@pytest.fixture(scope="module")
def users(facts):
    return sample_users(facts, 12, DEV_SEED)


@pytest.fixture(scope="module")
def frame(dialogue, facts, users):
    return run(dialogue, facts, users)


def _sessions(facts, users, turns: int = 6, seed: int = 0):
    """Every user's turns against random answers (the target left out): (user, [Said, ...])."""
    rng = random.Random(seed)
    pool = [int(f) for f in facts.ids[:1500]]
    for user in users:
        session = user.session(facts)
        said = [session.opening()]
        for _ in range(turns - 1):
            said.append(session.react([f for f in rng.sample(pool, 8) if f != user.target]))
        yield user, said


def test_users_are_deterministic_balanced_and_grounded_in_their_target(facts, users):
    assert sample_users(facts, 12, DEV_SEED) == users
    assert sample_users(facts, 12, REPORT_SEED) != users
    assert len({u.target for u in users}) == 12
    for stratum in STRATA:
        mine = [u for u in users if u.stratum == stratum]
        assert len(mine) == 4 and {u.language for u in mine} == {"en", "fr"}
    for user in users:
        row = facts.row[user.target]
        low, high = STRATA[user.stratum]
        assert low <= facts.votes[row] <= high
        for fact in user.facts:
            if fact.kind == "genre":
                assert fact.value in facts.genres[row]
            elif fact.kind == "decade":
                assert fact.value == int(facts.year[row]) // 10 * 10
            elif fact.kind == "actor":
                assert fact.value in facts.cast[row][:TOP_CAST]
            elif fact.kind == "theme":
                assert fact.value in facts.keywords[row]
            else:
                assert fact.kind == "film" and fact.film != user.target
                assert facts.votes[facts.row[fact.film]] > WELL_KNOWN
        kinds = [f.kind for f in user.facts]
        assert len(set(kinds)) == len(kinds) - max(0, kinds.count("film") - 1)  # one of each kind, two liked films
        assert kinds.count("film") <= 2 and (not kinds.count("film") or kinds[0] == "film")
        films = [f.film for f in user.facts if f.kind == "film"]
        assert len(set(films)) == len(films)


def test_messages_never_name_the_target(facts, frame):
    for title, messages in zip(frame["title"], frame["messages"]):
        assert not any(names(m, title) for m in messages), (title, messages)
    for user, said in _sessions(facts, sample_users(facts, 90, 11)):
        texts = [s.text for s in said if s is not None]
        assert not any(names(t, user.title) or user.title.casefold() in t.casefold() and len(user.title) > 3
                       for t in texts), (user.title, texts)


def test_at_most_two_new_facts_a_turn(facts, users, frame):
    by_target = {u.target: u for u in users}
    for target, revealed in zip(frame["target"], frame["revealed"]):
        assert all(len(turn) <= 2 for turn in revealed)
        told = [fact for turn in revealed for fact in turn]
        assert len(told) == len(set(told))  # never the same fact twice
        assert set(told) <= {str(f) for f in by_target[target].facts}
    for user, said in _sessions(facts, users):
        assert all(len(s.revealed) <= 2 for s in said if s is not None)


def _frame_pattern(frame: str, language: str) -> str:
    ordinals = "|".join(ORDINALS_FR if language == "fr" else ORDINALS_EN)
    return re.escape(frame).replace(r"\{ord\}", f"(?:{ordinals})").replace(r"\{actor\}", ".+")


def test_critiques_are_in_the_users_language(facts, frame):
    seen = set()
    for user, said in _sessions(facts, sample_users(facts, 60, 3)):
        for turn in (s for s in said if s is not None and s.kind != "facts"):
            assert detect_language(turn.text) == user.language, turn
            # a critique, then (while facts remain) one new fact in the same message
            tail = r" .+" if turn.revealed else ""
            assert any(re.fullmatch(_frame_pattern(f, user.language) + tail, turn.text)
                       for f in CRITIQUES[user.language][turn.kind]), turn
            assert len(turn.revealed) <= 1, turn
            seen.add((user.language, turn.kind))
    for language in ("en", "fr"):
        assert {kind for lang, kind in seen if lang == language} >= {"close", "older", "newer"}
    for language, kinds, messages in zip(frame["language"], frame["kinds"], frame["messages"]):
        assert all(detect_language(m) == language for k, m in zip(kinds, messages) if k != "facts")


def test_run_gives_one_row_per_user(users, frame):
    assert len(frame) == len(users) == 12
    assert list(frame["target"]) == [u.target for u in users]
    for row in frame.itertuples():
        assert row.success_turn is None or row.success_turn in {1, 2, 3, 4, 5}
        assert row.turns == (row.success_turn or 5) == len(row.messages) == len(row.shown) == len(row.kinds)
        assert all(len(shown) <= 8 for shown in row.shown)
        if row.success_turn is not None:
            assert row.target in row.shown[row.success_turn - 1]
            assert not any(row.target in shown for shown in row.shown[:row.success_turn - 1])
        else:
            assert not any(row.target in shown for shown in row.shown)


def test_the_same_users_say_the_same_things(dialogue, facts, users, frame):
    again = run(dialogue, facts, users[:3])
    assert list(again["messages"]) == list(frame["messages"][:3])
    assert list(again["shown"]) == list(frame["shown"][:3])


def test_summary_has_intervals_per_language_and_stratum(frame):
    table = summary(frame, resamples=300)
    assert {(g, v) for g, v in zip(table["group"], table["value"])} >= \
        {("all", "all"), ("language", "en"), ("language", "fr"), ("stratum", "top"), ("stratum", "tail")}
    for row in table.to_dict("records"):
        assert 0.0 <= row["success@5"] <= 1.0
        assert row["success@5 lo"] <= row["success@5"] <= row["success@5 hi"]
        assert row["success@1"] <= row["success@5"]
        assert 1.0 <= row["mean turns"] <= 5.0
    assert table.loc[0, "users"] == len(frame)


@dataclass
class _Answer:
    conversation_id: str
    films: list = field(default_factory=list)
    status: str = "ok"


class _Oracle:
    """A stand-in dialogue (an ablation passes its own): shows the target from turn ``at`` on, never before."""

    def __init__(self, users, at: int):
        self.targets, self.at, self.turns = {}, at, {}
        self.queue = [u.target for u in users]

    def reply(self, message, conversation_id=None, remove=None):
        if conversation_id is None:
            conversation_id = str(len(self.turns))
            self.targets[conversation_id] = self.queue.pop(0)
        self.turns[conversation_id] = self.turns.get(conversation_id, 0) + 1
        shown = [self.targets[conversation_id]] if self.turns[conversation_id] >= self.at else []
        return _Answer(conversation_id, [(f, "") for f in shown])


def test_another_dialogue_can_be_passed(facts, users):
    assert list(run(_Oracle(users, 1), facts, users)["success_turn"]) == [1] * len(users)
    late = run(_Oracle(users, 4), facts, users)
    assert list(late["success_turn"]) == [4] * len(users) and list(late["turns"]) == [4] * len(users)
    never = run(_Oracle(users, 9), facts, users, turns=3)
    assert list(never["success_turn"]) == [None] * len(users) and list(never["turns"]) == [3] * len(users)
    table = summary(never, resamples=100)
    assert table.loc[0, "success@3"] == 0.0 and table.loc[0, "mean turns"] == 3.0
