"""Phase builders: the seed's three phases as chat messages."""

from __future__ import annotations

from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.phases import build_phase, to_prompt_completion
from pelliculum_lib.data.prompts import NONE_ANSWER, split_titles


def _answers(dataset):
    return {row["source_id"]: row["messages"][-1]["content"] for row in dataset}


def test_messages_follow_the_chat_format(sample_catalogue, settings):
    row = build_phase(sample_catalogue, "3", settings=settings)[0]
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    assert row["messages"][0]["content"] == settings.system_prompt
    assert row["messages"][1]["content"] == f"Suggest movies similar to {row['title']}\nmovie recommendations:"


def test_phase3_keeps_resolved_titles_at_most_eight(tiny_frame, settings):
    catalogue = Catalogue.from_frame(tiny_frame)
    answers = _answers(build_phase(catalogue, "3", settings=settings))
    assert answers == {1: "Beta, Gamma", 2: "Alpha, Gamma", 5: "Alpha"}  # 12 and 999 skipped
    real = _answers(build_phase(sample_catalogue_ := Catalogue.load(settings.dataset), "3", settings=settings))
    known = set(sample_catalogue_.labels)
    counts = [len(split_titles(a, known)) for a in real.values()]
    assert max(counts) == 8 and min(counts) >= 1
    assert NONE_ANSWER not in real.values()


def test_phase2_variants(tiny_frame, settings):
    catalogue = Catalogue.from_frame(tiny_frame)
    ids = _answers(build_phase(catalogue, "2a", settings=settings))
    assert ids == {1: "2-3-12", 2: "1-3", 5: "999-1"}
    titles = _answers(build_phase(catalogue, "2b", settings=settings))
    assert titles[3] == titles[4] == NONE_ANSWER and titles[1] == "Beta, Gamma"
    assert len(titles) == len(catalogue)


def test_phase1_puts_all_metadata_in_the_prompt(sample_catalogue, settings):
    row = next(r for r in build_phase(sample_catalogue, "1", settings=settings) if r["title"] == "The Dark Knight")
    prompt, answer = row["messages"][1]["content"], row["messages"][2]["content"]
    for field in ("Title: The Dark Knight", "Genres: Drama, Action", "Christian Bale", "Budget: $185,000,000",
                  "Rating: 8.1/10", "Overview: Batman raises the stakes"):
        assert field in prompt
    assert "Why-So" not in prompt and answer.splitlines()[0].startswith("Inception | 2010 |")


def test_split_never_leaks_a_held_out_film(sample_catalogue, settings):
    train = set(build_phase(sample_catalogue, "3", split="train", settings=settings)["source_id"])
    held = set(build_phase(sample_catalogue, "3", split="eval", settings=settings)["source_id"])
    assert train and held and not train & held
    assert len(train) + len(held) == build_phase(sample_catalogue, "3", settings=settings).num_rows


def test_prompt_completion_split(sample_catalogue, settings):
    pc = to_prompt_completion(build_phase(sample_catalogue, "3", settings=settings).select(range(3)))
    assert pc.column_names == ["prompt", "completion"]
    assert [m["role"] for m in pc[0]["prompt"]] == ["system", "user"]
    assert [m["role"] for m in pc[0]["completion"]] == ["assistant"]


def test_split_titles_keeps_titles_with_commas():
    known = {"The Good, the Bad and the Ugly", "Heat"}
    assert split_titles("Heat, The Good, the Bad and the Ugly, Alien", known) == [
        "Heat", "The Good, the Bad and the Ugly", "Alien"]
    assert split_titles(" , Heat, , ") == ["Heat"]


def test_split_titles_keeps_numbers_with_commas():
    assert split_titles("20,000 Leagues Under the Sea, Mary Poppins") == ["20,000 Leagues Under the Sea", "Mary Poppins"]
